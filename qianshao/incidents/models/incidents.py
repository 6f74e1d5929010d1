"""Incidents (突发事件 / 生产安全事故), their reports and the command log (docs/adr/0025).

An incident is received at the duty desk, from the phone or the API, or opened from a
disaster report, a hazard or a warning (``origin``). Its figures (casualties, direct loss)
are those of its latest report; every report is a version (``Report``) with its deadline
and whether it met it. The levels above the place pass it up one after another
(``Relay``: each level's deadline, when it passed it on). Its response (Ⅳ → Ⅰ) is started,
raised, lowered and ended as steps of ``INCIDENT_FLOW``; every decision, order and report
is an entry of the command log (``LogEntry``), append-only (the database refuses UPDATE
and DELETE, as for the audit chain).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "ACCIDENT_CATEGORIES",
    "CATEGORIES_OF",
    "INCIDENT_FLOW",
    "SHORT_WINDOW_CATEGORIES",
    "Category",
    "Entry",
    "Grade",
    "Incident",
    "IncidentKind",
    "IncidentStatus",
    "IncidentStep",
    "Level",
    "LogEntry",
    "Relay",
    "Report",
    "ReportingRule",
    "Stage",
]

MINUTES_A_WEEK = 7 * 24 * 60


class ReportingRule(models.Model):
    """The incidents' reporting deadlines (one row, edited in the admin), after 国务院令第
    493号 and the county's own rules: the unit or village reports within ``unit_minutes``
    of the incident, each level passes it up within ``level_minutes`` of receiving it and
    the 初报 reaches the county within ``county_minutes`` of the incident; while it is
    open a 续报 is due every ``update_hours``; an order to a team unanswered for
    ``order_minutes`` is chased (the team leader), and after twice that the dispatchers."""

    unit_minutes = models.PositiveIntegerField(
        _("事发单位或村（社区）报告时限（分钟）"),
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_A_WEEK)],
    )
    level_minutes = models.PositiveIntegerField(
        _("逐级上报时限（分钟）"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_A_WEEK)],
    )
    county_minutes = models.PositiveIntegerField(
        _("初报到县时限（分钟，自事发起）"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_A_WEEK)],
    )
    update_hours = models.PositiveIntegerField(
        _("续报间隔（小时）"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
    )
    order_minutes = models.PositiveIntegerField(
        _("调派指令应答时限（分钟）"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )

    class Meta:
        verbose_name = _("突发事件报告时限")
        verbose_name_plural = _("突发事件报告时限")

    def __str__(self) -> str:
        return str(_("突发事件报告时限"))


class IncidentKind(models.TextChoices):
    NATURAL = "natural", _("自然灾害")
    ACCIDENT = "accident", _("事故灾难")
    HEALTH = "health", _("公共卫生事件")
    SOCIAL = "social", _("社会安全事件")


class Category(models.TextChoices):
    # 自然灾害
    FLOOD = "flood", _("洪涝灾害")
    GEOLOGICAL = "geological", _("地质灾害")
    TYPHOON = "typhoon", _("台风")
    EARTHQUAKE = "earthquake", _("地震")
    FOREST_FIRE = "forest_fire", _("森林火灾")
    DROUGHT = "drought", _("干旱")
    SNOW = "snow", _("低温雨雪冰冻")
    # 事故灾难: the production-safety categories
    ROAD = "road", _("道路交通事故")
    FIRE = "fire", _("火灾事故")
    MINE = "mine", _("矿山事故")
    HAZCHEM = "hazchem", _("危险化学品事故")
    CONSTRUCTION = "construction", _("建筑施工事故")
    INDUSTRIAL = "industrial", _("工贸事故")
    EQUIPMENT = "equipment", _("特种设备事故")
    GAS = "gas", _("燃气事故")
    WATER = "water", _("水上交通事故")
    # 公共卫生, 社会安全
    EPIDEMIC = "epidemic", _("传染病疫情")
    FOOD = "food", _("食物中毒")
    GATHERING = "gathering", _("群体性事件")
    OTHER = "other", _("其他")


ACCIDENT_CATEGORIES = (
    Category.ROAD,
    Category.FIRE,
    Category.MINE,
    Category.HAZCHEM,
    Category.CONSTRUCTION,
    Category.INDUSTRIAL,
    Category.EQUIPMENT,
    Category.GAS,
    Category.WATER,
    Category.OTHER,
)
CATEGORIES_OF = {
    IncidentKind.NATURAL: (
        Category.FLOOD,
        Category.GEOLOGICAL,
        Category.TYPHOON,
        Category.EARTHQUAKE,
        Category.FOREST_FIRE,
        Category.DROUGHT,
        Category.SNOW,
        Category.OTHER,
    ),
    IncidentKind.ACCIDENT: ACCIDENT_CATEGORIES,
    IncidentKind.HEALTH: (Category.EPIDEMIC, Category.FOOD, Category.OTHER),
    IncidentKind.SOCIAL: (Category.GATHERING, Category.OTHER),
}
# changes in casualties are reported within 7 days for these, 30 for the others
SHORT_WINDOW_CATEGORIES = (Category.ROAD, Category.FIRE)


class Grade(models.TextChoices):
    """The national grades (特别重大 … 一般), "1" the gravest."""

    I = "1", _("特别重大")  # noqa: E741
    II = "2", _("重大")
    III = "3", _("较大")
    IV = "4", _("一般")


class Level(models.TextChoices):
    """The response levels, "1" (Ⅰ级) the highest."""

    I = "1", _("Ⅰ级")  # noqa: E741
    II = "2", _("Ⅱ级")
    III = "3", _("Ⅲ级")
    IV = "4", _("Ⅳ级")


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", _("已接报")
    RESPONDING = "responding", _("响应中")
    ENDED = "ended", _("已结束")
    CLOSED = "closed", _("已总结")


class IncidentStep(models.TextChoices):
    OPEN = "open", _("接报")
    RESPOND = "respond", _("启动响应")
    RAISE = "raise", _("提升响应")
    LOWER = "lower", _("降低响应")
    END = "end", _("结束处置")
    CLOSE = "close", _("完成总结")


class Figures(models.Model):
    """Casualties and direct loss, as one report gives them."""

    dead = models.PositiveIntegerField(_("死亡"), default=0)
    missing = models.PositiveIntegerField(_("失踪"), default=0)
    injured = models.PositiveIntegerField(_("受伤"), default=0)
    seriously_injured = models.PositiveIntegerField(_("其中重伤"), default=0)
    trapped = models.PositiveIntegerField(_("被困"), default=0)
    direct_loss = models.DecimalField(
        _("直接经济损失（万元）"), max_digits=14, decimal_places=2, default=0
    )

    class Meta:
        abstract = True


class Incident(Figures):
    """One incident: what, where and when, its figures (the latest report's), its grade
    (computed from them by the national thresholds, ``grade_computed``, or set by hand with
    a reason), its response and who commands on the scene."""

    number = models.CharField(_("编号"), max_length=24, unique=True)
    title = models.CharField(_("事件名称"), max_length=100)
    kind = models.CharField(_("事件类别"), max_length=12, choices=IncidentKind.choices)
    category = models.CharField(_("事件类型"), max_length=16, choices=Category.choices)
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("事发网格"))
    cell_path = models.CharField(max_length=255)
    place = models.CharField(_("事发地点"), max_length=200, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    occurred_at = models.DateTimeField(_("事发时间"))
    reported_at = models.DateTimeField(_("接报时间"))
    unit = models.CharField(_("事发单位"), max_length=100, blank=True)
    summary = models.TextField(_("事件经过"), max_length=4000)
    measures = models.TextField(_("已采取的措施"), max_length=4000, blank=True)
    grade_computed = models.CharField(_("按标准分级"), max_length=1, choices=Grade.choices)
    grade = models.CharField(_("事件等级"), max_length=1, choices=Grade.choices)
    grade_reason = models.CharField(_("调整等级理由"), max_length=500, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=IncidentStatus.choices)
    level = models.CharField(_("响应级别"), max_length=1, choices=Level.choices, blank=True)
    commander = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("现场指挥官"),
    )
    origin = models.CharField(_("来源记录"), max_length=64, blank=True, db_index=True)
    evacuated = models.PositiveIntegerField(_("转移人数"), default=0)
    sheltered = models.PositiveIntegerField(_("集中安置人数"), default=0)
    review = models.TextField(_("总结评估"), max_length=8000, blank=True)
    reports_n = models.PositiveSmallIntegerField(_("报告次数"), default=0)
    last_report_at = models.DateTimeField(_("最近报告时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    # when the sweep next has something to do: the 续报 due while open (``sweep``)
    watch_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("突发事件")
        verbose_name_plural = _("突发事件")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["cell_path", "-occurred_at"], name="incident_path_time"),
            models.Index(fields=["status", "-occurred_at"], name="incident_status_time"),
            # the lists' ordering, walked by keyset (lib.keyset); the scope read from the index
            models.Index(fields=["occurred_at", "id", "cell_path"], name="incident_listed"),
            models.Index(
                fields=["watch_at"],
                name="incident_watch",
                condition=models.Q(watch_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def open(self) -> bool:
        return self.status in (IncidentStatus.REPORTED, IncidentStatus.RESPONDING)


# 已接报 —启动响应→ 响应中 —提升/降低→ 响应中; 已接报|响应中 —结束处置→ 已结束 —完成总结→ 已总结
INCIDENT_FLOW = Flow(
    Incident,
    {
        IncidentStatus.REPORTED: {
            IncidentStep.RESPOND: IncidentStatus.RESPONDING,
            IncidentStep.END: IncidentStatus.ENDED,
        },
        IncidentStatus.RESPONDING: {
            IncidentStep.RAISE: IncidentStatus.RESPONDING,
            IncidentStep.LOWER: IncidentStatus.RESPONDING,
            IncidentStep.END: IncidentStatus.ENDED,
        },
        IncidentStatus.ENDED: {IncidentStep.CLOSE: IncidentStatus.CLOSED},
        IncidentStatus.CLOSED: {},
    },
    steps=IncidentStep,
    statuses=IncidentStatus,
    area="incidents.incident",
    fields=["status", "level", "ended_at"],
    begins={IncidentStep.OPEN: IncidentStatus.REPORTED},
    refused_field="step",
)


class Stage(models.TextChoices):
    INITIAL = "initial", _("初报")
    UPDATE = "update", _("续报")
    FINAL = "final", _("终报")
    SUPPLEMENT = "supplement", _("补报")


class Report(Figures):
    """One report of an incident (a version): its figures, what it says, who made it and
    when, the deadline it answered and whether it met it, the grade its figures give."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="reports")
    seq = models.PositiveSmallIntegerField(_("序号"))
    stage = models.CharField(_("报告类型"), max_length=12, choices=Stage.choices)
    cell_path = models.CharField(max_length=255)
    text = models.TextField(_("报告内容"), max_length=4000)
    at = models.DateTimeField(_("报告时间"))
    due_at = models.DateTimeField(_("应报时间"), null=True, blank=True)
    late = models.BooleanField(_("迟报"), default=False)
    grade = models.CharField(_("按标准分级"), max_length=1, choices=Grade.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("事件报告")
        verbose_name_plural = _("事件报告")
        ordering = ["incident", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "seq"], name="one_report_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} #{self.seq}"


class Relay(models.Model):
    """One level's passing up of an incident (逐级上报): the level (a township, a county …)
    received it at ``received_at`` and is to pass it to the level above by ``due_at``;
    ``passed_at`` is when it did (``late`` when after the deadline). The top level of the
    grid passes it outside (to the city's duty office: ``note`` says to whom). The sweep
    chases an open one at its deadline and escalates it later (``watch_at``)."""

    incident = models.ForeignKey(Incident, models.CASCADE, related_name="relays")
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="+", verbose_name=_("上报层级"))
    cell_path = models.CharField(max_length=255)
    received_at = models.DateTimeField(_("收到时间"))
    due_at = models.DateTimeField(_("应上报时间"))
    passed_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    late = models.BooleanField(_("迟报"), default=False)
    note = models.CharField(_("上报说明"), max_length=500, blank=True)
    # when the sweep next has something to do: the deadline, then the escalation
    watch_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    SCOPE_FIELD = "incident__cell_path"

    class Meta:
        verbose_name = _("逐级上报")
        verbose_name_plural = _("逐级上报")
        ordering = ["incident", "received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "cell"], name="one_relay_per_level"),
        ]
        indexes = [
            models.Index(
                fields=["watch_at"],
                name="relay_watch",
                condition=models.Q(watch_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.cell_path} → {self.due_at:%Y-%m-%d %H:%M}"


class Entry(models.TextChoices):
    """What a command log entry records."""

    REPORT = "report", _("报告")
    DECISION = "decision", _("决策")
    ORDER = "order", _("指令")
    DISPATCH = "dispatch", _("调派")
    FEEDBACK = "feedback", _("反馈")
    NOTE = "note", _("记录")
    CORRECTION = "correction", _("更正")


class LogEntry(models.Model):
    """One entry of an incident's command log (指挥日志): its time, author and words,
    append-only — a mistake is corrected by a new entry (``corrects``), never an edit."""

    incident = models.ForeignKey(Incident, models.PROTECT, related_name="log")
    kind = models.CharField(_("类型"), max_length=12, choices=Entry.choices)
    text = models.TextField(_("内容"), max_length=2000)
    at = models.DateTimeField(_("时间"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(_("记录人"), max_length=64, blank=True)
    corrects = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("更正")
    )

    class Meta:
        verbose_name = _("指挥日志")
        verbose_name_plural = _("指挥日志")
        ordering = ["incident", "-at", "-id"]
        indexes = [models.Index(fields=["incident", "-id"], name="log_incident_id")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:40]}"
