"""The forces part's endpoints under /api/v1/resources/: teams (with their members and
steps), experts (with 核实), social forces, and the compliance table of a cell. Everything
through scope (``access_forces``, ``grid.access``) and the actions; POSTs that create carry a
``client_uuid`` (a resend answers the first)."""

from datetime import date, datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid import tree
from qianshao.grid.access import cell_or_own
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, Id, LocalDate, OutSchema, StrictSchema
from qianshao.resources import actions_forces as actions
from qianshao.resources import steps_forces as steps
from qianshao.resources.access_forces import (
    access_expert,
    access_member,
    access_social_force,
    access_team,
    visible_experts,
    visible_social_forces,
    visible_teams,
)
from qianshao.resources.compliance_forces import compliance
from qianshao.resources.models import (
    TEAM_FLOW,
    Member,
    MemberRole,
    TeamKind,
    TeamStatus,
)
from qianshao.resources.permissions_forces import team_refusal

router = Router(tags=["resources"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


# --- schemas ----------------------------------------------------------------------------


class TeamIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20, description="the team's cell code")
    name: str = Field(..., max_length=64)
    kind: TeamKind
    phone: str = Field("", max_length=20)
    base_lon: float | None = None
    base_lat: float | None = None
    address: str = Field("", max_length=200)
    leader_name: str = Field("", max_length=32, description="with leader_phone: the leader")
    leader_phone: str = Field("", max_length=11)


class TeamEditIn(StrictSchema):
    name: str = Field(..., max_length=64)
    kind: TeamKind
    phone: str = Field("", max_length=20)
    base_lon: float | None = None
    base_lat: float | None = None
    address: str = Field("", max_length=200)


class TeamOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    name: str
    kind: str
    leader: str | None
    phone: str
    base_lon: float | None
    base_lat: float | None
    address: str
    status: str
    status_at: datetime
    members_n: int

    @staticmethod
    def resolve_leader(obj) -> str | None:
        return obj.leader.name if obj.leader_id else None


class OtherTeamOut(OutSchema):
    id: int
    name: str


class MemberOut(OutSchema):
    id: int
    person: int = Field(..., alias="person_id")
    name: str = Field(..., alias="person.name")
    phone: str = Field(..., alias="person.phone")
    role: str
    skills: str
    joined: date
    left: date | None
    other_teams: list[OtherTeamOut] = []


class TeamDetailOut(TeamOut):
    members: list[MemberOut] = Field(..., alias="current_members")
    steps: list[str] = Field(..., alias="allowed_steps")


class MemberIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    name: str = Field(..., max_length=32)
    phone: str = Field(..., max_length=11)
    role: MemberRole = MemberRole.MEMBER
    skills: str = Field("", max_length=200)
    joined: LocalDate | None = None


class CertificateIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    person: Id = Field(..., description="the id of a current member's person")
    name: str = Field(..., max_length=64)
    number: str = Field("", max_length=64)
    issuer: str = Field("", max_length=64)
    expires: LocalDate | None = None


class CertificateOut(OutSchema):
    id: int
    person: int = Field(..., alias="person_id")
    name: str
    number: str
    issuer: str
    expires: date | None


class LeaveIn(StrictSchema):
    left: LocalDate | None = None
    note: str = Field("", max_length=500)


class TeamStepIn(StrictSchema):
    note: str = Field("", max_length=500)


class ExpertIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20)
    name: str = Field(..., max_length=32)
    field: str = Field(..., max_length=64)
    title: str = Field("", max_length=64)
    organisation: str = Field("", max_length=100)
    phone: str = Field(..., max_length=20)
    verified_on: LocalDate


class ExpertEditIn(StrictSchema):
    name: str = Field(..., max_length=32)
    field: str = Field(..., max_length=64)
    title: str = Field("", max_length=64)
    organisation: str = Field("", max_length=100)
    phone: str = Field(..., max_length=20)


class ExpertOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    name: str
    field: str
    title: str
    organisation: str
    phone: str
    verified_on: date
    overdue: bool


class ExpertVerifyIn(StrictSchema):
    on: LocalDate | None = Field(None, description="the day the details were confirmed; today")


class SocialForceIn(StrictSchema):
    client_uuid: UUID = Field(..., description="made by the client; a resend returns the first")
    cell: str = Field(..., min_length=1, max_length=20)
    organisation: str = Field(..., max_length=100)
    capability: str = Field(..., max_length=200)
    size: int = Field(..., ge=1, le=actions.MAX_SIZE)
    contact: str = Field(..., max_length=32)
    phone: str = Field(..., max_length=20)
    agreement_start: LocalDate | None = None
    agreement_end: LocalDate | None = None


class SocialForceEditIn(StrictSchema):
    organisation: str = Field(..., max_length=100)
    capability: str = Field(..., max_length=200)
    size: int = Field(..., ge=1, le=actions.MAX_SIZE)
    contact: str = Field(..., max_length=32)
    phone: str = Field(..., max_length=20)
    agreement_start: LocalDate | None = None
    agreement_end: LocalDate | None = None


class SocialForceOut(OutSchema):
    id: int
    cell: str = Field(..., alias="cell.code")
    organisation: str
    capability: str
    size: int
    contact: str
    phone: str
    agreement_start: date | None
    agreement_end: date | None


class ComplianceRowOut(OutSchema):
    cell: str
    name: str
    kind: str
    teams: int
    members: int
    minimum: int | None
    largest: int
    meets: bool | None
    shortfall: int | None
    met: int
    expected: int
    rate: float | None


class ComplianceOut(OutSchema):
    cell: str
    total: ComplianceRowOut
    children: list[ComplianceRowOut]


# --- helpers ----------------------------------------------------------------------------


def _detail(user, team_id: int) -> dict:
    """A team with its current members (each with their other teams) and the steps the
    user may take now."""
    team = access_team(user, team_id)
    members = list(
        Member.objects.filter(team=team, left=None).select_related("person").order_by("id")
    )
    others = actions.other_teams(members, user)
    for m in members:
        m.other_teams = others[m.pk]
    team.current_members = members
    team.allowed_steps = TEAM_FLOW.allowed_steps(user, team, team_refusal)
    return team


def _subtree(queryset, user, cell: str | None):
    if cell:
        queryset = queryset.filter(tree.subtree_q(cell_or_own(user, cell).path, "cell_path"))
    return queryset


# --- teams ------------------------------------------------------------------------------


@router.get("/teams", response={200: list[TeamOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_teams(
    request, cell: str | None = None, kind: TeamKind | None = None, status: TeamStatus | None = None
):
    """Teams in your scope (of ``cell``'s subtree), by cell and kind."""
    found = _subtree(visible_teams(request.user), request.user, cell)
    if kind:
        found = found.filter(kind=kind)
    if status:
        found = found.filter(status=status)
    return found.select_related("cell", "leader").order_by("cell_path", "kind", "id")


@router.post("/teams", response={201: TeamDetailOut, 200: TeamDetailOut, **ERRORS})
def create_team(request, payload: TeamIn):
    """组建 a team in a cell, with its leader as its first member when given."""
    user = request.user
    where = cell_or_own(user, payload.cell)
    fields = payload.dict(exclude={"client_uuid", "cell"})
    team, created = submit(
        payload.client_uuid,
        "resources.team",
        user,
        lambda: actions.create_team(user, cell=where, **fields),
    )
    return HttpStatus(201 if created else 200, _detail(user, team.pk))


@router.get("/teams/{int:team_id}", response={200: TeamDetailOut, 404: Error})
def get_team(request, team_id: int):
    """A team, its current members (with the other teams each is in) and your steps."""
    return _detail(request.user, team_id)


@router.put("/teams/{int:team_id}", response={200: TeamDetailOut, **ERRORS})
def edit_team(request, team_id: int, payload: TeamEditIn):
    """Edit a team's details (not its status, nor its members)."""
    team = access_team(request.user, team_id)
    actions.edit_team(request.user, team, **payload.dict(exclude_unset=True))
    return _detail(request.user, team_id)


@router.post("/teams/{int:team_id}/members", response={201: MemberOut, 200: MemberOut, **ERRORS})
def add_member(request, team_id: int, payload: MemberIn):
    """Add a person to the team by name and mobile: one of the grid, or registered for it."""
    user = request.user
    team = access_team(user, team_id)
    fields = payload.dict(exclude={"client_uuid"})
    member, created = submit(
        payload.client_uuid,
        "resources.member",
        user,
        lambda: actions.add_member(user, team, **fields),
        on=team,
    )
    member.other_teams = actions.other_teams([member], user)[member.pk]
    return HttpStatus(201 if created else 200, member)


@router.post(
    "/teams/{int:team_id}/certificates",
    response={201: CertificateOut, 200: CertificateOut, **ERRORS},
)
def add_certificate(request, team_id: int, payload: CertificateIn):
    """Record a certificate of one of the team's current members."""
    user = request.user
    team = access_team(user, team_id)
    member = Member.objects.filter(team=team, person_id=payload.person, left=None).first()
    if member is None:
        raise ActionError(_("只能为本队现有队员登记证书"), "person")
    fields = payload.dict(exclude={"client_uuid", "person"})
    made, created = submit(
        payload.client_uuid,
        "resources.certificate",
        user,
        lambda: actions.add_certificate(user, team, person=member.person, **fields),
        on=team,
    )
    return HttpStatus(201 if created else 200, made)


@router.post("/members/{int:member_id}/leave", response={200: MemberOut, **ERRORS})
def remove_member(request, member_id: int, payload: LeaveIn):
    """离队: the membership ends (and stays on record)."""
    member = access_member(request.user, member_id)
    return actions.remove_member(request.user, member, left=payload.left, note=payload.note)


@router.post("/teams/{int:team_id}/steps/{step}", response={200: TeamDetailOut, **ERRORS})
def team_step(request, team_id: int, step: str, payload: TeamStepIn):
    """出动 (dispatch), 收队 (return), 停用 (disable), 恢复 (restore) or 撤销 (revoke)."""
    team = access_team(request.user, team_id)
    if step not in steps.STEPS:
        raise ActionError(_("未知的步骤"), "step")
    steps.take(request.user, team, step, {"note": payload.note})
    return _detail(request.user, team_id)


# --- experts ----------------------------------------------------------------------------


@router.get("/experts", response={200: list[ExpertOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_experts(request, cell: str | None = None, overdue: bool | None = None):
    """Experts in your scope (of ``cell``'s subtree); ``overdue`` those not verified within
    12 months."""
    found = _subtree(visible_experts(request.user), request.user, cell)
    if overdue is not None:
        found = found.filter(overdue=overdue)
    return found.select_related("cell").order_by("cell_path", "name", "id")


@router.post("/experts", response={201: ExpertOut, 200: ExpertOut, **ERRORS})
def create_expert(request, payload: ExpertIn):
    """Add an expert to a cell's pool; you keep it."""
    user = request.user
    where = cell_or_own(user, payload.cell)
    fields = payload.dict(exclude={"client_uuid", "cell"})
    expert, created = submit(
        payload.client_uuid,
        "resources.expert",
        user,
        lambda: actions.create_expert(user, cell=where, **fields),
    )
    return HttpStatus(201 if created else 200, access_expert(user, expert.pk))


@router.put("/experts/{int:expert_id}", response={200: ExpertOut, **ERRORS})
def edit_expert(request, expert_id: int, payload: ExpertEditIn):
    """Edit an expert's details (the verification date moves only by 核实)."""
    expert = access_expert(request.user, expert_id)
    actions.edit_expert(request.user, expert, **payload.dict(exclude_unset=True))
    return access_expert(request.user, expert_id)


@router.post("/experts/{int:expert_id}/verify", response={200: ExpertOut, **ERRORS})
def verify_expert(request, expert_id: int, payload: ExpertVerifyIn):
    """核实: the expert's details were confirmed (today)."""
    expert = access_expert(request.user, expert_id)
    actions.verify_expert(request.user, expert, on=payload.on)
    return access_expert(request.user, expert_id)


# --- social forces ----------------------------------------------------------------------


@router.get("/social-forces", response={200: list[SocialForceOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_social_forces(request, cell: str | None = None):
    """Social emergency forces in your scope (of ``cell``'s subtree)."""
    found = _subtree(visible_social_forces(request.user), request.user, cell)
    return found.select_related("cell").order_by("cell_path", "organisation", "id")


@router.post("/social-forces", response={201: SocialForceOut, 200: SocialForceOut, **ERRORS})
def create_social_force(request, payload: SocialForceIn):
    """Register a social emergency force and its agreement."""
    user = request.user
    where = cell_or_own(user, payload.cell)
    fields = payload.dict(exclude={"client_uuid", "cell"})
    force, created = submit(
        payload.client_uuid,
        "resources.social_force",
        user,
        lambda: actions.create_social_force(user, cell=where, **fields),
    )
    return HttpStatus(201 if created else 200, access_social_force(user, force.pk))


@router.put("/social-forces/{int:force_id}", response={200: SocialForceOut, **ERRORS})
def edit_social_force(request, force_id: int, payload: SocialForceEditIn):
    """Edit a social force's details and agreement."""
    force = access_social_force(request.user, force_id)
    actions.edit_social_force(request.user, force, **payload.dict(exclude_unset=True))
    return access_social_force(request.user, force_id)


# --- compliance -------------------------------------------------------------------------


@router.get("/compliance", response={200: ComplianceOut, 400: Error, 404: Error})
def team_compliance(request, cell: str | None = None):
    """Team compliance of a cell (your own by default): each child's teams, members, norm,
    shortfall; how many cells under each meet their norm, and the percentage."""
    where = cell_or_own(request.user, cell)
    table = compliance(where)
    return {
        "cell": where.code,
        "total": table.total.as_dict(),
        "children": [row.as_dict() for row in table.children],
    }
