from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.grid.models import Role
from qianshao.warnings.models import (
    Delivery,
    Feed,
    LevelRule,
    Warning,
    WarningTemplate,
    WarningType,
)


@admin.register(WarningType)
class WarningTypeAdmin(AuditedModelAdmin):
    """预警类型: the county may add types; a type in use is switched off, not deleted."""

    list_display = ["code", "name", "cap_event", "cap_category", "sort", "active"]
    list_editable = ["sort", "active"]


@admin.register(WarningTemplate)
class WarningTemplateAdmin(AuditedModelAdmin):
    """预警信息模板: the county's wording per type and level; the new-warning form fills its
    headline, text and instruction from the one matching the chosen type and level."""

    list_display = ["type", "level", "headline", "active"]
    list_filter = ["type", "level", "active"]
    list_editable = ["active"]
    list_select_related = ["type"]


class LevelRuleForm(forms.ModelForm):
    # chosen from the known roles, at least one (the model's clean checks the same)
    roles = forms.MultipleChoiceField(
        label=_("接收角色"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = LevelRule
        fields = [
            "level",
            "roles",
            "answer_minutes",
            "escalate_minutes",
            "second_approval",
            "approval_threshold",
        ]


@admin.register(LevelRule)
class LevelRuleAdmin(AuditedModelAdmin):
    """预警级别规则: who receives each level, the 叫应 time, the escalation and the second
    person's approval by reach (a save drops the rules' cache in this process; the others
    see it within a minute)."""

    form = LevelRuleForm
    list_display = [
        "level",
        "roles",
        "answer_minutes",
        "escalate_minutes",
        "second_approval",
        "approval_threshold",
    ]
    list_editable = ["answer_minutes", "escalate_minutes", "second_approval", "approval_threshold"]


@admin.register(Feed)
class FeedAdmin(AuditedModelAdmin):
    """CAP 订阅源: upstream release systems' feeds of CAP 1.2 alerts, polled by the worker."""

    list_display = ["name", "url", "active", "auto_issue", "interval_minutes", "last_ok_at"]
    list_editable = ["active", "auto_issue"]
    readonly_fields = ["last_polled_at", "last_ok_at", "last_error"]


@admin.register(Warning)
class WarningAdmin(ReadOnlyAdmin):
    """Warnings change only through their steps (pages, API, CAP feeds, the sweep)."""

    list_display = ["number", "headline", "level", "status", "cell", "issued_at", "chase_level"]
    list_filter = ["status", "level", "source", "type"]
    search_fields = ["number", "headline", "cap_identifier"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["warning", "person", "cell", "role", "answer", "answered_at"]
    list_filter = ["answer", "role"]
    raw_id_fields = ["warning", "person", "cell"]
