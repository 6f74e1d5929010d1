"""The steps of 灾情报送: the daily zero report and its correction, a disaster's 初报, 续报
and 核报, and relief applications. Each runs in one transaction: it checks the user against
``permissions`` and the input, changes the rows (and the day's counters), writes one audit
record and queues its notifications.

``actor`` is the user, or ``None`` for the system (imports, the demo).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.disasters import permissions, schedule, tally
from qianshao.disasters.models import (
    INDICATORS,
    RELIEF_FLOW,
    REPORT_FLOW,
    DisasterReport,
    DisasterType,
    ReliefApplication,
    ReliefKind,
    ReliefStep,
    ReportStep,
    Stage,
    Version,
    ZeroKind,
    ZeroReport,
)
from qianshao.disasters.photos import attach, stored
from qianshao.grid import routing, tree
from qianshao.grid.models import Cell
from qianshao.lib import photos
from qianshao.lib.dbsql import insert_object
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.lib.moments import check_reported
from qianshao.lib.numbers import numbered
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue

INITIAL_WITHIN = timedelta(hours=2)  # 初报 within two hours of the event
MAX_COUNT = 100_000_000
BACKFILL_DAYS = 31  # how far back a missed zero report may still be filed (as late)
MAX_AMOUNT = Decimal("9999999999.99")  # what 12 digits with 2 decimals hold (万元 and 公顷)


def _person_of(user):
    return getattr(user, "person", None) if user is not None else None


# --- the zero report --------------------------------------------------------------------


def file_zero(
    actor,
    *,
    cell: Cell,
    day: date | None = None,
    kind: str = ZeroKind.NONE,
    disaster: DisasterReport | None = None,
) -> ZeroReport:
    """零报告: ``cell``'s report for ``day`` (today): nothing happened, or see ``disaster``.
    One per cell and day — whoever comes second is refused (a change is a correction).
    Side effects: the day's counters, one audit record."""
    now = timezone.now()
    day = day or schedule.today()
    if day > schedule.today():
        raise ActionError(_("报告日不能晚于今天"), "day")
    if day < schedule.today() - timedelta(days=BACKFILL_DAYS):
        raise ActionError(_("只能补报 %(n)s 天内的零报告") % {"n": BACKFILL_DAYS}, "day")
    if cell.kind not in schedule.rule().kinds:
        raise ActionError(_("该网格不需要报送零报告"), "cell")
    if actor is not None and not permissions.files_for(actor, cell):
        raise NotAllowed(_("只有本网格的信息员或网格员可以报送"), "cell")
    _check_kind(kind, disaster, cell, day)
    report = ZeroReport(
        cell=cell,
        cell_path=cell.path,
        day=day,
        kind=kind,
        disaster=disaster,
        reporter=_person_of(actor),
        reported_by=actor,
        submitted_at=now,
        on_time=schedule.is_on_time(day, now),
    )
    with transaction.atomic(savepoint=False):
        # one per cell and day: a second is skipped by the insert itself, no savepoint
        if insert_object(connection, report, conflict=["cell_id", "day"]):
            tally.add(cell.path, day, report.on_time)
            audit(
                actor=actor,
                action="disasters.zero",
                obj=report,
                cell_path=cell.path,
                after={"day": day, "kind": kind, "on_time": report.on_time},
            )
            return report
    first = ZeroReport.objects.select_related("reporter").filter(cell=cell, day=day).first()
    if first is not None:
        raise Conflict(
            _("%(cell)s %(day)s 的零报告已由%(who)s于 %(at)s 报送")
            % {
                "cell": cell.name,
                "day": day,
                "who": first.reporter.name if first.reporter else _("系统"),
                "at": timezone.localtime(first.submitted_at).strftime("%H:%M"),
            },
            "day",
        )
    raise IntegrityError(f"zero report of {cell.code} on {day} neither written nor found")


def _check_kind(kind: str, disaster, cell: Cell, day: date) -> None:
    if kind not in ZeroKind.values:
        raise ActionError(_("未知的报告内容"), "kind")
    if kind == ZeroKind.DISASTER and disaster is None:
        raise ActionError(_("有灾情时请注明灾情报告"), "disaster")
    if kind == ZeroKind.NONE and disaster is not None:
        raise ActionError(_("无灾情的零报告不能注明灾情报告"), "disaster")
    if disaster is not None and not tree.is_within(disaster.cell_path, cell.path):
        raise ActionError(_("该灾情报告不属于本网格"), "disaster")
    if disaster is not None and timezone.localdate(disaster.started_at) > day:
        raise ActionError(
            _("灾情报告 %(n)s 发生于 %(d)s，晚于该零报告的报告日")
            % {"n": disaster.number, "d": timezone.localdate(disaster.started_at)},
            "disaster",
        )


@transaction.atomic
def correct_zero(
    actor, report: ZeroReport, *, kind: str, disaster: DisasterReport | None = None, reason: str
) -> ZeroReport:
    """更正 a zero report's content (its time stands): by its reporter or the level above.
    Side effects: one audit record with before and after."""
    reason = clean_text(reason, "reason", limit=500)
    z = ZeroReport.objects.select_for_update().select_related("cell").get(pk=report.pk)
    if actor is not None and not (
        actor.pk == z.reported_by_id or permissions.verifies_for(actor, z.cell)
    ):
        raise NotAllowed(_("只有报告人或上级可以更正零报告"), "kind")
    _check_kind(kind, disaster, z.cell, z.day)
    if (kind, disaster) == (z.kind, z.disaster):
        raise Conflict(_("更正内容与原报告相同"), "kind")
    before = {"kind": z.kind, "disaster": z.disaster.number if z.disaster else None}
    z.kind, z.disaster, z.corrected_at = kind, disaster, timezone.now()
    z.save(update_fields=["kind", "disaster", "corrected_at"])
    audit(
        actor=actor,
        action="disasters.correct_zero",
        obj=z,
        cell_path=z.cell_path,
        before=before,
        after={"kind": kind, "disaster": disaster.number if disaster else None},
        note=reason,
    )
    return z


# --- disaster reports -------------------------------------------------------------------


def _number(raw, name: str, label, places: int):
    """One figure as entered: a finite, non-negative number within what the column holds,
    an integer when `places` is 0, else to at most `places` decimals."""
    try:
        value = Decimal(str(raw))
    except ArithmeticError:
        raise ActionError(_("%(f)s 须为数字") % {"f": label}, name) from None
    if not value.is_finite():
        raise ActionError(_("%(f)s 须为数字") % {"f": label}, name)
    if value < 0:
        raise ActionError(_("%(f)s 不能为负数") % {"f": label}, name)
    if value > (MAX_AMOUNT if places else MAX_COUNT):
        raise ActionError(_("%(f)s 超出合理范围") % {"f": label}, name)
    if value != round(value, places):
        message = _("%(f)s 须为整数") if not places else _("%(f)s 最多保留两位小数")
        raise ActionError(message % {"f": label}, name)
    return value if places else int(value)


def checked_figures(figures: dict) -> dict:
    """The indicators, each a non-negative number, and consistent with one another (no
    more dead than affected, no more lost than damaged than affected crops …). Every
    problem found is raised at once (``ActionError.every``), each naming its figure."""
    found, errors = figure_errors(figures)
    if errors:
        raise ActionError.every(errors)
    return found


def figure_errors(figures: dict) -> tuple[dict, list[ActionError]]:
    """The figures that are good numbers, and every problem of ``figures``: each bad number,
    the unknown indicators, then each figure larger than the one it is part of."""
    found, errors = {}, []
    for name, (label, places) in INDICATORS.items():
        try:
            found[name] = _number(figures.get(name) or 0, name, label, places)
        except ActionError as exc:
            errors.append(exc)
    unknown = set(figures) - set(INDICATORS)
    if unknown:
        errors.append(
            ActionError(_("未知的指标 %(f)s") % {"f": "、".join(sorted(unknown))}, "figures")
        )
    for part, whole in FIGURE_PARTS:
        if part in found and whole in found and found[part] > found[whole]:
            errors.append(
                ActionError(
                    _("%(part)s 不能大于 %(whole)s")
                    % {"part": INDICATORS[part][0], "whole": INDICATORS[whole][0]},
                    part,
                )
            )
    return found, errors


# (part, whole): a figure that cannot exceed the one it is part of
FIGURE_PARTS = [
    ("dead", "affected"),
    ("missing", "affected"),
    ("relocated", "affected"),
    ("need_relief", "affected"),
    ("crops_damaged_ha", "crops_affected_ha"),
    ("crops_lost_ha", "crops_damaged_ha"),
    ("collapsed_households", "collapsed_rooms"),
]


def report(
    actor,
    *,
    type: str,
    started_at: datetime,
    cell: Cell,
    place: str = "",
    figures: dict,
    note: str = "",
    photo_files=(),
) -> DisasterReport:
    """初报: a disaster in ``cell``, due within two hours of its start. Side effects: the
    report and its first version, photos, one audit record; the township and the county's
    dispatchers are told (SMS when people died or are missing)."""
    now = timezone.now()
    if type not in DisasterType.values:
        raise ActionError(_("未知的灾害类型"), "type")
    check_reported(started_at, now, "started_at", _("发生时间"))
    started_at = started_at.astimezone(UTC)  # as the database gives it back
    place = clean_text(place, "place", limit=200, required=False)
    note = clean_text(note, "note", limit=4000, required=False)
    figures = checked_figures(figures)
    refused = permissions.reporting_refusal(actor, cell) if actor is not None else None
    if refused:
        raise NotAllowed(refused, "cell")
    cleaned = photos.clean_all(photo_files)

    def build(number: str) -> DisasterReport:
        d = DisasterReport(
            number=number,
            type=type,
            started_at=started_at,
            cell=cell,
            cell_path=cell.path,
            place=place,
            reported_at=now,
            initial_on_time=now - started_at <= INITIAL_WITHIN,
            reporter=_person_of(actor),
            reported_by=actor,
            updated_at=now,
            **figures,
        )
        REPORT_FLOW.begin(d, ReportStep.REPORT)
        return d

    def write(d: DisasterReport) -> DisasterReport:
        d.written_versions = [_version(d, Stage.INITIAL, figures, note, actor, now, cleaned)]
        audit(
            actor=actor,
            action="disasters.report",
            obj=d,
            cell_path=d.cell_path,
            after=_plain(figures)
            | {"type": type, "started_at": started_at, "on_time": d.initial_on_time},
            note=note,
        )
        _tell(d, _("【灾情初报】%(cell)s%(type)s") % _names(d), figures)
        return d

    with stored(cleaned):  # the files written before the transaction
        return numbered("ZQ", now, build, write)


def follow_up(actor, disaster: DisasterReport, *, figures: dict, note: str = "", photo_files=()):
    """续报: the figures as they stand now; the latest version is the one that counts.
    Side effects: a version, photos, one audit record; the township and county told."""
    note = clean_text(note, "note", limit=4000, required=False)
    figures = checked_figures(figures)
    cleaned = photos.clean_all(photo_files)
    with stored(cleaned), transaction.atomic():
        d = _take(actor, disaster, ReportStep.FOLLOW_UP)
        before = _plain(d.figures())
        now = timezone.now()
        _version(d, Stage.FOLLOW_UP, figures, note, actor, now, cleaned)
        _set(actor, d, figures, now, note, before)
        _tell(d, _("【灾情续报】%(cell)s%(type)s") % _names(d), figures)
        return d


@transaction.atomic
def verify(actor, disaster: DisasterReport, *, figures: dict | None = None, note: str = ""):
    """核报 by the level above — not by anyone who reported its figures — with the verified
    figures (the latest, unless given). Side effects: a version, one audit record."""
    note = clean_text(note, "note", limit=4000, required=False)
    d = _take(actor, disaster, ReportStep.VERIFY)
    figures = checked_figures(figures if figures is not None else _plain(d.figures()))
    before = _plain(d.figures())
    now = timezone.now()
    _version(d, Stage.VERIFIED, figures, note, actor, now, [])
    d.verified_by, d.verified_at = actor, now
    _set(actor, d, figures, now, note, before, ["verified_by", "verified_at"])
    return d


def _take(actor, disaster: DisasterReport, step: str) -> DisasterReport:
    """Lock the report for ``step`` through its workflow (``models.REPORT_FLOW``): 409
    once verified, 403 when ``permissions.report_refusal`` refuses the user."""
    return REPORT_FLOW.take(
        DisasterReport.objects.select_related("cell"),
        disaster.pk,
        step,
        actor=actor,
        rule=permissions.report_refusal,
    )


def _version(d, stage, figures, note, actor, now, cleaned) -> Version:
    v = Version.objects.create(
        report=d,
        seq=1 if stage == Stage.INITIAL else d.versions.count() + 1,  # a 初报 is the first
        stage=stage,
        note=note,
        author=actor,
        at=now,
        **figures,
    )
    v.written_photos = attach(cleaned, v)  # what was written, for the answer (disasters.api)
    return v


def _set(actor, d: DisasterReport, figures: dict, now, note: str, before: dict, extra=()):
    """The step's figures become the report's; status, save and audit by its workflow."""
    for name, value in figures.items():
        setattr(d, name, value)
    d.updated_at = now
    d.versions_count = d.versions.count()
    REPORT_FLOW.finish(
        actor,
        d,
        fields=[*figures, "updated_at", "versions_count", *extra],
        note=note,
        record={"before": before, "after": _plain(figures)},
    )


def _plain(figures: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in figures.items()}


def _names(d: DisasterReport) -> dict:
    return {"cell": d.cell.name, "type": d.get_type_display()}


def _tell(d: DisasterReport, subject: str, figures: dict) -> None:
    """The township's and the county's dispatchers and heads; by SMS when lives are lost."""
    people = routing.township_and_county_people(d.cell)
    severe = figures["dead"] > 0 or figures["missing"] > 0
    body = _("受灾 %(a)s 人，死亡 %(d)s 人，失踪 %(m)s 人，紧急转移安置 %(r)s 人") % {
        "a": figures["affected"],
        "d": figures["dead"],
        "m": figures["missing"],
        "r": figures["relocated"],
    }
    enqueue(
        "disasters.report",
        subject=subject,
        body=body,
        link=f"/disasters/{d.number}/",
        people=people,
        sms=severe,
        payload={"disaster": d.number, "stage": d.status},
    )


# --- relief -----------------------------------------------------------------------------


@transaction.atomic
def apply_relief(
    actor,
    disaster: DisasterReport,
    *,
    kind: str,
    households: int,
    people: int,
    amount: Decimal,
    note: str = "",
) -> ReliefApplication:
    """救助申报 for a disaster. Side effects: one audit record; the level above is told."""
    if kind not in ReliefKind.values:
        raise ActionError(_("未知的救助类别"), "kind")
    households = _number(households, "households", _("户数"), 0)
    people = _number(people, "people", _("人数"), 0)
    if households > people:
        raise ActionError(_("户数不能大于人数"), "households")
    amount = _number(amount, "amount", _("申请金额（万元）"), 2)
    note = clean_text(note, "note", limit=2000, required=False)
    d = DisasterReport.objects.select_related("cell").get(pk=disaster.pk)
    refused = permissions.reporting_refusal(actor, d.cell) if actor is not None else None
    if refused:
        raise NotAllowed(refused, "cell")
    if people > d.affected:
        raise ActionError(
            _("救助人数不能大于该灾情的受灾人口（%(n)s 人）") % {"n": d.affected}, "people"
        )
    relief = ReliefApplication(
        report=d,
        kind=kind,
        households=households,
        people=people,
        amount=amount,
        note=note,
        applied_by=actor,
        applied_at=timezone.now(),
    )
    RELIEF_FLOW.begin(relief, ReliefStep.APPLY)
    relief.save(force_insert=True)
    audit(
        actor=actor,
        action="disasters.apply_relief",
        obj=d,
        cell_path=d.cell_path,
        after={"relief": relief.pk, "kind": kind, "people": people, "amount": str(amount)},
        note=note,
    )
    enqueue(
        "disasters.apply_relief",
        subject=_("救助申报：%(cell)s%(type)s") % _names(d),
        body=note[:200],
        link=f"/disasters/{d.number}/",
        people=routing.triage_people(d.cell),
    )
    return relief


@transaction.atomic
def decide_relief(actor, relief: ReliefApplication, *, approve: bool, note: str = ""):
    """批准 or 不批准 a relief application: by the level above the disaster's cell, once.
    Side effects: one audit record; the applicant is told."""
    note = clean_text(note, "note", limit=500, required=not approve)
    r = RELIEF_FLOW.take(
        ReliefApplication.objects.select_related("report__cell"),
        relief.pk,
        ReliefStep.APPROVE if approve else ReliefStep.REJECT,
        actor=actor,
        rule=permissions.relief_refusal,
    )
    RELIEF_FLOW.move(r)
    r.decided_by, r.decided_at, r.decision_note = actor, timezone.now(), note
    told = None
    if r.applied_by_id:
        told = Notice(
            "disasters.decide_relief",
            subject=_("救助申报%(s)s") % {"s": r.get_status_display()},
            body=note[:200],
            link=f"/disasters/{r.report.number}/",
            users=[r.applied_by],
        )
    return RELIEF_FLOW.finish(
        actor,
        r,
        fields=["decided_by", "decided_at", "decision_note"],
        note=note,
        record={
            "action": "disasters.decide_relief",
            "obj": r.report,
            "cell_path": r.report.cell_path,
            "after": {"relief": r.pk, "status": r.status},
        },
        notices=[told],
    )
