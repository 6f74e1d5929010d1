from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext as _

from qianshao.accounts.logins import check_username
from qianshao.accounts.models import ApiToken, User
from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.lib.errors import ActionError


class UsernameRule:
    """The admin's user forms keep the rule of ``logins.check_username``."""

    def clean_username(self):
        parent = getattr(super(), "clean_username", None)
        username = parent() if parent else self.cleaned_data["username"]
        try:
            person = self.instance.person if self.instance.pk else None
        except ObjectDoesNotExist:
            person = None
        try:
            username = check_username(username, person=person)
        except ActionError as exc:
            raise ValidationError(exc.message) from exc
        others = User.objects.exclude(pk=self.instance.pk).filter(username__iexact=username)
        if others.exists():
            raise ValidationError(_("用户名 %(u)s 已被使用") % {"u": username})
        return username


class AddUserForm(UsernameRule, AdminUserCreationForm):
    pass


class ChangeUserForm(UsernameRule, UserChangeForm):
    pass


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    add_form = AddUserForm
    form = ChangeUserForm


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "prefix",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
