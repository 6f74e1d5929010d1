"""Hazards (隐患) and their closed loop: report, triage, 交办 under 五落实, rectification,
verification by someone else, 销号 — with deadlines, supervision (督办) and public reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Department, Domain, Person
from qianshao.lib.dbsql import NullsFirstIndex
from qianshao.workflow.flow import Flow


class Grade(models.TextChoices):
    GENERAL = "general", _("一般隐患")
    MAJOR = "major", _("重大隐患")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已上报")
    RETURNED = "returned", _("已退回")
    MERGED = "merged", _("已合并")
    ACCEPTED = "accepted", _("已受理")
    ESCALATED = "escalated", _("已抄告")
    ASSIGNED = "assigned", _("已交办")
    RECTIFYING = "rectifying", _("整改中")
    VERIFYING = "verifying", _("待核查")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已销号")


class Step(models.TextChoices):
    """The steps of the loop; each is one action in ``hazards.actions``."""

    REPORT = "report", _("上报")
    ACCEPT = "accept", _("受理")
    RETURN = "return", _("退回")
    RESUBMIT = "resubmit", _("重新上报")
    MERGE = "merge", _("合并")
    ESCALATE = "escalate", _("抄告")
    ASSIGN = "assign", _("交办")
    START = "start", _("开始整改")
    PROGRESS = "progress", _("报告进展")
    SUBMIT = "submit", _("提请核查")
    VERIFY = "verify", _("核查通过")
    REJECT = "reject", _("核查不通过")
    CLOSE = "close", _("销号")


# The transition table: from each status, the steps allowed and where each leads; the
# workflow mechanism (``FLOW`` below, qianshao.workflow.flow) is the only writer of a status.
TRANSITIONS: dict[str, dict[str, str]] = {
    Status.SUBMITTED: {
        Step.ACCEPT: Status.ACCEPTED,
        Step.RETURN: Status.RETURNED,
        Step.MERGE: Status.MERGED,
    },
    Status.RETURNED: {Step.RESUBMIT: Status.SUBMITTED},
    Status.MERGED: {},
    Status.ACCEPTED: {
        Step.ASSIGN: Status.ASSIGNED,
        Step.ESCALATE: Status.ESCALATED,
        Step.MERGE: Status.MERGED,
    },
    Status.ESCALATED: {Step.ASSIGN: Status.ASSIGNED},
    Status.ASSIGNED: {Step.START: Status.RECTIFYING},
    Status.RECTIFYING: {Step.PROGRESS: Status.RECTIFYING, Step.SUBMIT: Status.VERIFYING},
    Status.VERIFYING: {Step.VERIFY: Status.VERIFIED, Step.REJECT: Status.RECTIFYING},
    Status.VERIFIED: {Step.CLOSE: Status.CLOSED},
    Status.CLOSED: {},
}
# A hazard stopped on the spot (当场消除) is accepted straight into verification.
ON_SPOT_ACCEPTED = Status.VERIFYING
OPEN = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.ESCALATED,
        Status.ASSIGNED,
        Status.RECTIFYING,
        Status.VERIFYING,
        Status.VERIFIED,
    }
)
# Open hazards that have been taken up: 整改中 in the statistics table.
UNDER_RECTIFICATION = frozenset(
    {
        Status.ACCEPTED,
        Status.ESCALATED,
        Status.ASSIGNED,
        Status.RECTIFYING,
        Status.VERIFYING,
        Status.VERIFIED,
    }
)


class Source(models.TextChoices):
    PATROL = "patrol", _("网格巡查")
    SELF_CHECK = "self_check", _("企业自查")
    INSPECTION = "inspection", _("执法检查")
    PUBLIC = "public", _("群众举报")


class Hazard(models.Model):
    number = models.CharField(_("编号"), max_length=24, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    description = models.TextField(_("隐患描述"), max_length=4000)
    category = models.ForeignKey(
        Domain, models.PROTECT, related_name="hazards", verbose_name=_("类别")
    )
    grade = models.CharField(_("等级"), max_length=8, choices=Grade.choices, default=Grade.GENERAL)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    source = models.CharField(
        _("来源"), max_length=12, choices=Source.choices, default=Source.PATROL
    )
    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="hazards", verbose_name=_("所在网格")
    )
    # The cell's path, kept on the hazard so that scope and counts need no join. Its
    # ranges are read through the (cell_path, status) index; one of its own would be a
    # prefix of that one, and one more B-tree each report writes.
    cell_path = models.CharField(max_length=255, editable=False)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("位置描述"), max_length=200, blank=True)
    # The record of another area it was reported from, "<kind>:<key>" ("risks.point:12"):
    # its page links back through ``lib.panels.origin``; null when reported on its own.
    origin = models.CharField(_("来源记录"), max_length=64, null=True, blank=True)
    found_at = models.DateTimeField(_("发现时间"))
    stopped_on_spot = models.BooleanField(_("已当场劝阻/消除"), default=False)
    reporter = models.ForeignKey(
        Person,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="reported_hazards",
        verbose_name=_("报告人"),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # 谁主管、谁负责: the county department owning the category, set at report time.
    owner = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_hazards",
        verbose_name=_("主管部门"),
    )
    # Routing: a cell's station or a department rectifies; a department may hold it escalated.
    assignee_cell = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_hazards",
        verbose_name=_("承办网格"),
    )
    assignee_department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_hazards",
        verbose_name=_("承办部门"),
    )
    escalated_by = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="escalated_hazards",
        verbose_name=_("抄告单位"),
    )
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("合并到"),
        db_index=False,  # a partial index (Meta)
    )
    # 五落实: measures, responsible person, funds, deadline, contingency plan.
    measures = models.TextField(_("整改措施"), blank=True)
    responsible = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="responsible_hazards",
        verbose_name=_("整改责任人"),
    )
    funds = models.DecimalField(
        _("整改资金（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    deadline = models.DateTimeField(_("整改时限"), null=True, blank=True)
    contingency = models.TextField(_("应急预案"), blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改提交人"),
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核查人"),
    )
    # The current step's due time, whether it has passed, and when the sweep next looks.
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    overdue = models.BooleanField(_("已超时"), default=False)
    watch_at = models.DateTimeField(null=True, blank=True, db_index=True)
    supervision_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    reported_at = models.DateTimeField(_("上报时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["cell_path", "status"]),
            models.Index(fields=["status", "reported_at"]),
            # the lists' ordering (-reported_at, -id), walked by keyset (lib.keyset); the scope
            # read from the index as it is walked
            models.Index(fields=["reported_at", "id", "cell_path"], name="hazards_listed_idx"),
            # a list filtered by status and category, in the same order
            models.Index(
                fields=["status", "category", "reported_at", "id", "cell_path"],
                name="hazards_listed_kind_idx",
            ),
            # columns that most hazards leave empty, each read by its value: indexed where
            # they hold one, so that SQLite's statistics count the hazards that do, not a
            # million NULLs as one value that the planner would then walk a scope's whole
            # range for (docs/adr/0039)
            models.Index(
                fields=["merged_into"],
                condition=models.Q(merged_into__isnull=False),
                name="hazards_merged_into_idx",
            ),
            models.Index(
                fields=["origin"],
                condition=models.Q(origin__isnull=False),
                name="hazards_origin_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


# The fields each step's audit record snapshots before and after.
AUDITED = [
    "status",
    "grade",
    "cell",
    "assignee_cell",
    "assignee_department",
    "responsible",
    "measures",
    "funds",
    "deadline",
    "contingency",
    "due_at",
    "overdue",
    "supervision_level",
    "merged_into",
    "escalated_by",
    "owner",
    "rectified_by",
    "verified_by",
]
FLOW = Flow(
    Hazard,
    TRANSITIONS,
    steps=Step,
    statuses=Status,
    area="hazards",
    fields=AUDITED,
    begins={Step.REPORT: Status.SUBMITTED},
    branches={Step.ACCEPT: {ON_SPOT_ACCEPTED}},
)


class Stage(models.TextChoices):
    BEFORE = "before", _("整改前")
    PROGRESS = "progress", _("整改中")
    AFTER = "after", _("整改后")
    PUBLIC = "public", _("举报照片")


def photo_path(instance, filename: str) -> str:
    return f"hazards/{instance.created_at:%Y/%m}/{instance.token}.jpg"


class Photo(models.Model):
    """A photo of a hazard, re-encoded on upload (type and size checked, metadata removed)."""

    hazard = models.ForeignKey(Hazard, models.CASCADE, null=True, blank=True, related_name="photos")
    public_report = models.ForeignKey(
        "PublicReport", models.CASCADE, null=True, blank=True, related_name="photos"
    )
    stage = models.CharField(_("阶段"), max_length=10, choices=Stage.choices)
    token = models.CharField(max_length=32, unique=True)
    image = models.FileField(_("照片"), upload_to=photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.token


class Note(models.Model):
    """What a step said: a reason, a progress note, a verification opinion, a report back."""

    hazard = models.ForeignKey(Hazard, models.CASCADE, related_name="notes")
    step = models.CharField(_("环节"), max_length=12, choices=Step.choices)
    text = models.TextField(_("内容"), max_length=4000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("处理意见")
        verbose_name_plural = _("处理意见")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.step}"


class StepDeadline(models.Model):
    """How long a hazard of a grade may stay in a status (configurable in the admin)."""

    grade = models.CharField(_("等级"), max_length=8, choices=Grade.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    hours = models.PositiveIntegerField(_("时限（小时）"))

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        constraints = [
            models.UniqueConstraint(
                fields=["grade", "status"], name="one_deadline_per_grade_status"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} {self.get_status_display()} {self.hours}h"


class Level(models.IntegerChoices):
    """The supervision ladder (督办), one rung after another while a step stays overdue."""

    REMINDER = 1, _("提醒")
    LETTER = 2, _("函告")
    BULLETIN = 3, _("通报")
    INTERVIEW = 4, _("约谈")
    LISTED = 5, _("挂牌督办")


class SupervisionRung(models.Model):
    """When a rung is raised (hours after the step fell due) and how long to answer it."""

    grade = models.CharField(_("等级"), max_length=8, choices=Grade.choices)
    level = models.PositiveSmallIntegerField(_("督办级别"), choices=Level.choices)
    after_hours = models.PositiveIntegerField(_("超时后（小时）"))
    answer_hours = models.PositiveIntegerField(_("答复时限（小时）"))

    class Meta:
        verbose_name = _("督办规则")
        verbose_name_plural = _("督办规则")
        ordering = ["grade", "level"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "level"], name="one_rung_per_grade_level")
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} {self.get_level_display()}"


class Supervision(models.Model):
    """One supervision raised on an overdue hazard: who must answer, by when."""

    hazard = models.ForeignKey(Hazard, models.CASCADE, related_name="supervisions")
    level = models.PositiveSmallIntegerField(_("督办级别"), choices=Level.choices)
    # Which overdue step it is about: the status and its due time when it fell due.
    status = models.CharField(_("超时环节"), max_length=12, choices=Status.choices)
    step_due_at = models.DateTimeField(_("环节时限"))
    target_cell = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("督办对象（网格）"),
    )
    target_department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("督办对象（部门）"),
    )
    answer_by = models.DateTimeField(_("答复时限"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the hazard left the step it was raised for (or closed): no longer awaits answer.
    settled_at = models.DateTimeField(_("环节办结时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("督办时间"))

    SCOPE_FIELD = "hazard__cell_path"

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard", "status", "step_due_at", "level"], name="one_rung_per_due_step"
            )
        ]
        indexes = [
            # the lists' ordering, open first (sweep.open_first), walked by keyset
            NullsFirstIndex(
                fields=["settled_at", "answered_at", "answer_by", "id"],
                nulls_first=2,
                name="supervision_open_first",
            )
        ]

    def __str__(self) -> str:
        return f"{self.hazard_id} {self.get_level_display()}"


class Tally(models.Model):
    """How many hazards of a status, grade and overdue state lie in a cell's subtree.

    Kept by the actions for the hazard's cell path and every ancestor path, so that
    per-child counts read a few rows per child instead of scanning hazards (docs/adr/0007).
    """

    path = models.CharField(max_length=255)
    status = models.CharField(max_length=12, choices=Status.choices)
    grade = models.CharField(max_length=8, choices=Grade.choices)
    overdue = models.BooleanField()
    n = models.IntegerField(default=0)

    SCOPE_FIELD = "path"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["path", "status", "grade", "overdue"], name="one_tally_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.status} {self.grade} {self.overdue}: {self.n}"


class PublicStatus(models.TextChoices):
    RECEIVED = "received", _("已收到")
    ACCEPTED = "accepted", _("已转为隐患处理")
    REJECTED = "rejected", _("不予受理")


class PublicReport(models.Model):
    """A report from the public (举报), anonymous or by name, followed by a tracking code."""

    tracking_code = models.CharField(_("查询码"), max_length=16, unique=True)
    anonymous = models.BooleanField(_("匿名"), default=True)
    name = models.CharField(_("姓名"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=11, blank=True)
    text = models.TextField(_("举报内容"), max_length=2000)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("所在网格"))
    cell_path = models.CharField(max_length=255, db_index=True, editable=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=PublicStatus.choices, default=PublicStatus.RECEIVED
    )
    reply = models.TextField(_("答复"), blank=True)
    hazard = models.OneToOneField(
        Hazard, models.SET_NULL, null=True, blank=True, related_name="public_report"
    )
    client_address = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("举报时间"), auto_now_add=True)
    triaged_at = models.DateTimeField(null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("群众举报")
        verbose_name_plural = _("群众举报")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.tracking_code


class PublicStep(models.TextChoices):
    SUBMIT = "submit", _("举报")
    ACCEPT = "accept", _("转为隐患")
    REJECT = "reject", _("不予受理")


# A public report is triaged once: it becomes a hazard, or is not taken up.
PUBLIC_FLOW = Flow(
    PublicReport,
    {
        PublicStatus.RECEIVED: {
            PublicStep.ACCEPT: PublicStatus.ACCEPTED,
            PublicStep.REJECT: PublicStatus.REJECTED,
        },
        PublicStatus.ACCEPTED: {},
        PublicStatus.REJECTED: {},
    },
    steps=PublicStep,
    statuses=PublicStatus,
    area="hazards",
    begins={PublicStep.SUBMIT: PublicStatus.RECEIVED},
    refused=_("该举报已处理"),
    refused_field="report",
)


class RewardStatus(models.TextChoices):
    PROPOSED = "proposed", _("待审批")
    APPROVED = "approved", _("已批准")
    PAID = "paid", _("已发放")


class Reward(models.Model):
    """举报奖励 for a real-name report of a major hazard that proved true."""

    public_report = models.OneToOneField(PublicReport, models.PROTECT, related_name="reward")
    amount = models.DecimalField(
        _("金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=RewardStatus.choices, default=RewardStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE_FIELD = "public_report__cell_path"

    class Meta:
        verbose_name = _("举报奖励")
        verbose_name_plural = _("举报奖励")

    def __str__(self) -> str:
        return f"{self.public_report} {self.get_status_display()}"


class RewardStep(models.TextChoices):
    PROPOSE = "propose", _("提出")
    APPROVE = "approve", _("批准")
    PAY = "pay", _("发放")


# A reward is proposed when its hazard is closed, approved with its amount, then paid.
REWARD_FLOW = Flow(
    Reward,
    {
        RewardStatus.PROPOSED: {RewardStep.APPROVE: RewardStatus.APPROVED},
        RewardStatus.APPROVED: {RewardStep.PAY: RewardStatus.PAID},
        RewardStatus.PAID: {},
    },
    steps=RewardStep,
    statuses=RewardStatus,
    area="hazards",
    begins={RewardStep.PROPOSE: RewardStatus.PROPOSED},
    refused=_("奖励状态不能从“%(status)s”改为该状态"),
    refused_field="status",
)
