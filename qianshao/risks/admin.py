"""The risks' admin pages: the kinds of risk points (editable), the grading bands and the
patrol rule (one row each), the patrol frequencies by grade — saved through
``actions_config`` (an audit record each). Risk points and their records are read here and
changed through their pages and API (the actions)."""

from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from qianshao.audit.admin import ReadOnlyAdmin
from qianshao.lib.errors import ActionError
from qianshao.risks import actions_config
from qianshao.risks.models import (
    GradeRecord,
    Grading,
    PatrolFrequency,
    PatrolRule,
    RiskKind,
    RiskPoint,
)


class SettingAdmin(admin.ModelAdmin):
    """Saved through ``actions_config.save_setting``; a refusal is shown, nothing saved."""

    def save_model(self, request, obj, form, change):
        try:
            actions_config.save_setting(request.user, obj)
        except ActionError as refused:
            messages.error(request, refused.message)
            raise _Refused from refused

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except _Refused:
            return HttpResponseRedirect(request.get_full_path())


class _Refused(Exception):
    pass


class SingleRowAdmin(SettingAdmin):
    """One row (made by the migration): changed, never added beside it nor deleted."""

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not self.model.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskKind)
class RiskKindAdmin(SettingAdmin):
    list_display = ["name", "code", "group", "method", "flood_season", "order"]
    list_filter = ["group", "method"]
    list_editable = ["order"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and RiskPoint.objects.filter(kind=obj).exists():
            return ["code", "method"]
        return []

    def has_delete_permission(self, request, obj=None):
        if obj is not None and RiskPoint.objects.filter(kind=obj).exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Grading)
class GradingAdmin(SingleRowAdmin):
    list_display = ["__str__", "lec_red", "lec_orange", "lec_yellow", "matrix_red"]


@admin.register(PatrolRule)
class PatrolRuleAdmin(SingleRowAdmin):
    pass


@admin.register(PatrolFrequency)
class PatrolFrequencyAdmin(SettingAdmin):
    list_display = ["grade", "every_hours"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskPoint)
class RiskPointAdmin(ReadOnlyAdmin):
    list_display = ["name", "cell", "kind", "grade", "status", "published", "next_due_at"]
    list_filter = ["grade", "status", "kind", "published"]
    search_fields = ["name", "address"]
    raw_id_fields = ["cell", "enterprise", "responsible", "patroller"]


@admin.register(GradeRecord)
class GradeRecordAdmin(ReadOnlyAdmin):
    list_display = ["point", "at", "by_label", "score", "computed_grade", "grade"]
    raw_id_fields = ["point", "by"]
