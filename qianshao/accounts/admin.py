from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from qianshao.accounts.models import ApiToken, User
from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    pass


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
