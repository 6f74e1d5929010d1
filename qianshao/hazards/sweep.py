"""督办: a periodic sweep finds hazards whose step is overdue and climbs the supervision
ladder — 提醒, 函告, 通报, 约谈, 挂牌督办 — each rung a record with who must answer by when,
and a notification that reaches further up the grid at each rung.

Every hazard carries ``watch_at``: when the sweep must next look at it (its step's due time,
then each next rung's time). The sweep reads only hazards whose ``watch_at`` has come (one
index range), handles them a batch to a transaction, and is idempotent: each rung raised is
claimed, the batch's in one statement, in the once-per-step record (``workflow.once``: the
hazard's "rung:<level>@<status>@<step's due time>"), so a rung already raised for this step
is never raised again; after a stop it raises every rung missed, at once.
"""

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import Entry
from qianshao.audit.chain import append as audit
from qianshao.audit.chain import append_all as audit_all
from qianshao.grid import routing
from qianshao.grid.posts import holds_post_in
from qianshao.hazards import deadlines, tally
from qianshao.hazards.models import OPEN, Hazard, Level, Status, Supervision
from qianshao.hazards.permissions import in_department
from qianshao.lib.dbsql import update_rows
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue, enqueue_all
from qianshao.workflow import once

RECTIFYING_SIDE = {Status.ASSIGNED, Status.RECTIFYING}


BATCH = 100  # hazards supervised in one transaction


def due_ids(now: datetime, limit: int = 500) -> list[int]:
    return list(
        Hazard.objects.filter(watch_at__lte=now)
        .order_by("watch_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def sweep(now: datetime | None = None, limit: int = 500) -> int:
    """Supervise every hazard whose watch time has come; returns how many were handled."""
    now = now or timezone.now()
    ids = due_ids(now, limit)
    return sum(supervise_all(ids[i : i + BATCH], now) for i in range(0, len(ids), BATCH))


def supervise(hazard_id: int, now: datetime) -> bool:
    """``supervise_all`` of one hazard: False if it had nothing to do."""
    return supervise_all([hazard_id], now) == 1


@transaction.atomic
def supervise_all(ids: list[int], now: datetime) -> int:
    """Mark each hazard whose watch time has come overdue and raise every rung due by
    ``now``, all in one transaction (the hazards locked). Side effects, per hazard: tally,
    the supervision records, one audit record, their notifications. Returns how many
    hazards had something to do."""
    hazards = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("cell", "responsible", "assignee_cell", "assignee_department")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    due = [h for h in hazards if h.watch_at is not None and h.watch_at <= now]
    ended = [h.pk for h in due if h.status not in OPEN or h.due_at is None]
    if ended:
        Hazard.objects.filter(pk__in=ended).update(watch_at=None)
    live = [h for h in due if h.pk not in ended]
    if not live:
        return 0
    routing.prefetch_ancestors([h.cell for h in live])
    keys = {h.pk: tally.key_of(h) for h in live}
    due = {h.pk: _climb(h, now) for h in live}
    claimed = once.claim_all([_step(s) for rungs in due.values() for s in rungs], now)
    made = {pk: [s for s in rungs if _step(s) in claimed] for pk, rungs in due.items()}
    for h in live:
        h.supervision_level = max([h.supervision_level, *[s.level for s in made[h.pk]]])
    Supervision.objects.bulk_create([s for raised in made.values() for s in raised])
    _save_clocks(live)
    tally.move_all([(h.cell_path, keys[h.pk], tally.key_of(h)) for h in live])
    audit_all(
        [
            Entry(
                actor=None,
                action="hazards.supervise",
                obj=h,
                cell_path=h.cell_path,
                before={"overdue": keys[h.pk][2]},
                after={
                    "overdue": True,
                    "supervision_level": h.supervision_level,
                    "status": h.status,
                    "raised": [s.get_level_display() for s in made[h.pk]],
                },
            )
            for h in live
            if made[h.pk] or not keys[h.pk][2]  # else already overdue: only the watch moved
        ]
    )
    raised = [(h, s) for h in live for s in made[h.pk]]
    people = _people_for(raised)
    enqueue_all([_notice(h, s, people) for h, s in raised])
    return len(live)


def _climb(h: Hazard, now: datetime) -> list[Supervision]:
    """The rungs due on ``h`` by ``now`` above its level, as new (unsaved) records, to be
    claimed (those the record says were raised for this step are not raised again); move
    its overdue mark and next watch time."""
    due, next_at, answerer = [], None, None
    for level, after, answer in deadlines.rungs(h.grade):
        at = h.due_at + timedelta(hours=after)
        if at > now:
            next_at = at
            break
        if level <= h.supervision_level:
            continue  # raised already for this step: the sweep ran before
        cell, department = answerer = answerer or target(h)
        due.append(
            Supervision(
                hazard=h,
                level=level,
                status=h.status,
                step_due_at=h.due_at,
                target_cell=cell,
                target_department=department,
                answer_by=now + timedelta(hours=answer),
                created_at=now,
            )
        )
    h.overdue = True
    h.watch_at = next_at
    return due


def rung_step(level: int, status: str, step_due_at: datetime) -> str:
    """The once-per-step name of a rung raised for one overdue step (a status and its due
    time): "rung:<level>@<status>@<due time, UTC ISO>"."""
    return f"rung:{level}@{status}@{step_due_at.astimezone(UTC).isoformat()}"


def _step(s: Supervision) -> once.Pair:
    return (once.subject(s.hazard), rung_step(s.level, s.status, s.step_due_at))


def _save_clocks(hazards: list[Hazard]) -> None:
    """Store each hazard's overdue mark, supervision level and next watch time."""
    adapt = connection.ops.adapt_datetimefield_value
    rows = [[h.overdue, h.supervision_level, adapt(h.watch_at), h.pk] for h in hazards]
    update_rows(connection, Hazard, ["overdue", "supervision_level", "watch_at"], rows)


def target(h: Hazard):
    """Who must answer for the overdue step: the assignee while rectifying, the holding
    department while escalated, otherwise the township that triages."""
    if h.status in RECTIFYING_SIDE:
        return (h.assignee_cell, h.assignee_department)
    if h.status == Status.ESCALATED:
        return (None, h.assignee_department)
    return (routing.triaging_cell(h.cell), None)


def _people_for(raised: list[tuple[Hazard, Supervision]]) -> routing.People:
    """Everyone the rungs ``raised`` may reach, read at once."""
    cells, departments = set(), set()
    for h, s in raised:
        cells.add(s.target_cell)
        departments.add(s.target_department_id)
        if s.level >= Level.BULLETIN:
            cells.add(routing.county_of(h.cell))
            departments.add(routing.emergency_office(h.cell))
    return routing.People(cells, departments)


def _audience(h: Hazard, supervision: Supervision, people: routing.People):
    found = people.of_cell(supervision.target_cell) + people.of_department(
        supervision.target_department_id
    )
    if h.responsible_id and h.status in RECTIFYING_SIDE:
        found.append(h.responsible)
    if supervision.level >= Level.BULLETIN:  # 通报 and above reach the county
        county = routing.county_of(h.cell)
        found += people.of_department(routing.emergency_office(h.cell))
        found += people.of_cell(county, [routing.Role.DISPATCHER])
        if supervision.level >= Level.INTERVIEW:
            found += people.of_cell(county, [routing.Role.HEAD, routing.Role.DEPUTY])
    return found


def _notice(h: Hazard, supervision: Supervision, people: routing.People) -> Notice:
    seen, audience = set(), []
    for person in _audience(h, supervision, people):
        if person.pk not in seen:
            seen.add(person.pk)
            audience.append(person)
    return Notice(
        "hazards.supervise",
        subject=_("【%(level)s】隐患超时未处理：%(t)s")
        % {"level": supervision.get_level_display(), "t": h.title},
        body=_("环节“%(s)s”已超时，请于 %(by)s 前答复。")
        % {
            "s": h.get_status_display(),
            "by": timezone.localtime(supervision.answer_by).strftime("%Y-%m-%d %H:%M"),
        },
        link=f"/hazards/{h.number}/",
        people=audience,
        sms=True,
        dedupe_key=f"supervision:{supervision.pk}",
        payload={"hazard": h.number, "level": supervision.level},
    )


def _tell(h: Hazard, supervision: Supervision) -> None:
    enqueue_all([_notice(h, supervision, _people_for([(h, supervision)]))])


def open_first(records, *then):
    """Supervisions awaiting an answer first, the most pressing answer time first; those
    answered next; those whose step is over (settled) last."""
    return records.order_by(
        F("settled_at").asc(nulls_first=True),
        F("answered_at").asc(nulls_first=True),
        "answer_by",
        *then,
    )


def awaiting_answer(records):
    """Supervisions neither answered nor settled: the unanswered view."""
    return records.filter(answered_at__isnull=True, settled_at__isnull=True)


def may_answer(user, supervision: Supervision) -> bool:
    if user.is_superuser:
        return True
    if supervision.target_department_id:
        return in_department(user, supervision.target_department_id)
    return holds_post_in(user, supervision.target_cell_id)


@transaction.atomic
def answer(actor, supervision: Supervision, *, text: str) -> Supervision:
    """答复督办: the target says what it has done. Side effects: audit; the county office
    is told."""
    text = clean_text(text, "answer", limit=2000)
    s = Supervision.objects.select_for_update().select_related("hazard").get(pk=supervision.pk)
    if s.answered_at is not None:
        raise Conflict(_("该督办已答复"), "answer")
    if s.settled_at is not None:
        raise Conflict(_("督办所涉环节已办结，无需答复"), "answer")
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


__all__ = ["sweep", "supervise", "supervise_all", "answer", "target", "ActionError"]
