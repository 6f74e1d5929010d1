"""Warning endpoints: draft, edit, submit for approval, send back, approve, issue, revise,
cancel and relay a warning; its board
and who has not answered; my deliveries and 叫应. Every warning comes through scope
(warnings.access); every change through warnings.actions. (CAP 1.2: warnings.api_cap.)"""

from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from qianshao.grid.access import access_cell, visible_cells
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError, NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error
from qianshao.warnings import actions, audience, board, steps
from qianshao.warnings.access import (
    access_my_delivery,
    access_warning_by_id,
    my_deliveries,
    reaching,
    visible_warnings,
)
from qianshao.warnings.api_schemas import (
    AnswerIn,
    BoardOut,
    DeliveryOut,
    NoteIn,
    ReasonIn,
    RelayIn,
    SubmitIn,
    WarningDetailOut,
    WarningEditIn,
    WarningIn,
    WarningOut,
    WarningReviseIn,
)
from qianshao.warnings.models import PENDING, Channel, Level, Status, Step, WarningType
from qianshao.warnings.permissions import allowed_steps, may_relay

router = Router(tags=["warnings"])
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}


def _targets(user, codes: list[str]):
    cells = []
    for code in codes:
        cell = visible_cells(user).filter(code=code.strip().upper()).first()
        if cell is None:
            raise NotFound(_("您的辖区内没有编码为 %(c)s 的网格") % {"c": code}, "targets")
        cells.append(cell)
    return cells


def _type(code: str) -> WarningType:
    found = WarningType.objects.filter(code=code).first()
    if found is None:
        raise ActionError(_("未知的预警类型 %(c)s") % {"c": code}, "type")
    return found


def detail(user, warning_id: int):
    w = access_warning_by_id(user, warning_id)
    w.allowed_steps = allowed_steps(user, w)
    w.may_relay = may_relay(user, w)
    w.reach = None
    if w.status in PENDING:
        issuer = user if Step.ISSUE in w.allowed_steps else None
        w.reach = audience.reach(w, issuer).as_dict()
    return w


# --- warnings ---------------------------------------------------------------------------


@router.get("", response={200: list[WarningOut], 404: Error})
@paginate(Pagination)
def list_warnings(
    request,
    status: Status | None = None,
    level: Level | None = None,
    type: str | None = None,
    active: bool | None = None,
    cell: str | None = None,
):
    """Warnings that reach your cells, newest first; ``active`` for those issued now,
    ``cell`` for those that reach that cell (a target at, above or below it)."""
    found = visible_warnings(request.user).select_related("type", "cell")
    if cell:
        found = reaching(found, access_cell(request.user, cell.strip().upper()))
    if status:
        found = found.filter(status=status)
    if level:
        found = found.filter(level=level)
    if type:
        found = found.filter(type__code=type)
    if active is not None:
        found = found.filter(status=Status.ISSUED) if active else found.exclude(status="issued")
    return found.order_by("-created_at", "-id")


@router.post("", response={201: WarningDetailOut, 200: WarningDetailOut, **ERRORS})
def draft_warning(request, payload: WarningIn):
    """Draft a warning for ``targets`` (cell codes). Idempotent on ``client_uuid``."""
    user = request.user

    def make():
        return actions.draft(
            user,
            type=_type(payload.type),
            level=payload.level,
            headline=payload.headline,
            text=payload.text,
            instruction=payload.instruction,
            targets=_targets(user, payload.targets),
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
            sender_name=payload.sender_name,
        )

    w, created = submit(payload.client_uuid, "warnings.draft", user, make)
    return HttpStatus(201 if created else 200, detail(user, w.pk))


@router.get("/deliveries", response={200: list[DeliveryOut], 404: Error})
@paginate(Pagination)
def list_my_deliveries(request, waiting: bool | None = None, warning: int | None = None):
    """Warnings sent to you, the latest first (``waiting`` for the unanswered ones,
    ``warning`` for one warning's)."""
    found = my_deliveries(request.user).select_related("warning", "person", "cell")
    if warning is not None:
        found = found.filter(warning=access_warning_by_id(request.user, warning))
    if waiting is not None:
        found = found.filter(answered_at__isnull=waiting)
    # a delivery is written when its warning is issued: its own time is the warning's,
    # which the index of a person's deliveries holds (``delivery_listed``)
    return found.order_by("-answered_at", "-created_at", "-id")


@router.post("/deliveries/{int:delivery_id}/answer", response={200: DeliveryOut, **ERRORS})
def answer_delivery(request, delivery_id: int, payload: AnswerIn):
    """叫应: received, acting (with a note), done (with the people evacuated). Each once
    and in that order; 409 after the warning ended."""
    user = request.user
    found = access_my_delivery(user, delivery_id)

    def act():
        return actions.answer(
            user,
            found,
            answer=payload.answer,
            via=Channel.API,
            note=payload.note,
            evacuated=payload.evacuated,
        )

    if payload.client_uuid is None:
        return act()
    key = f"warnings.answer.{payload.answer}"
    answered, created = submit(payload.client_uuid, key, user, act, on=found)
    # a new answer is answered from what it wrote; a resend reads the delivery again
    return answered if created else access_my_delivery(user, delivery_id)


@router.get("/{int:warning_id}", response={200: WarningDetailOut, 404: Error})
def get_warning(request, warning_id: int):
    """A warning, and the steps you may take on it."""
    return detail(request.user, warning_id)


@router.patch("/{int:warning_id}", response={200: WarningDetailOut, **ERRORS})
def edit_warning(request, warning_id: int, payload: WarningEditIn):
    """修改 a draft: only the fields given change, checked as a new one's. 409 once it is
    submitted for approval (until sent back) or later."""
    user = request.user
    w = access_warning_by_id(user, warning_id)
    fields = payload.dict(exclude_none=True)
    if "type" in fields:
        fields["type"] = _type(fields["type"])
    if "targets" in fields:
        fields["targets"] = _targets(user, fields["targets"])
    actions.edit(user, w, **fields)
    return detail(user, warning_id)


@router.post("/{int:warning_id}/submit", response={200: WarningDetailOut, **ERRORS})
def submit_warning(request, warning_id: int, payload: SubmitIn):
    """提交审核: everyone who may approve it is told; ``issue_on_approval`` asks that
    approving it issues it. Not edited until sent back."""
    w = access_warning_by_id(request.user, warning_id)
    fields = {"issue_on_approval": payload.issue_on_approval}
    steps.take(request.user, w, Step.SUBMIT, fields)
    return detail(request.user, warning_id)


@router.post("/{int:warning_id}/return", response={200: WarningDetailOut, **ERRORS})
def return_warning(request, warning_id: int, payload: ReasonIn):
    """退回修改: a submitted draft goes back to draft, its author told why."""
    w = access_warning_by_id(request.user, warning_id)
    steps.take(request.user, w, Step.RETURN, {"reason": payload.reason})
    return detail(request.user, warning_id)


@router.post("/{int:warning_id}/approve", response={200: WarningDetailOut, **ERRORS})
def approve_warning(request, warning_id: int, payload: NoteIn):
    """审核: by someone other than its author; issues it too when its author asked so."""
    w = access_warning_by_id(request.user, warning_id)
    steps.take(request.user, w, Step.APPROVE, {"note": payload.note})
    return detail(request.user, warning_id)


@router.post("/{int:warning_id}/issue", response={200: WarningDetailOut, **ERRORS})
def issue_warning(request, warning_id: int):
    """发布: one delivery per responsible person in the targets, sent at once."""
    steps.take(request.user, access_warning_by_id(request.user, warning_id), Step.ISSUE, {})
    return detail(request.user, warning_id)


@router.post("/{int:warning_id}/cancel", response={200: WarningDetailOut, **ERRORS})
def cancel_warning(request, warning_id: int, payload: ReasonIn):
    """解除 an issued warning (every recipient is told), or withdraw a draft."""
    w = access_warning_by_id(request.user, warning_id)
    steps.take(request.user, w, Step.CANCEL, {"reason": payload.reason})
    return detail(request.user, warning_id)


@router.post("/{int:warning_id}/revise", response={201: WarningDetailOut, **ERRORS})
def revise_warning(request, warning_id: int, payload: WarningReviseIn):
    """A new version of an issued warning, as a draft; issuing it updates the old one."""
    user = request.user
    fields = payload.dict(exclude_none=True)
    if "targets" in fields:
        fields["targets"] = _targets(user, fields["targets"])
    new = actions.revise(user, access_warning_by_id(user, warning_id), **fields)
    return HttpStatus(201, detail(user, new.pk))


@router.post(
    "/{int:warning_id}/relay", response={201: WarningDetailOut, 200: WarningDetailOut, **ERRORS}
)
def relay_warning(request, warning_id: int, payload: RelayIn):
    """转发 to cells within yours, with added instructions; issued at once. Idempotent on
    ``client_uuid``: a resend answers 200 with the first relay, and nobody is told twice."""
    user = request.user
    parent = access_warning_by_id(user, warning_id)

    def act():
        return actions.relay(
            user, parent, targets=_targets(user, payload.targets), instruction=payload.instruction
        )

    if payload.client_uuid is None:
        return HttpStatus(201, detail(user, act().pk))
    new, created = submit(payload.client_uuid, "warnings.relay", user, act, on=parent)
    return HttpStatus(201 if created else 200, detail(user, new.pk))


@router.get("/{int:warning_id}/board", response={200: BoardOut, 404: Error})
def warning_board(request, warning_id: int, cell: str | None = None):
    """叫应 counts for the cell (default: where your view of the warning starts) and for
    each of its child cells."""
    user = request.user
    w = access_warning_by_id(user, warning_id)
    where = access_cell(user, cell.strip().upper()) if cell else board.root_for(user, w)
    if where is None:
        raise NotFound(_("该预警不涉及您的辖区"), "cell")
    found = board.board(user, w, where)
    return {
        "cell": where.code,
        "total": found.total.as_dict(),
        "own": found.own.as_dict(),
        "children": [
            {"code": c.code, "name": c.name, **tally.as_dict()} for c, tally in found.children
        ],
    }


@router.get("/{int:warning_id}/unanswered", response={200: list[DeliveryOut], 404: Error})
@paginate(Pagination)
def warning_unanswered(request, warning_id: int, cell: str | None = None):
    """Who has not answered yet, with their phone numbers, the longest late first."""
    user = request.user
    w = access_warning_by_id(user, warning_id)
    where = access_cell(user, cell.strip().upper()) if cell else board.root_for(user, w)
    if where is None:
        raise NotFound(_("该预警不涉及您的辖区"), "cell")
    return board.unanswered(user, w, where).select_related("warning")
