"""The append-only, hash-chained record of every action (执法全过程记录、可追溯)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit records are append-only")

    def delete(self):
        raise AppendOnlyError("audit records are append-only")

    def for_object(self, obj) -> "AuditQuerySet":
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))


class Scheme(models.TextChoices):
    """How a record's hash is made (docs/adr/0017)."""

    SHA256 = "sha256", "SHA-256"  # records written before the chain was keyed
    HMAC_SHA256 = "hmac-sha256", "HMAC-SHA256"  # keyed with settings.AUDIT_KEY


class AuditRecord(models.Model):
    """One action. ``hash`` covers every field and the previous record's hash; since ADR 17
    it is an HMAC with a key kept outside the database."""

    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=100)
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象"), max_length=64)
    object_label = models.CharField(_("对象名称"), max_length=200, blank=True)
    cell_path = models.CharField(_("网格路径"), max_length=255, blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    scheme = models.CharField(max_length=16, choices=Scheme.choices)

    objects = AuditQuerySet.as_manager()

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit records are append-only")
        kwargs["force_insert"] = True  # never an UPDATE, even of a new object with a used seq
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit records are append-only")


class AuditHead(models.Model):
    """The single row that holds the chain's tip; locking it serialises appends."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_seq}"
