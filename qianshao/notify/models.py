"""The notifications outbox, delivery attempts, the in-app inbox and webhooks."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("站内消息")
    SMS = "sms", _("短信")
    WEBHOOK = "webhook", _("Webhook")


class Status(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("发送失败")


class Webhook(models.Model):
    name = models.CharField(_("名称"), max_length=64)
    url = models.URLField(_("地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=128, blank=True)
    events = models.JSONField(
        _("事件"),
        default=list,
        blank=True,
        help_text=_("事件名列表，如 grid.role_assigned；留空表示全部"),
    )
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("推送接口（Webhook）")
        verbose_name_plural = _("推送接口（Webhook）")

    def __str__(self) -> str:
        return self.name

    def wants(self, event: str) -> bool:
        return self.active and (not self.events or event in self.events)


class Message(models.Model):
    """One notification on one channel to one recipient, written by an action."""

    # The message's identity outside (the SMS gateway drops a repeat of it); never looked
    # up here, so not indexed: a warning writes a hundred thousand messages at once.
    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    event = models.CharField(_("事件"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    # Recipients are not indexed either: messages are read by status and due time, and
    # deleting a user, person or webhook (rare, in the admin) may scan the table. Nor are
    # they foreign-key constraints in PostgreSQL, which checks them one row by one at the
    # commit (a warning writes two messages a person); the ORM keeps the CASCADE
    # (docs/adr/0040).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    person = models.ForeignKey(
        "grid.Person",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    webhook = models.ForeignKey(
        Webhook, models.CASCADE, null=True, blank=True, related_name="messages", db_index=False
    )
    address = models.CharField(_("地址"), max_length=500, blank=True)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    # in-app: the label of the button that opens ``link`` (the body names it); 查看 when blank
    action = models.CharField(_("按钮"), max_length=20, blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)
    # unique where given (a partial index: most messages have none, and skip it)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="message_dedupe_key_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address or self.user}: {self.subject}"


class Delivery(models.Model):
    """One attempt to deliver a message, and what came of it."""

    message = models.ForeignKey(Message, models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["message", "attempt"]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.attempt}"


class InboxItem(models.Model):
    """An in-app message in a user's inbox."""

    # indexed by the index below, which leads with the user
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="inbox", db_index=False
    )
    message = models.OneToOneField(Message, models.CASCADE, related_name="inbox_item")
    # the message's event, whose kind (lib.panels.kind_of) files it under a tab
    event = models.CharField(_("事件"), max_length=64, blank=True, default="")
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    action = models.CharField(_("按钮"), max_length=20, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        # the unread badge and the unread count of each kind (grouped by event) read this
        # index alone, however long the user's history
        indexes = [
            models.Index(fields=["user", "read_at", "event"], name="inbox_unread_by_event"),
            # the inbox's ordering, a user's page walked by keyset (lib.keyset)
            models.Index(fields=["user", "created_at", "id"], name="inbox_listed"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def button(self) -> str:
        """The label of the button that opens the link."""
        return self.action or str(_("查看"))


class FanOut(models.Model):
    """The rest of a fan-out too large for the action's transaction (``notify.fanout``):
    the messages of the source rows with ids ``next_id``…``last_id`` are still to be
    queued, a chunk at a time, by the writer registered under ``kind``."""

    kind = models.CharField(max_length=64)
    source_id = models.BigIntegerField()  # what the writer fans out from: a warning
    next_id = models.BigIntegerField()  # the first row id not yet messaged
    last_id = models.BigIntegerField()
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    touched_at = models.DateTimeField()  # the last chunk written: a stalled one is resumed

    class Meta:
        verbose_name = _("分批发送")
        verbose_name_plural = _("分批发送")

    def __str__(self) -> str:
        return f"{self.kind}:{self.source_id} {self.next_id}…{self.last_id}"


class JobRun(models.Model):
    """The last run of one periodic job (``notify.jobs``): one row per job, upserted."""

    name = models.CharField(max_length=200, primary_key=True)
    every_s = models.PositiveIntegerField(default=0)  # how often it is due, when it ran
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    error = models.TextField(blank=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("定时任务运行")
        verbose_name_plural = _("定时任务运行")

    def __str__(self) -> str:
        return self.name
