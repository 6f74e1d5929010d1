"""Orders to teams (docs/adr/0025 "Dispatch"): an incident's commander sends a standing-by
team (the resources' ``queries.team_for_order``: one they may send, 出动 through the
forces' own action), its leader answers each stage, and the commander releases it (收队)
or recalls an order not carried out. Each one function, in one transaction with its audit
record, its command-log entry and its notices."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid.models import Person
from qianshao.incidents import permissions, rules
from qianshao.incidents.actions import _log, _tell, incident_url
from qianshao.incidents.models import (
    ORDER_FLOW,
    Entry,
    Incident,
    Order,
    OrderStatus,
    OrderStep,
)
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.resources import queries as resources

ANSWERED_AT = {
    OrderStatus.RECEIVED: "received_at",
    OrderStatus.DEPARTED: "departed_at",
    OrderStatus.ARRIVED: "arrived_at",
    OrderStatus.DONE: "done_at",
}
ANSWER_STEPS = (
    OrderStep.RECEIVE,
    OrderStep.DEPART,
    OrderStep.ARRIVE,
    OrderStep.WORK,
    OrderStep.COMPLETE,
)


def order_url(order: Order) -> str:
    return reverse("incident-order", args=[order.pk])


def _leader_notice(order: Order, leader, subject: str, key: str) -> Notice | None:
    if leader is None:
        return None
    return Notice(
        "incidents.order",
        subject=subject,
        body=_("任务：%(task)s。请点“应答”确认接收。") % {"task": order.task},
        link=order_url(order),
        people=[leader],
        sms=True,
        dedupe_key=key,
        action=_("应答"),
    )


@transaction.atomic
def dispatch(actor, incident: Incident, *, team, task: str) -> Order:
    """调派: ``team`` (an id) ordered to ``incident`` for ``task``. Refused: an incident that
    has ended (409), a team not theirs to send (403) or not standing by (409, a team already
    out cannot be ordered again), each naming ``team``. Side effects: the order, the team
    出动, a command-log entry, one audit record, the leader told (SMS)."""
    task = clean_text(task, "task", limit=500)
    refused = permissions.command_refusal(actor, incident.cell_path) if actor else None
    if refused:
        raise NotAllowed(refused, "team")
    i = Incident.objects.select_for_update().get(pk=incident.pk)
    if not i.open:
        raise Conflict(_("事件已结束，不能再调派队伍"), "team")
    t = resources.team_for_order(actor, team)
    now = timezone.now()
    distance = None
    if None not in (i.lon, i.lat, t.base_lon, t.base_lat):
        distance = round(resources.km(i.lon, i.lat, t.base_lon, t.base_lat), 1)
    order = Order(
        incident=i,
        team=t,
        team_name=t.name,
        team_size=t.members_n,
        cell_path=i.cell_path,
        task=task,
        ordered_at=now,
        watch_at=now + timedelta(minutes=rules.rule().order_minutes),
        distance_km=distance,
        by=actor if getattr(actor, "pk", None) else None,
    )
    ORDER_FLOW.begin(order, OrderStep.ORDER)
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:  # another order took the team at the same moment
        raise Conflict(_("该队伍已被调派"), "team") from None
    resources.send_out(actor, t, note=_("调派至 %(n)s") % {"n": i.number})
    _log(
        i,
        actor,
        Entry.DISPATCH,
        _("调派%(team)s（%(n)s人）：%(task)s") % {"team": t.name, "n": t.members_n, "task": task},
        at=now,
    )
    audit(
        actor=actor,
        action="incidents.order.order",
        obj=order,
        cell_path=i.cell_path,
        after={"incident": i.pk, "team": t.pk, "task": task, "status": order.status},
    )
    notice = _leader_notice(
        order,
        t.leader,
        _("【调派指令】%(title)s") % {"title": i.title},
        f"incidents.order:{order.pk}",
    )
    if notice is not None:
        enqueue_all([notice])
    return order


def _take(actor, order: Order, step: str) -> Order:
    leader = resources.leader_user(order.team_id)

    def rule(user, o, s):
        if s in ANSWER_STEPS:
            return permissions.answer_refusal(user, o, leader)
        return permissions.command_refusal(user, o.cell_path)

    return ORDER_FLOW.take(
        Order.objects.select_related("incident"), order.pk, step, actor=actor, rule=rule
    )


@transaction.atomic
def answer(actor, order: Order, step: str, *, note: str = "") -> Order:
    """The leader's answer: 接收, 出发, 到达, 开始处置, 完成 (a later one may come first: the
    ones skipped are left blank). Side effects: the order's time of it, a command-log
    entry, one audit record; an answer to a silent order stops its chase."""
    if step not in ANSWER_STEPS:
        raise ActionError(_("未知的应答"), "step")
    note = clean_text(note, "note", limit=500, required=False)
    o = _take(actor, order, step)
    now = timezone.now()
    ORDER_FLOW.move(o)
    o.answered_at = now
    field = ANSWERED_AT.get(o.status)
    fields = ["answered_at", "watch_at"]
    if field:
        setattr(o, field, now)
        fields.append(field)
    o.watch_at = None
    _log(
        o.incident,
        actor,
        Entry.FEEDBACK,
        _("%(team)s：%(status)s") % {"team": o.team_name, "status": OrderStatus(o.status).label}
        + (f"。{note}" if note else ""),
        at=now,
    )
    ORDER_FLOW.finish(actor, o, fields=fields, note=note)
    return o


@transaction.atomic
def release(actor, order: Order, *, note: str = "") -> Order:
    """收队: the team's order ends and it stands by again."""
    return _close(actor, order, OrderStep.RELEASE, note, _("%(team)s收队"))


@transaction.atomic
def recall(actor, order: Order, *, note: str = "") -> Order:
    """撤回: an order not yet carried out (before the team arrived) is taken back and the
    team stands by again."""
    return _close(actor, order, OrderStep.RECALL, note, _("撤回对%(team)s的调派"))


def _close(actor, order: Order, step: str, note: str, words) -> Order:
    note = clean_text(note, "note", limit=500, required=False)
    o = _take(actor, order, step)
    now = timezone.now()
    o.closed_at, o.watch_at = now, None
    ORDER_FLOW.move(o)
    resources.bring_back(
        actor,
        o.team_id,
        note=_("%(n)s：%(s)s") % {"n": o.incident.number, "s": OrderStep(step).label},
    )
    _log(
        o.incident,
        actor,
        Entry.ORDER,
        str(words) % {"team": o.team_name} + (f"：{note}" if note else ""),
        at=now,
    )
    leader = Person.objects.filter(pk=o.team.leader_id).first() if o.team.leader_id else None
    ORDER_FLOW.finish(
        actor,
        o,
        fields=["closed_at", "watch_at"],
        note=note,
        notices=[
            _leader_notice(
                o,
                leader,
                _("【%(step)s】%(title)s")
                % {"step": OrderStep(step).label, "title": o.incident.title},
                f"incidents.order:{o.pk}:{step}",
            )
            if step == OrderStep.RECALL
            else None
        ],
    )
    return o


def silent_notice(order: Order, incident: Incident, escalate: bool) -> Notice | None:
    """The sweep's chase of an order nobody answered: the leader (SMS), then the incident's
    dispatchers."""
    if escalate:
        return _tell(
            "incidents.order_silent",
            incident.cell_path,
            _("【调派未应答】%(team)s") % {"team": order.team_name},
            _("%(title)s：调派指令下达后队伍仍未应答，请电话联系。") % {"title": incident.title},
            incident_url(incident),
            f"incidents.order_escalate:{order.pk}",
        )
    leader = (
        Person.objects.filter(pk=order.team.leader_id).first() if order.team.leader_id else None
    )
    return _leader_notice(
        order,
        leader,
        _("【请应答调派指令】%(title)s") % {"title": incident.title},
        f"incidents.order_remind:{order.pk}",
    )
