"""The orders part of the incidents' endpoints under /api/v1/incidents/: the orders to the
teams you lead, one order with the incident it sends the team to, and its steps — the
leader's answers (接收 … 完成, a later one may come first) and the commander's 收队 and 撤回.
Everything through scope (``access``) and the actions (``actions_orders``)."""

from datetime import datetime
from uuid import UUID

from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router
from ninja.pagination import paginate

from qianshao.incidents import actions_orders, permissions
from qianshao.incidents.access import access_order, my_orders
from qianshao.incidents.models import LEADER_ORDERING, ORDER_FLOW, Order, OrderStep
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import NotFound
from qianshao.lib.keyset import Pagination
from qianshao.lib.schemas import Error, OutSchema, StrictSchema
from qianshao.resources import queries as resources

router = Router()  # mounted under api_incidents.router, whose tag it takes
ERRORS = {400: Error, 403: Error, 404: Error, 409: Error}
# the steps of an order the API takes: every one but the order itself (调派: dispatch)
ORDER_STEPS = tuple(s for s in OrderStep.values if s != OrderStep.ORDER)


# --- schemas ----------------------------------------------------------------------------


class IncidentNoteIn(StrictSchema):
    client_uuid: UUID | None = Field(None, description="a resend with it returns the first")
    note: str = Field("", max_length=500)


class IncidentOrderOut(OutSchema):
    id: int
    incident: int = Field(..., alias="incident_id")
    incident_number: str = Field(..., alias="incident.number")
    incident_title: str = Field(..., alias="incident.title")
    team: int = Field(..., alias="team_id")
    team_name: str
    team_size: int
    task: str
    status: str
    status_label: str
    ordered_at: datetime
    answered_at: datetime | None
    received_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    done_at: datetime | None
    closed_at: datetime | None = Field(description="when the team was released or recalled")
    distance_km: float | None = Field(description="from the team's base to the incident")
    steps: list[str] = Field(description="the steps you may take on it now")

    @staticmethod
    def resolve_status_label(o) -> str:
        return str(o.get_status_display())

    @staticmethod
    def resolve_steps(o, context) -> list[str]:
        found = getattr(o, "allowed_steps", None)
        return found if found is not None else order_steps(context["request"].user, o)


class IncidentSceneOut(OutSchema):
    """The incident an order sends the team to, as its leader needs it on the way."""

    id: int
    number: str
    title: str
    kind: str
    category: str
    category_label: str
    cell: str = Field(..., alias="cell.code")
    cell_name: str = Field(..., alias="cell.name")
    place: str
    lon: float | None
    lat: float | None
    occurred_at: datetime
    summary: str
    status: str
    level: str

    @staticmethod
    def resolve_category_label(i) -> str:
        return str(i.get_category_display())


class IncidentOrderDetailOut(IncidentOrderOut):
    scene: IncidentSceneOut = Field(..., alias="incident")


# --- helpers ----------------------------------------------------------------------------


def order_steps(user, order: Order) -> list[str]:
    """The steps ``user`` may take on ``order`` now, by the rule its actions apply: the
    answers are its team's leader's (or recorded for them by whoever commands), 收队 and 撤回
    are whoever commands'. The leader's login is ``order.leader_login`` when the query
    annotated it (``with_leader``), else looked up."""
    if hasattr(order, "leader_login"):
        leader = order.leader_login
    else:
        leader = resources.leader_user(order.team_id)

    def rule(u, o, step):
        if step in actions_orders.ANSWER_STEPS:
            return permissions.answer_refusal(u, o, leader)
        return permissions.command_refusal(u, o.cell_path)

    return ORDER_FLOW.allowed_steps(user, order, rule)


def with_leader(orders):
    """``orders`` each with its team's leader's login (``leader_login``), in the same query."""
    return orders.annotate(leader_login=F("team__leader__user_id"))


def _order(user, order_id: int) -> Order:
    try:
        found = access_order(user, order_id)
    except Http404:
        raise NotFound(_("找不到该调派指令"), "order_id") from None
    found.allowed_steps = order_steps(user, found)
    return found


# --- endpoints --------------------------------------------------------------------------


@router.get("/orders/mine", response={200: list[IncidentOrderOut]})
@paginate(Pagination)
def my_orders_list(request):
    """我的调派: the orders to the teams you lead, those in force first, then the newest."""
    return (
        with_leader(my_orders(request.user)).select_related("incident").order_by(*LEADER_ORDERING)
    )


@router.get("/orders/{int:order_id}", response={200: IncidentOrderDetailOut, 404: Error})
def get_order(request, order_id: int):
    """An order: the task, the answers so far, the incident it sends the team to and the
    steps you may take now. Its team's leader sees it wherever the incident is."""
    return _order(request.user, order_id)


@router.post(
    "/orders/{int:order_id}/steps/{step}", response={200: IncidentOrderDetailOut, **ERRORS}
)
def order_step(request, order_id: int, step: str, payload: IncidentNoteIn):
    """The leader's answers — receive 接收, depart 出发, arrive 到达, work 开始处置, complete
    完成 (a later one may come first; whoever commands may record one for them) — or the
    commander's release 收队 and recall 撤回 (before the team arrived). 403 when it is not
    yours to take, 409 when the order has moved past it; an unknown step is a 404 naming
    ``step``. ``client_uuid``: a resend answers as the first did."""
    user = request.user
    order = _order(user, order_id)
    if step not in ORDER_STEPS:
        raise NotFound(_("未知的操作：%(s)s") % {"s": step}, "step")
    note = payload.note

    def act():
        if step == OrderStep.RELEASE:
            return actions_orders.release(user, order, note=note)
        if step == OrderStep.RECALL:
            return actions_orders.recall(user, order, note=note)
        return actions_orders.answer(user, order, step, note=note)

    if payload.client_uuid is None:
        act()
    else:
        submit(payload.client_uuid, f"incidents.order.{step}", user, act, on=order)
    return _order(user, order_id)
