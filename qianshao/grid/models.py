"""The grid: cells in a tree, the people who watch them, and county departments."""

from datetime import date

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qianshao.grid import tree

MOBILE_RE = r"^1[3-9]\d{9}$"
validate_mobile = RegexValidator(MOBILE_RE, _("手机号码应为 11 位数字，以 13–19 开头"))
validate_code = RegexValidator(tree.CODE_RE, _("编码只能包含数字、大写字母和下划线，最长 20 位"))


class CellKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    TOWNSHIP = "township", _("乡镇（街道）")
    PARK = "park", _("工业园区")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    ENTERPRISE = "enterprise", _("生产经营企业")
    GROUP = "group", _("组")


# The groups of kinds the rest of the platform asks about, defined here and only here.
# Field cells (村, 社区, 企业, 组): where the grid members watch; nobody there manages above.
FIELD_KINDS = frozenset({CellKind.VILLAGE, CellKind.COMMUNITY, CellKind.ENTERPRISE, CellKind.GROUP})
# Township-level cells (乡镇, 园区): where what happens in a field cell is triaged.
TOWNSHIP_KINDS = frozenset({CellKind.TOWNSHIP, CellKind.PARK})
# Villages and communities (村, 社区): the base cells townships are made of, which file the
# daily zero report and answer warnings (by default), and by which a county's share is told.
BASE_KINDS = (CellKind.VILLAGE, CellKind.COMMUNITY)
# The cells above townships (省, 市, 县).
ABOVE_TOWNSHIP_KINDS = frozenset({CellKind.PROVINCE, CellKind.CITY, CellKind.COUNTY})


# Which kinds of cell may sit directly under which (the grid's shape, DOMAIN §1).
ALLOWED_CHILDREN: dict[str, set[str]] = {
    CellKind.PROVINCE: {CellKind.CITY, CellKind.COUNTY},
    CellKind.CITY: {CellKind.COUNTY},
    CellKind.COUNTY: {CellKind.TOWNSHIP, CellKind.PARK},
    CellKind.TOWNSHIP: {CellKind.VILLAGE, CellKind.COMMUNITY, CellKind.ENTERPRISE},
    CellKind.PARK: {CellKind.ENTERPRISE, CellKind.COMMUNITY},
    CellKind.VILLAGE: {CellKind.GROUP, CellKind.ENTERPRISE},
    CellKind.COMMUNITY: {CellKind.GROUP, CellKind.ENTERPRISE},
    CellKind.ENTERPRISE: set(),
    CellKind.GROUP: set(),
}


class CellQuerySet(models.QuerySet):
    def subtree(self, path: str) -> "CellQuerySet":
        """The cell at ``path`` and everything under it: one indexed range scan."""
        return self.filter(tree.subtree_q(path))

    def children_of(self, cell: "Cell") -> "CellQuerySet":
        return self.filter(parent=cell).order_by("code")


class Cell(models.Model):
    code = models.CharField(_("编码"), max_length=20, unique=True, validators=[validate_code])
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=CellKind.choices)
    level = models.PositiveSmallIntegerField(_("网格级别"))
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    boundary = models.JSONField(_("边界 (GeoJSON)"), null=True, blank=True)
    centre_lon = models.FloatField(_("中心经度"), null=True, blank=True)
    centre_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    population = models.PositiveIntegerField(_("人口"), null=True, blank=True)
    area_km2 = models.FloatField(_("面积（平方公里）"), null=True, blank=True)
    vintage = models.PositiveSmallIntegerField(_("区划代码年份"), null=True, blank=True)
    risks = models.TextField(_("重点防范风险"), blank=True, help_text=_("每行一项，印在明白卡上"))
    duty_phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CellQuerySet.as_manager()

    SCOPE_FIELD = "path"

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "code"]), models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def level_label(self) -> str:
        return _("%(n)s级网格") % {"n": _chinese_numeral(self.level)}

    def ancestors(self) -> "CellQuerySet":
        return Cell.objects.filter(path__in=tree.ancestor_paths(self.path)).order_by("level")

    def subtree(self) -> "CellQuerySet":
        return Cell.objects.subtree(self.path)

    def risk_list(self) -> list[str]:
        return [line.strip() for line in self.risks.splitlines() if line.strip()]


class TallyBase(models.Model):
    """One figure under a cell path, split by ``key`` ("" when it has no split): the row of
    every area's counters (``grid.tallies.Tallies``), each area's own table unique on
    (path, figure, key)."""

    path = models.CharField(max_length=255)
    figure = models.CharField(max_length=32)
    key = models.CharField(max_length=64, default="")
    n = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.path} {self.figure}[{self.key}]: {self.n}"


class Tally(TallyBase):
    """Cells under a path by kind (figure ``cells``, key the kind), the path's own cell
    included: kept by ``grid.actions`` when cells are created or moved, for the cell's path
    and every ancestor path (``grid.tallies.CELLS``; docs/adr/0030). A province's count of
    reporting villages is then a row, not a scan of 22,000 cells."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["path", "figure", "key"], name="one_grid_tally")
        ]


def _chinese_numeral(n: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[n] if 0 <= n <= 10 else str(n)


class Domain(models.Model):
    """A hazard domain (行业领域) that a county department owns."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("行业领域")
        verbose_name_plural = _("行业领域")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A county department (行业监管部门), a member of the county's level-1 grid."""

    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="departments", verbose_name=_("所属网格")
    )
    code = models.CharField(_("编码"), max_length=20, validators=[validate_code])
    name = models.CharField(_("名称"), max_length=64)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    domains = models.ManyToManyField(
        Domain, blank=True, related_name="departments", verbose_name=_("主管领域")
    )
    is_emergency_office = models.BooleanField(_("应急办"), default=False)

    SCOPE_FIELD = "cell__path"

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["cell", "code"]
        constraints = [
            models.UniqueConstraint(fields=["cell", "code"], name="department_code_per_cell")
        ]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    name = models.CharField(_("姓名"), max_length=32)
    phone = models.CharField(_("手机号"), max_length=11, unique=True, validators=[validate_mobile])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("登录账号"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # A person is seen through any of their role assignments (see grid.scope).
    SCOPE_FIELD = "assignments__cell__path"

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name", "id"]
        # people are found and listed in name order (grid.people): the phone has its own
        # unique index, which serves a phone prefix as a range
        indexes = [models.Index(fields=["name", "id"], name="person_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    HEAD = "head", _("网格长")
    DEPUTY = "deputy", _("副网格长")
    MANAGER = "manager", _("网格管理员")
    MEMBER = "member", _("网格员")
    DISPATCHER = "dispatcher", _("调度员")
    INFORMANT = "informant", _("信息员")


class Duty(models.TextChoices):
    """Extra watcher duties one person may carry (多员合一)."""

    GEOHAZARD_MONITOR = "geohazard_monitor", _("地质灾害群测群防员")
    RESERVOIR_PATROLLER = "reservoir_patroller", _("水库巡查员")
    FOREST_RANGER = "forest_ranger", _("护林员")
    DISASTER_INFORMANT = "disaster_informant", _("灾害信息员")
    SAFETY_MANAGER = "safety_manager", _("安全管理员")
    FLOOD_PATROLLER = "flood_patroller", _("防汛巡查员")
    EMERGENCY_OFFICER = "emergency_officer", _("专职应急员")


# The order in which a cell's people are listed: as the seeds name the roles.
ROLE_RANK = [Role.HEAD, Role.DEPUTY, Role.DISPATCHER, Role.MANAGER, Role.INFORMANT, Role.MEMBER]
# The roles that manage (a 网格管理员 only when not a department's: see grid.posts).
MANAGING_ROLES = (Role.HEAD, Role.DEPUTY, Role.DISPATCHER, Role.MANAGER)


def active_on(on: date | None = None) -> Q:
    """The condition of an assignment in its term on ``on`` (today)."""
    on = on or timezone.localdate()
    return Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on))


def active_on_sql(connection, alias: str, on: date | None = None) -> tuple[str, list]:
    """``active_on`` in a hand-written statement, for the assignments under ``alias``: its
    SQL and its parameters."""
    key = (connection.vendor, alias)
    sql = _ACTIVE_SQL.get(key)
    if sql is None:
        start, end = (f"{alias}.{connection.ops.quote_name(c)}" for c in ("start", "end"))
        sql = _ACTIVE_SQL[key] = f"{start} <= %s AND ({end} IS NULL OR {end} >= %s)"
    on = connection.ops.adapt_datefield_value(on or timezone.localdate())
    return sql, [on, on]


_ACTIVE_SQL: dict[tuple[str, str], str] = {}  # by the database's vendor and the alias


class AssignmentQuerySet(models.QuerySet):
    def active(self, on: date | None = None) -> "AssignmentQuerySet":
        return self.filter(active_on(on))

    def by_rank(self) -> "AssignmentQuerySet":
        """Ordered 网格长, 副网格长, 调度员, 网格管理员, 信息员, 网格员, then by start."""
        rank = models.Case(
            *[models.When(role=role, then=models.Value(i)) for i, role in enumerate(ROLE_RANK)],
            output_field=models.IntegerField(),
        )
        return self.alias(rank=rank).order_by("rank", "start", "id")


class RoleAssignment(models.Model):
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="assignments", verbose_name=_("人员")
    )
    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="assignments", verbose_name=_("网格")
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    duties = models.JSONField(_("兼任职责"), default=list, blank=True)
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("部门"),
    )
    title = models.CharField(_("职务"), max_length=64, blank=True)
    start = models.DateField(_("任期开始"))
    end = models.DateField(_("任期结束"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssignmentQuerySet.as_manager()

    SCOPE_FIELD = "cell__path"

    class Meta:
        verbose_name = _("网格角色")
        verbose_name_plural = _("网格角色")
        ordering = ["cell__path", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "cell", "role", "start"], name="assignment_once_per_start"
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="assignment_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["cell", "role"])]

    def __str__(self) -> str:
        return f"{self.person} · {self.cell.name} · {self.get_role_display()}"

    def is_active(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or self.end >= on)

    def duty_labels(self) -> list[str]:
        labels = dict(Duty.choices)
        return [str(labels.get(d, d)) for d in self.duties]


class RosterImport(models.Model):
    """One accepted roster file: who imported it and what it created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )
    filename = models.CharField(_("文件名"), max_length=200)
    digest = models.CharField(_("SHA-256"), max_length=64)
    people = models.PositiveIntegerField(_("新登记人员"))
    assignments = models.PositiveIntegerField(_("任命"))
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename


class ImportJob(models.Model):
    """A roster upload being imported by the worker (grid/roster_jobs.py): its progress,
    and afterwards its result or the first errors with their total."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已导入")
        FAILED = "failed", _("未导入")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="+",
        verbose_name=_("导入人"),
    )
    filename = models.CharField(_("文件名"), max_length=200)
    # kept under MEDIA_ROOT (not served) until the job ends, then deleted
    upload = models.FileField(_("上传文件"), upload_to="imports/roster/%Y/%m/", blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已写入行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    result = models.ForeignKey(
        RosterImport, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # moved on at every batch: a running job whose worker died stops moving (roster_jobs.sweep)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入任务")
        verbose_name_plural = _("名册导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
