"""The forces part's records (docs/adr/0023 "Forces"): emergency rescue teams (应急救援队伍)
and their members, people's certificates, the norms a cell's team must meet, the expert
pool (专家库) and social forces (社会应急力量).

The tier of a team (县大队, 乡镇中队, 村先锋分队, 企业队) is the kind of its cell, not a field.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qianshao.grid.models import Cell, CellKind, Person
from qianshao.workflow.flow import Flow

__all__ = [
    "TeamKind",
    "TeamStatus",
    "TeamStep",
    "Team",
    "TEAM_FLOW",
    "MemberRole",
    "Member",
    "Certificate",
    "Norm",
    "Expert",
    "SocialForce",
    "COUNTED_BY_DEFAULT",
]


class TeamKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合性")
    FOREST_FIRE = "forest_fire", _("森林消防")
    FLOOD = "flood", _("防汛")
    GEOHAZARD = "geohazard", _("地质灾害")
    HAZCHEM = "hazchem", _("危化")
    MINE = "mine", _("矿山")
    OTHER_PRO = "other_pro", _("其他专业")
    MILITIA = "militia", _("民兵")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL = "social", _("社会应急力量")
    VOLUNTEER = "volunteer", _("志愿者")


# The team kinds a norm counts unless it says otherwise: 综合性 (seed 000 §3, §14).
COUNTED_BY_DEFAULT = [TeamKind.COMPREHENSIVE.value]


class TeamStatus(models.TextChoices):
    STANDBY = "standby", _("待命")
    OUT = "out", _("出动")
    UNAVAILABLE = "unavailable", _("不可用")
    REVOKED = "revoked", _("已撤销")


class TeamStep(models.TextChoices):
    CREATE = "create", _("组建")
    DISPATCH = "dispatch", _("出动")
    RETURN = "return", _("收队")
    DISABLE = "disable", _("停用")
    RESTORE = "restore", _("恢复")
    REVOKE = "revoke", _("撤销")


class Team(models.Model):
    """One emergency rescue team of a cell: its kind, leader, base and status. ``members_n``
    is the number of its current members, kept by the member actions (the norm reads it)."""

    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="+", db_index=False, verbose_name=_("所属网格")
    )
    cell_path = models.CharField(max_length=255)
    name = models.CharField(_("队伍名称"), max_length=64)
    kind = models.CharField(_("队伍类型"), max_length=16, choices=TeamKind.choices)
    leader = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("队长")
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    base_lon = models.FloatField(_("驻地经度"), null=True, blank=True)
    base_lat = models.FloatField(_("驻地纬度"), null=True, blank=True)
    address = models.CharField(_("驻地地址"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=TeamStatus.choices)
    status_at = models.DateTimeField(_("状态时间"))
    members_n = models.PositiveIntegerField(_("队员数"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("应急救援队伍")
        verbose_name_plural = _("应急救援队伍")
        ordering = ["cell_path", "kind", "id"]
        indexes = [
            models.Index(fields=["cell_path", "kind"], name="team_path_kind"),
            # the teams standing by near an incident (``queries.candidates``)
            models.Index(fields=["status", "base_lat"], name="team_status_lat"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def counted(self) -> bool:
        """Is the team in the counters and the norm (a revoked one is not)?"""
        return self.status != TeamStatus.REVOKED


# 待命 —出动→ 出动 —收队→ 待命, 待命 —停用→ 不可用 —恢复→ 待命, 待命|不可用 —撤销→ 已撤销.
TEAM_FLOW = Flow(
    Team,
    {
        TeamStatus.STANDBY: {
            TeamStep.DISPATCH: TeamStatus.OUT,
            TeamStep.DISABLE: TeamStatus.UNAVAILABLE,
            TeamStep.REVOKE: TeamStatus.REVOKED,
        },
        TeamStatus.OUT: {TeamStep.RETURN: TeamStatus.STANDBY},
        TeamStatus.UNAVAILABLE: {
            TeamStep.RESTORE: TeamStatus.STANDBY,
            TeamStep.REVOKE: TeamStatus.REVOKED,
        },
        TeamStatus.REVOKED: {},
    },
    steps=TeamStep,
    statuses=TeamStatus,
    area="resources.team",
    fields=["status", "status_at"],
    begins={TeamStep.CREATE: TeamStatus.STANDBY},
)


class MemberRole(models.TextChoices):
    LEADER = "leader", _("队长")
    DEPUTY = "deputy", _("副队长")
    MEMBER = "member", _("队员")


class Member(models.Model):
    """A person's membership of a team: from ``joined`` until ``left``. A person may be a
    member of several teams (shown on each); of one team once at a time."""

    team = models.ForeignKey(Team, models.PROTECT, related_name="members", verbose_name=_("队伍"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("人员"))
    role = models.CharField(
        _("队内职务"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    joined = models.DateField(_("入队日期"))
    left = models.DateField(_("离队日期"), null=True, blank=True)

    SCOPE_FIELD = "team__cell_path"

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["team", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "person"],
                condition=Q(left__isnull=True),
                name="one_current_membership",
            )
        ]
        indexes = [models.Index(fields=["person", "team"], name="member_person")]

    def __str__(self) -> str:
        return f"{self.team_id} {self.person_id}"


class Certificate(models.Model):
    """A person's certificate (救援、急救、特种作业…) and when it expires (null: never).
    ``cell_path`` is the cell of the team it was recorded through: who sees and keeps it."""

    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name=_("持证人"))
    cell_path = models.CharField(max_length=255, db_index=True)
    name = models.CharField(_("证书名称"), max_length=64)
    number = models.CharField(_("证书编号"), max_length=64, blank=True)
    issuer = models.CharField(_("发证机关"), max_length=64, blank=True)
    expires = models.DateField(_("有效期至"), null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("资格证书")
        verbose_name_plural = _("资格证书")
        ordering = ["person", "expires", "id"]
        indexes = [
            models.Index(fields=["person", "expires"], name="certificate_person"),
            models.Index(fields=["expires"], name="certificate_expires"),
        ]

    def __str__(self) -> str:
        return self.name


class Norm(models.Model):
    """How many members a cell of a kind must have in one counted team (组建一支不少于 N
    人的队伍). A norm with ``within`` applies only under that cell; the most specific applies
    (a city following seed 001 sets 20 under its 街道)."""

    cell_kind = models.CharField(_("网格类型"), max_length=16, choices=CellKind.choices)
    minimum = models.PositiveIntegerField(_("最少人数"))
    team_kinds = models.JSONField(
        _("计入的队伍类型"),
        default=list,
        blank=True,
        help_text=_("如 comprehensive、flood；留空为综合性"),
    )
    within = models.ForeignKey(
        Cell,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("适用范围"),
        help_text=_("留空则适用于所有该类型网格"),
    )

    class Meta:
        verbose_name = _("队伍建设标准")
        verbose_name_plural = _("队伍建设标准")
        ordering = ["cell_kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cell_kind", "within"], name="one_norm_per_kind_and_subtree"
            ),
            models.UniqueConstraint(
                fields=["cell_kind"], condition=Q(within=None), name="one_default_norm_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_cell_kind_display()} ≥ {self.minimum}"

    def counted_kinds(self) -> list[str]:
        return list(self.team_kinds or COUNTED_BY_DEFAULT)


class Expert(models.Model):
    """One expert of the pool (专家库). ``overdue`` is derived: not verified within 12 months
    (moved by the sweep's claimed step, cleared by 核实)."""

    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="+", db_index=False, verbose_name=_("所属网格")
    )
    cell_path = models.CharField(max_length=255)
    name = models.CharField(_("姓名"), max_length=32)
    field = models.CharField(_("专业领域"), max_length=64)
    title = models.CharField(_("职称"), max_length=64, blank=True)
    organisation = models.CharField(_("工作单位"), max_length=100, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20)
    verified_on = models.DateField(_("最近核实日期"))
    overdue = models.BooleanField(_("逾期未核实"), default=False)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("维护人"),
    )

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("专家")
        verbose_name_plural = _("专家")
        ordering = ["cell_path", "name", "id"]
        indexes = [
            models.Index(fields=["cell_path", "name"], name="expert_path"),
            models.Index(fields=["overdue", "verified_on"], name="expert_verify"),
        ]

    def __str__(self) -> str:
        return self.name


class SocialForce(models.Model):
    """A social emergency force (社会应急力量) and its agreement with the cell."""

    cell = models.ForeignKey(
        Cell, models.PROTECT, related_name="+", db_index=False, verbose_name=_("所属网格")
    )
    cell_path = models.CharField(max_length=255)
    organisation = models.CharField(_("组织名称"), max_length=100)
    capability = models.CharField(_("救援能力"), max_length=200)
    size = models.PositiveIntegerField(_("人数"))
    contact = models.CharField(_("联系人"), max_length=32)
    phone = models.CharField(_("联系电话"), max_length=20)
    agreement_start = models.DateField(_("协议开始"), null=True, blank=True)
    agreement_end = models.DateField(_("协议结束"), null=True, blank=True)

    SCOPE_FIELD = "cell_path"

    class Meta:
        verbose_name = _("社会应急力量")
        verbose_name_plural = _("社会应急力量")
        ordering = ["cell_path", "organisation", "id"]
        indexes = [
            models.Index(fields=["cell_path", "organisation"], name="social_force_path"),
            models.Index(fields=["agreement_end"], name="social_force_agreement"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(agreement_end__isnull=True)
                | Q(agreement_start__isnull=True)
                | Q(agreement_end__gte=models.F("agreement_start")),
                name="social_force_agreement_order",
            )
        ]

    def __str__(self) -> str:
        return self.organisation
