"""Risk points (风险点) and how they are graded (docs/adr/0024 "Points", "Grading").

A risk point belongs to a cell (where it is), has a kind from the admin's list, a geometry
(a point, or a polygon for an area), and a grade in four colours. The grade comes from the
kind's method — LEC (D = L × E × C) or a risk matrix (likelihood × severity) — whose inputs
are kept on the point and in each ``GradeRecord``, so a grade can be recomputed and
explained; a manual override keeps the computed grade beside it and needs a reason.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "Grade",
    "GRADE_ORDER",
    "Method",
    "KindGroup",
    "RiskKind",
    "Grading",
    "RiskStatus",
    "RiskStep",
    "RiskPoint",
    "RISK_FLOW",
    "GradeRecord",
    "MeasureList",
    "Measure",
]


class Grade(models.TextChoices):
    """The four colours (004 item 4): 红/橙/黄/蓝 = 重大/较大/一般/低."""

    RED = "red", _("重大风险（红）")
    ORANGE = "orange", _("较大风险（橙）")
    YELLOW = "yellow", _("一般风险（黄）")
    BLUE = "blue", _("低风险（蓝）")


# Highest first: a cell's colour on the 四色图 is the first of these it holds.
GRADE_ORDER = [Grade.RED, Grade.ORANGE, Grade.YELLOW, Grade.BLUE]


class Method(models.TextChoices):
    LEC = "lec", _("LEC 作业条件危险性分析法")
    MATRIX = "matrix", _("风险矩阵法")


class KindGroup(models.TextChoices):
    NATURAL = "natural", _("自然灾害")
    PRODUCTION = "production", _("安全生产")


class RiskKind(models.Model):
    """A kind of risk point, configured in the admin (seeded with the issue's list):
    the grading method its points use, and whether the flood season's patrol factor applies."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    group = models.CharField(_("类别"), max_length=12, choices=KindGroup.choices)
    method = models.CharField(
        _("分级方法"), max_length=8, choices=Method.choices, default=Method.LEC
    )
    flood_season = models.BooleanField(
        _("汛期加密巡查"), default=False, help_text=_("汛期按巡查规则中的倍数加密巡查")
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("风险类型")
        verbose_name_plural = _("风险类型")
        ordering = ["group", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Grading(models.Model):
    """The grading bands (one row, edited in the admin; defaults from the issue):
    LEC: D ≥ ``lec_red`` 红, ≥ ``lec_orange`` 橙, ≥ ``lec_yellow`` 黄, below 蓝;
    matrix (likelihood 1–5 × severity 1–5): R ≥ ``matrix_red`` 红, and so on."""

    lec_red = models.DecimalField(
        _("LEC 重大风险下限"), max_digits=8, decimal_places=1, default=320
    )
    lec_orange = models.DecimalField(
        _("LEC 较大风险下限"), max_digits=8, decimal_places=1, default=160
    )
    lec_yellow = models.DecimalField(
        _("LEC 一般风险下限"), max_digits=8, decimal_places=1, default=70
    )
    matrix_red = models.PositiveSmallIntegerField(_("矩阵 重大风险下限"), default=20)
    matrix_orange = models.PositiveSmallIntegerField(_("矩阵 较大风险下限"), default=15)
    matrix_yellow = models.PositiveSmallIntegerField(_("矩阵 一般风险下限"), default=9)

    class Meta:
        verbose_name = _("风险分级标准")
        verbose_name_plural = _("风险分级标准")

    def __str__(self) -> str:
        return str(_("风险分级标准"))


class RiskStatus(models.TextChoices):
    ACTIVE = "active", _("管控中")
    RETIRED = "retired", _("已销号")


class RiskStep(models.TextChoices):
    CREATE = "create", _("登记")
    EDIT = "edit", _("修改")
    REGRADE = "regrade", _("重新评级")
    RETIRE = "retire", _("销号")


class RiskPointQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # a due time written is the sweep's next look at the points, as in ``save``
        if "next_due_at" in kwargs and "watch_at" not in kwargs:
            kwargs["watch_at"] = kwargs["next_due_at"]
        return super().update(**kwargs)


class RiskPoint(models.Model):
    """One risk point of a cell. ``lon``/``lat`` is the point, or the polygon's
    representative point (inside it), for distances and the map; ``geometry`` is the GeoJSON
    geometry as given (Point or Polygon), checked by ``lib.geojson``.

    ``next_due_at`` is when its next patrol is due (from its grade's frequency);
    ``watch_at`` when the missed-patrol sweep next has something to do for it (a reminder,
    an escalation, a missed patrol), indexed for the sweep's candidates: whoever saves
    ``next_due_at`` sets it to the due time (``save``), and the sweep moves it on past the
    steps it took, so a point chased and waiting for its next due time is not read every
    minute. ``last_patrol_at`` and ``last_result`` are its last patrol's."""

    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="+", db_index=False, verbose_name=_("所在网格")
    )
    cell_path = models.CharField(max_length=255)
    name = models.CharField(_("风险点名称"), max_length=100)
    kind = models.ForeignKey(
        RiskKind, models.PROTECT, related_name="points", verbose_name=_("风险类型")
    )
    geometry = models.JSONField(_("位置（GeoJSON）"))
    lon = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    address = models.CharField(_("位置描述"), max_length=200, blank=True)
    # the enterprise it belongs to, when it is one of the grid's enterprise cells
    enterprise = models.ForeignKey(
        Cell,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所属企业"),
    )
    industry = models.CharField(_("行业"), max_length=32, blank=True)
    hazards_text = models.TextField(_("危险因素"), blank=True, max_length=2000)
    exposed_people = models.PositiveIntegerField(_("影响人数"), default=0)
    exposed_households = models.PositiveIntegerField(_("影响户数"), default=0)
    responsible = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("管控责任人"),
    )
    responsible_unit = models.CharField(_("责任单位"), max_length=64, blank=True)
    patroller = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("巡查人"),
    )
    control_measures = models.TextField(_("管控措施"), blank=True, max_length=4000)
    emergency_measures = models.TextField(_("应急措施"), blank=True, max_length=4000)
    review_on = models.DateField(_("复评日期"), null=True, blank=True)

    # grading: the method and inputs kept, the computed grade, the grade in force
    method = models.CharField(_("分级方法"), max_length=8, choices=Method.choices)
    inputs = models.JSONField(_("分级参数"), default=dict)
    score = models.DecimalField(_("风险值"), max_digits=10, decimal_places=2)
    computed_grade = models.CharField(_("计算等级"), max_length=8, choices=Grade.choices)
    grade = models.CharField(_("风险等级"), max_length=8, choices=Grade.choices)
    override_reason = models.CharField(_("人工调整理由"), max_length=200, blank=True)

    status = models.CharField(
        _("状态"), max_length=8, choices=RiskStatus.choices, default=RiskStatus.ACTIVE
    )
    # published on the county's public page (red points; by the county's choice)
    published = models.BooleanField(_("向社会公告"), default=False)
    # the key of its public page and the QR code on its notice board
    public_key = models.UUIDField(_("公开码"), unique=True)

    next_due_at = models.DateTimeField(_("下次巡查"), null=True, blank=True)
    watch_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_patrol_at = models.DateTimeField(_("最近巡查"), null=True, blank=True)
    last_result = models.CharField(_("最近巡查结果"), max_length=12, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RiskPointQuerySet.as_manager()

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("风险点")
        verbose_name_plural = _("风险点")
        ordering = ["cell_path", "name", "id"]
        indexes = [
            models.Index(fields=["cell_path", "id"], name="risk_point_path"),
            # the missed-patrol sweep's candidates: points in force it has something to do for
            models.Index(
                fields=["watch_at"],
                name="risk_point_watch",
                condition=Q(status="active", watch_at__isnull=False),
            ),
            models.Index(fields=["patroller", "next_due_at"], name="risk_point_patroller"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, update_fields=None, **kwargs):
        # a due time saved is the sweep's next look at the point (it moves on from there)
        if update_fields is None or "next_due_at" in update_fields:
            self.watch_at = self.next_due_at
            if update_fields is not None:
                update_fields = {*update_fields, "watch_at"}
        super().save(*args, update_fields=update_fields, **kwargs)


# 管控中 —修改/重新评级→ 管控中 —销号→ 已销号.
RISK_FLOW = Flow(
    RiskPoint,
    {
        RiskStatus.ACTIVE: {
            RiskStep.EDIT: RiskStatus.ACTIVE,
            RiskStep.REGRADE: RiskStatus.ACTIVE,
            RiskStep.RETIRE: RiskStatus.RETIRED,
        },
        RiskStatus.RETIRED: {},
    },
    steps=RiskStep,
    statuses=RiskStatus,
    area="risks.point",
    begins={RiskStep.CREATE: RiskStatus.ACTIVE},
)


class GradeRecord(models.Model):
    """One grading of a point, in order: the method, inputs and score, the computed grade,
    the grade set (an override differs from the computed one and has a reason)."""

    point = models.ForeignKey(RiskPoint, models.CASCADE, related_name="grades")
    at = models.DateTimeField(_("评级时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_label = models.CharField(_("评级人"), max_length=64, blank=True)
    method = models.CharField(_("分级方法"), max_length=8, choices=Method.choices)
    inputs = models.JSONField(_("分级参数"), default=dict)
    score = models.DecimalField(_("风险值"), max_digits=10, decimal_places=2)
    computed_grade = models.CharField(_("计算等级"), max_length=8, choices=Grade.choices)
    grade = models.CharField(_("风险等级"), max_length=8, choices=Grade.choices)
    reason = models.CharField(_("理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("评级记录")
        verbose_name_plural = _("评级记录")
        ordering = ["point", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.point_id} {self.grade} @{self.at:%Y-%m-%d}"


class MeasureList(models.TextChoices):
    CONTROL = "control", _("管控措施清单")
    EMERGENCY = "emergency", _("应急处置清单")


class Measure(models.Model):
    """One line of a point's 管控措施清单 (what, who, how often) or 应急处置清单 (what to do,
    whom to call, where to go)."""

    point = models.ForeignKey(RiskPoint, models.CASCADE, related_name="measures")
    list = models.CharField(_("清单"), max_length=12, choices=MeasureList.choices)
    what = models.CharField(_("措施"), max_length=200)
    who = models.CharField(_("责任人"), max_length=64, blank=True)
    how_often = models.CharField(_("频次"), max_length=32, blank=True)
    call = models.CharField(_("联系电话"), max_length=64, blank=True)
    where = models.CharField(_("撤离去向"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("措施")
        verbose_name_plural = _("措施")
        ordering = ["point", "list", "order", "id"]

    def __str__(self) -> str:
        return self.what
