"""The steps of a hazard's closed loop. Each runs in one transaction: it locks the hazard,
checks the step against the transition table and the user against ``permissions``, changes
the row, moves the tally, writes one audit record and queues its notifications.

``actor`` is the user taking the step, or ``None`` for the system (the sweep, imports).
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid import routing
from qianshao.grid.access import scope_roots
from qianshao.grid.models import Cell, Department, Domain, Person
from qianshao.grid.scope import scope_of
from qianshao.hazards import deadlines, locate, photos, rewards, tally
from qianshao.hazards.models import (
    AUDITED,
    FLOW,
    ON_SPOT_ACCEPTED,
    OPEN,
    Grade,
    Hazard,
    Note,
    Source,
    Stage,
    Step,
    Supervision,
)
from qianshao.hazards.permissions import may_be_responsible, refusal
from qianshao.lib.errors import ActionError, NotAllowed
from qianshao.lib.moments import check_reported
from qianshao.lib.numbers import numbered
from qianshao.lib.snapshot import snapshot
from qianshao.lib.text import clean_text
from qianshao.notify.outbox import Notice, enqueue, enqueue_query

FIELDS = AUDITED


# --- reporting --------------------------------------------------------------------------


def report(
    actor,
    *,
    title: str,
    description: str,
    category: Domain,
    grade: str = Grade.GENERAL,
    found_at: datetime | None = None,
    cell: Cell | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    stopped_on_spot: bool = False,
    photo_files=(),
    source: str = Source.PATROL,
    notify: bool = True,
    origin: str | None = None,
) -> Hazard:
    """Report a hazard (隐患报告单). The cell is the one chosen, or found from the point.

    Side effects: the hazard, its photos, one audit record; the township is told, and for
    a major hazard the owning county department and the emergency office at once (SMS).
    """
    now = timezone.now()
    title = clean_text(title, "title", limit=100)
    description = clean_text(description, "description", limit=4000)
    address = clean_text(address, "address", limit=200, required=False)
    if grade not in Grade.values:
        raise ActionError(_("未知的隐患等级"), "grade")
    if not category.active:
        raise ActionError(_("该类别已停用"), "category")
    found_at = found_at or now
    check_reported(found_at, now, "found_at", _("发现时间"))
    cell = _place(actor, cell, lon, lat)
    cleaned = photos.clean_all(photo_files)
    origin = (origin or "").strip()[:64] or None

    def build(number: str) -> Hazard:
        hazard = Hazard(
            number=number,
            title=title,
            description=description,
            category=category,
            grade=grade,
            source=source,
            cell=cell,
            cell_path=cell.path,
            lon=lon,
            lat=lat,
            address=address,
            found_at=found_at,
            stopped_on_spot=stopped_on_spot,
            reporter=_person_of(actor),
            reported_by=actor,
            owner_id=routing.owner_department(cell, category),
            origin=origin,
        )
        FLOW.begin(hazard, Step.REPORT)
        _set_clock(hazard, now)
        return hazard

    def write(hazard: Hazard) -> Hazard:
        # what was written, for an answer that need not read it back (hazards.api)
        hazard.written_photos = photos.attach(cleaned, Stage.BEFORE, actor, hazard=hazard)
        tally.move(hazard.cell_path, None, tally.key_of(hazard))
        record = audit(
            actor=actor,
            action="hazards.report",
            obj=hazard,
            cell_path=hazard.cell_path,
            after=snapshot(hazard, FIELDS)
            | {"photos": len(cleaned), "source": source}
            | ({"origin": origin} if origin else {}),
        )
        hazard.written_records = [record]
        if notify:
            _tell_reported(hazard)
        return hazard

    with photos.stored(cleaned):  # the files written before the transaction
        return numbered("YH", now, build, write)


def _place(actor, cell: Cell | None, lon, lat) -> Cell:
    """The hazard's cell: chosen (within the reporter's scope) or found from the point."""
    if (lon is None) != (lat is None):
        raise ActionError(_("经度和纬度须同时给出"), "lat" if lat is None else "lon")
    if lon is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ActionError(_("坐标超出范围"), "lon")
    scope = scope_of(actor) if actor is not None else None
    if cell is not None:
        if scope is not None and not scope.covers(cell.path):
            raise NotAllowed(_("该网格不在您的辖区内"), "cell")
        if lon is not None and cell.boundary and not locate.contains(cell, lon, lat):
            raise ActionError(_("坐标不在所选网格内"), "lon")
        return cell
    if lon is None:
        raise ActionError(_("请选择所在网格或给出坐标"), "cell")
    roots = scope_roots(actor) if actor is not None else list(Cell.objects.filter(parent=None))
    found = locate.locate(lon, lat, roots)
    if found is None:
        raise ActionError(_("坐标不在您的辖区内"), "lon")
    return found


def _person_of(user) -> Person | None:
    return getattr(user, "person", None) if user is not None else None


# --- the loop ---------------------------------------------------------------------------


@transaction.atomic
def accept(actor, hazard: Hazard, *, note: str = "") -> Hazard:
    """受理. A hazard stopped on the spot goes straight to verification (its reporter is
    its rectifier). Side effects: audit; the reporter is told."""
    h = _take(actor, hazard, Step.ACCEPT)
    status = None
    if h.stopped_on_spot:
        h.rectified_by_id = h.reported_by_id
        status = ON_SPOT_ACCEPTED
    return _finish(
        actor,
        h,
        Step.ACCEPT,
        note=note,
        status=status,
        tell=_reporter(h),
        subject=_("隐患已受理：%(t)s"),
    )


@transaction.atomic
def return_report(actor, hazard: Hazard, *, reason: str) -> Hazard:
    """退回 with a reason. Side effects: audit; the reporter is told."""
    reason = clean_text(reason, "reason", limit=2000)
    h = _take(actor, hazard, Step.RETURN)
    return _finish(
        actor, h, Step.RETURN, note=reason, tell=_reporter(h), subject=_("隐患报告被退回：%(t)s")
    )


# what a resubmission may amend beyond the audited fields (grade and cell are among those),
# snapshot in its audit record
AMENDED = ["title", "description", "category", "lon", "lat", "address"]


def resubmit(
    actor,
    hazard: Hazard,
    *,
    description: str = "",
    note: str = "",
    title: str = "",
    category: Domain | None = None,
    grade: str = "",
    cell: Cell | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    photo_files=(),
) -> Hazard:
    """重新上报 a returned report, amended: anything the report had may change — title,
    description, category, grade, place (a cell in the reporter's scope or a point, as for
    ``report``), address — and before-stage photos may be added; what is not given stays.
    Everything is checked before anything is written. Side effects: the photos, audit (the
    amended fields before and after, the number of photos added); the township is told."""
    title = _amended_text(title, "title", 100)
    description = _amended_text(description, "description", 4000)
    address = _amended_text(address, "address", 200)
    note = clean_text(note, "note", limit=4000, required=False)  # before the photos are stored
    if grade and grade not in Grade.values:
        raise ActionError(_("未知的隐患等级"), "grade")
    if category is not None and not category.active:
        raise ActionError(_("该类别已停用"), "category")
    cleaned = photos.clean_all(photo_files)
    with photos.stored(cleaned), transaction.atomic():
        h = _take(actor, hazard, Step.RESUBMIT)
        h._before = (h._before or {}) | snapshot(h, AMENDED)
        routed = (h.cell_id, h.category_id)
        if cell is not None or lon is not None or lat is not None:
            place = _place(actor, cell, lon, lat)
            kept = h.lon is not None and (
                not place.boundary or locate.contains(place, h.lon, h.lat)
            )
            if lon is None and not kept:
                h.lon = h.lat = None  # the first report's point is not in the cell chosen now
            elif lon is not None:
                h.lon, h.lat = lon, lat
            if place.pk != h.cell_id:
                tally.move(h.cell_path, h._key, None)  # counted under the new cell by _finish
                h._key = None
                h.cell, h.cell_path = place, place.path
        h.title = title or h.title
        h.description = description or h.description
        h.address = address or h.address
        h.grade = grade or h.grade
        if category is not None:
            h.category = category
        if (h.cell_id, h.category_id) != routed:
            h.owner_id = routing.owner_department(h.cell, h.category)
        photos.attach(cleaned, Stage.BEFORE, actor, hazard=h)
        return _finish(
            actor,
            h,
            Step.RESUBMIT,
            note=note,
            extra_fields=[*AMENDED, "grade", "cell", "cell_path"],
            tell=_triage_people(h),
            subject=_("隐患重新上报：%(t)s"),
            photos=len(cleaned),
            amended=snapshot(h, AMENDED),
        )


def _amended_text(value: str, field: str, limit: int) -> str:
    """A text a resubmission may amend: blank leaves it as it was; one of only markup or
    control characters is refused as empty, as in a report."""
    return clean_text(value, field, limit=limit) if (value or "").strip() else ""


@transaction.atomic
def merge(actor, hazard: Hazard, *, into: Hazard, note: str = "") -> Hazard:
    """合并 a duplicate into an open hazard. Side effects: audit; the reporter is told."""
    h = _take(actor, hazard, Step.MERGE)
    target = Hazard.objects.filter(pk=into.pk).first()
    if target is None or target.pk == h.pk:
        raise ActionError(_("不能合并到自身"), "into")
    if target.status not in OPEN or target.merged_into_id:
        raise ActionError(_("只能合并到未销号的隐患"), "into")
    if not _covers(actor, target.cell_path):
        raise NotAllowed(_("目标隐患不在您的辖区内"), "into")
    h.merged_into = target
    return _finish(
        actor,
        h,
        Step.MERGE,
        # the timeline and the reporter's message are read by people who may not see the
        # target: its number stays on the hazard, shown to those who do
        note=note or _("已与其他隐患合并处理"),
        tell=_reporter(h),
        subject=_("隐患已合并处理：%(t)s"),
    )


@transaction.atomic
def escalate(
    actor, hazard: Hazard, *, department: Department | None = None, note: str = ""
) -> Hazard:
    """抄告: beyond the township's authority, to the county department owning the category,
    in the township's name, copied to the emergency office. Side effects: audit; both told.
    """
    h = _take(actor, hazard, Step.ESCALATE)
    department = department or h.owner
    county = routing.county_of(h.cell)
    if department is None:
        raise ActionError(_("找不到主管该类别的县级部门，请指定部门"), "department")
    if county is None or department.cell_id != county.pk:
        raise ActionError(_("只能抄告本县的行业部门"), "department")
    h.assignee_department = department
    h.owner = department  # the holder from now on, whoever it assigns the hazard to
    h.escalated_by = routing.township_of(h.cell)
    office = routing.people_of_department(routing.emergency_office(h.cell))
    return _finish(
        actor,
        h,
        Step.ESCALATE,
        note=note,
        tell=routing.people_of_department(department.pk) + office,
        subject=_("乡镇抄告隐患，请查处：%(t)s"),
        sms=True,
    )


@transaction.atomic
def assign(
    actor,
    hazard: Hazard,
    *,
    measures: str,
    responsible: Person,
    deadline: datetime,
    contingency: str,
    funds: Decimal | None = None,
    assignee_cell: Cell | None = None,
    assignee_department: Department | None = None,
    note: str = "",
) -> Hazard:
    """交办 to a cell's station or a department with the plan under 五落实: measures,
    responsible person, funds, deadline, contingency plan.

    The responsible person must hold a post at the hazard's cell or above it
    (``permissions.may_be_responsible``). Side effects: audit; the responsible person and
    the assignee are told (SMS).
    """
    h = _take(actor, hazard, Step.ASSIGN)
    if (assignee_cell is None) == (assignee_department is None):
        raise ActionError(_("请选择承办网格或承办部门之一"), "assignee_cell")
    if assignee_cell is not None and not _covers(actor, assignee_cell.path):
        raise NotAllowed(_("承办网格不在您的辖区内"), "assignee_cell")
    if assignee_cell is not None and not h.cell_path.startswith(assignee_cell.path):
        # its people could not see the hazard, let alone rectify it
        raise ActionError(_("承办网格须是隐患所在网格或其上级"), "assignee_cell")
    county = routing.county_of(h.cell)
    if assignee_department is not None and (
        county is None or assignee_department.cell_id != county.pk
    ):
        raise ActionError(_("只能交办给本县的行业部门"), "assignee_department")
    if not may_be_responsible(responsible, h):
        # one who cannot see the hazard cannot rectify it (the page offers only the others)
        raise ActionError(_("整改责任人须在隐患所在网格或其上级任职"), "responsible")
    h.measures = clean_text(measures, "measures", limit=4000)
    h.contingency = clean_text(contingency, "contingency", limit=4000)
    if deadline <= timezone.now():
        raise ActionError(_("整改时限必须晚于现在"), "deadline")
    if funds is not None and funds < 0:
        raise ActionError(_("整改资金不能为负数"), "funds")
    h.responsible, h.deadline, h.funds = responsible, deadline, funds
    h.assignee_cell, h.assignee_department = assignee_cell, assignee_department
    tell = [
        responsible,
        *routing.people_of_cell(assignee_cell),
        *routing.people_of_department(assignee_department.pk if assignee_department else None),
    ]
    return _finish(
        actor,
        h,
        Step.ASSIGN,
        note=note,
        tell=tell,
        sms=True,
        extra_fields=["measures", "contingency"],
        subject=_("隐患交办，请整改：%(t)s"),
    )


@transaction.atomic
def start(actor, hazard: Hazard, *, note: str = "") -> Hazard:
    """开始整改: the assignee takes it up; due at the plan's deadline. Side effects: audit."""
    h = _take(actor, hazard, Step.START)
    return _finish(
        actor, h, Step.START, note=note, tell=_triage_people(h), subject=_("隐患开始整改：%(t)s")
    )


def progress(actor, hazard: Hazard, *, note: str, photo_files=()) -> Hazard:
    """报告进展 with a note and photos; the step's clock keeps running. For an escalated
    hazard this is the department's report back to the township. Side effects: audit."""
    note = clean_text(note, "note", limit=4000)
    cleaned = photos.clean_all(photo_files)
    with photos.stored(cleaned), transaction.atomic():
        h = _take(actor, hazard, Step.PROGRESS)
        photos.attach(cleaned, Stage.PROGRESS, actor, hazard=h)
        return _finish(
            actor,
            h,
            Step.PROGRESS,
            note=note,
            tell=_triage_people(h),
            subject=_("隐患整改进展：%(t)s"),
            photos=len(cleaned),
        )


def submit(actor, hazard: Hazard, *, note: str = "", photo_files=()) -> Hazard:
    """提请核查 with photos after rectification. Side effects: audit; the checkers are told,
    and for an escalated hazard the county emergency office the escalation copied."""
    note = clean_text(note, "note", limit=4000, required=False)  # before the photos are stored
    cleaned = photos.clean_all(photo_files)
    if not cleaned:
        raise ActionError(_("请上传整改后的照片"), "photos")
    with photos.stored(cleaned), transaction.atomic():
        h = _take(actor, hazard, Step.SUBMIT)
        photos.attach(cleaned, Stage.AFTER, actor, hazard=h)
        h.rectified_by = actor
        return _finish(
            actor,
            h,
            Step.SUBMIT,
            note=note,
            tell=_triage_people(h) + _office_if_escalated(h),
            subject=_("隐患整改完成，请核查：%(t)s"),
            photos=len(cleaned),
        )


@transaction.atomic
def verify(actor, hazard: Hazard, *, note: str = "") -> Hazard:
    """核查通过, by someone other than the rectifier. Side effects: audit."""
    h = _take(actor, hazard, Step.VERIFY)
    h.verified_by = actor
    return _finish(
        actor,
        h,
        Step.VERIFY,
        note=note,
        tell=_rectifier_people(h),
        subject=_("隐患整改已核查通过：%(t)s"),
    )


@transaction.atomic
def reject(actor, hazard: Hazard, *, reason: str) -> Hazard:
    """核查不通过: back to rectification with the reasons. Side effects: audit; the
    rectifier is told (SMS)."""
    reason = clean_text(reason, "reason", limit=2000)
    h = _take(actor, hazard, Step.REJECT)
    if h.deadline and h.deadline <= timezone.now():
        h.deadline = None  # the plan's time is up: the default rectification period applies
    return _finish(
        actor,
        h,
        Step.REJECT,
        note=reason,
        tell=_rectifier_people(h),
        sms=True,
        subject=_("隐患整改未通过核查：%(t)s"),
    )


@transaction.atomic
def close(actor, hazard: Hazard, *, note: str = "") -> Hazard:
    """销号. Side effects: audit; the reporter, an escalating township and the owning
    department are told, and for an escalated hazard the county emergency office (its
    result reported to 本级应急办); a real-name public report of a major hazard earns a
    reward record.
    """
    h = _take(actor, hazard, Step.CLOSE)
    h.closed_at = timezone.now()
    tell = _reporter(h) + routing.people_of_cell(h.escalated_by, routing.SUPERVISING_ROLES)
    if h.grade == Grade.MAJOR:
        tell += routing.people_of_department(h.owner_id)
    tell += _office_if_escalated(h)
    result = _finish(
        actor,
        h,
        Step.CLOSE,
        note=note,
        extra_fields=["closed_at"],
        tell=tell,
        subject=_("隐患已销号：%(t)s"),
    )
    rewards.propose_reward(result)
    return result


# --- the machinery ----------------------------------------------------------------------


def _take(actor, hazard: Hazard, step: str) -> Hazard:
    """Lock the hazard for ``step``: 409 if its status does not allow it, 403 if
    ``permissions.refusal`` refuses the user (``workflow.flow``). Runs inside the step's
    transaction (each step is ``transaction.atomic``)."""
    h = FLOW.take(
        Hazard.objects.select_related("cell", "responsible"),
        hazard.pk,
        step,
        actor=actor,
        rule=refusal,
    )
    h._key = tally.key_of(h)
    return h


def _finish(
    actor,
    h: Hazard,
    step: str,
    *,
    note: str = "",
    status: str | None = None,
    tell=(),
    subject: str = "",
    sms: bool = False,
    extra_fields=(),
    photos: int = 0,
    amended: dict | None = None,
) -> Hazard:
    """Apply ``step``: new status and clock, tally, note, audit record, notifications.
    Leaving a status settles the supervisions raised on the step left (``_settle``)."""
    # before any write: an optional note of only spaces or markup is no note, a long one
    # is refused; the note kept and the one audited are the same text
    note = clean_text(note, "note", limit=4000, required=False)
    old_status = FLOW.move(h, status)
    if h.status != old_status:
        _set_clock(h, timezone.now())
        _settle(h)
    tally.move(h.cell_path, h._key, tally.key_of(h))
    if note:
        Note.objects.create(hazard=h, step=step, text=note, author=actor)
    notice = None
    if tell and subject:
        notice = Notice(
            f"hazards.{step}",
            subject=subject % {"t": h.title},
            body=note[:200],
            link=f"/hazards/{h.number}/",
            people=_unique(tell),
            sms=sms,
            payload={"hazard": h.number, "step": step, "status": h.status},
        )
    return FLOW.finish(
        actor,
        h,
        fields=[*_db_fields(), *extra_fields, "updated_at"],
        note=note,
        extra=({"photos": photos} if photos else {}) | (amended or {}) or None,
        notices=[notice],
    )


def _db_fields() -> list[str]:
    return [
        "status",
        "owner",
        "assignee_cell",
        "assignee_department",
        "responsible",
        "funds",
        "deadline",
        "due_at",
        "overdue",
        "watch_at",
        "supervision_level",
        "merged_into",
        "escalated_by",
        "rectified_by",
        "verified_by",
    ]


def _set_clock(h: Hazard, now: datetime) -> None:
    """A new step's clock: its due time, not overdue, the sweep watching from the due time."""
    h.overdue, h.supervision_level = False, 0
    h.due_at = deadlines.due_for(h.grade, h.status, now, h.deadline) if h.status in OPEN else None
    h.watch_at = h.due_at


def _settle(h: Hazard) -> None:
    """The step a supervision was raised for is over: it no longer waits for an answer and
    leaves the top of the board. Supervisions are raised only on the current step, so
    every one not yet settled belongs to the step being left."""
    Supervision.objects.filter(hazard=h, settled_at__isnull=True).update(settled_at=timezone.now())


def _covers(actor, path: str) -> bool:
    """Is ``path`` within the actor's scope? The system (None) reaches everywhere."""
    return actor is None or scope_of(actor).covers(path)


def _unique(people) -> list[Person]:
    seen, found = set(), []
    for person in people:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            found.append(person)
    return found


def _reporter(h: Hazard) -> list[Person]:
    return [h.reporter] if h.reporter_id else []


def _triage_people(h: Hazard) -> list[Person]:
    """Who checks: the holding department for an escalated hazard, else the township."""
    if h.escalated_by_id:
        return routing.people_of_department(h.owner_id) + routing.people_of_cell(
            h.escalated_by, routing.SUPERVISING_ROLES
        )
    return routing.triage_people(h.cell)


def _office_if_escalated(h: Hazard) -> list[Person]:
    """The county emergency office, copied on an escalation (抄告), hears how it ends."""
    if not h.escalated_by_id:
        return []
    return routing.people_of_department(routing.emergency_office(h.cell))


def _rectifier_people(h: Hazard) -> list[Person]:
    people = [h.responsible] if h.responsible_id else []
    return (
        people
        + routing.people_of_cell(h.assignee_cell)
        + routing.people_of_department(h.assignee_department_id)
    )


def _tell_reported(h: Hazard) -> None:
    major = h.grade == Grade.MAJOR
    subject = (_("重大隐患报告：%(t)s") if major else _("新隐患待受理：%(t)s")) % {"t": h.title}
    told = {
        "subject": subject,
        "body": h.description[:200],
        "link": f"/hazards/{h.number}/",
        "payload": {"hazard": h.number, "grade": h.grade, "cell": h.cell.code},
    }
    if major:  # 重大隐患: the county department and the emergency office at once (SMS)
        offices = [h.owner_id, routing.emergency_office(h.cell)]
        enqueue_query("hazards.report", routing.alert_recipients(h.cell, offices), sms=True, **told)
    else:
        # the triage people's in-app messages written by the database from their posts in
        # one statement (docs/adr/0037)
        recipients = routing.triage_recipients(h.cell)
        if recipients is not None:
            enqueue_query("hazards.report", recipients, **told)
    # the webhooks' as any notice's
    enqueue("hazards.report", **told)
