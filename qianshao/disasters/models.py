"""Disaster situation reports (灾情报送): the daily zero report (零报告) of every reporting
cell, disaster reports with their versions (初报, 续报, 核报) and relief applications, and the
completeness and timeliness of reporting, rolled up the grid."""

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import BASE_KINDS, Cell, Person
from qianshao.workflow.flow import Flow

# The cells that report every day unless the rule says otherwise: villages and communities.
REPORTING_KINDS = list(BASE_KINDS)


class ReportingRule(models.Model):
    """The zero report's day and deadline, and who is told of a missing one and when
    (one row; admin: 零报告规则)."""

    deadline = models.TimeField(_("每日截止时间"), default=time(16, 0))
    deadline_next_day = models.BooleanField(
        _("截止时间在次日"),
        default=False,
        help_text=_("勾选后，某日的零报告在次日的截止时间前报送（如次日 08:00 前）"),
    )
    kinds = models.JSONField(
        _("应报网格类型"), default=list, help_text=_("如 village、community；留空为村和社区")
    )
    escalate_minutes = models.PositiveIntegerField(_("截止后多久通知上一级（分钟）"), default=60)
    start = models.DateField(
        _("开始报送日"),
        null=True,
        blank=True,
        help_text=_("此日之前不催报；留空则自第一份零报告起"),
    )

    class Meta:
        verbose_name = _("零报告规则")
        verbose_name_plural = _("零报告规则")

    def __str__(self) -> str:
        return str(self.deadline)


class ZeroKind(models.TextChoices):
    NONE = "none", _("无灾情")
    DISASTER = "disaster", _("有灾情，见灾情报告")


class ZeroReport(models.Model):
    """One cell's report for one day: nothing happened, or see a disaster report."""

    cell = models.ForeignKey(Cell, models.PROTECT, related_name="zero_reports", db_index=False)
    cell_path = models.CharField(max_length=255)
    day = models.DateField(_("报告日"))
    kind = models.CharField(_("内容"), max_length=12, choices=ZeroKind.choices)
    disaster = models.ForeignKey(
        "DisasterReport",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="zero_reports",
        verbose_name=_("灾情报告"),
    )
    reporter = models.ForeignKey(
        Person, models.PROTECT, null=True, related_name="+", verbose_name=_("报告人")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    on_time = models.BooleanField(_("按时"))
    corrected_at = models.DateTimeField(_("更正时间"), null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("零报告")
        verbose_name_plural = _("零报告")
        ordering = ["-day", "cell_path"]
        constraints = [models.UniqueConstraint(fields=["cell", "day"], name="one_zero_report")]
        indexes = [models.Index(fields=["day", "cell_path"])]

    def __str__(self) -> str:
        return f"{self.cell_id} {self.day}"


class DayTally(models.Model):
    """How many zero reports of a day came in under a cell path, and how many on time:
    kept by the actions for the cell's path and every ancestor (as hazards' tallies)."""

    path = models.CharField(max_length=255)
    day = models.DateField()
    n = models.IntegerField(default=0)  # received
    on_time = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path", "day"], name="one_tally_per_day")]

    def __str__(self) -> str:
        return f"{self.path} {self.day}: {self.n}"


class DisasterType(models.TextChoices):
    FLOOD = "flood", _("洪涝")
    DROUGHT = "drought", _("干旱")
    TYPHOON = "typhoon", _("台风")
    HAIL = "hail", _("风雹")
    LIGHTNING = "lightning", _("雷电")
    LOW_TEMPERATURE = "low_temperature", _("低温冷冻")
    SNOW = "snow", _("雪灾")
    EARTHQUAKE = "earthquake", _("地震")
    LANDSLIDE = "landslide", _("滑坡")
    DEBRIS_FLOW = "debris_flow", _("泥石流")
    FOREST_FIRE = "forest_fire", _("森林火灾")
    OTHER = "other", _("其他")


class Stage(models.TextChoices):
    INITIAL = "initial", _("初报")
    FOLLOW_UP = "follow_up", _("续报")
    VERIFIED = "verified", _("核报")


# The indicators of the basic disaster form (自然灾害情况统计调查制度), in its order:
# field name → (label, decimal places; 0 for a count).
INDICATORS = {
    "affected": (_("受灾人口（人）"), 0),
    "dead": (_("因灾死亡（人）"), 0),
    "missing": (_("因灾失踪（人）"), 0),
    "relocated": (_("紧急转移安置（人）"), 0),
    "need_relief": (_("需紧急生活救助（人）"), 0),
    "collapsed_households": (_("倒塌房屋（户）"), 0),
    "collapsed_rooms": (_("倒塌房屋（间）"), 0),
    "severely_damaged_rooms": (_("严重损坏房屋（间）"), 0),
    "damaged_rooms": (_("一般损坏房屋（间）"), 0),
    "crops_affected_ha": (_("农作物受灾面积（公顷）"), 2),
    "crops_damaged_ha": (_("农作物成灾面积（公顷）"), 2),
    "crops_lost_ha": (_("农作物绝收面积（公顷）"), 2),
    "economic_loss": (_("直接经济损失（万元）"), 2),
}


class Figures(models.Model):
    """The indicators, as a version reports them (and as its report keeps the latest)."""

    affected = models.PositiveIntegerField(INDICATORS["affected"][0], default=0)
    dead = models.PositiveIntegerField(INDICATORS["dead"][0], default=0)
    missing = models.PositiveIntegerField(INDICATORS["missing"][0], default=0)
    relocated = models.PositiveIntegerField(INDICATORS["relocated"][0], default=0)
    need_relief = models.PositiveIntegerField(INDICATORS["need_relief"][0], default=0)
    collapsed_households = models.PositiveIntegerField(
        INDICATORS["collapsed_households"][0], default=0
    )
    collapsed_rooms = models.PositiveIntegerField(INDICATORS["collapsed_rooms"][0], default=0)
    severely_damaged_rooms = models.PositiveIntegerField(
        INDICATORS["severely_damaged_rooms"][0], default=0
    )
    damaged_rooms = models.PositiveIntegerField(INDICATORS["damaged_rooms"][0], default=0)
    crops_affected_ha = models.DecimalField(
        INDICATORS["crops_affected_ha"][0], max_digits=12, decimal_places=2, default=0
    )
    crops_damaged_ha = models.DecimalField(
        INDICATORS["crops_damaged_ha"][0], max_digits=12, decimal_places=2, default=0
    )
    crops_lost_ha = models.DecimalField(
        INDICATORS["crops_lost_ha"][0], max_digits=12, decimal_places=2, default=0
    )
    economic_loss = models.DecimalField(
        INDICATORS["economic_loss"][0], max_digits=14, decimal_places=2, default=0
    )

    class Meta:
        abstract = True

    def figures(self) -> dict:
        return {name: getattr(self, name) for name in INDICATORS}


class ReportStatus(models.TextChoices):
    REPORTED = "reported", _("已初报")
    FOLLOWING = "following", _("续报中")
    VERIFIED = "verified", _("已核报")


class DisasterReport(Figures):
    """One disaster in one cell, reported within 2 hours (初报), followed up (续报) as the
    figures change and verified (核报) by the level above. Keeps its latest figures."""

    number = models.CharField(_("编号"), max_length=24, unique=True)
    type = models.CharField(_("灾害类型"), max_length=16, choices=DisasterType.choices)
    started_at = models.DateTimeField(_("发生时间"))
    cell = models.ForeignKey(Cell, models.PROTECT, related_name="disaster_reports")
    cell_path = models.CharField(max_length=255, db_index=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices)
    reported_at = models.DateTimeField(_("初报时间"))
    initial_on_time = models.BooleanField(_("初报及时"))
    reporter = models.ForeignKey(
        Person, models.PROTECT, null=True, related_name="+", verbose_name=_("报告人")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("核报时间"), null=True, blank=True)
    versions_count = models.PositiveSmallIntegerField(_("版本数"), default=1)
    updated_at = models.DateTimeField()

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("灾情报告")
        verbose_name_plural = _("灾情报告")
        ordering = ["-started_at", "-id"]
        # the lists' ordering, walked by keyset (lib.keyset); the scope read from the index
        indexes = [
            models.Index(fields=["started_at", "id", "cell_path"], name="disasters_listed_idx")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_type_display()}"


class ReportStep(models.TextChoices):
    REPORT = "report", _("初报")
    FOLLOW_UP = "follow_up", _("续报")
    VERIFY = "verify", _("核报")


# A report is followed up as often as its figures change, until it is verified.
REPORT_FLOW = Flow(
    DisasterReport,
    {
        ReportStatus.REPORTED: {
            ReportStep.FOLLOW_UP: ReportStatus.FOLLOWING,
            ReportStep.VERIFY: ReportStatus.VERIFIED,
        },
        ReportStatus.FOLLOWING: {
            ReportStep.FOLLOW_UP: ReportStatus.FOLLOWING,
            ReportStep.VERIFY: ReportStatus.VERIFIED,
        },
        ReportStatus.VERIFIED: {},
    },
    steps=ReportStep,
    statuses=ReportStatus,
    area="disasters",
    begins={ReportStep.REPORT: ReportStatus.REPORTED},
    refused=_("该灾情已核报，不能再续报或核报"),
)


class Version(Figures):
    """One version of a disaster report's figures: the 初报, each 续报, the 核报."""

    report = models.ForeignKey(DisasterReport, models.CASCADE, related_name="versions")
    seq = models.PositiveSmallIntegerField(_("序号"))
    stage = models.CharField(_("报送阶段"), max_length=12, choices=Stage.choices)
    note = models.TextField(_("情况说明"), max_length=4000, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(_("报送时间"))

    class Meta:
        verbose_name = _("灾情报告版本")
        verbose_name_plural = _("灾情报告版本")
        ordering = ["report", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["report", "seq"], name="one_version_per_seq")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.seq} {self.stage}"


class Photo(models.Model):
    version = models.ForeignKey(Version, models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="disasters/%Y/%m/")
    token = models.CharField(max_length=32, unique=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("灾情照片")
        verbose_name_plural = _("灾情照片")

    def __str__(self) -> str:
        return self.token


class ReliefKind(models.TextChoices):
    LIVING = "living", _("紧急生活救助")
    TRANSITION = "transition", _("过渡期生活救助")
    REBUILD = "rebuild", _("倒损住房恢复重建")
    WINTER = "winter", _("冬春生活救助")


class ReliefStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已申报")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class ReliefApplication(models.Model):
    """救助申报 attached to a disaster report: who needs what."""

    report = models.ForeignKey(DisasterReport, models.CASCADE, related_name="relief")
    kind = models.CharField(_("救助类别"), max_length=12, choices=ReliefKind.choices)
    households = models.PositiveIntegerField(_("户数"))
    people = models.PositiveIntegerField(_("人数"))
    amount = models.DecimalField(_("申请金额（万元）"), max_digits=12, decimal_places=2)
    note = models.TextField(_("说明"), max_length=2000, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReliefStatus.choices, default=ReliefStatus.SUBMITTED
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )
    applied_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=500, blank=True)

    SCOPE_FIELD = "report__cell_path"

    class Meta:
        verbose_name = _("救助申报")
        verbose_name_plural = _("救助申报")
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind}"


class ReliefStep(models.TextChoices):
    APPLY = "apply", _("申报")
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不批准")


# An application is decided once.
RELIEF_FLOW = Flow(
    ReliefApplication,
    {
        ReliefStatus.SUBMITTED: {
            ReliefStep.APPROVE: ReliefStatus.APPROVED,
            ReliefStep.REJECT: ReliefStatus.REJECTED,
        },
        ReliefStatus.APPROVED: {},
        ReliefStatus.REJECTED: {},
    },
    steps=ReliefStep,
    statuses=ReliefStatus,
    area="disasters",
    begins={ReliefStep.APPLY: ReliefStatus.SUBMITTED},
    refused=_("该申报已审批"),
)
