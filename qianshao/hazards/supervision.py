"""督办: a periodic sweep finds hazards whose step is overdue and climbs the supervision
ladder — 提醒, 函告, 通报, 约谈, 挂牌督办 — each rung a record with who must answer by when,
and a notification that reaches further up the grid at each rung.

Every hazard carries ``watch_at``: when the sweep must next look at it (its step's due time,
then each next rung's time). The sweep reads only hazards whose ``watch_at`` has come (one
index range), handles each in its own transaction, and is idempotent: a rung already raised
for this step is never raised again; after a stop it raises every rung missed, at once.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.hazards import deadlines, routing, tally
from qianshao.hazards.models import OPEN, Hazard, Level, Status, Supervision
from qianshao.hazards.permissions import in_cell, in_department
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.outbox import enqueue

RECTIFYING_SIDE = {Status.ASSIGNED, Status.RECTIFYING}


def due_ids(now: datetime, limit: int = 500) -> list[int]:
    return list(
        Hazard.objects.filter(watch_at__lte=now)
        .order_by("watch_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def sweep(now: datetime | None = None, limit: int = 500) -> int:
    """Supervise every hazard whose watch time has come; returns how many were handled."""
    now = now or timezone.now()
    handled = 0
    for hazard_id in due_ids(now, limit):
        if supervise(hazard_id, now):
            handled += 1
    return handled


@transaction.atomic
def supervise(hazard_id: int, now: datetime) -> bool:
    """Mark the hazard overdue and raise every rung due by ``now``. Side effects: tally,
    the supervision records, one audit record, their notifications. False if nothing to do.
    """
    try:
        h = Hazard.objects.select_for_update(of=("self",)).select_related("cell").get(pk=hazard_id)
    except Hazard.DoesNotExist:
        return False
    if h.watch_at is None or h.watch_at > now:
        return False
    if h.status not in OPEN or h.due_at is None:
        Hazard.objects.filter(pk=h.pk).update(watch_at=None)
        return False
    key = tally.key_of(h)
    raised, next_at, answerer = [], None, None
    for level, after, answer in deadlines.rungs(h.grade):
        at = h.due_at + timedelta(hours=after)
        if at > now:
            next_at = at
            break
        if level > h.supervision_level:
            answerer = answerer or target(h)
            raised.append(_raise(h, level, now, answer, answerer))
    h.overdue = True
    h.supervision_level = max([h.supervision_level, *[s.level for s in raised if s]])
    h.watch_at = next_at
    h.save(update_fields=["overdue", "supervision_level", "watch_at"])
    tally.move(h.cell_path, key, tally.key_of(h))
    made = [s for s in raised if s]
    if key[2] and not made:  # already overdue and nothing new raised: only the watch moved
        return True
    audit(
        actor=None,
        action="hazards.supervise",
        obj=h,
        cell_path=h.cell_path,
        before={"overdue": key[2]},
        after={
            "overdue": True,
            "supervision_level": h.supervision_level,
            "status": h.status,
            "raised": [s.get_level_display() for s in made],
        },
    )
    for supervision in made:
        _tell(h, supervision)
    return True


def _raise(h: Hazard, level: int, now: datetime, answer_hours: int, answerer) -> Supervision | None:
    cell, department = answerer
    try:
        with transaction.atomic():
            return Supervision.objects.create(
                hazard=h,
                level=level,
                status=h.status,
                step_due_at=h.due_at,
                target_cell=cell,
                target_department=department,
                answer_by=now + timedelta(hours=answer_hours),
                created_at=now,
            )
    except IntegrityError:  # raised already for this step: the sweep ran before
        return None


def target(h: Hazard):
    """Who must answer for the overdue step: the assignee while rectifying, the holding
    department while escalated, otherwise the township that triages."""
    if h.status in RECTIFYING_SIDE:
        return (h.assignee_cell, h.assignee_department)
    if h.status == Status.ESCALATED:
        return (None, h.assignee_department)
    return (routing.township_of(h.cell), None)


def _audience(h: Hazard, supervision: Supervision):
    people = routing.people_of_cell(supervision.target_cell) + routing.people_of_department(
        supervision.target_department_id
    )
    if h.responsible_id and h.status in RECTIFYING_SIDE:
        people.append(h.responsible)
    if supervision.level >= Level.BULLETIN:  # 通报 and above reach the county
        county = routing.county_of(h.cell)
        people += routing.people_of_department(routing.emergency_office(h.cell))
        people += routing.people_of_cell(county, [routing.Role.DISPATCHER])
        if supervision.level >= Level.INTERVIEW:
            people += routing.people_of_cell(county, [routing.Role.HEAD, routing.Role.DEPUTY])
    return people


def _tell(h: Hazard, supervision: Supervision) -> None:
    seen, people = set(), []
    for person in _audience(h, supervision):
        if person.pk not in seen:
            seen.add(person.pk)
            people.append(person)
    enqueue(
        "hazards.supervise",
        subject=_("【%(level)s】隐患超时未处理：%(t)s")
        % {"level": supervision.get_level_display(), "t": h.title},
        body=_("环节“%(s)s”已超时，请于 %(by)s 前答复。")
        % {
            "s": h.get_status_display(),
            "by": timezone.localtime(supervision.answer_by).strftime("%Y-%m-%d %H:%M"),
        },
        link=f"/hazards/{h.number}/",
        people=people,
        sms=True,
        dedupe_key=f"supervision:{supervision.pk}",
        payload={"hazard": h.number, "level": supervision.level},
    )


def may_answer(user, supervision: Supervision) -> bool:
    if user.is_superuser:
        return True
    if supervision.target_department_id:
        return in_department(user, supervision.target_department_id)
    return in_cell(user, supervision.target_cell_id)


@transaction.atomic
def answer(actor, supervision: Supervision, *, text: str) -> Supervision:
    """答复督办: the target says what it has done. Side effects: audit; the county office
    is told."""
    from qianshao.hazards.actions import clean_text

    text = clean_text(text, "answer", limit=2000)
    s = Supervision.objects.select_for_update().select_related("hazard").get(pk=supervision.pk)
    if s.answered_at is not None:
        raise Conflict(_("该督办已答复"), "answer")
    if not may_answer(actor, s):
        raise NotAllowed(_("只有督办对象可以答复"), "answer")
    s.answer, s.answered_at, s.answered_by = text, timezone.now(), actor
    s.save(update_fields=["answer", "answered_at", "answered_by"])
    audit(
        actor=actor,
        action="hazards.answer_supervision",
        obj=s.hazard,
        cell_path=s.hazard.cell_path,
        after={"level": s.level, "answer": text},
    )
    enqueue(
        "hazards.answer_supervision",
        subject=_("督办已答复：%(t)s") % {"t": s.hazard.title},
        body=text[:200],
        link=f"/hazards/{s.hazard.number}/",
        people=routing.people_of_department(routing.emergency_office(s.hazard.cell)),
    )
    return s


__all__ = ["sweep", "supervise", "answer", "target", "ActionError"]
