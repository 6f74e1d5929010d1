from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.disasters.models import (
    DisasterReport,
    ReliefApplication,
    ReportingRule,
    ZeroReport,
)
from qianshao.grid.models import CellKind


class ReportingRuleForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("应报网格类型"),
        choices=CellKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("留空为村和社区"),
    )
    escalate_minutes = forms.IntegerField(
        label=_("截止后多久通知上一级（分钟）"), min_value=1, max_value=24 * 60
    )

    class Meta:
        model = ReportingRule
        fields = ["deadline", "deadline_next_day", "kinds", "escalate_minutes", "start"]


@admin.register(ReportingRule)
class ReportingRuleAdmin(AuditedModelAdmin):
    """零报告规则: one row — the daily deadline (on the day or the next), which kinds of
    cell report, when the level above is told, and from which day missing reports are
    chased (a save drops the rule's cache in this process; the others see it within a
    minute)."""

    form = ReportingRuleForm
    list_display = ["deadline", "deadline_next_day", "kinds", "escalate_minutes", "start"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ReportingRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ZeroReport)
class ZeroReportAdmin(ReadOnlyAdmin):
    """Zero reports change only through filing and correcting (pages, API)."""

    list_display = ["day", "cell", "kind", "on_time", "submitted_at", "reporter"]
    list_filter = ["kind", "on_time", "day"]
    raw_id_fields = ["cell", "disaster", "reporter"]


@admin.register(DisasterReport)
class DisasterReportAdmin(ReadOnlyAdmin):
    """Disaster reports change only through their steps (初报, 续报, 核报)."""

    list_display = ["number", "type", "cell", "status", "started_at", "affected", "dead"]
    list_filter = ["status", "type"]
    search_fields = ["number", "place"]
    raw_id_fields = ["cell", "reporter"]


@admin.register(ReliefApplication)
class ReliefApplicationAdmin(ReadOnlyAdmin):
    list_display = ["report", "kind", "households", "people", "amount", "status", "applied_at"]
    list_filter = ["status", "kind"]
    raw_id_fields = ["report"]
