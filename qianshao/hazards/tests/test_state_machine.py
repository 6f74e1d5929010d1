"""Random sequences of steps by random users on the demo county (a Hypothesis state machine).

The demo county (凌云县, with a short history of hazards played through the actions) is built
once for the module, with a neighbouring county and a few more logins made through the real
actions: another township's dispatcher, a village member elsewhere, a member of a second
county department and the neighbour's dispatcher (the outsider). Each example runs in a
savepoint rolled back at its end, on a clock that only moves when a rule moves it.

Rules: report (any user, any cell or point — often outside their scope), any step of the
loop by any user with arguments good and bad, a step someone may take (so hazards travel the
whole loop), the sweep after a random wait, public reports submitted and triaged, answers to
supervision. After every rule:

- every hazard's history in the audit chain follows the transition table, each record
  starting where the previous one ended, and the hazard's status is where its history ends;
- successful actions and audit records match one for one; a refused action changed nothing;
- every record made by a person lies within that person's scope; verification is never by
  the rectifier (who submitted it, or the plan's responsible person);
- the tallies equal a recount of the hazards.

The chain is verified whole at the end of every example. ``--hypothesis-show-statistics``
shows how often each step was taken and refused; a failure prints its steps and a blob for
``@reproduce_failure`` (shrunk only with QIANSHAO_SHRINK=1: shrinking this machine is slow).
"""

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from shapely.geometry import box, mapping, shape

from qianshao import demo as qianshao_demo
from qianshao.accounts.actions import create_login
from qianshao.audit import chain
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions as grid_actions
from qianshao.grid import routing
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Department, Domain, Person, Role, RoleAssignment
from qianshao.grid.scope import scope_of
from qianshao.hazards import actions, deadlines, locate, public
from qianshao.hazards import demo as hazards_demo
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import (
    ON_SPOT_ACCEPTED,
    OPEN,
    TRANSITIONS,
    Grade,
    Hazard,
    PublicReport,
    PublicStatus,
    Reward,
    Status,
    Step,
    Supervision,
)
from qianshao.hazards.permissions import allowed_steps, refusal, triages
from qianshao.hazards.tests.conftest import hazard_state, jpeg, tally_recount, tally_stored
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.testing import appoint

PASSWORD = "machine-password-1"
# Shrinking a failure of this machine can take minutes; set QIANSHAO_SHRINK=1 to have it.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate] + (
    [Phase.shrink] if os.environ.get("QIANSHAO_SHRINK") == "1" else []
)
NEIGHBOUR_BOX = (105.2, 24.0, 105.9, 24.6)
NEIGHBOUR = [
    ("451028", "乐业县", CellKind.COUNTY, None),
    ("451028100", "同乐镇", CellKind.TOWNSHIP, "451028"),
    ("451028100201", "火卖村", CellKind.VILLAGE, "451028100"),
]
# Cells reported into, assigned to and placed by point: each level of the demo county, a
# community, the park and an enterprise in it, another township, and the neighbour.
CELLS = [
    "451027",
    "451027100",
    "451027100001",
    "451027100201",
    "451027100202",
    "451027101",
    "451027101201",
    "451027400",
    "451027400001",
    "451028100201",
]
FAR_POINTS = [(100.0, 40.0), (181.0, 24.3)]  # outside every county; not a coordinate at all
USERNAMES = [
    "county",
    "township",
    "village",
    "department",
    "admin",
    "township2",
    "village2",
    "department2",
    "outsider",
]
LOOP_STEPS = [s for s in Step.values if s != Step.REPORT]


@dataclass
class World:
    start: datetime
    users: dict[str, int]
    people: list[int]
    departments: list[int]
    categories: list[int]
    cells: list[int]
    points: list[tuple[float, float]]
    histories: "Histories"


def _logins() -> dict[str, int]:
    """The demo users and the logins this module adds through the actions."""
    picks = {
        "township2": dict(cell__code="451027101", role=Role.DISPATCHER),
        "village2": dict(cell__code="451027101201", role=Role.MEMBER),
        "department2": dict(department__code="YJGLJ", role=Role.MEMBER),
    }
    for username, where in picks.items():
        assignment = RoleAssignment.objects.filter(**where).order_by("pk").first()
        create_login(None, assignment.person, username=username, password=PASSWORD)
    rows = [
        CellRow(code, name, kind, parent, {"boundary": mapping(box(*NEIGHBOUR_BOX))})
        for code, name, kind, parent in NEIGHBOUR
    ]
    grid_actions.create_cells(None, rows, source="test:neighbour")
    neighbour = Cell.objects.get(code="451028")
    outsider = appoint(neighbour, Role.DISPATCHER, name="乐业县调度员")
    create_login(None, outsider, username="outsider", password=PASSWORD)
    office = grid_actions.create_department(
        None,
        cell=neighbour,
        code="YJGLJ",
        name="乐业县应急管理局",
        domains=list(Domain.objects.filter(code="geological")),
        is_emergency_office=True,
    )
    appoint(neighbour, Role.MEMBER, name="乐业县应急局网格员", department=office)
    appoint(Cell.objects.get(code="451028100201"), Role.MEMBER, name="火卖村网格员")
    users = get_user_model().objects.filter(username__in=USERNAMES)
    return {user.username: user.pk for user in users}


def _people(users: dict[str, int]) -> list[int]:
    """Plans' responsible people: everyone with a login here, and a few without one."""
    ids = list(Person.objects.filter(user_id__in=users.values()).values_list("pk", flat=True))
    for code in ["451027100201", "451027101201", "451027400001", "451028100201", "451028"]:
        assignment = (
            RoleAssignment.objects.filter(cell__code=code, person__user__isnull=True)
            .order_by("pk")
            .first()
        )
        ids.append(assignment.person_id)
    return sorted(set(ids))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, SMS_GATEWAY_URL="http://127.0.0.1:9/sms"),
        transaction.atomic(),
    ):
        qianshao_demo.build_grid()
        hazards_demo.build(count=24)
        users = _logins()
        cells = {c.code: c for c in Cell.objects.filter(code__in=CELLS)}
        points = [shape(cells[code].boundary).representative_point() for code in CELLS]
        assert chain.verify().ok
        histories = Histories()
        histories.walk()
        yield World(
            histories=histories,
            start=timezone.now(),
            users=users,
            people=_people(users),
            departments=list(Department.objects.order_by("pk").values_list("pk", flat=True)),
            categories=list(Domain.objects.order_by("pk").values_list("pk", flat=True)),
            cells=[cells[code].pk for code in CELLS],
            points=[(p.x, p.y) for p in points] + FAR_POINTS,
        )
        transaction.set_rollback(True)


# --- what the rules draw ------------------------------------------------------------------


def mostly(good: list, bad: list):
    """Good values three times out of four, bad ones otherwise."""
    return st.sampled_from(good * (3 * max(1, len(bad)) // len(good) or 1) + bad)


users = st.sampled_from(USERNAMES)
index = st.integers(min_value=0, max_value=10_000)
texts = mostly(["<b>已现场查看</b>", "整改不到位，请补充照片"], ["", "   ", "TOO_LONG"])
photo_kinds = mostly(["one"], ["none", "bad", "many"])
step_args = st.fixed_dictionaries(
    {
        "note": texts,
        "reason": texts,
        "description": st.sampled_from(["", "补充了具体位置：村委会东侧 200 米"]),
        "into": index,
        "department": st.one_of(st.none(), index),
        "assignee": mostly(["cell", "department"], ["both", "neither"]),
        "cell": index,
        "responsible": index,
        "deadline_hours": mostly([1, 30, 24 * 10], [-48, -1]),
        "funds": mostly([None, Decimal("0"), Decimal("2.50")], [Decimal("-1")]),
        "measures": mostly(["清理杂物，设置警示标志"], [""]),
        "contingency": mostly(["险情时立即疏散"], [""]),
        "photos": photo_kinds,
    }
)


def text(value: str) -> str:
    return "长" * 4001 if value == "TOO_LONG" else value


def photo_files(kind: str) -> list:
    return {
        "none": [],
        "one": [("after.jpg", jpeg())],
        "bad": [("after.jpg", b"this is not an image")],
        "many": [(f"{i}.jpg", jpeg()) for i in range(10)],
    }[kind]


def pick(ids: list, i: int):
    return ids[i % len(ids)]


# --- the machine --------------------------------------------------------------------------


class HazardLoop(RuleBasedStateMachine):
    def __init__(self, world: World):
        super().__init__()
        self.world = world
        self.savepoint = transaction.savepoint()
        self.traveller = time_machine.travel(world.start, tick=False)
        self.clock = self.traveller.start()
        deadlines.forget()
        self.load_users()
        self.first_seq = last_seq()
        self.checked_seq = self.first_seq
        self.expected_records = 0
        self.hazards = list(Hazard.objects.order_by("pk").values_list("pk", flat=True))
        self.reports = list(PublicReport.objects.order_by("pk").values_list("pk", flat=True))
        self.histories = world.histories.copy()
        self.demo_hazards = len(self.hazards)

    def teardown(self):
        try:
            verdict = chain.verify()
            assert verdict.ok, verdict
        finally:
            transaction.savepoint_rollback(self.savepoint)
            self.traveller.stop()

    def load_users(self):
        """Fresh user objects: scope and posts are cached on them, as within one request."""
        self.users = {
            user.username: user
            for user in get_user_model().objects.filter(pk__in=self.world.users.values())
        }

    # --- helpers ---------------------------------------------------------------------------

    def attempt(self, label: str, call, records: int = 1):
        """Run ``call``; a refusal must leave everything as it was. Returns the result or the
        refusal (an ActionError)."""
        before = hazard_state()
        try:
            result = call()
        except ActionError as exc:
            event(f"{label}: refused ({type(exc).__name__} {exc.field})")
            after = hazard_state()
            assert after == before, f"refused {label} ({exc.field}: {exc}) changed something"
            return exc
        self.expected_records += records
        event(f"{label}: done")
        return result

    def hazard(self, i: int) -> Hazard:
        return Hazard.objects.select_related("responsible", "cell").get(pk=pick(self.hazards, i))

    def step_call(self, step: str, user, h: Hazard, a: dict):
        """The action for ``step`` with arguments built from the drawn ``a``."""
        if step == Step.ACCEPT:
            return lambda: actions.accept(user, h, note=text(a["note"]))
        if step == Step.RETURN:
            return lambda: actions.return_report(user, h, reason=text(a["reason"]))
        if step == Step.RESUBMIT:
            return lambda: actions.resubmit(user, h, description=a["description"])
        if step == Step.MERGE:
            into = Hazard.objects.get(pk=pick(self.hazards, a["into"]))
            return lambda: actions.merge(user, h, into=into, note=text(a["note"]))
        if step == Step.ESCALATE:
            department = (
                None
                if a["department"] is None
                else Department.objects.get(pk=pick(self.world.departments, a["department"]))
            )
            return lambda: actions.escalate(user, h, department=department, note=text(a["note"]))
        if step == Step.ASSIGN:
            return lambda: actions.assign(user, h, **self.plan(a))
        if step == Step.START:
            return lambda: actions.start(user, h, note=text(a["note"]))
        if step == Step.PROGRESS:
            files = photo_files(a["photos"])
            return lambda: actions.progress(user, h, note=text(a["note"]), photo_files=files)
        if step == Step.SUBMIT:
            files = photo_files(a["photos"])
            return lambda: actions.submit(user, h, note=text(a["note"]), photo_files=files)
        if step == Step.VERIFY:
            return lambda: actions.verify(user, h, note=text(a["note"]))
        if step == Step.REJECT:
            return lambda: actions.reject(user, h, reason=text(a["reason"]))
        if step == Step.CLOSE:
            return lambda: actions.close(user, h, note=text(a["note"]))
        raise AssertionError(step)

    def plan(self, a: dict) -> dict:
        """The plan under 五落实; ``*_pk`` keys (from good_plan) name objects directly."""
        cell = Cell.objects.get(pk=a.get("cell_pk") or pick(self.world.cells, a.get("cell", 0)))
        department = Department.objects.get(
            pk=a.get("department_pk") or pick(self.world.departments, a["department"] or 0)
        )
        person = a.get("person_pk") or pick(self.world.people, a.get("responsible", 0))
        return {
            "measures": a["measures"],
            "responsible": Person.objects.get(pk=person),
            "deadline": timezone.now() + timedelta(hours=a["deadline_hours"]),
            "contingency": a["contingency"],
            "funds": a["funds"],
            "assignee_cell": cell if a["assignee"] in ("cell", "both") else None,
            "assignee_department": department if a["assignee"] in ("department", "both") else None,
        }

    def take(self, step: str, user, h: Hazard, a: dict, *, must_succeed: bool = False):
        """Take ``step`` and check the outcome against the table and the permissions."""
        seq = last_seq()
        said_no = refusal(user, h, step)
        offered = step in allowed_steps(user, h)
        records = 1 + self.reward_due(step, h)
        outcome = self.attempt(step, self.step_call(step, user, h, a), records=records)
        legal = step in TRANSITIONS[h.status]
        assert offered == (said_no is None)
        if isinstance(outcome, ActionError):
            assert not must_succeed, f"{user} may {step} {h.number} but: {outcome}"
            if outcome.field == "step":  # else bad input, which may be checked first
                assert type(outcome) is (NotAllowed if legal else Conflict), (step, outcome)
                assert said_no is not None, f"{user} may {step} {h.number} but: {outcome}"
            return outcome
        assert legal and said_no is None, f"{user} took {step} on {h.number} ({h.status})"
        after = Hazard.objects.get(pk=h.pk)
        expected = TRANSITIONS[h.status][step]
        if step == Step.ACCEPT and h.stopped_on_spot:
            expected = ON_SPOT_ACCEPTED
        assert after.status == expected
        made = list(AuditRecord.objects.filter(seq__gt=seq).order_by("seq"))
        assert [(r.action, r.actor_id, r.object_id) for r in made[:1]] == [
            (f"hazards.{step}", user.pk, str(h.pk))
        ]
        return after

    def reward_due(self, step: str, h: Hazard) -> int:
        """Closing a major hazard from a real-name public report proposes one reward."""
        if step != Step.CLOSE or h.status != Status.VERIFIED or h.grade != Grade.MAJOR:
            return 0
        report = PublicReport.objects.filter(hazard=h, anonymous=False).first()
        return int(report is not None and not Reward.objects.filter(public_report=report).exists())

    # --- rules -----------------------------------------------------------------------------

    @rule(
        who=users,
        where=index,
        how=st.sampled_from(["cell", "point", "cell+point"]),
        grade=st.sampled_from(Grade.values),
        category=index,
        on_spot=st.booleans(),
        photos=photo_kinds,
        title=mostly(["厂房消防通道堵塞", "<script>x</script>后山裂缝"], [""]),
    )
    def report(self, who, where, how, grade, category, on_spot, photos, title):
        user = self.users[who]
        cell = Cell.objects.get(pk=pick(self.world.cells, where))
        lon, lat = pick(self.world.points, where)
        kwargs = {"cell": cell} if how != "point" else {}
        if how != "cell":
            kwargs |= {"lon": lon, "lat": lat}
        outcome = self.attempt(
            "report",
            lambda: actions.report(
                user,
                title=title,
                description="现场发现，需要处理",
                category=Domain.objects.get(pk=pick(self.world.categories, category)),
                grade=grade,
                stopped_on_spot=on_spot,
                photo_files=photo_files(photos),
                **kwargs,
            ),
        )
        scope = scope_of(user)
        if how == "cell" and not scope.covers(cell.path):
            assert isinstance(outcome, ActionError), "reported outside their scope"
            assert outcome.field in ("title", "photos") or (
                isinstance(outcome, NotAllowed) and outcome.field == "cell"
            )
        if isinstance(outcome, ActionError):
            return
        assert scope.covers(outcome.cell_path)
        assert outcome.status == Status.SUBMITTED and outcome.reported_by_id == user.pk
        if how == "point":
            assert outcome.cell.boundary, "a point lands in a cell with a boundary"
            assert locate.contains(outcome.cell, lon, lat)
            deeper = Cell.objects.filter(parent=outcome.cell, boundary__isnull=False)
            assert not any(locate.contains(c, lon, lat) for c in deeper)
        self.hazards.append(outcome.pk)

    @rule(who=users, which=index, step=st.sampled_from(LOOP_STEPS), a=step_args, data=st.data())
    def any_step(self, who, which, step, a, data):
        """Anyone tries anything on any hazard: half the time a step its status allows."""
        h = self.hazard(which)
        if TRANSITIONS[h.status] and data.draw(st.booleans()):
            step = data.draw(st.sampled_from(sorted(TRANSITIONS[h.status])))
        self.take(step, self.users[who], h, a)

    @rule(which=index, data=st.data())
    def lawful_step(self, which, data):
        """Someone who may take a step takes it with good arguments: it must succeed."""
        self.lawful(which, data)

    # Hypothesis enables a random subset of the rules in each example (swarm testing): two
    # more copies make it likely that hazards travel far along the loop in every example.
    @rule(which=index, data=st.data())
    def lawful_step_again(self, which, data):
        self.lawful(which, data)

    @rule(which=index, data=st.data())
    def lawful_step_once_more(self, which, data):
        self.lawful(which, data)

    def lawful(self, which: int, data) -> None:
        recent = data.draw(st.integers(0, 3)) > 0  # mostly those of this example
        ids = Hazard.objects.exclude(status__in=[Status.CLOSED, Status.MERGED])
        ids = list(ids.order_by("pk").values_list("pk", flat=True))
        new = [pk for pk in ids if pk in self.hazards[self.demo_hazards :]]
        ids = new if new and recent else ids
        h = Hazard.objects.select_related("responsible", "cell").get(pk=pick(ids, which))
        options: dict[str, list[str]] = {}
        for name, user in self.users.items():
            for step in allowed_steps(user, h):
                if self.good_args(step, user, h) is not None:
                    options.setdefault(step, []).append(name)
        if not options:
            return
        step = data.draw(st.sampled_from(sorted(options)))
        user = self.users[data.draw(st.sampled_from(options[step]))]
        a = self.good_args(step, user, h, draw=data.draw)
        self.take(step, user, h, a, must_succeed=True)

    def good_args(self, step: str, user, h: Hazard, draw=None) -> dict | None:
        """Arguments a careful user would give, or None when there are none."""
        a = {
            "note": "已核实",
            "reason": "信息不全",
            "description": "补充了位置",
            "photos": "one",
            "measures": "清理杂物，设置警示标志",
            "contingency": "险情时立即疏散",
            "funds": Decimal("1.00"),
            "deadline_hours": 24 * 10,
            "department": None,
        }
        if step == Step.MERGE:
            scope = scope_of(user)
            targets = [
                pk
                for pk, status, path, merged in Hazard.objects.filter(
                    pk__in=self.hazards, status__in=OPEN
                ).values_list("pk", "status", "cell_path", "merged_into")
                if pk != h.pk and merged is None and scope.covers(path)
            ]
            if not targets:
                return None
            a["into"] = self.hazards.index(targets[0])
        if step == Step.ESCALATE:
            if h.owner_id is None:
                return None
            a["department"] = self.world.departments.index(h.owner_id)
        if step == Step.ASSIGN:
            return self.good_plan(user, h, a, draw)
        return a

    def good_plan(self, user, h: Hazard, a: dict, draw) -> dict | None:
        """Assign to a cell holding the hazard where someone with a login works (one of them
        responsible), or to a department with a login (a member of it responsible)."""
        scope = scope_of(user)
        posts = RoleAssignment.objects.active().filter(person__user__isnull=False)
        choices = []
        for post in posts.filter(department__isnull=True).select_related("cell"):
            if h.cell_path.startswith(post.cell.path) and scope.covers(post.cell.path):
                choices.append(
                    {"assignee": "cell", "cell_pk": post.cell_id, "person_pk": post.person_id}
                )
        county = routing.county_of(h.cell)
        for post in posts.filter(department__cell=county):
            choices.append(
                {
                    "assignee": "department",
                    "department_pk": post.department_id,
                    "person_pk": post.person_id,
                }
            )
        if not choices or draw is None:
            return a if choices else None
        return a | draw(st.sampled_from(choices))

    @rule(hours=st.sampled_from([0, 1, 3, 13, 25, 50, 24 * 8, 24 * 16, 24 * 31]))
    def sweep(self, hours):
        """Time passes; the sweep marks what fell due and climbs the ladder, catching up."""
        self.clock.shift(timedelta(hours=hours))
        self.load_users()
        now = timezone.now()
        handled = supervision.sweep(now)
        self.expected_records += handled
        assert not Hazard.objects.filter(watch_at__lte=now).exists()
        for h in Hazard.objects.filter(pk__in=self.hazards, status__in=OPEN):
            if h.due_at is None:
                continue
            assert h.overdue == (h.due_at <= now), h.number
            raised = set(
                Supervision.objects.filter(
                    hazard=h, status=h.status, step_due_at=h.due_at
                ).values_list("level", flat=True)
            )
            due = {
                level
                for level, after, _answer in deadlines.rungs(h.grade)
                if h.due_at + timedelta(hours=after) <= now
            }
            assert raised == due, (h.number, raised, due)
            assert h.supervision_level == max(due, default=0)

    @rule(
        where=index,
        anonymous=st.booleans(),
        phone=st.sampled_from(["13912345678", "12345"]),
        address=st.integers(0, 2),
    )
    def public_report(self, where, anonymous, phone, address):
        cell = Cell.objects.get(pk=pick(self.world.cells, where))
        outcome = self.attempt(
            "public report",
            lambda: public.submit_report(
                text="路边山体有落石",
                cell=cell,
                anonymous=anonymous,
                name="王五",
                phone=phone,
                client_address=f"203.0.113.{address}",
            ),
        )
        if not isinstance(outcome, ActionError):
            self.reports.append(outcome.pk)

    @rule(
        who=users,
        which=index,
        verdict=st.sampled_from(["accept", "reject"]),
        grade=st.sampled_from(Grade.values),
        category=index,
    )
    def triage_public_report(self, who, which, verdict, grade, category):
        if not self.reports:
            return
        user = self.users[who]
        p = PublicReport.objects.get(pk=pick(self.reports, which))
        may = scope_of(user).covers(p.cell_path) and triages(user, Hazard(cell_path=p.cell_path))
        if verdict == "accept":
            call = lambda: public.accept_report(  # noqa: E731
                user,
                p,
                title="群众举报：落石",
                category=Domain.objects.get(pk=pick(self.world.categories, category)),
                grade=grade,
            )
            # the hazard is reported and accepted, and the triage recorded: three records
            outcome = self.attempt("accept public report", call, records=3)
        else:
            call = lambda: public.reject_report(user, p, reply="经核查不属实")  # noqa: E731
            outcome = self.attempt("reject public report", call)
        if not may or p.status != PublicStatus.RECEIVED:
            assert isinstance(outcome, ActionError)
        if isinstance(outcome, Hazard):
            self.hazards.append(outcome.pk)

    @rule(who=users, which=index, reply=mostly(["已安排专人整改，三日内完成"], [""]))
    def answer_supervision(self, who, which, reply):
        ids = list(
            Supervision.objects.filter(hazard_id__in=self.hazards)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return
        user = self.users[who]
        s = Supervision.objects.get(pk=pick(ids, which))
        outcome = self.attempt("answer", lambda: supervision.answer(user, s, text=reply))
        if not supervision.may_answer(user, s) or s.answered_at is not None:
            assert isinstance(outcome, ActionError), "only the target answers, and once"

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def every_success_has_exactly_one_record(self):
        made = AuditRecord.objects.filter(seq__gt=self.first_seq)
        assert made.count() == self.expected_records, list(made.values_list("action", flat=True))

    @invariant()
    def every_record_by_a_person_is_within_their_scope(self):
        for record in AuditRecord.objects.filter(seq__gt=self.checked_seq, actor__isnull=False):
            actor = self.users_by_pk().get(record.actor_id)
            assert actor is not None, record
            assert scope_of(actor).covers(record.cell_path), (
                f"{actor} acted outside their scope: #{record.seq} {record.action} "
                f"{record.object_label} at {record.cell_path}"
            )
        self.checked_seq = last_seq()

    def users_by_pk(self) -> dict:
        return {user.pk: user for user in self.users.values()}

    @invariant()
    def every_history_follows_the_transition_table(self):
        self.histories.walk()
        current = Hazard.objects.values_list("pk", "status")
        assert dict(current) == self.histories.status

    @invariant()
    def tallies_equal_a_recount(self):
        assert tally_stored() == tally_recount()


def last_seq() -> int:
    return AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


class Histories:
    """Every hazard's history in the audit chain, walked as records are appended: each step
    must be allowed by the transition table from where the previous record left the hazard.
    ``status`` is where each history ends, to be compared with the hazards themselves."""

    def __init__(self):
        self.status: dict[int, str] = {}
        self.seq = 0
        self.on_spot: set[int] = set()

    def copy(self) -> "Histories":
        other = Histories()
        other.status, other.seq, other.on_spot = dict(self.status), self.seq, set(self.on_spot)
        return other

    def walk(self) -> None:
        records = AuditRecord.objects.filter(seq__gt=self.seq, object_type="hazards.hazard")
        records = list(records.order_by("seq"))
        if not records:
            return
        ids = {int(r.object_id) for r in records}
        self.on_spot |= set(
            Hazard.objects.filter(pk__in=ids, stopped_on_spot=True).values_list("pk", flat=True)
        )
        users_of = dict(Person.objects.filter(user__isnull=False).values_list("pk", "user_id"))
        for record in records:
            self.apply(record, users_of)
            self.seq = record.seq

    def apply(self, record: AuditRecord, users_of: dict) -> None:
        pk = int(record.object_id)
        where = f"#{record.seq} {record.action} {record.object_label}"
        status = self.status.get(pk)
        if record.action == "hazards.report":
            assert status is None, f"{where}: reported twice"
            assert record.after["status"] == Status.SUBMITTED, where
            self.status[pk] = Status.SUBMITTED
            return
        assert status is not None, f"{where}: a record before the report"
        step = record.action.removeprefix("hazards.")
        if step in Step.values:
            assert record.before["status"] == status, f"{where}: starts from another status"
            expected = TRANSITIONS[status].get(step)
            if step == Step.ACCEPT and pk in self.on_spot:
                expected = ON_SPOT_ACCEPTED
            assert expected is not None, f"{where}: {step} is not allowed from {status}"
            assert record.after["status"] == expected, where
            self.status[pk] = expected
            if step == Step.VERIFY:
                rectifiers = {
                    record.after["rectified_by"],
                    users_of.get(record.after["responsible"]),
                }
                assert record.actor_id is None or record.actor_id not in rectifiers, (
                    f"{where}: verified by its rectifier"
                )
        elif record.action == "hazards.supervise":
            assert record.after["status"] == status, where
        else:
            assert record.action == "hazards.answer_supervision", where


@pytest.mark.django_db
def test_random_steps_by_random_users_keep_hazards_lawful_audited_and_in_scope(world):
    run_state_machine_as_test(
        lambda: HazardLoop(world),
        settings=settings(
            max_examples=15,
            stateful_step_count=50,
            deadline=None,
            database=None,
            print_blob=True,
            report_multiple_bugs=False,
            phases=PHASES,
            suppress_health_check=list(HealthCheck),
        ),
    )
