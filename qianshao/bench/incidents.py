"""`qianshao bench incidents` (docs/adr/0025): a province's duty desk, its incidents and their
command logs, and what a spot check, its chase, the incident board and the dispatch
candidates cost.

1. Set-up, written directly (not measured): the province grid (as `bench import`), every
   cell placed on a map (each county's centre at random over the province's extent, its
   townships and villages around it — the divisions data has no coordinates); three people
   with a login and a mobile number at every duty cell (counties, townships: 带班领导 a
   网格长, A岗 a 调度员, B岗 a 网格员), on a roster of 24-hour shifts from ``HISTORY`` days
   back to ``AHEAD`` days ahead, those begun confirmed; a comprehensive team at every
   township and village with 8 to 17 members (``bench resources``' loader), its base near
   its cell and its leader set, ``UNAVAILABLE`` % of them 不可用; a storage point at every
   county and township (through the action) with batches in stock, a shelter at every
   township (a third open), about 10 risk points at every village (``bench risks``'
   loader); ``INCIDENTS`` incidents through ``incidents.actions.open_incident``, and the
   command log grown to ``--scale`` entries (100,000 by default) bulk-loaded over them
   (a few incidents hold most); ``ORDERS_EACH`` teams dispatched to each incident through
   ``actions_orders.dispatch`` (``BOARD_ORDERS`` to the one on the board, answered along).
2. A spot check (查岗, ``actions_duty.spot_check``) by the province's 调度员 from the
   province to every duty cell under it (target < 1 s), against a plain insert of the
   same rows (``bulk_create`` of as many answers and outbox messages, target ≤ 3×); a
   share answered through ``answer_spot``; the chase at the deadline (the duty desk's part
   of the minute's sweep, ``sweep_duty.sweep`` at the deadline plus a minute: target < 1 s,
   ≤ 3× the same plain insert of its rows).
3. The incident board's data of the incident with the longest log (``board.live`` and
   ``board.layers`` with the storage points and shelters near it, as ``board_page`` calls
   them for a commander; target < 100 ms).
4. The dispatch candidates (``resources.queries.candidates``, 20) for an incident in the
   largest county, as that county's 调度员 and as the province's (target < 50 ms each),
   with the rows and queries they read, against every team ranked in Python.

Every figure is printed with what it did, checked against the rows (one answer per duty
cell, each unanswered chased once, the board's newest log entries, the 20 nearest standby
teams); nothing here asserts a time.
"""

import math
import random
import statistics
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.bench import bulk, risks, supplies
from qianshao.bench import resources as resources_bench
from qianshao.bench.counts import by_kind, header
from qianshao.bench.timing import median_ms, seconds, settle
from qianshao.grid import actions as grid_actions
from qianshao.grid import tree
from qianshao.grid.importers.divisions import import_divisions
from qianshao.grid.models import Cell, CellKind, Person, Role, RoleAssignment
from qianshao.incidents import actions, actions_duty, actions_orders, board, sweep_duty
from qianshao.incidents.models import (
    CATEGORIES_OF,
    DutySetting,
    Entry,
    Incident,
    LogEntry,
    Order,
    OrderStatus,
    OrderStep,
    Shift,
    SpotAnswer,
    SpotCheck,
)
from qianshao.lib.dbsql import update_rows
from qianshao.notify.models import Message
from qianshao.resources import actions_supplies
from qianshao.resources import queries as resources
from qianshao.resources import tally as resources_tally
from qianshao.resources.models import (
    Batch,
    Member,
    MemberRole,
    Point,
    Shelter,
    ShelterStatus,
    Team,
    TeamStatus,
)
from qianshao.risks.models import RiskPoint
from qianshao.workflow.models import StepTaken

LOG = 100_000  # --scale: the command log's entries in all
INCIDENTS = 200
ORDERS_EACH = 2
BOARD_ORDERS = 10
HISTORY, AHEAD = 30, 7  # days of shifts before and after today
ANSWERING = 20  # percent of the levels on duty answering the spot check before its deadline
UNAVAILABLE = 3  # percent of the teams 不可用
OPEN_SHELTERS = 3  # one shelter in this many open
CANDIDATES = 20
TERM = date(2024, 1, 1)
# the province's extent (江西省, about): where the counties' centres are put at random
EXTENT = (113.6, 118.4, 24.6, 29.9)
# how far (degrees of latitude) a cell lies from its parent's centre, at most
SPREAD = {
    CellKind.TOWNSHIP: 0.2,
    CellKind.PARK: 0.1,
    CellKind.VILLAGE: 0.05,
    CellKind.COMMUNITY: 0.02,
}
DUTY_ROLES = (Role.HEAD, Role.DISPATCHER, Role.MEMBER)  # the leader, the A post, the B post
VILLAGES = (CellKind.VILLAGE, CellKind.COMMUNITY)


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **options):
    log_n = int(options.get("scale") or LOG)
    incidents_n = max(10, min(INCIDENTS, log_n // 500))
    settings.SMS_GATEWAY_URL = settings.SMS_GATEWAY_URL or "http://127.0.0.1:9/sms"
    out.write(
        f"qianshao bench incidents — {header(root, villages)}, on {connection.vendor}, SMS on"
    )
    took, _ = seconds(lambda: import_divisions(Path(csv_dir), root, villages))
    province = Cell.objects.get(code=root)
    out.write(f"  grid: {by_kind(root)} ({took:.1f} s)")
    rng = random.Random(f"bench-incidents-{root}")
    now = timezone.now()
    county = max(
        Cell.objects.subtree(province.path).filter(kind=CellKind.COUNTY),
        key=lambda c: Cell.objects.subtree(c.path).count(),
    )

    took, places = seconds(lambda: _places(province, rng))
    out.write(
        f"  set-up: {len(places):,} cells placed on the map, their centres written ({took:.1f} s)"
    )
    took, (teams, members) = seconds(lambda: resources_bench._teams(province, rng))
    took2, standby = seconds(lambda: _team_bases(places, rng))
    out.write(
        f"  {teams:,} teams with {members:,} members (each a Person of their own) written "
        f"directly, {standby:,} standing by at their base, the others 不可用 "
        f"({took + took2:.1f} s)"
    )
    took, (duty, people, shifts) = seconds(lambda: _duty(province, now))
    out.write(
        f"  {len(duty):,} duty cells ({_kinds(duty)}), {people:,} people on their rosters with "
        f"logins and posts, {shifts:,} shifts over {HISTORY + AHEAD} days written directly "
        f"({took:.1f} s)"
    )
    took, points = seconds(lambda: _points(province, places))
    out.write(f"  {len(points):,} storage points through the action ({took:.1f} s)")
    batches_n = max(1_000, log_n // 5)
    took, written = seconds(lambda: supplies._batches(points, supplies._items(), batches_n, rng))
    out.write(f"  {written:,} batches written directly with their holdings ({took:.1f} s)")
    took, shelters = seconds(lambda: _shelters(province, places, rng))
    out.write(
        f"  {shelters:,} shelters written directly, one in {OPEN_SHELTERS} open ({took:.1f} s)"
    )
    took, (risk_points, _waiting) = seconds(lambda: risks._points(province, rng, now))
    out.write(f"  {risk_points:,} risk points written directly ({took:.1f} s)")
    took, counters = seconds(resources_tally.rebuild)
    out.write(f"  resources' counters rebuilt: {counters:,} ({took:.1f} s)")

    chief = _login(province, Role.DISPATCHER, "省应急厅值班员", "13700000001", "bench-province")
    dispatcher = _login(county, Role.DISPATCHER, "县应急局调度员", "13700000002", "bench-county")
    took, incidents = seconds(lambda: _incidents(province, county, places, rng, incidents_n))
    out.write(
        f"  {len(incidents):,} incidents through actions.open_incident "
        f"({took:.1f} s, {took / len(incidents) * 1000:.1f} ms each)"
    )
    took, (logged, sizes) = seconds(lambda: _log(incidents, chief, log_n, rng))
    out.write(
        f"  {logged:,} command-log entries written directly over them, "
        f"{LogEntry.objects.count():,} in all (per incident: median "
        f"{statistics.median(sizes.values()):,.0f}, largest {max(sizes.values()):,}) "
        f"({took:.1f} s)"
    )
    on_board = max(incidents, key=lambda i: (sizes[i.pk], -i.pk))
    took, orders = seconds(lambda: _orders(chief, incidents, on_board))
    out.write(
        f"  {orders:,} orders through actions_orders.dispatch, those of the incident on "
        f"the board answered along ({took:.1f} s)"
    )
    took, _ = seconds(settle)
    if connection.vendor == "postgresql":
        out.write(
            f"  VACUUM ANALYZE and a checkpoint, as the server would after the load ({took:.1f} s)"
        )
    _rows(out)

    _spot(out, chief, province, duty, rng)
    _board(out, chief, on_board, repeat)
    first = incidents[0]  # in the largest county
    for label, user in [("county", dispatcher), ("province", chief)]:
        _candidates(out, label, user, first, repeat)


# --- set-up ---------------------------------------------------------------------------


def _kinds(cells) -> str:
    found = Counter(c.kind for c in cells)
    return ", ".join(f"{k.label} {found[k]:,}" for k in CellKind if k in found)


def _places(province: Cell, rng) -> dict[int, tuple[float, float]]:
    """A point for every county and every cell under one: the county's at random over the
    province's extent, each cell's within its kind's ``SPREAD`` of its parent's. Written as
    the cells' centres (the risk points' loader places them there)."""
    west, east, south, north = EXTENT
    places: dict[int, tuple[float, float]] = {}
    rows = []
    for pk, parent, kind in (
        Cell.objects.subtree(province.path).order_by("path").values_list("pk", "parent", "kind")
    ):
        if kind == CellKind.COUNTY:
            at = (rng.uniform(west, east), rng.uniform(south, north))
        elif parent in places:
            at = _near(places[parent], SPREAD.get(kind, 0.05), rng)
        else:
            continue
        places[pk] = at
        rows.append([round(at[0], 6), round(at[1], 6), pk])
    update_rows(connection, Cell, ["centre_lon", "centre_lat"], rows)
    return places


def _near(at: tuple[float, float], spread: float, rng) -> tuple[float, float]:
    lon, lat = at
    wide = spread / max(0.1, math.cos(math.radians(lat)))
    return (lon + rng.uniform(-wide, wide), lat + rng.uniform(-spread, spread))


def _team_bases(places, rng) -> int:
    """Each team's base near its cell, its leader the member who leads it, and
    ``UNAVAILABLE`` % of them 不可用; returns how many stand by."""
    leaders = dict(
        Member.objects.filter(role=MemberRole.LEADER).values_list("team_id", "person_id")
    )
    rows, standby = [], 0
    for pk, cell in Team.objects.order_by("pk").values_list("pk", "cell_id"):
        lon, lat = _near(places[cell], 0.01, rng)
        status = TeamStatus.STANDBY
        if rng.random() < UNAVAILABLE / 100:
            status = TeamStatus.UNAVAILABLE
        standby += status == TeamStatus.STANDBY
        rows.append([round(lon, 6), round(lat, 6), leaders.get(pk), status.value, pk])
    update_rows(connection, Team, ["base_lon", "base_lat", "leader_id", "status"], rows)
    return standby


def _duty(province: Cell, now) -> tuple[list[Cell], int, int]:
    """Three people with a login, a mobile number and a post at every duty cell under the
    province, and their roster: a 24-hour shift a day from ``HISTORY`` days back to
    ``AHEAD`` ahead, those begun confirmed by the A post."""
    cells = list(
        actions_duty.duty_cells(province.path, strict=True)
        .order_by("path")
        .only("pk", "path", "kind", "name")
    )
    password = make_password(None)
    User = get_user_model()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"duty{n}", password=password) for n in range(3 * len(cells))],
            batch_size=2000,
        )
        people = Person.objects.bulk_create(
            [Person(name=f"值班员{n}", phone=f"139{n:08d}", user=u) for n, u in enumerate(users)],
            batch_size=2000,
        )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(person=p, cell=cells[n // 3], role=DUTY_ROLES[n % 3], start=TERM)
                for n, p in enumerate(people)
            ],
            batch_size=2000,
        )
    r = actions_duty.rule()
    setting = DutySetting()  # the defaults: one 24-hour shift from 08:30
    today = timezone.localdate(now)
    adapt = connection.ops.adapt_datetimefield_value
    columns = [
        *("cell_id", "cell_path", "day", "part", "starts_at", "ends_at"),
        *("leader_id", "post_a_id", "post_b_id", "confirmed_at", "confirmed_by_id", "watch_at"),
    ]
    count = [0]

    def rows():
        for n, c in enumerate(cells):
            leader, a, b = (p.pk for p in people[3 * n : 3 * n + 3])
            for k in range(-HISTORY, AHEAD):
                day = today + timedelta(days=k)
                for part, starts, ends in actions_duty.slots(setting, day):
                    begun = starts <= now
                    confirmed = starts + timedelta(minutes=(n + k) % 10) if begun else None
                    watch = None if begun else starts + timedelta(minutes=r.checkin_minutes)
                    count[0] += 1
                    yield [
                        c.pk,
                        c.path,
                        connection.ops.adapt_datefield_value(day),
                        part,
                        adapt(starts),
                        adapt(ends),
                        leader,
                        a,
                        b,
                        adapt(confirmed) if confirmed else None,
                        a if confirmed else None,
                        adapt(watch) if watch else None,
                    ]

    bulk.write(Shift, columns, rows())
    return cells, len(people), count[0]


def _points(province: Cell, places) -> list[Point]:
    """A storage point at every county and township, at its place, through the action."""
    cells = (
        Cell.objects.subtree(province.path)
        .filter(kind__in=[CellKind.COUNTY, CellKind.TOWNSHIP])
        .order_by("path")
    )
    found = []
    for c in cells:
        lon, lat = places.get(c.pk, (None, None))
        found.append(
            actions_supplies.create_point(
                None,
                cell=c,
                name=f"{c.name}储备点"[:64],
                lon=round(lon, 6) if lon is not None else None,
                lat=round(lat, 6) if lat is not None else None,
            )
        )
    return found


def _shelters(province: Cell, places, rng) -> int:
    """A shelter at every township (``bench resources``' loader), at its place, one in
    ``OPEN_SHELTERS`` open."""
    n = resources_bench._shelters(province, rng)
    rows = []
    for k, (pk, cell) in enumerate(Shelter.objects.order_by("pk").values_list("pk", "cell_id")):
        lon, lat = _near(places[cell], 0.02, rng)
        status = ShelterStatus.OPEN if k % OPEN_SHELTERS == 0 else ShelterStatus.CLOSED
        rows.append([round(lon, 6), round(lat, 6), status.value, pk])
    update_rows(connection, Shelter, ["lon", "lat", "status"], rows)
    return n


def _login(cell: Cell, role: str, name: str, phone: str, username: str):
    """A person with ``role`` at ``cell`` and a login, through the actions."""
    person = grid_actions.create_person(None, name=name, phone=phone, cell=cell)
    grid_actions.assign_role(None, person=person, cell=cell, role=role, notify=False)
    return create_login(None, person, username=username, password="bench-pass-2024!")


def _incidents(province: Cell, county: Cell, places, rng, n: int) -> list[Incident]:
    """``n`` incidents at villages through the action (the first in ``county``), each
    reported within the hour it happened, near its village."""
    cells = list(
        Cell.objects.subtree(province.path)
        .filter(kind__in=VILLAGES)
        .order_by("path")
        .only("pk", "path", "name", "kind", "code")
    )
    ours = [c for c in cells if tree.is_within(c.path, county.path)]
    chosen = [rng.choice(ours)] + rng.sample(cells, min(n - 1, len(cells)))
    now = timezone.now()
    found = []
    for c in chosen:
        kind = rng.choice(list(CATEGORIES_OF))
        category = rng.choice(CATEGORIES_OF[kind])
        lon, lat = _near(places[c.pk], 0.005, rng)
        label = category.label
        found.append(
            actions.open_incident(
                None,
                title=f"{c.name}{label}"[:100],
                kind=kind,
                category=category,
                cell=c,
                occurred_at=now - timedelta(minutes=rng.uniform(5, 50)),
                summary=f"{c.name}发生{label}，现场情况正在核实。",
                place=c.name,
                lon=round(lon, 6),
                lat=round(lat, 6),
                figures={"injured": rng.randint(0, 5), "trapped": rng.randint(0, 3)},
            )
        )
    return found


def _log(incidents: list[Incident], author, n: int, rng) -> tuple[int, dict[int, int]]:
    """The command log grown to ``n`` entries, spread over ``incidents`` as a few large
    responses and many small ones (Pareto weights), in time order: each incident's entries
    between its occurrence and now. Returns the entries written and each incident's
    total."""
    wanted = max(0, n - LogEntry.objects.count())
    weights = [rng.paretovariate(1.2) for _ in incidents]
    picks = Counter(rng.choices(range(len(incidents)), weights=weights, k=wanted))
    now = timezone.now()
    stamped = []
    for k, i in enumerate(incidents):
        span = (now - i.occurred_at).total_seconds()
        for _ in range(picks[k]):
            stamped.append((i.occurred_at + timedelta(seconds=rng.uniform(0, span)), i.pk))
    stamped.sort()
    kinds = [Entry.NOTE, Entry.ORDER, Entry.DECISION, Entry.FEEDBACK]
    name = author.person.name
    adapt = connection.ops.adapt_datetimefield_value
    columns = ["incident_id", "kind", "text", "at", "author_id", "author_name", "corrects_id"]
    bulk.write(
        LogEntry,
        columns,
        (
            [pk, kinds[m % 4], f"现场情况第{m}条：人员已转移，道路已设卡。", adapt(at)]
            + [author.pk, name, None]
            for m, (at, pk) in enumerate(stamped)
        ),
    )
    sizes = Counter(LogEntry.objects.values_list("incident_id", flat=True))
    return wanted, {i.pk: sizes[i.pk] for i in incidents}


def _own_path(incident: Incident) -> str:
    """The incident's own township (its own cell when it has none), as the board offers
    first."""
    township = Cell.objects.filter(
        path__in=tree.lineage(incident.cell_path), kind=CellKind.TOWNSHIP
    ).first()
    return township.path if township else incident.cell_path


def _orders(chief, incidents: list[Incident], on_board: Incident) -> int:
    """The nearest teams dispatched to each incident through the action (``ORDERS_EACH``,
    ``BOARD_ORDERS`` to the one on the board, whose orders are answered along)."""
    n = 0
    answers = [OrderStep.RECEIVE, OrderStep.DEPART, OrderStep.ARRIVE, OrderStep.WORK]
    for i in incidents:
        wanted = BOARD_ORDERS if i.pk == on_board.pk else ORDERS_EACH
        near = resources.candidates(
            chief, lon=i.lon, lat=i.lat, own_path=_own_path(i), limit=wanted
        )
        for k, row in enumerate(near):
            o = actions_orders.dispatch(chief, i, team=row["id"], task="赶赴现场处置")
            n += 1
            if i.pk == on_board.pk and k % 5:
                actions_orders.answer(chief, o, answers[k % 5 - 1])
    return n


def _rows(out) -> None:
    """The rows the set-up built."""
    teams = Counter(Team.objects.values_list("status", flat=True))
    current = Shift.objects.filter(starts_at__lte=timezone.now(), ends_at__gt=timezone.now())
    figures = [
        ("people", Person.objects.count()),
        ("logins", get_user_model().objects.count()),
        ("shifts", Shift.objects.count()),
        ("on duty now", current.count()),
        ("teams", sum(teams.values())),
        *((f"teams {TeamStatus(s).label}", n) for s, n in sorted(teams.items())),
        ("team members", Member.objects.count()),
        ("storage points", Point.objects.count()),
        ("batches", Batch.objects.count()),
        ("shelters", Shelter.objects.count()),
        ("risk points", RiskPoint.objects.count()),
        ("incidents", Incident.objects.count()),
        ("orders", Order.objects.count()),
        ("log entries", LogEntry.objects.count()),
        ("messages", Message.objects.count()),
        ("audit records", AuditRecord.objects.count()),
    ]
    out.write("  rows: " + ", ".join(f"{label} {n:,}" for label, n in figures))


# --- 1. the spot check and its chase ----------------------------------------------------


def _spot(out, chief, province: Cell, duty: list[Cell], rng) -> None:
    took, check = seconds(lambda: actions_duty.spot_check(chief, province, note="全省查岗"))
    answers = SpotAnswer.objects.filter(spot=check)
    written = answers.count()
    cells_once = answers.values("cell_id").distinct().count()
    on_duty = answers.filter(shift__isnull=False).count()
    told = Message.objects.filter(event="incidents.spot")
    queued = told.count()
    expected = 0
    for s in Shift.objects.filter(pk__in=answers.values("shift_id")).select_related(
        "leader", "post_a", "post_b"
    ):
        expected += sum((1 if p.user_id else 0) + 1 for p in s.people())
    plain = _plain_insert(answers, told)
    out.write(
        f"  1. spot check (查岗) from {province.code} {province.name} to the duty cells under "
        f"it: {took:.3f} s (target < 1 s) for {written:,} answers ({on_duty:,} levels on duty) "
        f"and {queued:,} messages; a plain insert of the same rows (bulk_create of "
        f"{written:,} answers and {queued:,} outbox messages, one transaction) {plain:.3f} s; "
        f"ratio {took / plain:.2f}x (target ≤ 3x)"
    )
    out.write(
        f"     one answer per duty cell: {written == cells_once == len(duty) == check.total}; "
        f"every level on duty asked: {on_duty == Shift.objects.filter(pk__in=_current()).count()}"
        f"; its people told in-app and by SMS: {queued == expected}"
    )

    # a share answers before the deadline, each through the action by its shift's leader
    asked = list(
        answers.filter(shift__isnull=False).select_related("shift__leader__user").order_by("pk")
    )
    answering = rng.sample(asked, len(asked) * ANSWERING // 100)
    start = time.perf_counter()
    for a in answering:
        actions_duty.answer_spot(a.shift.leader.user, a)
    took = time.perf_counter() - start
    if answering:
        out.write(
            f"     {len(answering):,} levels answer through actions_duty.answer_spot: "
            f"{took / len(answering) * 1000:.2f} ms each"
        )

    # the chase at the deadline
    at = check.due_at + timedelta(minutes=1)
    waiting = list(
        answers.filter(shift__isnull=False, answered_at__isnull=True).values_list("pk", flat=True)
    )
    before = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    took, taken = seconds(lambda: sweep_duty.sweep(at))
    chased = Message.objects.filter(event="incidents.spot_missing", pk__gt=before)
    sent = chased.count()
    subjects = Counter(
        StepTaken.objects.filter(
            step="spot", subject__startswith="incidents.spotanswer:"
        ).values_list("subject", flat=True)
    )
    wanted = {f"incidents.spotanswer:{pk}" for pk in waiting}
    again = sweep_duty.sweep(at)
    left = answers.filter(watch_at__isnull=False).count()
    plain = _plain_insert(SpotAnswer.objects.filter(pk__in=waiting), chased)
    out.write(
        f"     chase at the deadline (sweep_duty.sweep at the deadline + 1 min): {took:.3f} s "
        f"(target < 1 s) for {taken:,} unanswered levels of {len(waiting):,}, {sent:,} "
        f"messages; a plain insert of the same rows (bulk_create of {len(waiting):,} answers "
        f"and {sent:,} outbox messages) {plain:.3f} s; ratio {took / plain:.2f}x (target ≤ 3x)"
    )
    out.write(
        f"     each unanswered chased once: "
        f"{set(subjects) == wanted and set(subjects.values()) <= {1} and taken == len(wanted)}; "
        f"each one's people and the province's dispatcher told: "
        f"{_told(chased, waiting, province)}"
        f"; the sweep again in the same minute takes {again}; answers still watched: {left}"
    )


def _current():
    now = timezone.now()
    return Shift.objects.filter(starts_at__lte=now, ends_at__gt=now).values("pk")


def _told(chased, waiting: list[int], province: Cell) -> bool:
    """The chase's messages are, for each unanswered level, one to each of its people on
    duty and one to each dispatcher of the province, in-app (with a login) and by SMS."""
    dispatchers = list(
        Person.objects.filter(
            assignments__cell=province, assignments__role=Role.DISPATCHER
        ).distinct()
    )
    expected: Counter = Counter()
    shifts = Shift.objects.filter(
        pk__in=SpotAnswer.objects.filter(pk__in=waiting).values("shift_id")
    ).select_related("leader", "post_a", "post_b")
    for s in shifts:
        for p in [*s.people(), *dispatchers]:
            expected[(p.pk, "sms")] += 1
            if p.user_id:
                expected[(p.pk, "inapp")] += 1
    return Counter(chased.values_list("person_id", "channel")) == expected


def _plain_insert(answers, messages) -> float:
    """Seconds to bulk_create as many answer rows as ``answers`` (those of a copy of their
    check, whose unique pair (check, cell) they would otherwise break) and as many outbox
    rows as ``messages`` (under another event, without dedupe keys), in one transaction;
    the copies are deleted after."""
    answers = list(answers)
    if not answers:
        return float("nan")
    spot = SpotCheck.objects.get(pk=answers[0].spot_id)
    copy = SpotCheck.objects.create(
        cell_id=spot.cell_id, cell_path=spot.cell_path, at=spot.at, due_at=spot.due_at
    )
    rows = [
        SpotAnswer(
            spot=copy,
            shift_id=a.shift_id,
            cell_id=a.cell_id,
            cell_path=a.cell_path,
            due_at=a.due_at,
            watch_at=a.watch_at,
        )
        for a in answers
    ]
    fields = [f.attname for f in Message._meta.concrete_fields if not f.primary_key]
    notes = []
    for m in messages.iterator():
        values = {name: getattr(m, name) for name in fields}
        values |= {"event": "bench.copy", "uuid": uuid.uuid4(), "dedupe_key": None}
        notes.append(Message(**values))
    start = time.perf_counter()
    with transaction.atomic():
        SpotAnswer.objects.bulk_create(rows, batch_size=2000)
        Message.objects.bulk_create(notes, batch_size=2000)
    took = time.perf_counter() - start
    with transaction.atomic():
        Message.objects.filter(event="bench.copy")._raw_delete("default")
        SpotAnswer.objects.filter(spot=copy)._raw_delete("default")
        copy.delete()
    return took


# --- 2. the incident board ---------------------------------------------------------------


def _board(out, chief, i: Incident, repeat: int) -> None:
    User = get_user_model()
    own = _own_path(i)

    def near(user):
        return (
            resources.storage_points(user, lon=i.lon, lat=i.lat, own_path=own),
            resources.shelters_near(user, lon=i.lon, lat=i.lat, own_path=own),
        )

    def data():
        user = User.objects.get(pk=chief.pk)  # a request's own user, posts not yet read
        points, shelters = near(user)
        return board.live(i), board.layers(user, i, points=points, shelters=shelters)

    ours = median_ms(data, repeat)
    live_ms = median_ms(lambda: board.live(i), repeat)
    points, shelters = near(chief)
    near_ms = median_ms(lambda: near(User.objects.get(pk=chief.pk)), repeat)
    layers_ms = median_ms(
        lambda: board.layers(User.objects.get(pk=chief.pk), i, points=points, shelters=shelters),
        repeat,
    )
    live, layers = data()
    size = LogEntry.objects.filter(incident=i).count()
    newest = list(LogEntry.objects.filter(incident=i).order_by("-id")[: board.LOG_SHOWN])
    orders = Order.objects.filter(incident=i)
    statuses = Counter(orders.values_list("status", flat=True))
    in_force = sum(n for s, n in statuses.items() if s in board.IN_FORCE)
    by_layer = Counter(f["properties"]["layer"] for f in layers["features"])
    out.write(
        f"  2. incident board of {i.number} ({size:,} log entries, {orders.count()} orders "
        f"{dict(sorted((OrderStatus(s).label, n) for s, n in statuses.items()))}): "
        f"{ours:.1f} ms (target < 100 ms) — board.live {live_ms:.1f} ms, the storage points "
        f"and shelters near it {near_ms:.1f} ms, board.layers {layers_ms:.1f} ms "
        f"(medians of {repeat})"
    )
    nearest_points = _nearest(Point.objects.all(), i, own)
    nearest_shelters = _nearest(Shelter.objects.exclude(status=ShelterStatus.CLOSED), i, own)
    out.write(
        f"     the newest {board.LOG_SHOWN} log entries: "
        f"{[e.pk for e in live['log']] == [e.pk for e in newest]}; every order: "
        f"{len(live['orders']) == orders.count()}, {live['figures']['teams']} in force: "
        f"{live['figures']['teams'] == in_force}; map features {dict(sorted(by_layer.items()))}"
    )
    out.write(
        f"     the storage points shown are the {len(points)} nearest of all "
        f"{Point.objects.count():,}: {[p['id'] for p in points] == nearest_points}; the "
        f"shelters shown the {len(shelters)} nearest of the "
        f"{Shelter.objects.exclude(status=ShelterStatus.CLOSED).count():,} open: "
        f"{[s['id'] for s in shelters] == nearest_shelters}"
    )


def _nearest(places, i: Incident, own: str) -> list[int]:
    """The storage points (or shelters) the board should show, ranked in Python over every
    one of ``places``: own township first, then by distance, then id."""
    rows = [
        (not tree.is_within(path, own), round(resources.km(i.lon, i.lat, x, y), 1), pk)
        for pk, path, x, y in places.values_list("pk", "cell_path", "lon", "lat")
        if x is not None
    ]
    return [pk for _own, _km, pk in sorted(rows)[:10]]


# --- 3. dispatch candidates --------------------------------------------------------------


def _candidates(out, label: str, user, i: Incident, repeat: int) -> None:
    User = get_user_model()
    own = _own_path(i)

    def ask(u=None):
        u = u or User.objects.get(pk=user.pk)
        return resources.candidates(u, lon=i.lon, lat=i.lat, own_path=own, limit=CANDIDATES)

    ours = median_ms(ask, repeat)
    fresh = User.objects.get(pk=user.pk)
    with (
        mock.patch.object(resources, "_row", wraps=resources._row) as rows,
        CaptureQueriesContext(connection) as queries,
    ):
        got = ask(fresh)
    boxes = [q["sql"] for q in queries.captured_queries if '"base_lat" >=' in q["sql"]]
    band = sum(
        Team.objects.filter(
            status=TeamStatus.STANDBY,
            base_lat__gte=i.lat - box,
            base_lat__lte=i.lat + box,
        ).count()
        for box in resources.BOXES[: len(boxes)]
    )
    post = fresh._qianshao_posts[0].cell if getattr(fresh, "_qianshao_posts", None) else None
    where = f"{post.code} {post.name}" if post else "?"
    expected = _ranked(user, i, own)
    statuses = set(
        Team.objects.filter(pk__in=[r["id"] for r in got]).values_list("status", flat=True)
    )
    keys = [(not r["own"], r["distance_km"], r["id"]) for r in got]
    out.write(
        f"  3. dispatch candidates for {i.number} as the 调度员 of {where} ({label}): "
        f"{ours:.1f} ms (target < 50 ms, median of {repeat}); {len(queries)} queries, "
        f"{rows.call_count:,} rows read (its own township's, then boxes of "
        f"{', '.join(f'±{b}°' for b in resources.BOXES[: len(boxes)])}), "
        f"{band:,} standby teams in the latitude bands the index walks, of {len(expected):,} "
        f"they may send"
    )
    out.write(
        f"     {len(got)} returned, all standing by: {statuses == {TeamStatus.STANDBY}}; "
        f"own township first then nearest first: {keys == sorted(keys)}; the {CANDIDATES} "
        f"nearest of all they may send (ranked in Python): "
        f"{[r['id'] for r in got] == expected[:CANDIDATES]}; "
        f"{sum(r['own'] for r in got)} of its own township "
        f"({_span([r for r in got if r['own']])}), then {_span([r for r in got if not r['own']])}"
    )


def _span(rows) -> str:
    if not rows:
        return "none"
    return f"{rows[0]['distance_km']}–{rows[-1]['distance_km']} km"


def _ranked(user, i: Incident, own: str) -> list[int]:
    """Every standby team ``user`` may send, ranked as ``candidates`` ranks: own township
    first, then by distance, then id."""
    teams = Team.objects.filter(status=TeamStatus.STANDBY)
    if not user.is_superuser:
        teams = teams.filter(resources._managed_q(user))
    rows = []
    for pk, path, x, y in teams.values_list("pk", "cell_path", "base_lon", "base_lat"):
        far = round(resources.km(i.lon, i.lat, x, y), 1) if x is not None else float("inf")
        rows.append((not tree.is_within(path, own), far, pk))
    return [pk for _own, _km, pk in sorted(rows)]
