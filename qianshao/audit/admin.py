from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from qianshao.audit.chain import append as audit
from qianshao.audit.models import AuditRecord


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin edits of registries are actions too: each change is one audit record."""

    def save_model(self, request, obj, form, change):
        before = _data(type(obj)._default_manager.filter(pk=obj.pk).first()) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                obj=obj,
                cell_path=_path_of(obj),
                before=before,
                after=_data(obj),
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit(
                actor=request.user,
                action="admin.delete",
                obj=obj,
                cell_path=_path_of(obj),
                before=_data(obj),
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def _data(obj):
    if obj is None:
        return None
    secret = {"password", "secret"}
    return {
        k: v for k, v in model_to_dict(obj).items() if k not in secret and not hasattr(v, "read")
    }


def _path_of(obj) -> str:
    if hasattr(obj, "path"):
        return obj.path or ""
    cell = getattr(obj, "cell", None)
    return getattr(cell, "path", "") or ""


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ["seq", "at", "actor_label", "action", "object_type", "object_label"]
    # no list filter by action: it reads every record's action (SELECT DISTINCT) on each
    # page, and no index keeps them any more (audit 0005); an action is searched instead
    search_fields = ["^action", "object_label", "actor_label", "object_id"]
