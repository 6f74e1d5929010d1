from django.contrib import admin

from qianshao.incidents.models import ReportingRule


@admin.register(ReportingRule)
class ReportingRuleAdmin(admin.ModelAdmin):
    """The reporting deadlines: one row, changed, never added or deleted."""

    list_display = ["__str__", "unit_minutes", "level_minutes", "county_minutes", "update_hours"]

    def has_add_permission(self, request):
        return not ReportingRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
