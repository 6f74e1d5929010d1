"""The duty desk (值班值守, docs/adr/0025 "Duty"): who is on duty at each level when, their
check-in at the start of a shift, the county's spot checks (查岗), the handover between
shifts (交接班) and the duty log (值班日志: 接、报、传、跟).

The county and every township and park keep a roster; the admin may enable any other cell
(``DutySetting``). A shift has a leader on duty (带班领导) and the A and B posts (AB岗), people
of the grid. Swaps are proposed by the one giving the post and accepted by the one taking
it (``SWAP_FLOW``).
"""

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "DUTY_KINDS",
    "SWAP_FLOW",
    "DutyEntry",
    "DutyRule",
    "DutySetting",
    "EntryKind",
    "Handover",
    "Pattern",
    "Post",
    "Shift",
    "SpotAnswer",
    "SpotCheck",
    "Swap",
    "SwapStatus",
    "SwapStep",
]

# the cells that keep a roster without being enabled
DUTY_KINDS = ("county", "township", "park")


class DutyRule(models.Model):
    """The duty desk's rules (one row, edited in the admin)."""

    checkin_minutes = models.PositiveIntegerField(
        _("在岗确认时限（开班后分钟）"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    spot_minutes = models.PositiveIntegerField(
        _("查岗应答时限（分钟）"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    handover_minutes = models.PositiveIntegerField(
        _("交接班确认时限（接班后分钟）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    warn_days = models.PositiveIntegerField(
        _("提前提醒空班（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )

    class Meta:
        verbose_name = _("值班规则")
        verbose_name_plural = _("值班规则")

    def __str__(self) -> str:
        return str(_("值班规则"))


class Pattern(models.TextChoices):
    FULL = "full", _("24小时班")
    HALF = "half", _("白班/夜班")


class DutySetting(models.Model):
    """A cell's roster settings: its shifts (one of 24 hours from ``starts``, or a day shift
    from ``starts`` and a night shift from ``night_starts``), and whether it keeps a roster
    (a village or enterprise only when enabled here)."""

    cell = models.OneToOneField(Cell, models.CASCADE, related_name="+", verbose_name=_("网格"))
    enabled = models.BooleanField(_("实行值班"), default=True)
    pattern = models.CharField(
        _("班次"), max_length=8, choices=Pattern.choices, default=Pattern.FULL
    )
    starts = models.TimeField(_("接班时间"), default=time(8, 30))
    night_starts = models.TimeField(_("夜班接班时间"), default=time(17, 30))

    class Meta:
        verbose_name = _("值班设置")
        verbose_name_plural = _("值班设置")

    def __str__(self) -> str:
        return str(self.cell)


class Post(models.TextChoices):
    LEADER = "leader", _("带班领导")
    A = "a", _("A岗")
    B = "b", _("B岗")


class Shift(models.Model):
    """One shift of a cell's roster: when, who (the leader on duty, the A and B posts), and
    its check-in (在岗确认: who confirmed, when). ``watch_at`` is when the sweep next has
    something to do for it (a check-in missing 15 minutes after the start, then the level
    above)."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("网格"))
    cell_path = models.CharField(max_length=255)
    day = models.DateField(_("日期"))
    part = models.CharField(_("班次"), max_length=8, default="full")
    starts_at = models.DateTimeField(_("接班时间"))
    ends_at = models.DateTimeField(_("交班时间"))
    leader = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("带班领导")
    )
    post_a = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("A岗")
    )
    post_b = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("B岗")
    )
    confirmed_at = models.DateTimeField(_("在岗确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("确认人")
    )
    watch_at = models.DateTimeField(null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["cell_path", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "starts_at"], name="one_shift_a_start")
        ]
        indexes = [
            models.Index(fields=["cell_path", "starts_at"], name="shift_path_start"),
            models.Index(fields=["starts_at", "ends_at"], name="shift_time"),
            models.Index(
                fields=["watch_at"],
                name="shift_watch",
                condition=models.Q(watch_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.cell_path} {self.starts_at:%Y-%m-%d %H:%M}"

    def people(self) -> list[Person]:
        """Who is on this shift (leader, A, B), each once."""
        found = []
        for person in (self.leader, self.post_a, self.post_b):
            if person is not None and person not in found:
                found.append(person)
        return found

    def person_ids(self) -> set[int]:
        return {pk for pk in (self.leader_id, self.post_a_id, self.post_b_id) if pk}


class SwapStatus(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    ACCEPTED = "accepted", _("已换班")
    DECLINED = "declined", _("已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


class SwapStep(models.TextChoices):
    PROPOSE = "propose", _("申请换班")
    ACCEPT = "accept", _("同意换班")
    DECLINE = "decline", _("拒绝换班")
    WITHDRAW = "withdraw", _("撤回申请")


class Swap(models.Model):
    """A swap of one post of a shift: proposed by the one giving it (``giver``), done when
    the one taking it (``taker``) accepts — both sides confirm."""

    shift = models.ForeignKey(Shift, models.CASCADE, related_name="swaps")
    cell_path = models.CharField(max_length=255)
    post = models.CharField(_("岗位"), max_length=8, choices=Post.choices)
    giver = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("换出人"))
    taker = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("换入人"))
    status = models.CharField(_("状态"), max_length=12, choices=SwapStatus.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    asked_at = models.DateTimeField(_("申请时间"))
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("换班")
        verbose_name_plural = _("换班")
        ordering = ["-asked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "post"],
                name="one_open_swap_a_post",
                condition=models.Q(status="proposed"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.shift} {self.post}"


SWAP_FLOW = Flow(
    Swap,
    {
        SwapStatus.PROPOSED: {
            SwapStep.ACCEPT: SwapStatus.ACCEPTED,
            SwapStep.DECLINE: SwapStatus.DECLINED,
            SwapStep.WITHDRAW: SwapStatus.WITHDRAWN,
        },
        SwapStatus.ACCEPTED: {},
        SwapStatus.DECLINED: {},
        SwapStatus.WITHDRAWN: {},
    },
    steps=SwapStep,
    statuses=SwapStatus,
    area="incidents.swap",
    fields=["status"],
    begins={SwapStep.PROPOSE: SwapStatus.PROPOSED},
)


class SpotCheck(models.Model):
    """查岗: a level checks the levels under it on duty now; each answers within the rule's
    ``spot_minutes`` (``SpotAnswer``)."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("查岗单位"))
    cell_path = models.CharField(max_length=255)
    at = models.DateTimeField(_("查岗时间"))
    due_at = models.DateTimeField(_("应答截止"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answers_n = models.PositiveIntegerField(_("应答数"), default=0)
    total = models.PositiveIntegerField(_("查岗数"), default=0)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("查岗")
        verbose_name_plural = _("查岗")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["cell_path", "-at"], name="spot_path_at")]

    def __str__(self) -> str:
        return f"{self.cell_path} {self.at:%Y-%m-%d %H:%M}"


class SpotAnswer(models.Model):
    """One level's answer to a spot check: the shift on duty then, when someone on it
    answered (late after the deadline) — chased at the deadline (``watch_at``)."""

    spot = models.ForeignKey(SpotCheck, models.CASCADE, related_name="answers")
    shift = models.ForeignKey(Shift, models.PROTECT, null=True, blank=True, related_name="+")
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("被查单位"))
    cell_path = models.CharField(max_length=255)
    due_at = models.DateTimeField(_("应答截止"))
    answered_at = models.DateTimeField(_("应答时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("应答人")
    )
    late = models.BooleanField(_("超时"), default=False)
    watch_at = models.DateTimeField(null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("查岗应答")
        verbose_name_plural = _("查岗应答")
        ordering = ["cell_path"]
        constraints = [models.UniqueConstraint(fields=["spot", "cell"], name="one_answer_a_level")]
        indexes = [
            models.Index(
                fields=["watch_at"],
                name="spot_answer_watch",
                condition=models.Q(watch_at__isnull=False),
            ),
            models.Index(fields=["cell_path", "-due_at"], name="spot_answer_path"),
        ]

    def __str__(self) -> str:
        return f"{self.cell_path} {self.due_at:%Y-%m-%d %H:%M}"


class Handover(models.Model):
    """交接班: the outgoing shift's note to the incoming one, prefilled with what is open
    (``items``: the open incidents, warnings in force not fully answered, today's missing
    zero reports, overdue hazards, escalations waiting — as they stood when written), and
    its acceptance by someone of the incoming shift; not accepted in the rule's time it is
    chased (``watch_at``)."""

    shift = models.OneToOneField(Shift, models.PROTECT, related_name="handover")
    to_shift = models.ForeignKey(Shift, models.PROTECT, null=True, blank=True, related_name="+")
    cell_path = models.CharField(max_length=255)
    text = models.TextField(_("交班说明"), max_length=4000)
    items = models.JSONField(_("待办事项"), default=list)
    written_at = models.DateTimeField(_("交班时间"))
    written_by = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("交班人")
    )
    accepted_at = models.DateTimeField(_("接班确认时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("接班人")
    )
    watch_at = models.DateTimeField(null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("交接班")
        verbose_name_plural = _("交接班")
        ordering = ["-written_at", "-id"]
        indexes = [
            models.Index(
                fields=["watch_at"],
                name="handover_watch",
                condition=models.Q(watch_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.shift} → {self.to_shift_id}"


class EntryKind(models.TextChoices):
    RECEIVE = "receive", _("接")
    REPORT = "report", _("报")
    PASS = "pass", _("传")
    FOLLOW = "follow", _("跟")


class DutyEntry(models.Model):
    """One entry of a cell's duty log (值班日志): a call or report received (接), reported up
    (报), passed on to whom (传), what followed (跟) — append-only: a correction is a new
    entry (``corrects``); a follow-up points at what it follows (``follows``); an incident
    opened from an entry is linked by the follow-up that records it."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("网格"))
    cell_path = models.CharField(max_length=255)
    shift = models.ForeignKey(Shift, models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=EntryKind.choices)
    at = models.DateTimeField(_("时间"))
    caller = models.CharField(_("来电/来源"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    text = models.TextField(_("内容"), max_length=2000)
    passed_to = models.CharField(_("转交/报送对象"), max_length=100, blank=True)
    follows = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("跟进")
    )
    corrects = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("更正")
    )
    incident = models.ForeignKey(
        "incidents.Incident", models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("记录人"), max_length=64, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("值班日志")
        verbose_name_plural = _("值班日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["cell_path", "-id"], name="duty_entry_path")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:40]}"
