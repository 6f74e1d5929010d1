"""Roll-up, tested with Hypothesis: over random trees (the cast's grid and extra townships,
villages, communities, groups and enterprises made with ``grid.actions.create_cells``;
sometimes a village or a township moved once everything is reported),

- random disaster reports with random versions (初报, some 续报, some 核报), made through the
  actions by random users who may: every cell's ``stats.figures`` equals the sum, over the
  reports in its subtree, of each report's latest version — read from the Version rows,
  not from the report's own columns — and its ``child_figures`` add up to it, less what is
  reported at the cell itself;
- random zero reports over three days, on time and late, under a random rule: every cell's
  ``stats.completeness`` and ``child_completeness`` equal a recount from the reports as
  filed (expected = reporting cells in the subtree × days).

Each example runs in a transaction rolled back at its end; examples are small and few, so
the module runs in well under a minute on SQLite.
"""

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from qianshao.disasters import actions, permissions, schedule, stats
from qianshao.disasters.models import (
    INDICATORS,
    DayTally,
    DisasterReport,
    DisasterType,
    ReportingRule,
    Stage,
    Version,
    ZeroKind,
    ZeroReport,
)
from qianshao.grid import actions as grid_actions
from qianshao.grid import tree
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.errors import ActionError, Conflict
from qianshao.lib.settled import forget_all

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 7, 3, 12, 0, tzinfo=SHANGHAI)
TODAY = START.date()
FIRST = TODAY - timedelta(days=2)
DAYS = [FIRST + timedelta(days=i) for i in range(3)]
USERS = ["village", "township", "county", "outsider", "admin"]
CAST_TOWNSHIPS = ["450901100", "450901101", "450902100"]
CAST_VILLAGES = ["450901100201", "450901100202", "450901101201", "450902100201"]
CAST_CODES = ["450901", "450902", *CAST_TOWNSHIPS, *CAST_VILLAGES]
FAR_KINDS = {CellKind.COUNTY, CellKind.TOWNSHIP}  # never report (a zero report is filed below)

# Shrinking a failure takes a minute or so; set QIANSHAO_SHRINK=1 to have it.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("QIANSHAO_SHRINK") == "1" else []
)
EXAMPLES = settings(
    max_examples=20,
    deadline=None,
    database=None,
    print_blob=True,
    phases=PHASES,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # each example rolls its own writes back
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


# --- what the examples draw --------------------------------------------------------------


@st.composite
def extra_cells(draw) -> list[tuple[str, str, str, str]]:
    """Rows (code, name, kind, parent code) to add to the cast's grid, parents first."""
    rows = []
    townships = list(CAST_TOWNSHIPS)
    for i in range(draw(st.integers(0, 2))):
        county = draw(st.sampled_from(["450901", "450902"]))
        code = f"{county}{110 + i}"
        rows.append((code, f"新镇{i}", CellKind.TOWNSHIP, county))
        townships.append(code)
    below = [*CAST_VILLAGES]
    for township in townships:
        for j in range(draw(st.integers(0, 2))):
            kind = draw(st.sampled_from([CellKind.VILLAGE, CellKind.COMMUNITY]))
            code = f"{township}{210 + j}"
            rows.append((code, f"{kind.label}{code[-5:]}", kind, township))
            below.append(code)
    for k in range(draw(st.integers(0, 2))):  # groups and enterprises under villages
        parent = draw(st.sampled_from(below))
        kind = draw(st.sampled_from([CellKind.GROUP, CellKind.ENTERPRISE]))
        code = f"{parent}{k:02d}"
        if code not in {r[0] for r in rows}:
            rows.append((code, f"{kind.label}{code[-4:]}", kind, parent))
    return rows


def codes_of(rows) -> list[str]:
    return CAST_CODES + [r[0] for r in rows]


def moves(rows):
    """None, or (a village or community, a township to move it under; or a township, a
    county): made after the reports, so that the reports must follow."""
    villages = CAST_VILLAGES + [
        r[0] for r in rows if r[2] in (CellKind.VILLAGE, CellKind.COMMUNITY)
    ]
    townships = CAST_TOWNSHIPS + [r[0] for r in rows if r[2] == CellKind.TOWNSHIP]
    return (
        st.none()
        | st.tuples(st.sampled_from(villages), st.sampled_from(townships))
        | (st.tuples(st.sampled_from(townships), st.sampled_from(["450901", "450902"])))
    )


@st.composite
def figure_sets(draw) -> dict:
    """Consistent figures (nobody is more dead than affected …)."""
    affected = draw(st.integers(0, 400))
    of_affected = st.integers(0, affected)
    rooms = draw(st.integers(0, 40))
    crops = draw(st.integers(0, 50_000))  # in hundredths of a hectare
    damaged = draw(st.integers(0, crops))
    lost = draw(st.integers(0, damaged))
    return {
        "affected": affected,
        "dead": draw(of_affected),
        "missing": draw(of_affected),
        "relocated": draw(of_affected),
        "need_relief": draw(of_affected),
        "collapsed_rooms": rooms,
        "collapsed_households": draw(st.integers(0, rooms)),
        "severely_damaged_rooms": draw(st.integers(0, 60)),
        "damaged_rooms": draw(st.integers(0, 90)),
        "crops_affected_ha": Decimal(crops) / 100,
        "crops_damaged_ha": Decimal(damaged) / 100,
        "crops_lost_ha": Decimal(lost) / 100,
        "economic_loss": Decimal(draw(st.integers(0, 10**8))) / 100,
    }


@dataclass
class ReportPlan:
    code: str
    initial: dict
    by: int  # an index into the users who may report there
    follow_ups: list[tuple[dict, int]] = field(default_factory=list)
    verify: bool = False
    verified: dict | None = None  # the verified figures, or None for the latest
    verifier: int = 0


@st.composite
def disaster_worlds(draw):
    rows = draw(extra_cells())
    pick = st.integers(0, 100)
    reports = [
        ReportPlan(
            code=draw(st.sampled_from(codes_of(rows))),
            initial=draw(figure_sets()),
            by=draw(pick),
            follow_ups=draw(st.lists(st.tuples(figure_sets(), pick), max_size=2)),
            verify=draw(st.booleans()),
            verified=draw(st.none() | figure_sets()),
            verifier=draw(pick),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    return rows, reports, draw(moves(rows))


@st.composite
def zero_worlds(draw):
    rows = draw(extra_cells())
    kinds = draw(
        st.sampled_from(
            [
                None,  # no rule row: villages and communities
                ["village"],
                ["community"],
                ["village", "community", "enterprise"],
            ]
        )
    )
    deadline = draw(st.sampled_from([time(16, 0), time(10, 0)]))
    field_codes = CAST_VILLAGES + [r[0] for r in rows if r[2] not in FAR_KINDS]
    filings = draw(
        st.lists(
            st.tuples(
                st.sampled_from(field_codes) | st.sampled_from(codes_of(rows)),
                st.sampled_from(DAYS),
                st.sampled_from(["early", "late", "next day"]),
                st.sampled_from(["village", "admin"]),
            ),
            min_size=2,
            max_size=14,
        )
    )
    return rows, kinds, deadline, filings, draw(moves(rows))


# --- running an example ------------------------------------------------------------------


def make_cells(rows) -> dict[str, Cell]:
    if rows:
        grid_actions.create_cells(
            None,
            [CellRow(code, name, kind, parent, {}) for code, name, kind, parent in rows],
            source="test:rollup",
        )
    return {c.code: c for c in Cell.objects.defer("boundary")}


def move(cells: dict[str, Cell], planned) -> dict[str, Cell]:
    """Make the planned move (unless it moves nothing) and read the cells anew."""
    if planned is not None:
        code, parent = planned
        try:
            grid_actions.move_cell(fresh_users()["admin"], cells[code], cells[parent])
        except ActionError as refusal:  # already there
            assert refusal.field == "parent" and cells[code].parent_id == cells[parent].pk
        else:
            event("a cell moved")
    return {c.code: c for c in Cell.objects.defer("boundary")}


def fresh_users() -> dict:
    """User objects read anew: posts are cached on them."""
    found = get_user_model().objects.filter(username__in=USERS)
    return {user.username: user for user in found}


def one_of(names: list[str], i: int) -> str | None:
    return names[i % len(names)] if names else None


@pytest.fixture
def rolled_back(cast):
    """Each example's writes undone at its end, and configuration read afresh."""

    class Example:
        def __enter__(self):
            forget_all()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.clock = time_machine.travel(START, tick=False)
            self.traveller = self.clock.start()
            return self

        def __exit__(self, *exc):
            self.clock.stop()
            transaction.set_rollback(True)
            self.atomic.__exit__(*exc)
            forget_all()
            return False

    return Example


# --- disaster figures --------------------------------------------------------------------


def play_reports(plans: list[ReportPlan], cells: dict[str, Cell]) -> dict[int, tuple]:
    """Make the planned reports through the actions; returns {report id: (cell code,
    [(stage, figures)] as planned)}."""
    users = fresh_users()
    made = {}
    for plan in plans:
        cell = cells[plan.code]
        may = [n for n in USERS if permissions.reports_for(users[n], cell)]
        author = one_of(may, plan.by)
        d = actions.report(
            users[author],
            type=DisasterType.FLOOD,
            started_at=START - timedelta(hours=1),
            cell=cell,
            figures=plan.initial,
        )
        authors = {author}
        stages = [(Stage.INITIAL, plan.initial)]
        for figures, i in plan.follow_ups:
            who = one_of(may, i)
            actions.follow_up(users[who], d, figures=figures)
            authors.add(who)
            stages.append((Stage.FOLLOW_UP, figures))
        verifiers = [
            n for n in USERS if n not in authors and permissions.verifies_for(users[n], cell)
        ]
        if plan.verify and verifiers:
            actions.verify(users[one_of(verifiers, plan.verifier)], d, figures=plan.verified)
            stages.append((Stage.VERIFIED, plan.verified or stages[-1][1]))
        made[d.pk] = (cell.code, stages)
        event(f"a report at a {cell.kind} with {len(stages)} versions, last {stages[-1][0]}")
    return made


def latest_from_versions() -> dict[int, dict]:
    """Each report's figures as its highest-numbered version states them."""
    latest = {}
    for v in Version.objects.order_by("report_id", "seq"):
        latest[v.report_id] = v.figures()
    return latest


def summed(figure_sets: list[dict]) -> dict:
    total = {name: 0 for name in INDICATORS} | {"reports": len(figure_sets)}
    for figures in figure_sets:
        for name in INDICATORS:
            total[name] += figures[name]
    return total


@given(world=disaster_worlds())
@settings(EXAMPLES, max_examples=30)
@pytest.mark.django_db
def test_every_cells_figures_are_the_sum_of_the_latest_versions_below_it(rolled_back, cast, world):
    rows, plans, planned_move = world
    with rolled_back():
        cells = make_cells(rows)
        made = play_reports(plans, cells)
        cells = move(cells, planned_move)
        # the versions are kept, in order, as they were reported
        for pk, (_code, stages) in made.items():
            kept = Version.objects.filter(report_id=pk).order_by("seq")
            assert [(v.seq, v.stage, v.figures()) for v in kept] == [
                (i, stage, figures) for i, (stage, figures) in enumerate(stages, start=1)
            ]
        latest = latest_from_versions()
        path_of = {pk: cells[code].path for pk, (code, _stages) in made.items()}
        assert (
            set(latest) == set(path_of) == set(DisasterReport.objects.values_list("pk", flat=True))
        )

        def below(path: str) -> list[dict]:
            return [latest[pk] for pk, p in path_of.items() if p.startswith(path)]

        shapes = set()  # the keys of each child's figures: as ``figures`` gives them
        for cell in cells.values():
            assert stats.figures(cell) == summed(below(cell.path)), cell.code
            children = stats.child_figures(cell)
            listed = [child.code for child, _ in children]
            with_reports = sorted(
                c.code for c in cells.values() if c.parent_id == cell.pk and below(c.path)
            )
            assert listed == with_reports, cell.code
            for child, figures in children:
                wanted = summed(below(child.path))
                assert {k: figures.get(k) for k in wanted} == wanted, (cell.code, child.code)
                shapes.add(tuple(sorted(figures)))
            at_itself = [latest[pk] for pk, p in path_of.items() if p == cell.path]
            together = summed([*(f for _, f in children), *at_itself])
            together["reports"] = sum(f["reports"] for _, f in children) + len(at_itself)
            assert together == stats.figures(cell), cell.code
        assert shapes <= {tuple(sorted(summed([])))}, "a child's figures, in another shape"


# --- completeness ------------------------------------------------------------------------


def filed_at(day, when: str) -> datetime:
    if when == "early":
        return datetime.combine(day, time(9, 0), tzinfo=SHANGHAI)
    if when == "late":
        return datetime.combine(day, time(20, 0), tzinfo=SHANGHAI)
    return datetime.combine(day + timedelta(days=1), time(9, 0), tzinfo=SHANGHAI)


def day_counters() -> dict:
    rows = DayTally.objects.exclude(n=0, on_time=0).values_list("path", "day", "n", "on_time")
    return {(path, day): (n, on_time) for path, day, n, on_time in rows}


def counters_of(kept: dict, cells: dict[str, Cell]) -> dict:
    """The day counters as the reports filed say, under the cells' paths of now."""
    received, on_time = Counter(), Counter()
    for (code, day), in_time in kept.items():
        for path in tree.lineage(cells[code].path):
            received[(path, day)] += 1
            on_time[(path, day)] += int(in_time)
    return {key: (n, on_time[key]) for key, n in received.items()}


def set_rule(kinds, deadline) -> tuple[str, ...]:
    """The rule of the example; returns the reporting kinds it means."""
    if kinds is not None or deadline != time(16, 0):
        ReportingRule.objects.create(deadline=deadline, kinds=kinds or [])
    schedule.forget()
    return tuple(kinds or [CellKind.VILLAGE, CellKind.COMMUNITY])


@given(world=zero_worlds())
@settings(EXAMPLES, max_examples=40)
@pytest.mark.django_db
def test_completeness_of_every_cell_and_its_children_equals_a_recount(rolled_back, cast, world):
    rows, kinds, deadline, filings, planned_move = world
    with rolled_back() as example:
        cells = make_cells(rows)
        kinds = set_rule(kinds, deadline)
        users = fresh_users()
        kept: dict[tuple[str, object], bool] = {}  # (code, day) → on time, as filed
        for code, day, when, who in filings:
            cell = cells[code]
            user = users[who] if code == "450901100201" else users["admin"]
            example.traveller.move_to(filed_at(day, when))
            try:
                actions.file_zero(user, cell=cell, day=day, kind=ZeroKind.NONE)
            except Conflict:
                assert (code, day) in kept, "refused as a second report, but it is the first"
                continue
            except ActionError as refusal:
                assert cell.kind not in kinds and refusal.field == "cell", refusal
                continue
            assert cell.kind in kinds, f"{cell.kind} does not report"
            assert (code, day) not in kept, "a second report for the cell and day"
            kept[(code, day)] = when == "early"  # 09:00 is before either deadline
        event(f"zero reports kept: {min(len(kept), 5)}+")
        stored = {
            (code, day): on_time
            for code, day, on_time in ZeroReport.objects.values_list("cell__code", "day", "on_time")
        }
        assert stored == kept
        cells = move(cells, planned_move)
        assert day_counters() == counters_of(kept, cells)

        reporting = [c for c in cells.values() if c.kind in kinds]

        def recount(path: str, days) -> tuple[int, int, int]:
            expected = sum(1 for c in reporting if c.path.startswith(path)) * len(days)
            received = [
                on_time
                for (code, day), on_time in kept.items()
                if cells[code].path.startswith(path) and day in days
            ]
            return expected, len(received), sum(received)

        open_days = [d for d in DAYS if schedule.before_deadline(d)]  # not missing yet

        def pending(path: str) -> int:
            expected, received, _on_time = recount(path, open_days)
            return expected - received

        for cell in cells.values():
            per_day = stats.completeness(cell, DAYS[0], DAYS[-1])
            assert sorted(per_day) == DAYS
            for day, c in per_day.items():
                assert (c.expected, c.received, c.on_time) == recount(cell.path, [day])
                assert c.late == c.received - c.on_time
                assert c.missing + c.pending == c.expected - c.received
                assert c.pending == (c.expected - c.received if day in open_days else 0)
            whole = stats.total(per_day)
            assert (whole.expected, whole.received, whole.on_time) == recount(cell.path, DAYS)
            assert whole.pending == pending(cell.path)
            listed = {
                child.code: (c.expected, c.received, c.on_time, c.pending)
                for child, c in stats.child_completeness(cell, DAYS[0], DAYS[-1])
            }
            wanted = {
                child.code: (*recount(child.path, DAYS), pending(child.path))
                for child in cells.values()
                if child.parent_id == cell.pk and any(recount(child.path, DAYS)[:2])
            }
            assert listed == wanted, cell.code


# --- a cell that moves -------------------------------------------------------------------


def test_a_village_moved_to_another_township_takes_its_figures_and_reports_along(cast):
    """grid.actions.move_cell rewrites the paths of the subtree: the figures and the zero
    reports of 一村 then count under 乙镇, no longer under 甲镇 (as hazards follow it)."""
    jia, yi = cast.township, cast.cell("450901101")
    with time_machine.travel(START, tick=False):
        d = actions.report(
            cast.users["village"],
            type=DisasterType.FLOOD,
            started_at=START - timedelta(hours=1),
            cell=cast.village,
            figures={"affected": 30, "dead": 1},
        )
        actions.file_zero(cast.users["village"], cell=cast.village)
        village = grid_actions.move_cell(cast.users["admin"], cast.village, yi)
    assert village.path == f"{yi.path}{village.code}."
    d.refresh_from_db()
    assert d.cell_path == village.path
    assert ZeroReport.objects.get().cell_path == village.path
    assert (stats.figures(jia)["affected"], stats.figures(yi)["affected"]) == (0, 30)
    assert stats.figures(cast.county)["affected"] == 30
    assert [c.code for c, _ in stats.child_figures(cast.county)] == [yi.code]
    jia_today = stats.completeness(jia, TODAY)[TODAY]
    yi_today = stats.completeness(yi, TODAY)[TODAY]
    assert (jia_today.expected, jia_today.received) == (1, 0)  # 二村, which has not reported
    assert (yi_today.expected, yi_today.received, yi_today.on_time) == (2, 1, 1)
    by_child = {
        c.code: (x.expected, x.received) for c, x in stats.child_completeness(cast.county, TODAY)
    }
    assert by_child == {jia.code: (1, 0), yi.code: (2, 1)}
    assert day_counters() == counters_of({(village.code, TODAY): True}, {village.code: village})
