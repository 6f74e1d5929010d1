from django.contrib import admin

from qianshao.incidents.models import DutyRule, DutySetting, ReportingRule


@admin.register(ReportingRule)
class ReportingRuleAdmin(admin.ModelAdmin):
    """The reporting deadlines: one row, changed, never added or deleted."""

    list_display = ["__str__", "unit_minutes", "level_minutes", "county_minutes", "update_hours"]

    def has_add_permission(self, request):
        return not ReportingRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DutyRule)
class DutyRuleAdmin(admin.ModelAdmin):
    """The duty desk's rules: one row, changed, never added or deleted."""

    list_display = ["__str__", "checkin_minutes", "spot_minutes", "handover_minutes", "warn_days"]

    def has_add_permission(self, request):
        return not DutyRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DutySetting)
class DutySettingAdmin(admin.ModelAdmin):
    """A cell's roster settings: its shifts' pattern and hours, and whether it keeps a roster
    (a village or enterprise only when enabled here; a township may be turned off)."""

    list_display = ["cell", "enabled", "pattern", "starts", "night_starts"]
    list_filter = ["enabled", "pattern"]
    autocomplete_fields = ["cell"]
