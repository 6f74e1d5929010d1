"""The duty desk's actions (docs/adr/0025 "Duty"): plan a month's roster and copy it
forward, confirm a shift (在岗确认), swap a post (both sides confirm), send and answer a spot
check (查岗), hand over and accept (交接班), write the duty log (接、报、传、跟) — each one
function, checked, in one transaction with its audit record and its notices."""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.disasters import queries as disasters
from qianshao.grid import tree
from qianshao.grid.models import Cell, Person, RoleAssignment
from qianshao.hazards import queries as hazards
from qianshao.incidents import permissions_duty as rules_of
from qianshao.incidents.models import (
    DUTY_KINDS,
    SWAP_FLOW,
    DutyEntry,
    DutyRule,
    DutySetting,
    EntryKind,
    Handover,
    Incident,
    IncidentStatus,
    Pattern,
    Post,
    Shift,
    SpotAnswer,
    SpotCheck,
    Swap,
    SwapStep,
)
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.lib.settled import Settled
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue_all
from qianshao.warnings import queries as warnings

EARLY = timedelta(minutes=30)  # a shift may be confirmed this long before it starts
POSTS = {Post.LEADER: "leader", Post.A: "post_a", Post.B: "post_b"}


def _rule() -> DutyRule:
    return DutyRule.objects.get_or_create(pk=1)[0]


_RULE = Settled(_rule).forget_on(DutyRule)


def rule() -> DutyRule:
    """The duty desk's rules (one row, from the admin)."""
    return _RULE.get()


# --- who keeps a roster, and when its shifts are --------------------------------------


def setting_of(cell: Cell) -> DutySetting:
    """``cell``'s roster settings (the defaults when it has none)."""
    found = DutySetting.objects.filter(cell=cell).first()
    return found or DutySetting(cell=cell, enabled=cell.kind in DUTY_KINDS)


def keeps_roster(cell: Cell, setting: DutySetting | None = None) -> bool:
    setting = setting or setting_of(cell)
    if setting.pk is None:
        return cell.kind in DUTY_KINDS
    return setting.enabled


def duty_cells(path: str, *, strict: bool = False):
    """The cells under ``path`` (and itself unless ``strict``; every cell for "") that keep a
    roster: the townships, parks and counties, and those the admin enabled — less those it
    disabled."""
    under = Cell.objects.filter(tree.subtree_q(path, "path")) if path else Cell.objects.all()
    if strict:
        under = under.exclude(path=path)
    enabled = DutySetting.objects.filter(enabled=True).values("cell_id")
    disabled = DutySetting.objects.filter(enabled=False).values("cell_id")
    return under.filter(Q(kind__in=DUTY_KINDS) | Q(pk__in=enabled)).exclude(pk__in=disabled)


def _at(day: date, clock) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def slots(setting: DutySetting, day: date) -> list[tuple[str, datetime, datetime]]:
    """The shifts of ``day``: (part, starts, ends) — one of 24 hours, or a day and a
    night shift."""
    if setting.pattern == Pattern.HALF:
        day_starts, night_starts = _at(day, setting.starts), _at(day, setting.night_starts)
        if night_starts <= day_starts:
            night_starts += timedelta(days=1)
        return [
            ("day", day_starts, night_starts),
            ("night", night_starts, _at(day + timedelta(days=1), setting.starts)),
        ]
    starts = _at(day, setting.starts)
    return [("full", starts, starts + timedelta(days=1))]


def eligible_people(cell: Cell) -> list[Person]:
    """Who may be put on the cell's roster: the people holding a post at the cell now."""
    ids = RoleAssignment.objects.active().filter(cell=cell).values("person_id")
    return list(Person.objects.filter(pk__in=ids).order_by("name", "pk"))


def current_shift(cell_id: int, at: datetime | None = None) -> Shift | None:
    at = at or timezone.now()
    return (
        Shift.objects.filter(cell_id=cell_id, starts_at__lte=at, ends_at__gt=at)
        .select_related("leader", "post_a", "post_b")
        .order_by("-starts_at")
        .first()
    )


def next_shift(shift: Shift) -> Shift | None:
    return (
        Shift.objects.filter(
            cell_id=shift.cell_id, starts_at__gte=shift.ends_at - timedelta(minutes=1)
        )
        .select_related("leader", "post_a", "post_b")
        .order_by("starts_at")
        .first()
    )


def _person(user):
    return rules_of.person_of(user) if user is not None else None


def _tell(people, event: str, subject: str, body: str, link: str, key: str, sms=True):
    people = [p for p in people if p is not None]
    if not people:
        return None
    return Notice(
        event, subject=subject, body=body, link=link, people=people, sms=sms, dedupe_key=key
    )


def _send(notices) -> None:
    notices = [n for n in notices if n is not None]
    if notices:
        enqueue_all(notices)


# --- the roster ----------------------------------------------------------------------


def _may_plan(actor, cell: Cell) -> None:
    if actor is None:
        return
    refused = rules_of.plan_refusal(actor, cell.path)
    if refused:
        if rules_of._outside(actor, cell.path):
            raise NotFound(refused, "cell")
        raise NotAllowed(refused, "cell")


@transaction.atomic
def plan(actor, cell: Cell, rows: list[dict]) -> int:
    """排班: the shifts of ``rows`` (each ``{"day", "part", "leader", "a", "b"}``, people as
    ids or None) written for ``cell`` — new ones inserted, planned ones changed; a shift
    that has ended cannot be changed. Every problem at once, each naming its row
    (``rows.<n>.<field>``); nothing is written unless every row is right. Side effects:
    the shifts, one audit record."""
    _may_plan(actor, cell)
    setting = setting_of(cell)
    if not keeps_roster(cell, setting):
        raise ActionError(_("该网格未实行值班"), "cell")
    people = {p.pk: p for p in eligible_people(cell)}
    now = timezone.now()
    r = rule()
    errors, wanted = [], []
    for n, row in enumerate(rows, start=1):
        day, part = row.get("day"), row.get("part") or ""
        if not isinstance(day, date):
            errors.append(ActionError(_("第%(n)s行：日期不正确") % {"n": n}, f"rows.{n}.day"))
            continue
        found = {p: (s, e) for p, s, e in slots(setting, day)}
        if part not in found:
            errors.append(ActionError(_("第%(n)s行：班次不正确") % {"n": n}, f"rows.{n}.part"))
            continue
        chosen = {}
        for post in ("leader", "a", "b"):
            value = row.get(post)
            if value in (None, ""):
                chosen[post] = None
            elif isinstance(value, int) and not isinstance(value, bool) and value in people:
                chosen[post] = people[value]
            else:
                errors.append(
                    ActionError(
                        _("第%(n)s行：%(post)s须为本网格在岗人员")
                        % {"n": n, "post": Post(post).label},
                        f"rows.{n}.{post}",
                    )
                )
        taken = [p.pk for p in chosen.values() if p is not None]
        if len(taken) != len(set(taken)):
            errors.append(
                ActionError(_("第%(n)s行：同一班次一人不能兼两岗") % {"n": n}, f"rows.{n}.b")
            )
        wanted.append((n, day, part, found[part], chosen))
    if errors:
        raise ActionError.every(errors)
    existing = {
        s.starts_at: s
        for s in Shift.objects.select_for_update().filter(
            cell=cell, starts_at__in=[w[3][0] for w in wanted]
        )
    }
    written = 0
    for n, day, part, (starts, ends), chosen in wanted:
        shift = existing.get(starts)
        people_of = (chosen["leader"], chosen["a"], chosen["b"])
        if shift is not None:
            if (shift.leader_id, shift.post_a_id, shift.post_b_id) == tuple(
                p.pk if p else None for p in people_of
            ):
                continue
            if shift.ends_at <= now:
                errors.append(
                    ActionError(_("第%(n)s行：已结束的班次不能修改") % {"n": n}, f"rows.{n}.day")
                )
                continue
        else:
            shift = Shift(
                cell=cell, cell_path=cell.path, day=day, part=part, starts_at=starts, ends_at=ends
            )
        shift.leader, shift.post_a, shift.post_b = people_of
        anyone = any(people_of)
        if shift.confirmed_at is None and anyone and ends > now:
            shift.watch_at = max(starts, now) + timedelta(minutes=r.checkin_minutes)
        elif not anyone:
            shift.watch_at = None
        shift.save()
        written += 1
    if errors:
        raise ActionError.every(errors)
    if written:
        audit(
            actor=actor,
            action="incidents.roster.plan",
            obj=cell,
            cell_path=cell.path,
            after={
                "shifts": written,
                "days": sorted({w[1].isoformat() for w in wanted}),
            },
        )
    return written


def copy_forward(actor, cell: Cell, month: date) -> int:
    """沿用上月: ``month``'s roster (its first day) from the month before, day for day (a
    day the month before lacks, as the 29th–31st, is left to plan); the shifts already
    past are kept. Returns the shifts written."""
    first = month.replace(day=1)
    before = (first - timedelta(days=1)).replace(day=1)
    source = Shift.objects.filter(cell=cell, day__gte=before, day__lt=first).order_by("starts_at")
    now = timezone.now()
    rows = []
    for s in source:
        try:
            day = first.replace(day=s.day.day)
        except ValueError:
            continue
        if day.month != first.month:
            continue
        rows.append(
            {"day": day, "part": s.part, "leader": s.leader_id, "a": s.post_a_id, "b": s.post_b_id}
        )
    setting = setting_of(cell)
    rows = [
        row
        for row in rows
        if dict((p, e) for p, _s, e in slots(setting, row["day"])).get(row["part"], now) > now
    ]
    if not rows:
        raise ActionError(_("上月没有可沿用的排班"), "month")
    return plan(actor, cell, rows)


# --- a shift: check-in, swaps ------------------------------------------------------------


@transaction.atomic
def confirm(actor, shift: Shift) -> Shift:
    """在岗确认: someone on the shift confirms they are on duty — from half an hour before it
    starts until it ends — or a managing post at the cell or above records it for them
    after calling them (代为确认: an officer without the app; the audit record says who).
    Side effects: the shift, one audit record; its chase stops."""
    s = Shift.objects.select_for_update().get(pk=shift.pk)
    refused = rules_of.shift_refusal(actor, s)
    on_behalf = refused is not None and rules_of.manages(actor, s.cell_path)
    if refused and not on_behalf:
        raise NotAllowed(refused, "shift")
    now = timezone.now()
    if now < s.starts_at - EARLY or now >= s.ends_at:
        raise Conflict(_("只能在本班次开始前半小时至结束前确认在岗"), "shift")
    if s.confirmed_at is not None:
        raise Conflict(_("本班次已确认在岗"), "shift")
    me = _person(actor)
    s.confirmed_at, s.watch_at = now, None
    s.confirmed_by = s.post_a or s.leader or s.post_b if on_behalf else me
    s.save(update_fields=["confirmed_at", "confirmed_by", "watch_at"])
    audit(
        actor=actor,
        action="incidents.shift.confirm",
        obj=s,
        cell_path=s.cell_path,
        after={
            "late": now > s.starts_at + timedelta(minutes=rule().checkin_minutes),
            "on_behalf": on_behalf,
        },
    )
    return s


@transaction.atomic
def propose_swap(actor, shift: Shift, *, post: str, taker, note: str = "") -> Swap:
    """申请换班: the holder of ``post`` on ``shift`` asks ``taker`` (a person of the cell) to
    take it; done when the taker accepts."""
    if post not in POSTS:
        raise ActionError(_("请选择岗位"), "post")
    note = clean_text(note, "note", limit=200, required=False)
    s = Shift.objects.select_for_update().select_related("cell").get(pk=shift.pk)
    giver_id = getattr(s, f"{POSTS[post]}_id")
    me = _person(actor)
    if me is None or giver_id != me.pk:
        if rules_of._outside(actor, s.cell_path):
            raise NotFound(rules_of.OUT_OF_AREA, "shift")
        raise NotAllowed(_("只有该岗位的值班人员可以申请换班"), "post")
    if s.ends_at <= timezone.now():
        raise Conflict(_("已结束的班次不能换班"), "shift")
    if not isinstance(taker, Person) or taker.pk not in {p.pk for p in eligible_people(s.cell)}:
        raise ActionError(_("换入人须为本网格在岗人员"), "taker")
    if taker.pk in s.person_ids():
        raise ActionError(_("换入人已在本班次值班"), "taker")
    swap = Swap(
        shift=s,
        cell_path=s.cell_path,
        post=post,
        giver=me,
        taker=taker,
        note=note,
        asked_at=timezone.now(),
    )
    SWAP_FLOW.begin(swap, SwapStep.PROPOSE)
    try:
        with transaction.atomic():
            swap.save()
    except IntegrityError:
        raise Conflict(_("该岗位已有待确认的换班申请"), "post") from None
    audit(
        actor=actor,
        action="incidents.swap.propose",
        obj=swap,
        cell_path=s.cell_path,
        after={"shift": s.pk, "post": post, "taker": taker.pk},
    )
    _send(
        [
            _tell(
                [taker],
                "incidents.swap",
                _("【换班申请】%(who)s请您代%(post)s") % {"who": me.name, "post": Post(post).label},
                _("%(when)s %(cell)s。请点“查看”同意或拒绝。")
                % {"when": f"{timezone.localtime(s.starts_at):%m-%d %H:%M}", "cell": s.cell.name},
                reverse("duty-desk") + f"?cell={s.cell.code}",
                f"incidents.swap:{swap.pk}",
                sms=False,
            )
        ]
    )
    return swap


@transaction.atomic
def answer_swap(actor, swap: Swap, step: str) -> Swap:
    """同意 (the taker takes the post), 拒绝, or 撤回 (the giver, or a manager)."""
    if step not in (SwapStep.ACCEPT, SwapStep.DECLINE, SwapStep.WITHDRAW):
        raise ActionError(_("未知的步骤"), "step")
    w = SWAP_FLOW.take(Swap.objects.all(), swap.pk, step, actor=actor, rule=rules_of.swap_rule)
    now = timezone.now()
    w.answered_at = now
    if step == SwapStep.ACCEPT:
        s = Shift.objects.select_for_update().get(pk=w.shift_id)
        field = POSTS[w.post]
        if getattr(s, f"{field}_id") != w.giver_id:
            raise Conflict(_("该岗位已换人，换班申请失效"), "step")
        if s.ends_at <= now:
            raise Conflict(_("已结束的班次不能换班"), "step")
        setattr(s, field, w.taker)
        s.save(update_fields=[field])
    SWAP_FLOW.finish(actor, w, fields=["answered_at"])
    return w


# --- spot checks -------------------------------------------------------------------------


@transaction.atomic
def spot_check(actor, cell: Cell, *, note: str = "") -> SpotCheck:
    """查岗: the duty cells under ``cell`` on duty now are each asked to answer within the
    rule's ``spot_minutes``; a cell with nobody on duty is recorded unanswered at once.
    Side effects: the check, one answer row per cell, the on-duty people told (in-app and
    SMS), one audit record."""
    refused = rules_of.spot_refusal(actor, cell.path) if actor is not None else None
    if refused:
        if rules_of._outside(actor, cell.path):
            raise NotFound(refused, "cell")
        raise NotAllowed(refused, "cell")
    note = clean_text(note, "note", limit=200, required=False)
    now = timezone.now()
    due = now + timedelta(minutes=rule().spot_minutes)
    cells = list(duty_cells(cell.path, strict=True).only("pk", "path", "name"))
    if not cells:
        raise ActionError(_("下级没有实行值班的网格"), "cell")
    shifts = {
        s.cell_id: s
        for s in Shift.objects.filter(
            cell_id__in=[c.pk for c in cells], starts_at__lte=now, ends_at__gt=now
        ).select_related("leader", "post_a", "post_b")
    }
    check = SpotCheck.objects.create(
        cell=cell,
        cell_path=cell.path,
        at=now,
        due_at=due,
        note=note,
        by=actor if getattr(actor, "pk", None) else None,
        total=len(cells),
    )
    answers = [
        SpotAnswer(
            spot=check,
            shift=shifts.get(c.pk),
            cell=c,
            cell_path=c.path,
            due_at=due,
            watch_at=due if c.pk in shifts else None,
        )
        for c in cells
    ]
    SpotAnswer.objects.bulk_create(answers, batch_size=2000)
    link = reverse("duty-spot", args=[check.pk])
    subject = _("【查岗】%(cell)s查岗，请在%(m)s分钟内应答") % {
        "cell": cell.name,
        "m": rule().spot_minutes,
    }
    # no dedupe key: the check is new, so none of its messages can be queued already, and
    # without keys the outbox writes a province's thousands of messages by COPY, with no
    # look-up of the keys first (bench incidents)
    _send(
        _tell(shifts[a.cell_id].people(), "incidents.spot", subject, note, link, None)
        for a in answers
        if a.cell_id in shifts
    )
    audit(
        actor=actor,
        action="incidents.spot.check",
        obj=check,
        cell_path=cell.path,
        after={"cells": len(cells), "on_duty": len(shifts), "due_at": due.isoformat()},
    )
    return check


@transaction.atomic
def answer_spot(actor, answer: SpotAnswer) -> SpotAnswer:
    """应答查岗: someone on the shift checked answers (late after the deadline)."""
    a = SpotAnswer.objects.select_for_update(of=("self",)).select_related("shift").get(pk=answer.pk)
    if a.shift is None:
        raise Conflict(_("查岗时该网格无人值班"), "answer")
    refused = rules_of.shift_refusal(actor, a.shift)
    if refused:
        raise NotAllowed(refused, "answer")
    if a.answered_at is not None:
        raise Conflict(_("已应答"), "answer")
    now = timezone.now()
    a.answered_at, a.answered_by, a.late, a.watch_at = now, _person(actor), now > a.due_at, None
    a.save(update_fields=["answered_at", "answered_by", "late", "watch_at"])
    SpotCheck.objects.filter(pk=a.spot_id).update(answers_n=F("answers_n") + 1)
    audit(
        actor=actor,
        action="incidents.spot.answer",
        obj=a,
        cell_path=a.cell_path,
        after={"late": a.late},
    )
    return a


# --- the handover ----------------------------------------------------------------------


def open_items(cell: Cell) -> list[dict]:
    """What is open in ``cell``'s subtree, for a handover: the open incidents, then what the
    other areas list (warnings in force not fully answered, today's zero reports not in,
    overdue hazards, supervisions waiting) — each ``{"kind", "label", "n", "url"}``."""
    found = []
    incidents = (
        Incident.objects.filter(
            tree.subtree_q(cell.path, "cell_path"),
            status__in=(IncidentStatus.REPORTED, IncidentStatus.RESPONDING),
        )
        .order_by("-occurred_at")
        .only("pk", "title", "number", "level", "status")[:20]
    )
    for i in incidents:
        found.append(
            {
                "kind": "incidents.open",
                "label": _("处置中的突发事件：%(t)s") % {"t": i.title}
                + (_("（%(level)s响应）") % {"level": i.get_level_display()} if i.level else ""),
                "n": 1,
                "url": reverse("incident", args=[i.pk]),
            }
        )
    found += warnings.unanswered_in_force(cell)
    found += disasters.zero_reports_missing_today(cell)
    found += hazards.open_for_handover(cell)
    return found


def handover_text(items: list[dict]) -> str:
    """The handover note prefilled from the open items."""
    if not items:
        return str(_("本班次无待办事项。"))
    lines = [str(_("移交待办事项："))]
    lines += [
        f"{n}. {it['label']}" + (f"（{it['n']}）" if it["n"] > 1 else "")
        for n, it in enumerate(items, 1)
    ]
    return "\n".join(lines)


@transaction.atomic
def write_handover(actor, shift: Shift, *, text: str) -> Handover:
    """交班: someone of ``shift`` hands over to the next shift, with the open items as they
    stand now. Side effects: the handover (chased if not accepted in the rule's time after
    the next shift starts), the incoming people told, one audit record."""
    s = Shift.objects.select_for_update().select_related("cell").get(pk=shift.pk)
    refused = rules_of.shift_refusal(actor, s)
    if refused:
        raise NotAllowed(refused, "shift")
    now = timezone.now()
    if now < s.starts_at:
        raise Conflict(_("本班次尚未开始"), "shift")
    if Handover.objects.filter(shift=s).exists():
        raise Conflict(_("本班次已交班"), "shift")
    text = clean_text(text, "text", limit=4000)
    items = open_items(s.cell)
    following = next_shift(s)
    watch = None
    if following is not None:
        watch = max(now, following.starts_at) + timedelta(minutes=rule().handover_minutes)
    h = Handover.objects.create(
        shift=s,
        to_shift=following,
        cell_path=s.cell_path,
        text=text,
        items=items,
        written_at=now,
        written_by=_person(actor),
        watch_at=watch,
    )
    audit(
        actor=actor,
        action="incidents.handover.write",
        obj=h,
        cell_path=s.cell_path,
        after={"to_shift": following.pk if following else None, "items": len(items)},
    )
    if following is not None:
        _send(
            [
                _tell(
                    following.people(),
                    "incidents.handover",
                    _("【交接班】%(cell)s请确认接班") % {"cell": s.cell.name},
                    _("待办事项 %(n)s 项。") % {"n": len(items)},
                    reverse("duty-desk") + f"?cell={s.cell.code}",
                    f"incidents.handover:{h.pk}",
                    sms=False,
                )
            ]
        )
    return h


@transaction.atomic
def accept_handover(actor, handover: Handover) -> Handover:
    """接班确认: someone of the incoming shift accepts the handover."""
    h = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("to_shift")
        .get(pk=handover.pk)
    )
    if h.to_shift is None:
        raise Conflict(_("没有接班班次"), "handover")
    refused = rules_of.shift_refusal(actor, h.to_shift)
    if refused:
        raise NotAllowed(refused, "handover")
    if h.accepted_at is not None:
        raise Conflict(_("已确认接班"), "handover")
    h.accepted_at, h.accepted_by, h.watch_at = timezone.now(), _person(actor), None
    h.save(update_fields=["accepted_at", "accepted_by", "watch_at"])
    audit(actor=actor, action="incidents.handover.accept", obj=h, cell_path=h.cell_path, after={})
    return h


# --- the duty log ------------------------------------------------------------------------


def _author_name(actor) -> str:
    if actor is None:
        return str(_("系统"))
    person = _person(actor)
    return person.name if person is not None else actor.get_username()


@transaction.atomic
def log_duty(
    actor,
    cell: Cell,
    *,
    kind: str,
    text: str,
    caller: str = "",
    phone: str = "",
    passed_to: str = "",
    follows=None,
    corrects=None,
    incident: Incident | None = None,
    checked: bool = True,
) -> DutyEntry:
    """A duty log entry of ``cell`` (接: a call or report received; 报: reported up; 传: passed
    on, to ``passed_to``; 跟: what followed, ``follows`` the entry it follows up), append-only:
    ``corrects`` makes it a correction of an earlier entry, which stays as it was. Unless
    ``checked``, the entry is the platform's own record of what ``actor`` did elsewhere (an
    incident opened from an entry they could see), written whoever they are."""
    if kind not in EntryKind.values:
        raise ActionError(_("请选择类型"), "kind")
    text = clean_text(text, "text", limit=2000)
    caller = clean_text(caller, "caller", limit=100, required=False)
    phone = clean_text(phone, "phone", limit=20, required=False)
    passed_to = clean_text(passed_to, "passed_to", limit=100, required=False)
    shift = current_shift(cell.pk)
    if actor is not None and checked:
        refused = rules_of.log_refusal(actor, cell.path, shift)
        if refused:
            if rules_of._outside(actor, cell.path):
                raise NotFound(refused, "cell")
            raise NotAllowed(refused, "text")
    linked = {}
    for name, value in (("follows", follows), ("corrects", corrects)):
        if value in (None, ""):
            continue
        found = (
            DutyEntry.objects.filter(pk=value, cell=cell).first()
            if isinstance(value, int) and not isinstance(value, bool)
            else None
        )
        if found is None:
            raise ActionError(_("引用的值班日志不存在"), name)
        linked[name] = found
    entry = DutyEntry.objects.create(
        cell=cell,
        cell_path=cell.path,
        shift=shift,
        kind=kind,
        at=timezone.now(),
        caller=caller,
        phone=phone,
        text=text,
        passed_to=passed_to,
        follows=linked.get("follows"),
        corrects=linked.get("corrects"),
        incident=incident,
        author=actor if getattr(actor, "pk", None) else None,
        author_name=_author_name(actor),
    )
    audit(
        actor=actor,
        action="incidents.duty.log",
        obj=entry,
        cell_path=cell.path,
        after={
            "kind": kind,
            "follows": entry.follows_id,
            "corrects": entry.corrects_id,
            "incident": incident.pk if incident else None,
        },
    )
    return entry
