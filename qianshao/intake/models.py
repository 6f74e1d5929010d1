from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Submission(models.Model):
    """A client-made UUID and what its first submission produced."""

    uuid = models.UUIDField(primary_key=True)
    kind = models.CharField(max_length=128)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提交记录")
        verbose_name_plural = _("提交记录")

    def __str__(self) -> str:
        return f"{self.kind} {self.uuid}"
