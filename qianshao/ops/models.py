"""The alerts: one row per problem of the health report (``ops.health``) from when it was
found until it was fixed, told once when opened and once when closed (``ops.alerts``)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Alert(models.Model):
    key = models.CharField(_("问题"), max_length=200)  # ops.health.Problem.key
    source = models.CharField(_("检查项"), max_length=32)  # the check that found it
    message = models.CharField(_("内容"), max_length=500)
    detail = models.TextField(_("详情"), blank=True)
    opened_at = models.DateTimeField(_("发现时间"))
    closed_at = models.DateTimeField(_("恢复时间"), null=True, blank=True)
    notified_at = models.DateTimeField(_("告警通知时间"), null=True, blank=True)
    resolved_notified_at = models.DateTimeField(_("恢复通知时间"), null=True, blank=True)
    # the SMS messages (notify.Message ids) about it, which each watch sends until delivered
    sms = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("运行告警")
        verbose_name_plural = _("运行告警")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # one open alert per problem, however many watchers run at once
            models.UniqueConstraint(
                fields=["key"], condition=Q(closed_at__isnull=True), name="ops_alert_open_once"
            )
        ]

    def __str__(self) -> str:
        return self.message
