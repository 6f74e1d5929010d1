"""The incidents' actions (docs/adr/0025): receive an incident, report on it, pass it up
level by level, grade it, start, raise, lower and end its response, appoint its on-scene
commander, write its command log — each one function, checked, in one transaction with its
audit record, its counters and its notices.

Every report is a version (``Report``) with the deadline it answered: the 初报 within the
rule's ``unit_minutes`` of the incident, a 续报 within ``update_hours`` of the one before
while it is open, the 终报 when it ends, and a 补报 of casualties within 30 days (7 for
road traffic and fire). Each level that receives it passes it up (``Relay``) within
``level_minutes``, and the 初报 reaches the county within ``county_minutes`` of the
incident. A late one is marked, counted (``tally``) and, while open, chased (``sweep``).
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import tree
from qianshao.grid.access import visible_people
from qianshao.grid.dispatchers import Dispatchers
from qianshao.grid.models import FIELD_KINDS, Cell, CellKind, Person
from qianshao.grid.posts import posts_of
from qianshao.incidents import grading, permissions, rules, tally
from qianshao.incidents.models import (
    CATEGORIES_OF,
    INCIDENT_FLOW,
    Category,
    Entry,
    Grade,
    Incident,
    IncidentKind,
    IncidentStatus,
    IncidentStep,
    Level,
    LogEntry,
    Relay,
    Report,
    Stage,
)
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.lib.geojson import checked_position
from qianshao.lib.moments import check_reported
from qianshao.lib.numbers import numbered
from qianshao.lib.panels import origin as resolve_origin
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue_all

FIGURES = ("dead", "missing", "injured", "seriously_injured", "trapped")
MAX_PEOPLE = 1_000_000
MAX_LOSS = Decimal("999999999999.99")  # what the column holds (万元)
CASUALTIES = ("dead", "missing", "injured", "seriously_injured", "trapped")


# --- checks -----------------------------------------------------------------------------


def checked_figures(fields: dict, *, base=None) -> dict:
    """The casualties and the direct loss of ``fields`` (those absent kept from ``base``),
    each a non-negative number; the seriously injured are part of the injured. Every
    problem at once, each naming its field."""
    found, errors = {}, []
    for name in FIGURES:
        raw = fields.get(name, getattr(base, name, 0) if base is not None else 0)
        raw = 0 if raw in (None, "") else raw
        if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= MAX_PEOPLE:
            errors.append(ActionError(_("须为 0 至 1000000 的整数"), name))
            continue
        found[name] = raw
    raw = fields.get("direct_loss", getattr(base, "direct_loss", 0) if base is not None else 0)
    try:
        loss = Decimal(str(0 if raw in (None, "") else raw))
        if isinstance(raw, bool) or not loss.is_finite() or not 0 <= loss <= MAX_LOSS:
            raise InvalidOperation
        if loss != round(loss, 2):
            raise InvalidOperation
        found["direct_loss"] = loss
    except (InvalidOperation, ValueError):
        errors.append(ActionError(_("须为不小于 0 的金额（万元，最多两位小数）"), "direct_loss"))
    if not errors and found["seriously_injured"] > found["injured"]:
        errors.append(ActionError(_("重伤人数不能大于受伤人数"), "seriously_injured"))
    if errors:
        raise ActionError.every(errors)
    return found


def _kind(kind: str, category: str) -> tuple[str, str]:
    if kind not in IncidentKind.values:
        raise ActionError(_("请选择事件类别"), "kind")
    if category not in CATEGORIES_OF[kind]:
        raise ActionError(
            _("“%(k)s”没有“%(c)s”这一类型")
            % {"k": IncidentKind(kind).label, "c": dict(Category.choices).get(category, category)},
            "category",
        )
    return kind, category


def _levels(cell: Cell) -> list[Cell]:
    """The levels that pass an incident at ``cell`` up: its ancestors (and itself) that are
    a township, park, county or above — nearest first."""
    paths = tree.lineage(cell.path)
    found = Cell.objects.filter(path__in=paths).exclude(kind__in=FIELD_KINDS).defer("boundary")
    return sorted(found, key=lambda c: -len(c.path))


def _receiving(actor, levels: list[Cell], path: str) -> Cell | None:
    """The level that received an incident at ``path`` from ``actor``: the nearest level at
    or above the actor's own post over the place (the duty desk of the county that took the
    call), else the nearest level above the place (a village's report reaches its
    township)."""
    if not levels:
        return None
    mine = [
        post.cell.path
        for post in posts_of(actor)
        if actor is not None and tree.is_within(path, post.cell.path)
    ]
    if mine:
        deepest = max(mine, key=len)
        for level in levels:
            if tree.is_within(deepest, level.path):
                return level
    return levels[0]


def _relay_due(level: Cell, received_at: datetime, occurred_at: datetime, levels, r) -> datetime:
    due = received_at + timedelta(minutes=r.level_minutes)
    above = [c for c in levels if len(c.path) < len(level.path)]
    if above and above[0].kind == CellKind.COUNTY:
        # the 初报 reaches the county within the rule's time of the incident
        due = min(due, occurred_at + timedelta(minutes=r.county_minutes))
    return max(due, received_at)


def incident_url(incident: Incident) -> str:
    return reverse("incident", args=[incident.pk])


def _tell(event: str, path: str, subject: str, body: str, link: str, key: str) -> Notice | None:
    """A notice to the dispatchers of the cell of ``path`` (the nearest cell at or above it
    with one)."""
    dispatchers = Dispatchers([path])
    ladder = dispatchers.ladder(path)
    if not ladder:
        return None
    return Notice(
        event,
        subject=subject,
        body=body,
        link=link,
        people=dispatchers.of(ladder[0]),  # id, login and mobile: all a notice needs
        sms=True,
        dedupe_key=key,
    )


def _log(incident: Incident, actor, kind: str, text: str, at=None, corrects=None) -> LogEntry:
    name = ""
    if actor is not None:
        person = getattr(actor, "person", None)
        name = person.name if person is not None else actor.get_username()
    return LogEntry.objects.create(
        incident=incident,
        kind=kind,
        text=text[:2000],
        at=at or timezone.now(),
        author=actor if getattr(actor, "pk", None) else None,
        author_name=name or str(_("系统")),
        corrects=corrects,
    )


# --- receiving --------------------------------------------------------------------------


def open_incident(
    actor,
    *,
    title: str,
    kind: str,
    category: str,
    cell: Cell,
    occurred_at: datetime,
    summary: str,
    place: str = "",
    lon=None,
    lat=None,
    unit: str = "",
    measures: str = "",
    figures: dict | None = None,
    origin: str = "",
) -> Incident:
    """接报: an incident at ``cell``, its 初报 (the first version) and the first level's
    passing up. ``origin`` ("disasters.report:5", "hazards.hazard:9", "warnings.warning:3")
    links the record it was opened from, which links back. Side effects: the incident, its
    report, its relay, a command-log entry, the counters, one audit record, the receiving
    level's dispatchers told."""
    now = timezone.now()
    title = clean_text(title, "title", limit=100)
    kind, category = _kind(kind, category)
    if not isinstance(cell, Cell):
        raise ActionError(_("请选择事发网格"), "cell")
    refused = permissions.report_refusal(actor, cell.path) if actor is not None else None
    if refused:
        raise NotFound(refused, "cell")
    if not isinstance(occurred_at, datetime):
        raise ActionError(_("请填写事发时间"), "occurred_at")
    check_reported(occurred_at, now, "occurred_at", _("事发时间"))
    summary = clean_text(summary, "summary", limit=4000)
    place = clean_text(place, "place", limit=200, required=False)
    unit = clean_text(unit, "unit", limit=100, required=False)
    measures = clean_text(measures, "measures", limit=4000, required=False)
    lon, lat = checked_position(lon, lat)
    found = checked_figures(figures or {})
    source = None
    if origin:
        source = resolve_origin(actor, origin)
        if source is None:
            raise ActionError(_("来源记录不存在或不在您的辖区内"), "origin")
    r = rules.rule()
    levels = _levels(cell)
    level = _receiving(actor, levels, cell.path)
    computed = grading.grade(
        **{k: found[k] for k in ("dead", "missing", "seriously_injured", "direct_loss")}
    )
    due = occurred_at + timedelta(minutes=r.unit_minutes)
    late = now > due

    def build(number: str) -> Incident:
        incident = Incident(
            number=number,
            title=title,
            kind=kind,
            category=category,
            cell=cell,
            cell_path=cell.path,
            place=place,
            lon=lon,
            lat=lat,
            occurred_at=occurred_at,
            reported_at=now,
            unit=unit,
            summary=summary,
            measures=measures,
            grade_computed=computed,
            grade=computed,
            origin=origin,
            reports_n=1,
            last_report_at=now,
            watch_at=now + timedelta(hours=r.update_hours),
            by=actor if getattr(actor, "pk", None) else None,
            **found,
        )
        INCIDENT_FLOW.begin(incident, IncidentStep.OPEN)
        return incident

    def write(incident: Incident) -> Incident:
        number = incident.number
        Report.objects.create(
            incident=incident,
            seq=1,
            stage=Stage.INITIAL,
            cell_path=cell.path,
            text=summary,
            at=now,
            due_at=due,
            late=late,
            grade=computed,
            author=incident.by,
            **found,
        )
        moves = [
            (cell.path, tally.INCIDENTS, tally.incident_key(occurred_at, kind, computed), 1),
            (cell.path, tally.REPORTS, tally.report_key(due, late), 1),
        ]
        notices = []
        if level is not None:
            relay = Relay.objects.create(
                incident=incident,
                cell=level,
                cell_path=level.path,
                received_at=now,
                due_at=(d := _relay_due(level, now, occurred_at, levels, r)),
                watch_at=d,
            )
            notices.append(
                _tell(
                    "incidents.received",
                    level.path,
                    _("【突发事件】%(cell)s %(title)s") % {"cell": cell.name, "title": title},
                    _("%(at)s 接报，请于 %(due)s 前核实并上报。")
                    % {
                        "at": f"{timezone.localtime(now):%m-%d %H:%M}",
                        "due": f"{timezone.localtime(relay.due_at):%m-%d %H:%M}",
                    },
                    incident_url(incident),
                    f"incidents.received:{incident.pk}",
                )
            )
        tally.add_many(moves)
        text = _("接报：%(title)s。%(summary)s") % {"title": title, "summary": summary}
        if source is not None:
            text += _("（来源：%(label)s）") % {"label": source["label"]}
            if callable(source.get("on_reported")):
                source["on_reported"](incident.pk)
        _log(incident, actor, Entry.REPORT, text, at=now)
        audit(
            actor=actor,
            action="incidents.incident.open",
            obj=incident,
            cell_path=cell.path,
            after={
                "number": number,
                "kind": kind,
                "category": category,
                "occurred_at": occurred_at.isoformat(),
                "grade": computed,
                "late": late,
                "origin": origin,
                "receiving": level.path if level is not None else None,
                **{k: str(v) for k, v in found.items()},
            },
        )
        notices = [n for n in notices if n is not None]
        if notices:
            enqueue_all(notices)
        return incident

    return numbered("SJ", now, build, write)


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("cell").get(pk=incident.pk)


@transaction.atomic
def report(actor, incident: Incident, *, text: str, figures: dict | None = None) -> Report:
    """续报 (while open) or 补报 (once ended): the figures as they stand now (those not given
    kept), what has happened since. Its deadline: a 续报 the last report plus the rule's
    ``update_hours``; a 补报 the end of the casualty window (30 days, 7 for road traffic and
    fire). Recomputes the grade (kept when set by hand). Side effects: the version, the
    incident's figures and grade, the counters, a command-log entry, one audit record."""
    now = timezone.now()
    text = clean_text(text, "text", limit=4000)
    if actor is not None:
        refused = permissions.report_refusal(actor, incident.cell_path)
        if refused:
            raise NotFound(refused, "incident")
    i = _locked(incident)
    found = checked_figures(figures or {}, base=i)
    r = rules.rule()
    if i.open:
        stage = Stage.UPDATE
        due = i.last_report_at + timedelta(hours=r.update_hours)
    else:
        stage = Stage.SUPPLEMENT
        due = rules.casualty_window_ends(i.category, i.occurred_at)
    late = now > due
    return _write_report(actor, i, stage, text, found, now, due, late, r)


def _write_report(actor, i: Incident, stage, text, found, now, due, late, r) -> Report:
    before = {k: str(getattr(i, k)) for k in found} | {"grade": i.grade}
    seq = i.reports_n + 1
    computed = grading.grade(
        **{k: found[k] for k in ("dead", "missing", "seriously_injured", "direct_loss")}
    )
    version = Report.objects.create(
        incident=i,
        seq=seq,
        stage=stage,
        cell_path=i.cell_path,
        text=text,
        at=now,
        due_at=due,
        late=late,
        grade=computed,
        author=actor if getattr(actor, "pk", None) else None,
        **found,
    )
    moves = []
    if due is not None:
        moves.append((i.cell_path, tally.REPORTS, tally.report_key(due, late), 1))
    new_grade = i.grade if i.grade_reason else computed
    if new_grade != i.grade:
        moves.append(
            (i.cell_path, tally.INCIDENTS, tally.incident_key(i.occurred_at, i.kind, i.grade), -1)
        )
        moves.append(
            (i.cell_path, tally.INCIDENTS, tally.incident_key(i.occurred_at, i.kind, new_grade), 1)
        )
    for k, v in found.items():
        setattr(i, k, v)
    i.grade_computed, i.grade = computed, new_grade
    i.reports_n, i.last_report_at = seq, now
    i.watch_at = now + timedelta(hours=r.update_hours) if i.open else None
    i.save(
        update_fields=[
            *found,
            "grade_computed",
            "grade",
            "reports_n",
            "last_report_at",
            "watch_at",
            "updated_at",
        ]
    )
    tally.add_many(moves)
    summary = ", ".join(
        f"{Incident._meta.get_field(k).verbose_name}{found[k]}" for k in CASUALTIES if found[k]
    )
    _log(
        i,
        actor,
        Entry.REPORT,
        _("%(stage)s（第%(n)s次）：%(text)s")
        % {"stage": Stage(stage).label, "n": seq, "text": text}
        + (f"（{summary}）" if summary else ""),
        at=now,
    )
    audit(
        actor=actor,
        action=f"incidents.incident.{stage}",
        obj=i,
        cell_path=i.cell_path,
        before=before,
        after={k: str(v) for k, v in found.items()}
        | {"grade": i.grade, "seq": seq, "late": late, "due_at": due.isoformat() if due else None},
    )
    return version


@transaction.atomic
def set_grade(actor, incident: Incident, *, grade: str, reason: str) -> Incident:
    """The grade set by hand, with a reason (``grade`` empty: back to the computed one).
    Side effects: the counters, a command-log entry, one audit record."""
    if grade not in ("", *Grade.values):
        raise ActionError(_("请选择事件等级"), "grade")
    reason = clean_text(reason, "reason", limit=500, required=bool(grade))
    refused = permissions.command_refusal(actor, incident.cell_path) if actor else None
    if refused:
        raise NotAllowed(refused, "grade")
    i = _locked(incident)
    new = grade or i.grade_computed
    if grade == i.grade_computed:
        reason = ""  # the standard's own grade needs no reason
    before = {"grade": i.grade, "grade_reason": i.grade_reason}
    if new != i.grade:
        tally.add_many(
            [
                (
                    i.cell_path,
                    tally.INCIDENTS,
                    tally.incident_key(i.occurred_at, i.kind, i.grade),
                    -1,
                ),
                (i.cell_path, tally.INCIDENTS, tally.incident_key(i.occurred_at, i.kind, new), 1),
            ]
        )
    i.grade, i.grade_reason = new, reason if grade else ""
    i.save(update_fields=["grade", "grade_reason", "updated_at"])
    _log(
        i,
        actor,
        Entry.DECISION,
        _("事件等级定为%(g)s") % {"g": Grade(new).label} + (f"：{reason}" if reason else ""),
    )
    audit(
        actor=actor,
        action="incidents.incident.grade",
        obj=i,
        cell_path=i.cell_path,
        before=before,
        after={"grade": i.grade, "grade_reason": i.grade_reason},
    )
    return i


# --- passing up ----------------------------------------------------------------------------


@transaction.atomic
def pass_up(actor, relay: Relay, *, note: str = "") -> Relay:
    """上报: the level of ``relay`` passed the incident to the level above (late after its
    deadline); the level above now has it, with its own deadline — at the top of the grid,
    ``note`` says to whom outside it went. Side effects: the relay, the next one, the
    counters, a command-log entry, one audit record, the next level's dispatchers told."""
    now = timezone.now()
    note = clean_text(note, "note", limit=500, required=False)
    found = Relay.objects.select_for_update().select_related("cell").filter(pk=relay.pk).first()
    if found is None:
        raise NotFound(_("上报记录不存在"), "relay")
    refused = permissions.relay_refusal(actor, found) if actor is not None else None
    if refused:
        raise NotAllowed(refused, "relay")
    if found.passed_at is not None:
        raise Conflict(_("该层级已上报"), "relay")
    i = _locked(found.incident)
    found.passed_at, found.by, found.note = now, actor if getattr(actor, "pk", None) else None, note
    found.late = now > found.due_at
    found.watch_at = None
    found.save(update_fields=["passed_at", "by", "note", "late", "watch_at"])
    levels = _levels(i.cell)
    above = [c for c in levels if len(c.path) < len(found.cell_path)]
    notices = []
    next_relay = None
    if above:
        r = rules.rule()
        due = _relay_due(above[0], now, i.occurred_at, levels, r)
        next_relay, _created = Relay.objects.get_or_create(
            incident=i,
            cell=above[0],
            defaults={
                "cell_path": above[0].path,
                "received_at": now,
                "due_at": due,
                "watch_at": due,
            },
        )
        notices.append(
            _tell(
                "incidents.received",
                above[0].path,
                _("【突发事件】%(from)s上报：%(title)s")
                % {"from": found.cell.name, "title": i.title},
                _("请于 %(due)s 前核实并上报。")
                % {"due": f"{timezone.localtime(next_relay.due_at):%m-%d %H:%M}"},
                incident_url(i),
                f"incidents.received:{i.pk}:{above[0].pk}",
            )
        )
    tally.add(found.cell_path, tally.REPORTS, 1, tally.report_key(found.due_at, found.late))
    to = above[0].name if above else (note or _("上级"))
    _log(
        i,
        actor,
        Entry.REPORT,
        _("%(level)s已上报%(to)s") % {"level": found.cell.name, "to": to}
        + (_("（迟报）") if found.late else "")
        + (f"：{note}" if note and above else ""),
        at=now,
    )
    audit(
        actor=actor,
        action="incidents.relay.pass",
        obj=found,
        cell_path=found.cell_path,
        after={
            "incident": i.pk,
            "late": found.late,
            "due_at": found.due_at.isoformat(),
            "next": next_relay.cell_path if next_relay else None,
            "note": note,
        },
    )
    notices = [n for n in notices if n is not None]
    if notices:
        enqueue_all(notices)
    return found


# --- response -----------------------------------------------------------------------------


def _level(value: str) -> str:
    if value not in Level.values:
        raise ActionError(_("请选择响应级别"), "level")
    return value


def _decided(decided_by: str) -> str:
    return clean_text(decided_by, "decided_by", limit=64)


def respond(actor, incident: Incident, *, level: str, decided_by: str, note: str = "") -> Incident:
    """启动响应 at ``level`` (Ⅳ … Ⅰ), decided by ``decided_by`` (the leader who decided)."""
    return _response(actor, incident, IncidentStep.RESPOND, level, decided_by, note)


def raise_level(
    actor, incident: Incident, *, level: str, decided_by: str, note: str = ""
) -> Incident:
    """提升响应 to a higher level than the present one."""
    return _response(actor, incident, IncidentStep.RAISE, level, decided_by, note)


def lower_level(
    actor, incident: Incident, *, level: str, decided_by: str, note: str = ""
) -> Incident:
    """降低响应 to a lower level than the present one (ending it is ``end``)."""
    return _response(actor, incident, IncidentStep.LOWER, level, decided_by, note)


WORDS = {
    IncidentStep.RESPOND: _("启动%(level)s应急响应"),
    IncidentStep.RAISE: _("应急响应由%(was)s提升为%(level)s"),
    IncidentStep.LOWER: _("应急响应由%(was)s降低为%(level)s"),
}


@transaction.atomic
def _response(actor, incident, step, level, decided_by, note) -> Incident:
    level = _level(level)
    decided_by = _decided(decided_by)
    note = clean_text(note, "note", limit=500, required=False)
    i = INCIDENT_FLOW.take(
        Incident.objects.select_related("cell"),
        incident.pk,
        step,
        actor=actor,
        rule=permissions.incident_rule,
    )
    was = i.level
    # Ⅰ is "1", the highest: raising goes to a smaller number
    if step == IncidentStep.RAISE and not level < was:
        raise Conflict(_("提升响应须高于当前的%(l)s") % {"l": Level(was).label}, "level")
    if step == IncidentStep.LOWER and not level > was:
        raise Conflict(
            _("降低响应须低于当前的%(l)s；结束响应请用“结束处置”") % {"l": Level(was).label},
            "level",
        )
    i.level = level
    words = str(WORDS[step]) % {
        "level": Level(level).label,
        "was": Level(was).label if was else "",
    }
    _log(
        i,
        actor,
        Entry.DECISION,
        words + _("（决定人：%(who)s）") % {"who": decided_by} + (f"。{note}" if note else ""),
    )
    INCIDENT_FLOW.finish(
        actor,
        i,
        fields=["level", "updated_at"],
        extra={"decided_by": decided_by},
        note=note,
        notices=[
            _tell(
                f"incidents.{step}",
                i.cell_path,
                f"【{words}】{i.title}",
                _("决定人：%(who)s") % {"who": decided_by},
                incident_url(i),
                f"incidents.{step}:{i.pk}:{level}",
            )
        ],
    )
    return i


@transaction.atomic
def end(
    actor,
    incident: Incident,
    *,
    text: str,
    decided_by: str,
    figures: dict | None = None,
) -> Incident:
    """结束处置: the response (if any) ends and the 终报 is written with the final figures.
    Orders still in force stay until their teams are released."""
    now = timezone.now()
    text = clean_text(text, "text", limit=4000)
    decided_by = _decided(decided_by)
    i = INCIDENT_FLOW.take(
        Incident.objects.select_related("cell"),
        incident.pk,
        IncidentStep.END,
        actor=actor,
        rule=permissions.incident_rule,
    )
    found = checked_figures(figures or {}, base=i)
    r = rules.rule()
    was = i.level
    i.ended_at = now
    INCIDENT_FLOW.move(i)
    _write_report(actor, i, Stage.FINAL, text, found, now, None, False, r)
    i.watch_at = None
    _log(
        i,
        actor,
        Entry.DECISION,
        (_("结束%(l)s应急响应") % {"l": Level(was).label} if was else _("处置结束"))
        + _("（决定人：%(who)s）") % {"who": decided_by},
    )
    INCIDENT_FLOW.finish(
        actor,
        i,
        fields=["ended_at", "watch_at", "updated_at"],
        extra={"decided_by": decided_by},
    )
    return i


# --- command -----------------------------------------------------------------------------


@transaction.atomic
def appoint_commander(actor, incident: Incident, *, person) -> Incident:
    """现场指挥官: a person of the grid the actor sees (or none, to clear it)."""
    refused = permissions.command_refusal(actor, incident.cell_path) if actor else None
    if refused:
        raise NotAllowed(refused, "commander")
    if person is not None:
        if not isinstance(person, Person):
            raise ActionError(_("人员不存在"), "commander")
        if actor is not None and not visible_people(actor).filter(pk=person.pk).exists():
            raise ActionError(_("人员不存在"), "commander")
    i = _locked(incident)
    if not i.open:
        raise Conflict(_("事件已结束，不能再指定现场指挥官"), "commander")
    before = {"commander": i.commander_id}
    i.commander = person
    i.save(update_fields=["commander", "updated_at"])
    _log(
        i,
        actor,
        Entry.DECISION,
        _("指定现场指挥官：%(n)s") % {"n": person.name} if person else _("撤销现场指挥官"),
    )
    audit(
        actor=actor,
        action="incidents.incident.commander",
        obj=i,
        cell_path=i.cell_path,
        before=before,
        after={"commander": person.pk if person else None},
    )
    return i


@transaction.atomic
def write_log(actor, incident: Incident, *, kind: str, text: str, corrects=None) -> LogEntry:
    """A command-log entry (决策, 指令, 反馈, 记录 …), append-only: ``corrects`` (an entry of the
    same incident) makes it a correction of that one, which stays as it was."""
    if kind not in Entry.values:
        raise ActionError(_("请选择日志类型"), "kind")
    text = clean_text(text, "text", limit=2000)
    if actor is not None:
        refused = permissions.log_refusal(actor, incident)
        if refused:
            raise NotAllowed(refused, "text")
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(_("事件已总结，指挥日志已归档"), "text")
    fixed = None
    if corrects is not None:
        fixed = (
            LogEntry.objects.filter(pk=corrects, incident=incident).first()
            if isinstance(corrects, int)
            else None
        )
        if fixed is None:
            raise ActionError(_("要更正的日志不存在"), "corrects")
        kind = Entry.CORRECTION
    entry = _log(incident, actor, kind, text, corrects=fixed)
    audit(
        actor=actor,
        action="incidents.log",
        obj=entry,
        cell_path=incident.cell_path,
        after={"incident": incident.pk, "kind": kind, "corrects": fixed.pk if fixed else None},
    )
    return entry
