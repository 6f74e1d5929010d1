"""The patrols' check-in (docs/adr/0024 "Patrols"): one function, checked, in one
transaction with its audit record and its counter.

A check-in answers the point's current due time (``next_due_at``): on time when made by
then, late after it. The next due time runs from the check-in (``schedule.next_due``).

A check-in early in the interval answers the current due time early (on time): twice in an
hour on a monthly point, the second answers the due time the first set, and the next one
runs from the second — never further than one interval from the last check-in, however
often one checks in. A check-in before the current due time's window opens (at or before
``next_due_at`` minus one interval: at the point's registration, or a phone's old check-in
resent after the sweep moved the due time on) is still recorded, as an extra patrol due at
its own time, on time; it leaves the due time open — so a patrol cannot be answered ahead
of its window, and a day of check-ins cannot answer a year of patrols.

Where the phone was: its distance to the point or polygon in metres (a local
equirectangular projection around the phone: exact enough within a few kilometres, and
far beyond that what matters is that it is far). A check-in beyond the rule's radius is
recorded and marked ``far``, never refused (signal is bad in the mountains); one with no
position is marked too, unless the notice board's QR code was scanned (``via_qr``), which
shows the patroller was there.
"""

import contextlib
import math
import uuid as uuidlib
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.audit.chain import append as audit
from qianshao.grid.scope import scope_of
from qianshao.intake.idempotent import submit
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.lib.geojson import EARTH_RADIUS_M, checked_position
from qianshao.lib.moments import check_reported
from qianshao.lib.photos import as_file, clean_all, stored
from qianshao.lib.text import clean_text
from qianshao.risks import permissions, schedule, tally
from qianshao.risks.models import (
    Outcome,
    Patrol,
    PatrolPhoto,
    Result,
    RiskPoint,
    RiskStatus,
)

CHECKIN = "risks.checkin"  # the idempotent intake's kind
PHOTOS = "patrols"  # the photos' folder in storage (lib.photos.stored)


MAX_CATCH_UP = schedule.MAX_CATCH_UP


def distance_m(geometry: dict, lon: float, lat: float) -> float:
    """Metres from (``lon``, ``lat``) to the GeoJSON ``geometry`` (0 inside a polygon)."""
    import shapely  # here, not on import: with numpy it is 25 MB
    from shapely.geometry import Point, shape

    scale = math.pi / 180 * EARTH_RADIUS_M
    cos = math.cos(math.radians(lat))

    def local(coords):
        return (coords - (lon, lat)) * (scale * cos, scale)

    figure = shapely.transform(shape(geometry), local)
    return float(figure.distance(Point(0, 0)))


def _may_check_in(actor, path: str) -> None:
    if actor is None:
        return
    refused = permissions.checkin_refusal(actor, path)
    if refused is None:
        return
    if actor.is_superuser or scope_of(actor).covers(path):
        raise NotAllowed(refused, "point")
    raise NotFound(refused, "point")


def check_in(
    actor,
    point: RiskPoint,
    *,
    result: str,
    note: str = "",
    lon: float | None = None,
    lat: float | None = None,
    via_qr: bool = False,
    photos=(),
    client_uuid=None,
    at=None,
) -> Patrol:
    """打卡: a patrol of ``point`` answering its current due time, by ``actor`` at ``at``
    (now when not given; a phone resending later gives the time it was made). ``photos``:
    (name, bytes) pairs or photos cleaned already. With ``client_uuid`` a resend returns the
    first patrol. Side effects: the patrol and its photos, the point's next due time and
    last patrol, the ``patrols`` counter, one audit record."""
    now = timezone.now()
    if result not in Result.values:
        raise ActionError(_("巡查结果须为 正常、发现隐患 或 无法到达"), "result")
    note = clean_text(note or "", "note", limit=2000, required=False)
    lon, lat = checked_position(lon, lat)
    at = at or now
    check_reported(at, now, "at", _("巡查时间"))
    _may_check_in(actor, point.cell_path)  # refused before the photos are looked at
    cleaned = clean_all(photos)  # before the transaction: re-encoding holds no lock

    def write() -> Patrol:
        return _write(actor, point, result, note, lon, lat, bool(via_qr), cleaned, at)

    if client_uuid is None:
        with stored(cleaned, PHOTOS):  # the files written before the transaction
            return write()
    try:
        key = uuidlib.UUID(str(client_uuid))
    except ValueError:
        raise ActionError(_("客户端编号格式不正确"), "client_uuid") from None
    patrol, created = submit(key, CHECKIN, actor, write, on=point, photos=(cleaned, PHOTOS))
    patrol.resent = not created  # a resend answers the first patrol (200, not 201)
    return patrol


@dataclass
class _Plan:
    """What a check-in at ``at`` writes, worked out from the point as read."""

    missed: list
    due: object
    extra: bool
    outcome: str
    distance: float | None
    far: bool
    next_due_at: object
    last: tuple  # (last_patrol_at, last_result)


def _plan(actor, p: RiskPoint, result, lon, lat, via_qr, at) -> _Plan:
    """The check-in's patrol, missed patrols and the point's next due time, from ``p`` as
    read; refused (raised) as the check-in would be."""
    _may_check_in(actor, p.cell_path)
    if p.status != RiskStatus.ACTIVE or p.next_due_at is None:
        raise Conflict(_("该风险点已销号，无需巡查"), "point")
    r = schedule.rule()
    hours = schedule.frequencies()
    due = p.next_due_at
    # due times that passed whole while the sweep was down are missed, as the sweep would
    # have written them; the check-in answers the one still open
    missed = []
    while len(missed) < MAX_CATCH_UP:
        following = due + schedule.interval(p.grade, p.kind, due, r=r, hours=hours)
        if following > at:
            break
        missed.append(due)
        due = following
    open_due = due  # the due time the check-in answers, unless it comes before its window
    every = schedule.interval(p.grade, p.kind, at, r=r, hours=hours)
    extra = at <= due - every  # before the due time's window: recorded, answers nothing
    if extra:
        due = at
        if Patrol.objects.filter(point=p, due_at=due).exists():
            # one patrol of a point a moment: another (a resend with a new client UUID,
            # a colleague's phone) has it
            raise Conflict(_("该风险点在这一时刻已有巡查记录"), "at")
    outcome = Outcome.ON_TIME if at <= due else Outcome.LATE
    distance = distance_m(p.geometry, lon, lat) if lon is not None else None
    # no position: not shown to be there, unless the notice board's QR code was scanned
    far = distance > r.radius_m if distance is not None else not via_qr
    next_due_at = open_due if extra else at + every  # an extra patrol leaves it open
    last = (p.last_patrol_at, p.last_result)
    if p.last_patrol_at is None or at >= p.last_patrol_at:
        last = (at, result)
    return _Plan(missed, due, extra, outcome, distance, far, next_due_at, last)


def _write(actor, point: RiskPoint, result, note, lon, lat, via_qr, cleaned, at) -> Patrol:
    """The check-in's writes. ``point`` read with its kind (as ``access_point`` reads it)
    is planned from as read and moved on only if unchanged since (its ``updated_at`` and
    ``next_due_at``): no second read. Otherwise — when a patrol or the sweep came between,
    or it is refused as read — it is read again, locked, and planned again. A refusal is
    raised outside the transaction's block: a caller's own transaction is not spoilt."""
    p, plan, refusal = None, None, None
    if RiskPoint.kind.is_cached(point):
        # refused as read: perhaps only as read — decided on the point as it is now
        with contextlib.suppress(ActionError):
            plan, p = _plan(actor, point, result, lon, lat, via_qr, at), point
    with transaction.atomic(savepoint=False):
        if p is None or not _move_point(p, plan, guarded=True):
            p = RiskPoint.objects.select_for_update().select_related("kind")
            p = p.filter(pk=point.pk).first()
            try:
                if p is None:
                    raise NotFound(_("风险点不存在"), "point")
                plan = _plan(actor, p, result, lon, lat, via_qr, at)
            except ActionError as refused:
                refusal = refused
            else:
                _move_point(p, plan, guarded=False)
        if refusal is None:
            patrol = _record(actor, p, plan, result, note, lon, lat, via_qr, cleaned, at)
    if refusal is not None:
        raise refusal
    return patrol


def _move_point(p: RiskPoint, plan: _Plan, *, guarded: bool) -> bool:
    """The point's next due time and last patrol, as planned; ``guarded``: only if the point
    is still as it was read. Whether it was moved."""
    now = timezone.now()
    moved = {
        "next_due_at": plan.next_due_at,
        "watch_at": plan.next_due_at,  # as RiskPoint.save keeps it
        "last_patrol_at": plan.last[0],
        "last_result": plan.last[1],
        "updated_at": now,
    }
    rows = RiskPoint.objects.filter(pk=p.pk)
    if guarded:
        rows = rows.filter(
            status=RiskStatus.ACTIVE, next_due_at=p.next_due_at, updated_at=p.updated_at
        )
    if not rows.update(**moved):
        return False
    for name, value in moved.items():
        setattr(p, name, value)
    return True


def _record(actor, p: RiskPoint, plan: _Plan, result, note, lon, lat, via_qr, cleaned, at):
    """The patrol (and the missed ones before it), its photos, the counters, the audit."""
    missed, due, outcome = plan.missed, plan.due, plan.outcome
    if missed:
        Patrol.objects.bulk_create(
            [
                Patrol(
                    point=p,
                    cell_path=p.cell_path,
                    patroller_id=p.patroller_id,
                    due_at=d,
                    outcome=Outcome.MISSED,
                )
                for d in missed
            ]
        )
        tally.add_many(
            (p.cell_path, tally.PATROLS, tally.patrol_key(d, Outcome.MISSED), 1) for d in missed
        )
    distance = plan.distance
    patrol = Patrol.objects.create(
        point=p,
        cell_path=p.cell_path,
        patroller=getattr(actor, "person", None) if actor is not None else None,
        by=actor if getattr(actor, "pk", None) else None,
        due_at=due,
        at=at,
        outcome=outcome,
        result=result,
        note=note,
        lon=lon,
        lat=lat,
        distance_m=None if distance is None else round(distance, 1),
        far=plan.far,
        via_qr=via_qr,
    )
    for photo in cleaned:
        record = PatrolPhoto(patrol=patrol)
        record.image.name = as_file(photo)
        record.save()
    tally.add(p.cell_path, tally.PATROLS, 1, tally.patrol_key(due, outcome))
    audit(
        actor=actor,
        action="risks.patrol.checkin",
        obj=patrol,
        cell_path=p.cell_path,
        after={
            "point": p.pk,
            "due_at": due.isoformat(),
            "at": at.isoformat(),
            "outcome": outcome,
            "result": result,
            "distance_m": patrol.distance_m,
            "far": plan.far,
            "via_qr": via_qr,
            "photos": len(cleaned),
            "extra": plan.extra,
            "missed_before": [d.isoformat() for d in missed],
            "next_due_at": p.next_due_at.isoformat(),
        },
    )
    return patrol


@transaction.atomic
def link_hazard(actor, patrol: Patrol, hazard_id: int) -> Patrol:
    """The hazard reported from a 发现隐患 patrol, linked to it (once). Side effects: one
    audit record."""
    p = Patrol.objects.select_for_update().get(pk=patrol.pk)
    # whoever may report the hazard and sees the patrol links it (a department's member
    # too, who does not patrol)
    if actor is not None and not scope_of(actor).covers(p.cell_path):
        raise NotFound(_("巡查记录不存在"), "patrol")
    if p.result != Result.HAZARD:
        raise ActionError(_("只有发现隐患的巡查记录可关联隐患"), "patrol")
    if p.hazard_id == hazard_id:
        return p
    if p.hazard_id is not None:
        raise Conflict(_("该巡查记录已关联隐患"), "patrol")
    p.hazard_id = hazard_id
    p.save(update_fields=["hazard"])
    audit(
        actor=actor,
        action="risks.patrol.hazard",
        obj=p,
        cell_path=p.cell_path,
        after={"hazard": hazard_id},
    )
    return p
