"""督办: a step left past its due time climbs 提醒 → 函告 → 通报 → 约谈 → 挂牌督办 at the hours
configured per grade, each rung a record of who must answer by when, told to an audience
that widens up the grid. The sweep is idempotent and catches up after a stop; finishing the
step resets the clock; a supervision is answered only by its target."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.hazards import actions, deadlines
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import (
    Grade,
    Hazard,
    Level,
    Status,
    StepDeadline,
    Supervision,
    SupervisionRung,
)
from qianshao.hazards.tally import counts
from qianshao.hazards.tests.conftest import nothing_changes, tally_recount, tally_stored
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.workflow.once import claim, subject, taken

START = datetime(2026, 3, 2, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
# The ladder this module configures for general hazards: level → (after hours, answer hours)
LADDER = {1: (0, 6), 2: (10, 12), 3: (20, 24), 4: (30, 24), 5: (40, 48)}


@pytest.fixture(autouse=True)
def rules(db):
    """General hazards: 5 hours to accept, then the LADDER above (major ones keep the
    defaults). The per-process cache is dropped before and after each test."""
    StepDeadline.objects.update_or_create(
        grade=Grade.GENERAL, status=Status.SUBMITTED, defaults={"hours": 5}
    )
    for level, (after, answer) in LADDER.items():
        SupervisionRung.objects.update_or_create(
            grade=Grade.GENERAL,
            level=level,
            defaults={"after_hours": after, "answer_hours": answer},
        )
    deadlines.forget()
    yield
    deadlines.forget()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def county_head(cast):
    return appoint(cast.county, Role.HEAD, name="县长")


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def sweep_at(clock, hours: float) -> int:
    clock.move_to(at(hours))
    return supervision.sweep(timezone.now())


def rungs(h: Hazard) -> list[int]:
    return sorted(Supervision.objects.filter(hazard=h).values_list("level", flat=True))


def audience(level: int, channel: str = "inapp") -> set[int]:
    """Who was told of the rung ``level`` on ``channel`` (in the app: those with a login)."""
    found = Message.objects.filter(event="hazards.supervise", channel=channel)
    return {m.person_id for m in found if m.payload["level"] == level}


def test_an_overdue_report_climbs_the_ladder_at_the_configured_hours(
    cast, clock, hazard_in, county_head, settings
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    h = hazard_in(Status.SUBMITTED)
    assert h.due_at == at(5)
    assert sweep_at(clock, 4.99) == 0 and rungs(h) == []
    expected = []
    for level, (after, answer) in LADDER.items():
        assert sweep_at(clock, 5 + after - 0.01) == 0, "not before its hour"
        assert rungs(h) == expected
        assert sweep_at(clock, 5 + after) == 1
        expected.append(level)
        assert rungs(h) == expected
        s = Supervision.objects.get(hazard=h, level=level)
        assert (s.status, s.step_due_at, s.target_cell, s.target_department) == (
            Status.SUBMITTED,
            at(5),
            cast.township,  # the township triages what is not yet accepted
            None,
        )
        assert (s.created_at, s.answer_by) == (at(5 + after), at(5 + after + answer))
        h.refresh_from_db()
        assert (h.overdue, h.supervision_level) == (True, level)
    assert h.watch_at is None, "the top rung reached: nothing more to watch"
    township = {cast.people["township"].pk}
    county = {cast.people["county"].pk, cast.people["department"].pk}  # dispatcher, office
    for channel in ["inapp", "sms"]:
        assert audience(Level.REMINDER, channel) == audience(Level.LETTER, channel) == township
        assert audience(Level.BULLETIN, channel) == township | county  # 通报 reaches the county
    assert audience(Level.INTERVIEW) == audience(Level.LISTED) == township | county
    # 约谈 and above reach the county's head too (by SMS: the head has no login here)
    assert audience(Level.INTERVIEW, "sms") == township | county | {county_head.pk}
    assert audience(Level.LISTED, "sms") == audience(Level.INTERVIEW, "sms")


def test_each_sweep_of_a_hazard_is_one_audit_record_and_moves_its_tally(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    key = ("submitted", "general", False)
    assert counts([cast.county.path])[cast.county.path] == {key: 1}
    sweep_at(clock, 5)
    assert counts([cast.county.path])[cast.county.path] == {("submitted", "general", True): 1}
    sweep_at(clock, 15)
    records = AuditRecord.objects.for_object(h).filter(action="hazards.supervise")
    assert [(r.actor, r.after["raised"]) for r in records] == [(None, ["提醒"]), (None, ["函告"])]
    assert tally_stored() == tally_recount()


def test_the_sweep_is_idempotent(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    assert sweep_at(clock, 25) == 1
    assert rungs(h) == [1, 2, 3]
    with nothing_changes():
        assert supervision.sweep(timezone.now()) == 0
        assert supervision.supervise(h.pk, timezone.now()) is False  # a second worker
        assert sweep_at(clock, 34.9) == 0


def test_a_rung_the_once_per_step_record_holds_is_not_raised(cast, clock, hazard_in):
    """The record decides: a rung it holds as raised for this step is not raised again;
    each rung raised is recorded."""
    h = hazard_in(Status.SUBMITTED)
    sweep_at(clock, 5)
    assert claim(subject(h), supervision.rung_step(Level.LETTER, Status.SUBMITTED, at(5)), at(5))
    assert sweep_at(clock, 25) == 1
    assert rungs(h) == [1, 3]
    h.refresh_from_db()
    assert h.supervision_level == 3
    assert taken(subject(h)) == {
        supervision.rung_step(level, Status.SUBMITTED, at(5)) for level in [1, 2, 3]
    }


def test_a_rung_is_told_once_however_often_it_is_told(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    sweep_at(clock, 5)
    s = Supervision.objects.get(hazard=h)
    before = Message.objects.count()
    with transaction.atomic():  # the outbox is written inside a transaction
        supervision._tell(h, s)
    assert Message.objects.count() == before


def test_the_sweep_catches_up_in_one_go_after_the_worker_was_down(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    assert sweep_at(clock, 24 * 30) == 1
    assert rungs(h) == [1, 2, 3, 4, 5]
    h.refresh_from_db()
    assert (h.overdue, h.supervision_level, h.watch_at) == (True, 5, None)
    [record] = AuditRecord.objects.for_object(h).filter(action="hazards.supervise")
    assert record.after["raised"] == ["提醒", "函告", "通报", "约谈", "挂牌督办"]
    told = [
        (m.payload["level"], m.person_id, m.channel)
        for m in Message.objects.filter(event="hazards.supervise")
    ]
    assert sorted({level for level, _p, _c in told}) == [1, 2, 3, 4, 5]
    assert len(told) == len(set(told)), "each rung told to each person once"
    with nothing_changes():
        assert sweep_at(clock, 24 * 31) == 0


def test_a_sweep_handles_a_batch_and_the_next_one_goes_on(cast, clock, hazard_in):
    made = [hazard_in(Status.SUBMITTED) for _ in range(3)]
    clock.move_to(at(6))
    assert supervision.sweep(timezone.now(), limit=2) == 2
    assert supervision.sweep(timezone.now(), limit=2) == 1
    assert supervision.sweep(timezone.now(), limit=2) == 0
    assert all(rungs(h) == [1] for h in made)


def test_finishing_the_step_resets_the_clock(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    sweep_at(clock, 16)
    h.refresh_from_db()
    assert (h.overdue, h.supervision_level) == (True, 2)
    h = actions.accept(cast.users["township"], h)
    assert (h.overdue, h.supervision_level) == (False, 0)
    assert h.due_at == h.watch_at == at(16 + 24)  # accepted: 24 hours (the default) to act
    assert counts([cast.village.path])[cast.village.path] == {("accepted", "general", False): 1}
    assert sweep_at(clock, 39.9) == 0
    assert sweep_at(clock, 40) == 1  # the new step, overdue in its turn, starts at 提醒
    new = Supervision.objects.get(hazard=h, status=Status.ACCEPTED)
    assert (new.level, new.step_due_at) == (1, at(40))
    assert rungs(h) == [1, 1, 2]
    assert tally_stored() == tally_recount()


def test_progress_does_not_reset_the_rectification_clock(cast, clock, hazard_in, later):
    h = hazard_in(Status.RECTIFYING)
    assert h.due_at == later
    h = actions.progress(cast.users["village"], h, note="已完成一半")
    assert (h.status, h.due_at) == (Status.RECTIFYING, later)


def test_the_rung_goes_to_whoever_holds_the_overdue_step(cast, clock, hazard_in):
    rectifying = hazard_in(Status.ASSIGNED)  # the village station must start it
    escalated = hazard_in(Status.ESCALATED)  # the office (owner of the category) holds it
    sweep_at(clock, 24 * 20)
    [first] = Supervision.objects.filter(hazard=rectifying, level=1)
    assert (first.target_cell, first.target_department) == (cast.village, None)
    assert cast.people["village"].pk in audience(1)
    [held] = Supervision.objects.filter(hazard=escalated, level=1)
    assert (held.target_cell, held.target_department) == (None, cast.department)


def test_a_hazard_on_the_county_itself_is_supervised_at_the_county(
    cast, clock, category, county_head, settings
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    h = actions.report(
        cast.users["county"],
        title="县城区隐患",
        description="d",
        category=category,
        cell=cast.county,
    )
    sweep_at(clock, 5 + 10)
    records = Supervision.objects.filter(hazard=h).order_by("level")
    assert [(s.level, s.target_cell, s.target_department) for s in records] == [
        (Level.REMINDER, cast.county, None),
        (Level.LETTER, cast.county, None),
    ]
    county = {cast.people["county"].pk}
    assert audience(Level.REMINDER) == audience(Level.LETTER) == county
    assert county_head.pk in audience(Level.REMINDER, "sms")
    s = records.first()
    assert supervision.may_answer(cast.users["county"], s)
    assert not supervision.may_answer(cast.users["township"], s)
    answered = supervision.answer(cast.users["county"], s, text="已安排县应急办核查")
    assert answered.answered_by == cast.users["county"]


def test_a_major_hazard_climbs_the_default_major_ladder(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED, grade=Grade.MAJOR)
    assert h.due_at == at(2)  # major hazards: accepted within 2 hours
    for hours, expected in [(2, [1]), (4, [1, 2]), (14, [1, 2, 3]), (26, [1, 2, 3, 4])]:
        sweep_at(clock, hours)
        assert rungs(h) == expected, hours
    sweep_at(clock, 50)
    assert rungs(h) == [1, 2, 3, 4, 5]


def test_a_changed_step_deadline_applies_to_steps_entered_afterwards(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    StepDeadline.objects.filter(grade=Grade.GENERAL, status=Status.ACCEPTED).update(hours=3)
    deadlines.forget()
    h = actions.accept(cast.users["township"], h)
    assert h.due_at == at(3)


def test_only_the_target_answers_a_supervision_and_only_once(cast, clock, hazard_in):
    h = hazard_in(Status.SUBMITTED)
    sweep_at(clock, 5)
    s = Supervision.objects.get(hazard=h)
    for who in ["village", "outsider", "department"]:
        assert not supervision.may_answer(cast.users[who], s)
        with nothing_changes(), pytest.raises(NotAllowed) as caught:
            supervision.answer(cast.users[who], s, text="已处理")
        assert caught.value.field == "answer"
    with nothing_changes(), pytest.raises(ActionError) as caught:
        supervision.answer(cast.users["township"], s, text="  ")
    assert caught.value.field == "answer"
    clock.move_to(at(6))
    answered = supervision.answer(cast.users["township"], s, text="<b>已安排</b>专人核查")
    assert (answered.answer, answered.answered_at, answered.answered_by) == (
        "已安排专人核查",
        at(6),
        cast.users["township"],
    )
    record = AuditRecord.objects.for_object(h).last()
    assert (record.action, record.actor) == ("hazards.answer_supervision", cast.users["township"])
    office = Message.objects.filter(event="hazards.answer_supervision")
    assert {m.person_id for m in office} == {cast.people["department"].pk}
    with nothing_changes(), pytest.raises(Conflict):
        supervision.answer(cast.users["township"], s, text="再次答复")
