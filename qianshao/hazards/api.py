"""Hazard endpoints: report from a phone, the list and one hazard, each step of the loop,
per-child counts and supervision (督办). Every hazard comes through scope (hazards.access);
every change through hazards.actions.

Reports and the steps that carry photos take JSON (photos as base64) or multipart/form-data
(photos as files named ``photos``); both are read by ``lib.apibody.read_body`` and validated
by the same schema, so a bad field is a 422 naming it either way. A code or id in the body
that names nothing the caller sees (a cell, a hazard, a person) is a 404 naming the field; an
unknown registry code (category, department) a 400 naming it. The schemas are in
hazards.api_schemas.
"""

from datetime import datetime, timedelta

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status

from qianshao.grid import routing, tree
from qianshao.grid.access import access_cell, visible_cells, visible_people
from qianshao.grid.models import Department, Domain
from qianshao.hazards import actions, photos, steps, sweep
from qianshao.hazards.access import (
    access_hazard,
    access_photo,
    access_supervision,
    visible_hazards,
    visible_merge_target,
    visible_supervisions,
)
from qianshao.hazards.api_schemas import (
    STEP_INPUTS,
    HazardCountsOut,
    HazardDetailOut,
    HazardOut,
    HazardReportIn,
    HazardResubmitIn,
    StatusFilter,
    StepName,
    SupervisionAnswerIn,
    SupervisionOut,
)
from qianshao.hazards.models import Grade, Hazard, Source
from qianshao.hazards.permissions import allowed_steps, check_may_take, task_q
from qianshao.hazards.queries import child_summaries, filtered
from qianshao.hazards.views_detail import timeline
from qianshao.intake.idempotent import submit
from qianshao.lib.apibody import body_doc, inline_schema, read_body
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.panels import origin
from qianshao.lib.photos import jpeg_response
from qianshao.lib.schemas import JPEG_ANSWER, Error

router = Router(tags=["hazards"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
BODY_ERRORS = {**ERRORS, 413: Error}


def _step_schema() -> dict:
    variants = []
    for model in dict.fromkeys(STEP_INPUTS.values()):
        steps = ", ".join(s.value for s, m in STEP_INPUTS.items() if m is model)
        variants.append(inline_schema(model) | {"title": f"{model.__name__} ({steps})"})
    return {"anyOf": variants}


# --- endpoints --------------------------------------------------------------------------


@router.post(
    "",
    response={201: HazardDetailOut, 200: HazardDetailOut, **BODY_ERRORS},
    openapi_extra=body_doc(inline_schema(HazardReportIn)),
)
def report_hazard(request):
    """Report a hazard (隐患报告单): JSON with base64 photos, or multipart/form-data.

    The cell is the one named (within your scope) or the deepest cell holding lon/lat.
    Idempotent on ``client_uuid``: a resend returns the first hazard with 200.
    """
    payload, photo_files = read_body(request, HazardReportIn)
    user = request.user
    cell = _reported_cell(user, payload.cell)  # the refusal before the photos are looked at
    found = _origin(user, payload.origin)
    cleaned = photos.clean_all(photo_files)  # before the transaction: re-encoding holds no lock

    def file_report():
        hazard = actions.report(
            user,
            title=payload.title,
            description=payload.description,
            category=_category(payload.category),
            grade=payload.grade,
            found_at=payload.found_at,
            cell=cell,
            lon=payload.lon,
            lat=payload.lat,
            address=payload.address,
            stopped_on_spot=payload.stopped_on_spot,
            photo_files=cleaned,
            origin=payload.origin if found else None,
        )
        if found and found.get("on_reported"):
            found["on_reported"](hazard.pk)
        return hazard

    hazard, created = submit(
        payload.client_uuid, "hazards.report", user, file_report, photos=(cleaned, photos.FOLDER)
    )
    if created:
        return Status(201, reported(user, hazard))
    return Status(200, detail(user, hazard.number))


def _origin(user, ref: str | None) -> dict | None:
    """The record of another area ``ref`` names, as ``user`` sees it (404 naming ``origin``
    when there is none such); None without a reference."""
    if not ref:
        return None
    found = origin(user, ref)
    if found is None:
        raise NotFound(_("找不到来源记录 %(r)s") % {"r": ref}, "origin")
    return found


def _category(code: str) -> Domain:
    """The hazard category of ``code`` (400 naming it when there is none)."""
    category = routing.domain(code)
    if category is None:
        raise ActionError(_("未知的隐患类别 %(c)s") % {"c": code}, "category")
    return category


def _reported_cell(user, code: str | None):
    """The cell named in a report, within the reporter's scope (404 naming it otherwise);
    None when the report gives a point instead."""
    if not code:
        return None
    try:
        return access_cell(user, code.strip().upper())
    except Http404:
        raise NotFound(_("您的辖区内没有编码为 %(c)s 的网格") % {"c": code}, "cell") from None


@router.get("", response={200: list[HazardOut], 400: Error, 404: Error})
@paginate(Pagination)
def list_hazards(
    request,
    status: StatusFilter | None = None,
    grade: Grade | None = None,
    category: str | None = None,
    cell: str | None = None,
    overdue: bool | None = None,
    source: Source | None = None,
    month: str | None = None,
    mine: bool = False,
    tasks: bool = False,
):
    """Hazards in your scope, newest first; ``cell`` narrows to its subtree, ``status=open``
    to those not closed, ``month`` (``YYYY-MM``) to those reported in it, ``mine`` to your
    own reports, ``tasks`` to those on which you have a step to take (the phone's 我的任务).
    Page with ``next``: each page costs the same however deep it is."""
    data = {"status": status and status.value, "grade": grade, "source": source}
    if overdue is not None:
        data["overdue"] = "1" if overdue else "0"
    if category:
        data["category"] = routing.domain(category)
        if data["category"] is None:
            raise ActionError(_("未知的隐患类别 %(c)s") % {"c": category}, "category")
    where = access_cell(request.user, cell.strip().upper()) if cell else None
    hazards = filtered(visible_hazards(request.user), data, where)
    if month:
        hazards = hazards.filter(reported_at__range=_month_range(month))
    if mine:
        hazards = hazards.filter(reported_by=request.user)
    if tasks:
        hazards = hazards.filter(task_q(request.user))
    return hazards.select_related("category", "cell")


def _month_range(month: str):
    """The month ``YYYY-MM`` as [first instant, last instant] in local time."""
    try:
        first = datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise ActionError(_("月份应写作 YYYY-MM，例如 2026-07"), "month") from None
    if not 2000 <= first.year <= 2100:
        raise ActionError(_("月份应在 2000 年到 2100 年之间"), "month")
    start = timezone.make_aware(first)
    end = timezone.make_aware((first + timedelta(days=32)).replace(day=1))
    return start, end - timedelta(microseconds=1)


@router.get("/counts", response={200: HazardCountsOut, 404: Error})
def hazard_counts(request, cell: str | None = None):
    """Counts of the cell (or of your scope) and of each child cell, from the tallies."""
    where = access_cell(request.user, cell.strip().upper()) if cell else None
    found = child_summaries(request.user, where)
    top = found["summary_cell"]
    return {
        "cell": top.code if top else None,
        "total": found["summary"],
        "children": [
            {"code": c.code, "name": c.name, "kind": c.kind, **summary}
            for c, summary in found["children"]
        ],
    }


@router.get("/supervisions", response={200: list[SupervisionOut], 404: Error})
@paginate(Pagination)
def list_supervisions(
    request,
    answered: bool | None = None,
    cell: str | None = None,
    hazard: str | None = None,
):
    """Supervisions (督办) in your scope: unanswered first, the most urgent first; those
    whose step is over (``settled_at``) last. ``answered=false``: those still awaiting an
    answer (neither answered nor settled)."""
    found = visible_supervisions(request.user)
    if answered is True:
        found = found.filter(answered_at__isnull=False)
    if answered is False:
        found = sweep.awaiting_answer(found)
    if cell:
        where = access_cell(request.user, cell.strip().upper())
        found = found.filter(tree.subtree_q(where.path, "hazard__cell_path"))
    if hazard:
        found = found.filter(hazard=access_hazard(request.user, hazard.strip().upper()))
    return sweep.open_first(found, "id")


@router.post("/supervisions/{int:supervision_id}/answer", response={200: SupervisionOut, **ERRORS})
def answer_supervision(request, supervision_id: int, payload: SupervisionAnswerIn):
    """答复督办: the supervised cell or department says what it has done."""
    found = access_supervision(request.user, supervision_id)
    return sweep.answer(request.user, found, text=payload.answer)


@router.get(
    "/photos/{token}",
    response={404: Error},
    openapi_extra=JPEG_ANSWER,
)
def hazard_photo(request, token: str):
    """A photo of a hazard you see, as JPEG."""
    return jpeg_response(access_photo(request.user, token).image)


@router.get("/{number}", response={200: HazardDetailOut, 404: Error})
def get_hazard(request, number: str):
    """A hazard: its fields, photos, notes, the steps you may take and its timeline."""
    return detail(request.user, number)


@router.post(
    "/{number}/{step}",
    response={200: HazardDetailOut, **BODY_ERRORS},
    openapi_extra=body_doc(_step_schema()),
)
def take_step(request, number: str, step: StepName):
    """Take a step of the loop; the body holds that step's fields (see the schema's
    variants). 403 when you may not take it, 409 when the hazard's state does not allow it
    (a second click included)."""
    hazard = access_hazard(request.user, number)
    check_may_take(
        request.user, hazard, step.value
    )  # the refusal before anything of the body is read
    payload, photo_files = read_body(request, STEP_INPUTS[step.value])
    cleaned = photos.clean_all(photo_files)  # before the step's transaction, as for a report
    user = request.user

    def act():
        return steps.take(user, hazard, step.value, _fields(user, hazard, payload, cleaned))

    if payload.client_uuid is not None:
        kind, files = f"hazards.{step.value}", (cleaned, photos.FOLDER)
        submit(payload.client_uuid, kind, user, act, on=hazard, photos=files)
    else:
        act()
    return detail(user, hazard.number)


# --- the steps --------------------------------------------------------------------------


def _fields(user, h: Hazard, p, files) -> dict:
    """The body as the step table takes it (``steps.STEPS``): codes and ids resolved to
    what they name in the user's scope (404 naming the field when they name nothing)."""
    fields = p.model_dump() | {"photos": files}
    if p.__class__ is HazardResubmitIn:
        fields["cell"] = _reported_cell(user, p.cell)
        fields["category"] = _category(p.category) if p.category else None
    if "into" in fields:
        fields["into"] = visible_hazards(user).filter(number=p.into.strip().upper()).first()
        if fields["into"] is None:
            raise NotFound(_("找不到编号为 %(n)s 的隐患") % {"n": p.into}, "into")
    if "department" in fields:
        code = p.department
        fields["department"] = _department(h, code, "department") if code else None
    if "responsible" in fields:
        cell = None
        if p.assignee_cell:
            cell = visible_cells(user).filter(code=p.assignee_cell.strip().upper()).first()
            if cell is None:
                raise NotFound(
                    _("您的辖区内没有编码为 %(c)s 的网格") % {"c": p.assignee_cell},
                    "assignee_cell",
                )
        department = None
        if p.assignee_department:
            department = _department(h, p.assignee_department, "assignee_department")
        fields["assignee_cell"], fields["assignee_department"] = cell, department
        fields["responsible"] = _responsible(user, p.responsible, department)
    return fields


def _department(h: Hazard, code: str, field: str) -> Department:
    """A department of the hazard's county (the only ones it may go to), by code."""
    county = routing.county_of(h.cell)
    found = Department.objects.filter(cell=county, code=code.strip().upper()).first()
    if found is None:
        raise ActionError(_("本县没有编码为 %(c)s 的部门") % {"c": code}, field)
    return found


def _responsible(user, person_id: int, department: Department | None):
    """The responsible person: someone you see, or a member of the assignee department."""
    person = visible_people(user).filter(pk=person_id).first()
    if person is None and department is not None:
        person = next(
            (p for p in routing.people_of_department(department.pk) if p.pk == person_id), None
        )
    if person is None:
        raise NotFound(_("找不到该整改责任人"), "responsible")
    return person


# --- the detail -------------------------------------------------------------------------


def reported(user, hazard: Hazard) -> Hazard:
    """The hazard ``user`` has just reported, answered from what the report wrote (its
    photos, its one audit record; no notes, no merge) rather than read back through scope:
    the reporter sees what they report."""
    hazard.allowed_steps = allowed_steps(user, hazard)
    hazard.merge_target = None
    hazard.photo_list = hazard.written_photos
    hazard.note_list = []
    hazard.timeline = timeline(hazard, written=hazard.written_records, by=user)
    return hazard


def detail(user, number: str) -> Hazard:
    """The hazard as ``user`` sees it now, with what HazardDetailOut shows."""
    hazard = access_hazard(user, number)
    hazard.allowed_steps = allowed_steps(user, hazard)
    hazard.merge_target = visible_merge_target(user, hazard)
    hazard.photo_list = list(hazard.photos.all())
    hazard.note_list = list(hazard.notes.select_related("author__person"))
    hazard.timeline = timeline(hazard)
    return hazard
