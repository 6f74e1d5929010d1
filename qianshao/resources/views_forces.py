"""The forces' pages: a cell's teams (filtered by kind and status, paginated), a team's page
(its members with the other teams each is in, their certificates with expiry marks, the
steps the user may take), the forms for teams, members, certificates, experts and social
forces (a refusal shown on the field it names), the compliance table of a cell drilling
down to its children, the expert pool with the overdue flagged, and the social forces.

Every object comes through scope (``access_forces``, ``grid.access``): 404 outside it."""

from datetime import timedelta
from uuid import uuid4

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qianshao.grid import tree
from qianshao.grid.access import access_cell, cell_or_own
from qianshao.intake.pages import take
from qianshao.lib import keyset
from qianshao.lib.tabular import ImportFailed
from qianshao.lib.xlsx import download
from qianshao.resources import actions_forces as actions
from qianshao.resources import importers_forces, xlsx_forces
from qianshao.resources import steps_forces as steps
from qianshao.resources.access_forces import (
    access_expert,
    access_member,
    access_social_force,
    access_team,
    visible_certificates,
    visible_experts,
    visible_social_forces,
    visible_teams,
)
from qianshao.resources.compliance_forces import compliance
from qianshao.resources.forms_forces import (
    CertificateForm,
    ExpertForm,
    LeaveForm,
    MemberForm,
    NewExpertForm,
    NewSocialForceForm,
    NewTeamForm,
    SocialForceForm,
    StepForm,
    TeamForm,
    VerifyForm,
)
from qianshao.resources.models import (
    TEAM_FLOW,
    Member,
    TeamKind,
    TeamStatus,
    TeamStep,
)
from qianshao.resources.permissions import change_refusal
from qianshao.resources.permissions_forces import team_refusal

PAGE_SIZE = 30
EXPIRING_WITHIN = timedelta(days=30)
FORM = "resources/forces/form.html"


def _cell_of(request, required: bool = False):
    """The cell the page is about (``?cell=`` or the form's ``cell``), through scope."""
    code = (request.POST.get("cell") or request.GET.get("cell") or "").strip().upper()
    if code:
        return access_cell(request.user, code)
    return cell_or_own(request.user, None) if required else None


def _form_page(request, form, title: str, *, back: str, status: int = 200, note: str = ""):
    context = {"form": form, "title": title, "back": back, "note": note}
    return render(request, FORM, context, status=status)


def _paged(request, queryset):
    return keyset.page(request, queryset, PAGE_SIZE)


# --- teams ------------------------------------------------------------------------------


def team_list(request):
    cell = _cell_of(request)
    found = visible_teams(request.user).select_related("cell", "leader")
    if cell is not None:
        found = found.filter(tree.subtree_q(cell.path, "cell_path"))
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    if kind in TeamKind.values:
        found = found.filter(kind=kind)
    if status in TeamStatus.values:
        found = found.filter(status=status)
    context = {
        "page": _paged(request, found.order_by("cell_path", "kind", "id")),
        "cell": cell,
        "kinds": TeamKind.choices,
        "statuses": TeamStatus.choices,
        "kind": kind,
        "status": status,
        "may_add": cell is not None and change_refusal(request.user, cell.path) is None,
    }
    return render(request, "resources/forces/teams.html", context)


def team_new(request):
    cell = _cell_of(request)
    initial = {"cell": cell.code} if cell else {}
    form = NewTeamForm(request.POST or None, initial=initial)
    back = reverse("resources-teams")
    if request.method != "POST":
        return _form_page(request, form, _("组建队伍"), back=back)
    if cell is None or not form.is_valid():
        if cell is None:
            form.add_error("cell", _("请填写所属网格编码"))
        return _form_page(request, form, _("组建队伍"), back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("client_uuid", "cell")}
    team, refusal = take(
        form,
        "resources.team",
        request.user,
        lambda: actions.create_team(request.user, cell=cell, **data),
    )
    if refusal:
        return _form_page(request, form, _("组建队伍"), back=back, status=refusal.status)
    messages.success(request, _("已组建队伍：%(n)s") % {"n": team.name})
    return redirect("resources-team", team_id=team.pk)


def team_page(request, team_id):
    team = access_team(request.user, team_id)
    members = list(
        Member.objects.filter(team=team, left=None).select_related("person").order_by("role", "id")
    )
    others = actions.other_teams(members, request.user)
    certificates: dict[int, list] = {}
    held = visible_certificates(request.user).filter(person_id__in=[m.person_id for m in members])
    today = timezone.localdate()
    for c in held.order_by("expires", "id"):
        c.expired = c.expires is not None and c.expires < today
        c.expiring = (
            c.expires is not None and not c.expired and c.expires <= today + EXPIRING_WITHIN
        )
        certificates.setdefault(c.person_id, []).append(c)
    rows = [(m, others[m.pk], certificates.get(m.person_id, []), uuid4()) for m in members]
    allowed = TEAM_FLOW.allowed_steps(request.user, team, team_refusal)
    context = {
        "team": team,
        "rows": rows,
        "steps": [(s, TeamStep(s).label, uuid4()) for s in allowed],
        "may_change": change_refusal(request.user, team.cell_path) is None
        and team.status != TeamStatus.REVOKED,
    }
    return render(request, "resources/forces/team.html", context)


def team_edit(request, team_id):
    team = access_team(request.user, team_id)
    fields = ["name", "kind", "phone", "base_lon", "base_lat", "address"]
    form = TeamForm(request.POST or None, initial={f: getattr(team, f) for f in fields})
    back = reverse("resources-team", args=[team.pk])
    title = _("编辑队伍")
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if not form.is_valid():
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k != "client_uuid"}
    _t, refusal = take(
        form,
        "resources.team_edit",
        request.user,
        lambda: actions.edit_team(request.user, team, **data),
        on=team,
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已保存"))
    return redirect(back)


def member_new(request, team_id):
    team = access_team(request.user, team_id)
    form = MemberForm(request.POST or None)
    back = reverse("resources-team", args=[team.pk])
    title = _("增加队员：%(n)s") % {"n": team.name}
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if not form.is_valid():
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k != "client_uuid"}
    _m, refusal = take(
        form,
        "resources.member",
        request.user,
        lambda: actions.add_member(request.user, team, **data),
        on=team,
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已增加队员：%(n)s") % {"n": data["name"]})
    return redirect(back)


@require_POST
def member_leave(request, member_id):
    member = access_member(request.user, member_id)
    form = LeaveForm(request.POST)
    back = reverse("resources-team", args=[member.team_id])
    if not form.is_valid():
        return _form_page(request, form, _("离队"), back=back, status=400)
    data = form.cleaned_data
    _m, refusal = take(
        form,
        "resources.leave",
        request.user,
        lambda: actions.remove_member(request.user, member, left=data["left"], note=data["note"]),
        on=member,
    )
    if refusal:
        return _form_page(request, form, _("离队"), back=back, status=refusal.status)
    messages.success(request, _("已离队：%(n)s") % {"n": member.person.name})
    return redirect(back)


def certificate_new(request, team_id):
    team = access_team(request.user, team_id)
    members = Member.objects.filter(team=team, left=None).select_related("person")
    form = CertificateForm(request.POST or None, members=members)
    back = reverse("resources-team", args=[team.pk])
    title = _("登记证书：%(n)s") % {"n": team.name}
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if not form.is_valid():
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k != "client_uuid"}
    person = next(m.person for m in members if m.person_id == data.pop("person"))
    _c, refusal = take(
        form,
        "resources.certificate",
        request.user,
        lambda: actions.add_certificate(request.user, team, person=person, **data),
        on=team,
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已登记证书"))
    return redirect(back)


@require_POST
def team_step(request, team_id, step):
    team = access_team(request.user, team_id)
    if step not in steps.STEPS:
        raise Http404(step)
    form = StepForm(request.POST)
    back = reverse("resources-team", args=[team.pk])
    if not form.is_valid():
        return _form_page(request, form, TeamStep(step).label, back=back, status=400)
    note = form.cleaned_data["note"]
    _t, refusal = take(
        form,
        f"resources.team.{step}",
        request.user,
        lambda: steps.take(request.user, team, step, {"note": note}),
        on=team,
    )
    if refusal:
        messages.error(request, refusal.message)
        return _form_page(request, form, TeamStep(step).label, back=back, status=refusal.status)
    messages.success(request, _("%(n)s：%(s)s") % {"n": team.name, "s": TeamStep(step).label})
    return redirect(back)


# --- compliance -------------------------------------------------------------------------


def compliance_page(request):
    cell = _cell_of(request, required=True)
    table = compliance(cell)
    context = {"cell": cell, "table": table, "kinds": dict(TeamKind.choices)}
    return render(request, "resources/forces/compliance.html", context)


# --- experts ----------------------------------------------------------------------------


def expert_list(request):
    cell = _cell_of(request)
    found = visible_experts(request.user).select_related("cell")
    if cell is not None:
        found = found.filter(tree.subtree_q(cell.path, "cell_path"))
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        found = found.filter(overdue=True)
    page = _paged(request, found.order_by("cell_path", "name", "id"))
    for expert in page:
        expert.key = uuid4()  # the 核实 button's client UUID
    context = {
        "page": page,
        "cell": cell,
        "overdue": overdue,
    }
    return render(request, "resources/forces/experts.html", context)


def expert_new(request):
    cell = _cell_of(request)
    form = NewExpertForm(request.POST or None, initial={"cell": cell.code} if cell else {})
    back, title = reverse("resources-experts"), _("增加专家")
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if cell is None or not form.is_valid():
        if cell is None:
            form.add_error("cell", _("请填写所属网格编码"))
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("client_uuid", "cell")}
    _e, refusal = take(
        form,
        "resources.expert",
        request.user,
        lambda: actions.create_expert(request.user, cell=cell, **data),
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已增加专家：%(n)s") % {"n": data["name"]})
    return redirect(f"{back}?cell={cell.code}")


def expert_edit(request, expert_id):
    expert = access_expert(request.user, expert_id)
    fields = ["name", "field", "title", "organisation", "phone"]
    form = ExpertForm(request.POST or None, initial={f: getattr(expert, f) for f in fields})
    back, title = reverse("resources-experts"), _("编辑专家")
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if not form.is_valid():
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k != "client_uuid"}
    _e, refusal = take(
        form,
        "resources.expert_edit",
        request.user,
        lambda: actions.edit_expert(request.user, expert, **data),
        on=expert,
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已保存"))
    return redirect(back)


@require_POST
def expert_verify(request, expert_id):
    expert = access_expert(request.user, expert_id)
    form = VerifyForm(request.POST)
    back = reverse("resources-experts")
    if not form.is_valid():
        return _form_page(request, form, _("核实专家信息"), back=back, status=400)
    on = form.cleaned_data["on"]
    _e, refusal = take(
        form,
        "resources.expert_verify",
        request.user,
        lambda: actions.verify_expert(request.user, expert, on=on),
        on=expert,
    )
    if refusal:
        return _form_page(request, form, _("核实专家信息"), back=back, status=refusal.status)
    messages.success(request, _("已核实：%(n)s") % {"n": expert.name})
    return redirect(back)


# --- social forces ----------------------------------------------------------------------


def social_force_list(request):
    cell = _cell_of(request)
    found = visible_social_forces(request.user).select_related("cell")
    if cell is not None:
        found = found.filter(tree.subtree_q(cell.path, "cell_path"))
    context = {
        "page": _paged(request, found.order_by("cell_path", "organisation", "id")),
        "cell": cell,
        "today": timezone.localdate(),
    }
    return render(request, "resources/forces/social_forces.html", context)


def social_force_new(request):
    cell = _cell_of(request)
    form = NewSocialForceForm(request.POST or None, initial={"cell": cell.code} if cell else {})
    back, title = reverse("resources-social-forces"), _("登记社会应急力量")
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if cell is None or not form.is_valid():
        if cell is None:
            form.add_error("cell", _("请填写所属网格编码"))
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k not in ("client_uuid", "cell")}
    _f, refusal = take(
        form,
        "resources.social_force",
        request.user,
        lambda: actions.create_social_force(request.user, cell=cell, **data),
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已登记：%(n)s") % {"n": data["organisation"]})
    return redirect(f"{back}?cell={cell.code}")


def social_force_edit(request, force_id):
    force = access_social_force(request.user, force_id)
    fields = [
        "organisation",
        "capability",
        "size",
        "contact",
        "phone",
        "agreement_start",
        "agreement_end",
    ]
    form = SocialForceForm(request.POST or None, initial={f: getattr(force, f) for f in fields})
    back, title = reverse("resources-social-forces"), _("编辑社会应急力量")
    if request.method != "POST":
        return _form_page(request, form, title, back=back)
    if not form.is_valid():
        return _form_page(request, form, title, back=back, status=400)
    data = {k: v for k, v in form.cleaned_data.items() if k != "client_uuid"}
    _f, refusal = take(
        form,
        "resources.social_force_edit",
        request.user,
        lambda: actions.edit_social_force(request.user, force, **data),
        on=force,
    )
    if refusal:
        return _form_page(request, form, title, back=back, status=refusal.status)
    messages.success(request, _("已保存"))
    return redirect(back)


# --- 队伍台账 and imports ---------------------------------------------------------------


def teams_xlsx(request):
    cell = _cell_of(request, required=True)
    book = xlsx_forces.teams_workbook(
        cell, visible_teams(request.user), visible_certificates(request.user)
    )
    return download(book, _("应急救援队伍台账-%(n)s.xlsx") % {"n": cell.name})


def teams_import(request):
    """Teams and members from a table: every problem by row and column, nothing written."""
    cell = _cell_of(request, required=True)
    context = {"cell": cell, "columns": importers_forces.COLUMNS, "errors": [], "done": None}
    if request.method != "POST":
        return render(request, "resources/forces/import.html", context)
    upload = request.FILES.get("file")
    if upload is None:
        context["errors"] = [_("请选择文件")]
        return render(request, "resources/forces/import.html", context, status=400)
    try:
        done = importers_forces.import_teams(request.user, upload, upload.name)
    except ImportFailed as failed:
        context["errors"] = [str(e) for e in failed.errors]
        return render(request, "resources/forces/import.html", context, status=400)
    messages.success(
        request,
        _("已导入队伍 %(t)s 支、队员 %(m)s 人次") % {"t": done["teams"], "m": done["members"]},
    )
    return redirect(f"{reverse('resources-teams')}?cell={cell.code}")
