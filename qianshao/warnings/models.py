"""Warnings (预警) and 叫应: a warning goes down the grid to every responsible person in its
target cells, each must answer, and whoever has not answered is chased up the grid."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Person, Role
from qianshao.workflow.flow import Flow


class Level(models.TextChoices):
    RED = "red", _("红色")
    ORANGE = "orange", _("橙色")
    YELLOW = "yellow", _("黄色")
    BLUE = "blue", _("蓝色")


# Ⅰ–Ⅳ级, and the CAP severity observed in China's national release system's messages.
ROMAN = {Level.RED: "Ⅰ", Level.ORANGE: "Ⅱ", Level.YELLOW: "Ⅲ", Level.BLUE: "Ⅳ"}
SEVERITY = {
    Level.RED: "Extreme",
    Level.ORANGE: "Severe",
    Level.YELLOW: "Moderate",
    Level.BLUE: "Minor",
}


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    ISSUED = "issued", _("已发布")
    UPDATED = "updated", _("已更新")
    CANCELLED = "cancelled", _("已解除")
    EXPIRED = "expired", _("已过期")


class Step(models.TextChoices):
    """The steps of a warning's life; each is one action in ``warnings.actions``."""

    EDIT = "edit", _("修改")
    SUBMIT = "submit", _("提交审核")
    RETURN = "return", _("退回修改")
    APPROVE = "approve", _("审核")
    ISSUE = "issue", _("发布")
    UPDATE = "update", _("更新")
    CANCEL = "cancel", _("解除")
    EXPIRE = "expire", _("到期")


# The transition table; the workflow mechanism (``FLOW`` below, qianshao.workflow.flow) is
# the only writer of a status.
TRANSITIONS: dict[str, dict[str, str]] = {
    # a draft is edited as it stays one; submitted for approval it is not, until sent back
    Status.DRAFT: {
        Step.EDIT: Status.DRAFT,
        Step.SUBMIT: Status.SUBMITTED,
        Step.APPROVE: Status.APPROVED,
        Step.ISSUE: Status.ISSUED,
        Step.CANCEL: Status.CANCELLED,
    },
    Status.SUBMITTED: {
        Step.APPROVE: Status.APPROVED,
        Step.RETURN: Status.DRAFT,
        Step.ISSUE: Status.ISSUED,
        Step.CANCEL: Status.CANCELLED,
    },
    Status.APPROVED: {Step.ISSUE: Status.ISSUED, Step.CANCEL: Status.CANCELLED},
    Status.ISSUED: {
        Step.UPDATE: Status.UPDATED,
        Step.CANCEL: Status.CANCELLED,
        Step.EXPIRE: Status.EXPIRED,
    },
    Status.UPDATED: {},
    Status.CANCELLED: {},
    Status.EXPIRED: {},
}
ENDED = frozenset({Status.UPDATED, Status.CANCELLED, Status.EXPIRED})
# not issued yet: seen by those who issue in its cell, not by those it would reach
PENDING = [Status.DRAFT, Status.SUBMITTED, Status.APPROVED]


class Source(models.TextChoices):
    LOCAL = "local", _("本级发布")
    UPSTREAM = "upstream", _("上级预警发布系统")
    RELAY = "relay", _("转发")


class WarningType(models.Model):
    """A kind of warning (暴雨, 台风 …): configurable, with its CAP event and category."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    cap_event = models.CharField(_("CAP 事件名"), max_length=64, blank=True)
    cap_category = models.CharField(_("CAP 类别"), max_length=16, default="Met")
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预警类型")
        verbose_name_plural = _("预警类型")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class LevelRule(models.Model):
    """Per level: who receives a warning, how long they have to answer (叫应), when the
    level above is told, and whether a second person must approve one that reaches at
    least ``approval_threshold`` percent of a county's villages and communities (ADR 18)."""

    level = models.CharField(_("级别"), max_length=8, choices=Level.choices, unique=True)
    roles = models.JSONField(_("接收角色"), default=list, help_text=_("角色编码列表"))
    answer_minutes = models.PositiveIntegerField(_("叫应时限（分钟）"))
    escalate_minutes = models.PositiveIntegerField(
        _("再次催办后上报上级（分钟）"), help_text=_("超过叫应时限后再过多久通知上一级调度员")
    )
    second_approval = models.BooleanField(
        _("须另一人审核"),
        default=False,
        help_text=_("预警覆盖某县的村（社区）达到审核阈值时，须由起草人以外的人审核后才能发布"),
    )
    approval_threshold = models.PositiveSmallIntegerField(
        _("审核阈值（%）"),
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "预警范围（含下级网格）覆盖某县村和社区的百分比达到此值即须审核，1–100；"
            "无论如何拆分发布范围，按实际覆盖计算"
        ),
    )

    class Meta:
        verbose_name = _("预警级别规则")
        verbose_name_plural = _("预警级别规则")
        ordering = ["level"]

    def __str__(self) -> str:
        return self.get_level_display()

    def clean(self) -> None:
        """The roles must be a non-empty list of known role codes: anything else (a bare
        string, a misspelt code) would match nobody, and the level would reach no one."""
        super().clean()
        roles = self.roles
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            raise ValidationError(
                {"roles": _('接收角色须为非空的角色编码列表，如 ["head", "dispatcher"]')}
            )
        unknown = [r for r in roles if r not in Role.values]
        if unknown:
            raise ValidationError(
                {
                    "roles": _("未知的角色编码：%(codes)s（可用：%(known)s）")
                    % {"codes": "、".join(unknown[:10]), "known": "、".join(Role.values)}
                }
            )


class Warning(models.Model):
    number = models.CharField(_("编号"), max_length=24, unique=True)
    type = models.ForeignKey(
        WarningType, models.PROTECT, related_name="warnings", verbose_name=_("预警类型")
    )
    level = models.CharField(_("级别"), max_length=8, choices=Level.choices)
    headline = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("预警内容"), max_length=4000)
    instruction = models.TextField(_("防御指引"), max_length=4000, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    sender_name = models.CharField(_("发布单位"), max_length=100)
    # The cell in whose name it is issued (the county, or a township for a relay).
    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="issued_warnings", verbose_name=_("发布网格")
    )
    cell_path = models.CharField(max_length=255, editable=False)
    valid_from = models.DateTimeField(_("生效时间"))
    valid_until = models.DateTimeField(_("失效时间"))
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="relays",
        verbose_name=_("所转发的预警"),
    )
    # the version this one updates (a withdrawn draft of an update leaves room for another)
    replaces = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="versions",
        verbose_name=_("更新自"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # the author asked, submitting it, that approving it issues it in the same step
    issue_on_approval = models.BooleanField(_("审核通过后立即发布"), default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    issued_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    end_reason = models.CharField(_("解除原因"), max_length=500, blank=True)
    # CAP 1.2: our own identifier when issued here, the upstream one when imported.
    cap_identifier = models.CharField(max_length=200, unique=True)
    cap_sender = models.CharField(max_length=200)
    cap_sent = models.DateTimeField(null=True, blank=True)
    cap_xml = models.TextField(blank=True, help_text=_("导入的 CAP 原文"))
    recipients = models.PositiveIntegerField(_("接收人数"), default=0)
    # 叫应 and its chase, for all of its deliveries at once (they fall due together): when
    # they must have answered, how far the chase of those who have not has come (0 not yet,
    # 1 resent and their own level told, 2 the level above told), and when it goes on.
    answer_due_at = models.DateTimeField(_("叫应时限"), null=True, blank=True)
    chase_level = models.PositiveSmallIntegerField(_("催办级别"), default=0)
    chase_at = models.DateTimeField(null=True, blank=True, db_index=True)

    SCOPE_FIELD = "targets__cell_path"

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "valid_until"]),
            # the lists' ordering, walked by keyset (lib.keyset) past a large scope
            models.Index(fields=["created_at", "id"], name="warnings_listed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.headline}"

    @property
    def roman(self) -> str:
        return ROMAN[self.level]

    @property
    def is_active(self) -> bool:
        return self.status == Status.ISSUED


# The fields each step's audit record snapshots before and after.
AUDITED = ["status", "level", "type", "headline", "valid_from", "valid_until", "recipients"]
FLOW = Flow(
    Warning,
    TRANSITIONS,
    steps=Step,
    statuses=Status,
    area="warnings",
    fields=AUDITED,
    # a draft starts as one; a relay (转发) is issued as it is written
    begins={"draft": Status.DRAFT, "relay": Status.ISSUED},
)


class WarningTemplate(models.Model):
    """The county's wording of a type and level of warning: the new-warning form fills the
    headline, text and instruction from it, to be edited before saving."""

    type = models.ForeignKey(
        WarningType, models.CASCADE, related_name="templates", verbose_name=_("预警类型")
    )
    level = models.CharField(_("级别"), max_length=8, choices=Level.choices)
    headline = models.CharField(_("标题模板"), max_length=200)
    text = models.TextField(_("预警内容模板"), max_length=4000)
    instruction = models.TextField(_("防御指引模板"), max_length=4000, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("预警信息模板")
        verbose_name_plural = _("预警信息模板")
        ordering = ["type__sort", "type__code", "level"]
        constraints = [
            models.UniqueConstraint(fields=["type", "level"], name="one_template_per_type_level")
        ]

    def __str__(self) -> str:
        return f"{self.type.name}{self.get_level_display()}"


class Target(models.Model):
    """A target cell of a warning: the cell and its whole subtree."""

    warning = models.ForeignKey(Warning, models.CASCADE, related_name="targets")
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+")
    cell_path = models.CharField(max_length=255)

    class Meta:
        verbose_name = _("预警范围")
        verbose_name_plural = _("预警范围")
        constraints = [
            models.UniqueConstraint(fields=["warning", "cell"], name="one_target_per_cell")
        ]
        indexes = [models.Index(fields=["cell_path"])]

    def __str__(self) -> str:
        return f"{self.warning_id} → {self.cell_id}"


class Answer(models.TextChoices):
    """叫应, in the order a recipient moves through them."""

    RECEIVED = "received", _("已收到")
    ACTING = "acting", _("正在处置")
    DONE = "done", _("已处置")


ANSWER_ORDER = [Answer.RECEIVED, Answer.ACTING, Answer.DONE]


def open_answers(current: str) -> list[str]:
    """The answers a recipient may give after ``current`` ("" before any), in order:
    已收到 alone until it is given, then the later ones (正在处置 may be passed over); none
    repeated, none backwards."""
    if not current:
        return [Answer.RECEIVED]
    return ANSWER_ORDER[ANSWER_ORDER.index(current) + 1 :]


class Channel(models.TextChoices):
    """Where an answer came from."""

    PHONE = "phone", _("手机页面")
    INBOX = "inbox", _("站内消息")
    LINK = "link", _("短信一键回复")
    API = "api", _("接口")
    RELAY = "relay", _("转发")  # relaying a warning answers one's own delivery of it


class Delivery(models.Model):
    """One warning to one responsible person: whether, when and how they answered (the
    chase of those who have not is the warning's: ``Warning.chase_level``)."""

    # Indexed as written below, not per key: a fan-out writes tens of thousands at once.
    # No foreign-key constraints in PostgreSQL, which checks one row by one at the commit
    # (three per delivery: a province's issue spent a second on them); the ORM keeps
    # CASCADE and PROTECT, and the issue writes only what it read (docs/adr/0040).
    warning = models.ForeignKey(
        Warning, models.CASCADE, related_name="deliveries", db_index=False, db_constraint=False
    )
    person = models.ForeignKey(
        Person,
        models.PROTECT,
        related_name="warning_deliveries",
        db_index=False,
        db_constraint=False,
    )
    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    cell_path = models.CharField(max_length=255)
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    phone = models.CharField(_("手机号"), max_length=11)
    # the one-tap link's token (warnings.links): kept so that the messages of a fan-out or
    # a chase are written by the database, which cannot compute it
    token = models.CharField(max_length=32, editable=False)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    answer = models.CharField(
        _("叫应"), max_length=12, choices=Answer.choices, blank=True, default=""
    )
    answered_at = models.DateTimeField(_("首次叫应"), null=True, blank=True)
    answered_via = models.CharField(
        _("叫应方式"), max_length=8, choices=Channel.choices, blank=True
    )
    note = models.CharField(_("处置说明"), max_length=500, blank=True)
    evacuated = models.PositiveIntegerField(_("转移人数"), null=True, blank=True)
    due_at = models.DateTimeField(_("叫应时限"))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("预警送达")
        verbose_name_plural = _("预警送达")
        ordering = ["cell_path", "id"]
        constraints = [
            # also the index of a person's deliveries
            models.UniqueConstraint(fields=["person", "warning"], name="one_delivery_per_person")
        ]
        indexes = [
            models.Index(fields=["warning", "cell_path"]),  # a warning's, by subtree
            # a person's, as their list orders them (lib.keyset)
            models.Index(
                fields=["person", "answered_at", "created_at", "id"], name="delivery_listed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.warning_id} → {self.person_id}"

    @property
    def is_overdue(self) -> bool:
        return not self.answered_at and self.due_at <= timezone.now()


class Reply(models.Model):
    """Each answer a recipient gave, in order (the delivery keeps the latest)."""

    delivery = models.ForeignKey(Delivery, models.CASCADE, related_name="replies")
    answer = models.CharField(_("叫应"), max_length=12, choices=Answer.choices)
    via = models.CharField(_("叫应方式"), max_length=8, choices=Channel.choices)
    note = models.CharField(_("处置说明"), max_length=500, blank=True)
    evacuated = models.PositiveIntegerField(_("转移人数"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("叫应记录")
        verbose_name_plural = _("叫应记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.answer}"


class Feed(models.Model):
    """An upstream release system's feed of CAP 1.2 alerts (Atom or RSS), polled."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("地址"), max_length=500)
    active = models.BooleanField(_("启用"), default=True)
    auto_issue = models.BooleanField(
        _("自动发布"), default=True, help_text=_("导入后立即向匹配的网格发布；否则存为草稿")
    )
    interval_minutes = models.PositiveIntegerField(_("轮询间隔（分钟）"), default=2)
    last_polled_at = models.DateTimeField(_("上次轮询"), null=True, blank=True)
    last_ok_at = models.DateTimeField(_("上次成功"), null=True, blank=True)
    last_error = models.TextField(_("上次错误"), blank=True)

    class Meta:
        verbose_name = _("CAP 订阅源")
        verbose_name_plural = _("CAP 订阅源")

    def __str__(self) -> str:
        return self.name
