"""A login's tokens end with what they stood for: its password, its being on, its posts.

Every way a password changes or a login is switched off (the admin, ``changepassword``, a
shell) saves the user, so the rule hangs on the user's save; a post ends through
``grid.actions.end_term``, which saves the assignment's ``end``.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from qianshao.accounts.actions import revoke_all_tokens
from qianshao.grid.models import RoleAssignment

User = get_user_model()


@receiver(pre_save, sender=User)
def _note_what_changes(sender, instance, raw=False, **kwargs):
    instance._qianshao_token_reason = None
    fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (fields and not {"password", "is_active"} & set(fields)):
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["is_active"] and not instance.is_active:
        instance._qianshao_token_reason = _("账号已停用")
    elif before["password"] != instance.password:
        instance._qianshao_token_reason = _("密码已更改")


@receiver(post_save, sender=User)
def _revoke_on_password_or_deactivation(sender, instance, raw=False, **kwargs):
    reason = getattr(instance, "_qianshao_token_reason", None)
    if reason and not raw:
        revoke_all_tokens(None, instance, reason=reason)


@receiver(post_save, sender=RoleAssignment)
def _revoke_when_the_last_post_ends(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or instance.end is None:
        return
    person = instance.person
    if person.user_id is None:
        return
    later = RoleAssignment.objects.filter(person=person).filter(
        Q(end__isnull=True) | Q(end__gt=instance.end)
    )
    if not later.exists():
        revoke_all_tokens(None, person.user, reason=_("最后一个职务已结束"))
