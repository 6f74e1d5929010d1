from django.contrib import admin
from django.db import models

from qianshao.audit.admin import AuditedModelAdmin, ReadOnlyAdmin
from qianshao.notify.models import Delivery, InboxItem, Message, Webhook


@admin.register(Webhook)
class WebhookAdmin(AuditedModelAdmin):
    list_display = ["name", "url", "active"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    readonly_fields = [
        "attempt",
        "started_at",
        "finished_at",
        "ok",
        "status_code",
        "response",
        "error",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event",
        "channel",
        "address",
        "subject",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", "event"]
    inlines = [DeliveryInline]


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    list_display = ["user", "subject", "created_at", "read_at"]
