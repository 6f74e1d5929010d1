from django.contrib import admin

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.hazards.models import (
    Hazard,
    PublicReport,
    Reward,
    StepDeadline,
    Supervision,
    SupervisionRung,
)


class RuleAdmin(AuditedModelAdmin):
    """Deadlines and supervision rungs are configured here (a save drops their cache)."""


@admin.register(StepDeadline)
class StepDeadlineAdmin(RuleAdmin):
    list_display = ["grade", "status", "hours"]
    list_editable = ["hours"]
    list_filter = ["grade"]


@admin.register(SupervisionRung)
class SupervisionRungAdmin(RuleAdmin):
    list_display = ["grade", "level", "after_hours", "answer_hours"]
    list_editable = ["after_hours", "answer_hours"]
    list_filter = ["grade"]


@admin.register(Hazard)
class HazardAdmin(ReadOnlyAdmin):
    """Hazards change only through the steps of the loop (pages, API, the sweep)."""

    list_display = ["number", "title", "grade", "status", "cell", "overdue", "reported_at"]
    list_filter = ["status", "grade", "overdue", "source", "category"]
    search_fields = ["number", "title"]


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["hazard", "level", "status", "answer_by", "answered_at"]
    list_filter = ["level"]


@admin.register(PublicReport)
class PublicReportAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "status", "anonymous", "cell", "created_at"]
    list_filter = ["status", "anonymous"]


@admin.register(Reward)
class RewardAdmin(ReadOnlyAdmin):
    list_display = ["public_report", "status", "amount", "updated_at"]
