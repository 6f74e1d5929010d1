from django.contrib import admin

from qianshao.audit.admin import ReadOnlyAdmin
from qianshao.ops.models import Alert


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """The alerts as they were opened and closed (the health watch keeps them)."""

    list_display = ["opened_at", "message", "key", "closed_at", "notified_at"]
    list_filter = ["source"]
