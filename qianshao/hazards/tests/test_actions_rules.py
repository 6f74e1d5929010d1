"""The rules of each step of the loop: the transition table, who may take a step, and the
step's own input. Every refusal is a clear error naming the field, and leaves the hazard —
and everything else — unchanged, with no audit record."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid.actions import assign_role, create_department
from qianshao.grid.models import Role
from qianshao.hazards import actions
from qianshao.hazards.models import TRANSITIONS, Hazard, Note, Status, Step
from qianshao.hazards.permissions import allowed_steps
from qianshao.hazards.tests.conftest import jpeg, nothing_changes
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.testing import appoint

LOOP = [step for step in Step.values if step != Step.REPORT]


def step_call(step: str, actor, h: Hazard, *, cast, later, other: Hazard):
    """``step`` on ``h`` with input that is good in itself."""
    plan = {
        "measures": "清理杂物",
        "responsible": cast.people["village"],
        "deadline": later,
        "contingency": "设置警示",
        "assignee_cell": cast.village,
    }
    calls = {
        Step.ACCEPT: lambda: actions.accept(actor, h),
        Step.RETURN: lambda: actions.return_report(actor, h, reason="位置不清"),
        Step.RESUBMIT: lambda: actions.resubmit(actor, h, description="补充位置"),
        Step.MERGE: lambda: actions.merge(actor, h, into=other),
        Step.ESCALATE: lambda: actions.escalate(actor, h),
        Step.ASSIGN: lambda: actions.assign(actor, h, **plan),
        Step.START: lambda: actions.start(actor, h),
        Step.PROGRESS: lambda: actions.progress(actor, h, note="过半"),
        Step.SUBMIT: lambda: actions.submit(actor, h, photo_files=[("a.jpg", jpeg())]),
        Step.VERIFY: lambda: actions.verify(actor, h),
        Step.REJECT: lambda: actions.reject(actor, h, reason="不到位"),
        Step.CLOSE: lambda: actions.close(actor, h),
    }
    return calls[step]()


def test_no_step_is_taken_from_a_status_the_table_does_not_allow_it_from(cast, hazard_in, later):
    """Every status × every step it does not allow, by an administrator (whom no
    permission stops): 409 naming the step, nothing written."""
    admin = cast.users["admin"]
    other = hazard_in(Status.SUBMITTED)
    tried = 0
    for status in Status.values:
        h = hazard_in(status)
        assert h.status == status
        for step in LOOP:
            if step in TRANSITIONS[status]:
                continue
            with nothing_changes(), pytest.raises(Conflict) as caught:
                step_call(step, admin, h, cast=cast, later=later, other=other)
            assert caught.value.field == "step", (status, step)
            assert Hazard.objects.get(pk=h.pk).status == status
            tried += 1
    assert tried == len(Status.values) * len(LOOP) - sum(map(len, TRANSITIONS.values()))


@pytest.mark.parametrize(
    "status, step, who",
    [
        (Status.SUBMITTED, Step.ACCEPT, "village"),  # a field member does not triage
        (Status.SUBMITTED, Step.ACCEPT, "outsider"),
        (Status.SUBMITTED, Step.RETURN, "department"),  # a general hazard not escalated
        (Status.SUBMITTED, Step.MERGE, "village"),
        (Status.ACCEPTED, Step.ASSIGN, "village"),
        (Status.ACCEPTED, Step.ESCALATE, "department"),
        (Status.ASSIGNED, Step.START, "township"),  # the assignee rectifies, not the triage
        (Status.ASSIGNED, Step.START, "county"),
        (Status.RECTIFYING, Step.SUBMIT, "outsider"),
        (Status.VERIFYING, Step.VERIFY, "village"),  # the rectifier
        (Status.VERIFYING, Step.REJECT, "department"),
        (Status.VERIFIED, Step.CLOSE, "village"),
        (Status.RETURNED, Step.RESUBMIT, "township"),  # only the reporter resubmits
    ],
)
def test_a_step_by_someone_it_does_not_belong_to_is_refused(
    cast, hazard_in, later, status, step, who
):
    h = hazard_in(status)
    other = hazard_in(Status.ACCEPTED)
    user = cast.users[who]
    assert step not in allowed_steps(user, h)
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        step_call(step, user, h, cast=cast, later=later, other=other)
    assert caught.value.field == "step"


def test_a_second_township_of_the_county_may_not_triage_the_first_ones_hazard(cast, hazard_in):
    person = appoint(cast.cell("450901101"), Role.DISPATCHER, name="乙镇调度员")
    yizhen = create_login(None, person, username="yizhen", password="yizhen-password-1")
    h = hazard_in(Status.SUBMITTED)
    assert allowed_steps(yizhen, h) == []
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.accept(yizhen, h)


def test_a_deadline_in_the_past_is_refused(cast, hazard_in):
    h = hazard_in(Status.ACCEPTED)
    for deadline in [timezone.now() - timedelta(days=1), timezone.now()]:
        with nothing_changes(), pytest.raises(ActionError) as caught:
            actions.assign(
                cast.users["township"],
                h,
                measures="清理杂物",
                responsible=cast.people["village"],
                deadline=deadline,
                contingency="设置警示",
                assignee_cell=cast.village,
            )
        assert caught.value.field == "deadline"
    assert Hazard.objects.get(pk=h.pk).status == Status.ACCEPTED


@pytest.fixture
def other_county_department(cast):
    return create_department(None, cell=cast.other_county, code="BXYJJ", name="B县应急管理局")


PLANS = [
    # (what, changes to a good plan, refusal, field)
    ("no assignee", {"assignee_cell": None}, ActionError, "assignee_cell"),
    ("two assignees", {"assignee_department": "ours"}, ActionError, "assignee_cell"),
    ("no measures", {"measures": " "}, ActionError, "measures"),
    ("no contingency plan", {"contingency": "<p></p>"}, ActionError, "contingency"),
    ("negative funds", {"funds": Decimal("-0.01")}, ActionError, "funds"),
    ("a cell outside the assigner's scope", {"assignee_cell": "450902100201"}, NotAllowed,
     "assignee_cell"),
    ("a cell that does not hold the hazard", {"assignee_cell": "450901100202"}, ActionError,
     "assignee_cell"),
    ("a department of another county",
     {"assignee_cell": None, "assignee_department": "theirs"}, ActionError,
     "assignee_department"),
]  # fmt: skip


@pytest.mark.parametrize(
    "changes, refusal, field", [row[1:] for row in PLANS], ids=[row[0] for row in PLANS]
)
def test_a_plan_missing_one_of_the_five_or_routed_wrong_is_refused(
    cast, hazard_in, later, other_county_department, changes, refusal, field
):
    h = hazard_in(Status.ACCEPTED)
    named = {
        "ours": cast.department,
        "theirs": other_county_department,
        "450902100201": cast.other_village,
        "450901100202": cast.cell("450901100202"),
        None: None,
    }
    plan = {
        "measures": "清理杂物",
        "responsible": cast.people["village"],
        "deadline": later,
        "contingency": "设置警示",
        "funds": Decimal("1.50"),
        "assignee_cell": cast.village,
    }
    for key, value in changes.items():
        plan[key] = named[value] if key.startswith("assignee") else value
    with nothing_changes(), pytest.raises(refusal) as caught:
        actions.assign(cast.users["township"], h, **plan)
    assert caught.value.field == field


def test_a_plan_may_go_to_the_township_above_the_hazard_or_to_a_county_department(
    cast, hazard_in, later
):
    plan = {
        "measures": "清理杂物",
        "responsible": cast.people["village"],
        "deadline": later,
        "contingency": "设置警示",
    }
    township = cast.users["township"]
    h = actions.assign(township, hazard_in(Status.ACCEPTED), assignee_cell=cast.township, **plan)
    assert (h.status, h.assignee_cell, h.assignee_department) == (
        Status.ASSIGNED,
        cast.township,
        None,
    )
    h = actions.assign(
        township, hazard_in(Status.ACCEPTED), assignee_department=cast.department, **plan
    )
    assert (h.assignee_cell, h.assignee_department) == (None, cast.department)


def test_the_rectifier_may_not_verify_even_when_they_could_triage(cast, hazard_in, later):
    """The township dispatcher is made the plan's responsible person: though they triage
    the township, they may not verify what they were responsible for; the county may."""
    township, village, county = (cast.users[u] for u in ("township", "village", "county"))
    h = hazard_in(Status.ACCEPTED)
    h = actions.assign(
        township,
        h,
        measures="清理杂物",
        responsible=cast.people["township"],
        deadline=later,
        contingency="设置警示",
        assignee_cell=cast.village,
    )
    h = actions.start(village, h)
    h = actions.submit(village, h, photo_files=[("a.jpg", jpeg())])
    for rectifier in [village, township]:
        assert Step.VERIFY not in allowed_steps(rectifier, h)
        with nothing_changes(), pytest.raises(NotAllowed) as caught:
            actions.verify(rectifier, h)
        assert caught.value.field == "step"
    assert Step.REJECT in allowed_steps(township, h)  # sending it back is not verifying
    h = actions.verify(county, h)
    assert (h.status, h.verified_by, h.rectified_by) == (Status.VERIFIED, county, village)


def test_a_hazard_stopped_on_the_spot_is_accepted_straight_into_verification(cast, hazard_in):
    township, village, county = (cast.users[u] for u in ("township", "village", "county"))
    h = hazard_in(Status.SUBMITTED, stopped_on_spot=True)
    h = actions.accept(township, h)
    assert (h.status, h.rectified_by) == (Status.VERIFYING, village)
    assert h.due_at is not None and h.assignee_cell is None
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.verify(village, h)  # its reporter stopped it: not its verifier
    h = actions.verify(county, h)
    h = actions.close(township, h)
    actions_taken = [r.action for r in AuditRecord.objects.for_object(h)]
    assert actions_taken == ["hazards.report", "hazards.accept", "hazards.verify", "hazards.close"]


def test_a_plans_responsible_person_outside_the_hazards_scope_may_not_rectify(
    cast, hazard_in, later
):
    """The plan names a person of 一村 who then moves to another township: being named
    does not reach outside their scope — the village station rectifies instead. (Nobody
    out of sight may be named to begin with: test_a_responsible_person_must_see_the_hazard.)
    """
    person = appoint(cast.village, Role.MEMBER, name="调走的网格员", end=timezone.localdate())
    assign_role(None, person=person, cell=cast.cell("450901101201"), role=Role.MEMBER, notify=False)
    elsewhere = create_login(None, person, username="sancun", password="sancun-password-1")
    h = actions.assign(
        cast.users["township"],
        hazard_in(Status.ACCEPTED),
        measures="清理杂物",
        responsible=person,
        deadline=later,
        contingency="设置警示",
        assignee_cell=cast.village,
    )
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        elsewhere = type(elsewhere).objects.get(pk=elsewhere.pk)  # no cached posts
        assert allowed_steps(elsewhere, h) == []
        with nothing_changes(), pytest.raises(NotAllowed) as caught:
            actions.start(elsewhere, h)
        assert caught.value.field == "step"
        assert actions.start(cast.users["village"], h).status == Status.RECTIFYING


def test_a_responsible_person_must_see_the_hazard(cast, hazard_in, later):
    person = appoint(cast.cell("450901101201"), Role.MEMBER, name="三村网格员")
    h = hazard_in(Status.ACCEPTED)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.assign(
            cast.users["county"],
            h,
            measures="清理杂物",
            responsible=person,
            deadline=later,
            contingency="设置警示",
            assignee_cell=cast.village,
        )
    assert caught.value.field == "responsible"


def test_merging_needs_an_open_hazard_other_than_itself_within_scope(cast, hazard_in):
    township = cast.users["township"]
    h = hazard_in(Status.SUBMITTED)
    closed = hazard_in(Status.CLOSED)
    merged = hazard_in(Status.MERGED)
    outside = actions.report(
        None, title="乙镇隐患", description="d", category=h.category, cell=cast.cell("450901101201")
    )
    for into, refusal in [
        (h, ActionError),
        (closed, ActionError),
        (merged, ActionError),
        (outside, NotAllowed),
    ]:
        with nothing_changes(), pytest.raises(refusal) as caught:
            actions.merge(township, h, into=into)
        assert caught.value.field == "into"
    target = hazard_in(Status.RECTIFYING)
    h = actions.merge(township, h, into=target)
    assert (h.status, h.merged_into, h.due_at) == (Status.MERGED, target, None)
    assert Note.objects.get(hazard=h).text == "已与其他隐患合并处理"  # not the number


def test_escalation_goes_only_to_a_department_of_the_hazards_county(
    cast, hazard_in, other_county_department, category
):
    township = cast.users["township"]
    h = hazard_in(Status.ACCEPTED)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.escalate(township, h, department=other_county_department)
    assert caught.value.field == "department"
    category.departments.clear()  # now nobody owns the category …
    unowned = hazard_in(Status.ACCEPTED)
    assert unowned.owner is None
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.escalate(township, unowned)  # … so the department must be named
    assert caught.value.field == "department"
    h = actions.escalate(township, unowned, department=cast.department)
    assert (h.status, h.assignee_department, h.escalated_by) == (
        Status.ESCALATED,
        cast.department,
        cast.township,
    )


@pytest.mark.parametrize(
    "status, call, field",
    [
        (Status.SUBMITTED, lambda u, h: actions.return_report(u, h, reason=" "), "reason"),
        (Status.VERIFYING, lambda u, h: actions.reject(u, h, reason="<br>"), "reason"),
        (Status.RECTIFYING, lambda u, h: actions.submit(u, h), "photos"),
        (Status.RECTIFYING, lambda u, h: actions.progress(u, h, note=""), "note"),
        (
            Status.RECTIFYING,
            lambda u, h: actions.submit(u, h, note="长" * 4001, photo_files=[("a", jpeg())]),
            "note",
        ),
        (Status.SUBMITTED, lambda u, h: actions.accept(u, h, note="长" * 4001), "note"),
    ],
    ids=[
        "return without a reason",
        "reject without a reason",
        "submit without after-photos",
        "progress without a note",
        "submit with a note too long",
        "accept with a note too long",
    ],
)
def test_a_step_missing_what_it_needs_is_refused(cast, hazard_in, status, call, field):
    h = hazard_in(status)
    user = cast.users["village" if status == Status.RECTIFYING else "county"]
    with nothing_changes(), pytest.raises(ActionError) as caught:
        call(user, h)
    assert caught.value.field == field


def test_an_optional_note_of_blanks_or_markup_is_no_note(cast, hazard_in):
    h = actions.accept(cast.users["township"], hazard_in(Status.SUBMITTED), note="  <b> </b> ")
    assert h.status == Status.ACCEPTED
    assert not Note.objects.filter(hazard=h).exists()
    assert AuditRecord.objects.for_object(h).last().note == ""


def test_a_note_is_kept_and_audited_as_the_same_clean_text(cast, hazard_in):
    h = actions.accept(cast.users["township"], hazard_in(Status.SUBMITTED), note="<i>已受理</i>")
    assert Note.objects.get(hazard=h).text == "已受理"
    assert AuditRecord.objects.for_object(h).last().note == "已受理"


def test_a_returned_report_is_resubmitted_by_its_reporter_amended(cast, hazard_in):
    h = hazard_in(Status.RETURNED)
    assert allowed_steps(cast.users["village"], h) == [Step.RESUBMIT]
    h = actions.resubmit(cast.users["village"], h, description="<b>东侧</b>仓库")
    assert (h.status, Hazard.objects.get(pk=h.pk).description) == (Status.SUBMITTED, "东侧仓库")
    assert h.due_at is not None and not h.overdue


def test_a_rejected_hazard_goes_back_to_rectifying_with_the_plans_deadline_if_still_ahead(
    cast, hazard_in, later
):
    h = hazard_in(Status.VERIFYING)
    h = actions.reject(cast.users["county"], h, reason="警示标志未设置")
    assert (h.status, h.deadline, h.due_at) == (Status.RECTIFYING, later, later)
    assert Note.objects.filter(hazard=h, step=Step.REJECT).get().text == "警示标志未设置"


def test_closing_stamps_the_time_and_stops_the_clock(cast, hazard_in):
    h = hazard_in(Status.CLOSED)
    assert h.closed_at is not None
    assert (h.due_at, h.watch_at, h.overdue, h.supervision_level) == (None, None, False, 0)
    assert allowed_steps(cast.users["admin"], h) == []
