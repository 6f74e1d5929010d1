"""The zero report's deadline sweep with a controlled clock: at the day's deadline (16:00
local by default) the dispatchers of each missing cell's own level are told which cells
have not reported; ``escalate`` (60 minutes) later the level above is told of those still
missing. Each step once per day, however often and however late the sweep runs.

On the cast: 一村 and 二村 are chased by 甲镇's dispatcher, then A县's; 乙镇 has no
dispatcher, so 三村 is chased by A县's and nobody is above that; 四村 by B县's, then nobody.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qianshao.audit.chain import verify
from qianshao.audit.models import AuditRecord
from qianshao.disasters import actions, schedule, sweep
from qianshao.disasters.models import ReportingRule
from qianshao.grid.models import Role
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.workflow.models import StepTaken
from qianshao.workflow.once import claim, subject

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 7, 1, 8, 0, tzinfo=SHANGHAI)
TODAY = START.date()
TOMORROW = TODAY + timedelta(days=1)
GATEWAY = "http://127.0.0.1:9/sms"  # SMS are queued, never delivered here
YICUN, ERCUN, SANCUN, SICUN = "450901100201", "450901100202", "450901101201", "450902100201"


@pytest.fixture(autouse=True)
def sms(settings):
    settings.SMS_GATEWAY_URL = GATEWAY


@pytest.fixture
def clock(cast):
    """The clock at 08:00 on TODAY. Both counties began reporting ten days ago (一村 and
    四村 filed then), and the worker is running: its sweep now has taken the steps of the
    day before (nobody reported that day), so what follows is TODAY's."""
    with time_machine.travel(START, tick=False) as traveller:
        for cell in [cast.village, cast.other_village]:
            actions.file_zero(cast.users["admin"], cell=cell, day=TODAY - timedelta(days=10))
        sweep.sweep()
        yield traveller


def local(hour: int, minute: int = 0, second: int = 0, day: date = TODAY) -> datetime:
    return datetime.combine(day, time(hour, minute, second), tzinfo=SHANGHAI)


@pytest.fixture
def sweep_at(clock):
    """``sweep_at(hour, minute=0, second=0, day=TODAY)``: move the clock there, sweep."""

    def run(hour: int, minute: int = 0, second: int = 0, day: date = TODAY) -> int:
        clock.move_to(local(hour, minute, second, day))
        return sweep.sweep()

    return run


@pytest.fixture
def file_at(cast, clock):
    """``file_at(code, hour, minute=0, second=0)``: the cell's zero report for TODAY, filed
    then (by the admin, who may file for any cell)."""

    def run(code: str, hour: int, minute: int = 0, second: int = 0):
        clock.move_to(local(hour, minute, second))
        return actions.file_zero(cast.users["admin"], cell=cast.cell(code))

    return run


def told(level: int, channel: str = "inapp", day: date = TODAY) -> list[tuple[int, str]]:
    """(person, cells named) for each message of chase ``level`` of ``day``."""
    found = Message.objects.filter(event="disasters.zero_missing", channel=channel)
    return sorted(
        (m.person_id, m.body.split("：", 1)[1])
        for m in found
        if m.payload["level"] == level and m.payload["day"] == day.isoformat()
    )


def state() -> tuple:
    """What a sweep could change: a sweep that should do nothing leaves it equal."""
    return (
        list(Message.objects.order_by("pk").values_list("pk", flat=True)),
        list(StepTaken.objects.order_by("pk").values_list("subject", "step", "at")),
        AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
    )


def steps(day: date = TODAY) -> list[tuple[str, datetime]]:
    """The chase steps taken for ``day`` (the once-per-step record): (step, when)."""
    found = StepTaken.objects.filter(subject=f"disasters.day:{day.isoformat()}")
    return list(found.order_by("step").values_list("step", "at"))


def chases(day: date = TODAY) -> list[dict]:
    found = AuditRecord.objects.filter(action="disasters.chase_zero").order_by("seq")
    return [r.after for r in found if r.after["day"] == day.isoformat()]


@pytest.fixture
def who(cast):
    return {name: cast.people[name].pk for name in ["township", "county", "outsider"]}


def test_nobody_is_told_before_the_deadline(cast, sweep_at, who):
    for hour, minute, second in [(8, 0, 0), (12, 0, 0), (15, 59, 0), (15, 59, 59)]:
        assert sweep_at(hour, minute, second) == 0
    assert told(1) == told(2) == []
    assert steps() == []
    assert chases() == []


def test_at_the_deadline_each_missing_cell_is_told_to_its_own_levels_dispatchers(
    cast, sweep_at, file_at, who
):
    file_at(ERCUN, 9)
    assert sweep_at(16) == 3
    expected = sorted(
        [(who["township"], "一村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )
    assert told(1) == expected
    assert told(1, "sms") == expected
    assert told(2) == []
    assert steps() == [("chase:1", local(16))]
    assert chases() == [
        {
            "day": TODAY.isoformat(),
            "level": 1,
            "missing": 3,
            "told": sorted([cast.township.code, cast.county.code, cast.other_county.code]),
        }
    ]
    [notice] = Message.objects.filter(
        event="disasters.zero_missing",
        channel="inapp",
        person_id=who["township"],
        payload__day=TODAY.isoformat(),
    )
    assert notice.payload == {"day": TODAY.isoformat(), "level": 1, "missing": 1}
    assert notice.link == f"/disasters/board/?cell={cast.township.code}&day={TODAY.isoformat()}"


def test_the_level_above_is_told_of_those_still_missing_after_escalate(
    cast, sweep_at, file_at, who
):
    """一村 reports late, between the steps: the county is told only of 二村; 三村's and
    四村's dispatchers are their counties', above which there is nobody."""
    assert sweep_at(16) == 4
    assert told(1) == sorted(
        [(who["township"], "一村、二村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )
    late = file_at(YICUN, 16, 30)
    assert late.on_time is False
    assert sweep_at(16, 59, 59) == 0
    assert told(2) == []
    assert sweep_at(17) == 3
    assert told(2) == told(2, "sms") == [(who["county"], "二村")]
    assert [c["told"] for c in chases()] == [
        sorted([cast.township.code, cast.county.code, cast.other_county.code]),
        [cast.county.code],
    ]


def test_cells_that_reported_on_time_are_never_named(cast, sweep_at, file_at, who):
    for code in [YICUN, ERCUN, SANCUN]:
        file_at(code, 10)
    assert sweep_at(17) == 2  # both steps, one missing cell (四村) in each
    assert told(1) == [(who["outsider"], "四村")]
    assert told(2) == []
    assert [(c["level"], c["missing"], c["told"]) for c in chases()] == [
        (1, 1, [cast.other_county.code]),
        (2, 1, []),
    ]


def test_when_every_cell_reported_nobody_is_told_but_the_steps_are_recorded(
    cast, sweep_at, file_at
):
    for code in [YICUN, ERCUN, SANCUN, SICUN]:
        file_at(code, 10)
    assert sweep_at(16) == 0
    assert sweep_at(17) == 0
    assert told(1) == told(2) == []
    assert [step for step, _ in steps()] == ["chase:1", "chase:2"]
    assert [(c["level"], c["missing"]) for c in chases()] == [(1, 0), (2, 0)]


def test_sweeps_run_again_or_later_tell_nobody_twice(cast, sweep_at, who):
    sweep_at(16)
    once = state()
    for hour, minute in [(16, 0), (16, 0), (16, 1), (16, 59)]:
        assert sweep_at(hour, minute) == 0
        assert state() == once, (hour, minute)
    assert sweep_at(17) == 4
    twice = state()
    for hour, minute, day in [(17, 0, TODAY), (23, 59, TODAY), (0, 0, TOMORROW), (8, 0, TOMORROW)]:
        assert sweep_at(hour, minute, day=day) == 0
        assert state() == twice, (hour, minute, day)
    assert told(1) == sorted(
        [(who["township"], "一村、二村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )
    assert told(2) == [(who["county"], "一村、二村")]
    assert sweep_at(16, day=TOMORROW) == 4, "the next day is a new day"
    assert told(1, day=TOMORROW) == told(1)
    assert told(2, day=TOMORROW) == []


def test_a_step_the_once_per_step_record_holds_is_not_taken_again(cast, sweep_at, who):
    """The record decides: a day's step it holds as taken is not taken again."""
    assert claim(subject("disasters.day", TODAY), "chase:1", local(8))
    assert sweep_at(16) == 0
    assert told(1) == [] and chases() == []
    assert sweep_at(17) == 4
    assert told(2) == [(who["county"], "一村、二村")]
    assert [step for step, _ in steps()] == ["chase:1", "chase:2"]


def test_the_first_sweep_the_next_morning_takes_both_steps_of_the_day_before(
    cast, sweep_at, file_at, who
):
    """The worker was down from the morning until the next morning."""
    file_at(SANCUN, 11)
    assert sweep_at(7, 30, day=TOMORROW) == 3 + 3
    assert told(1) == sorted([(who["township"], "一村、二村"), (who["outsider"], "四村")])
    assert told(2) == [(who["county"], "一村、二村")]
    assert told(1, day=TOMORROW) == told(2, day=TOMORROW) == []
    assert steps() == [
        ("chase:1", local(7, 30, day=TOMORROW)),
        ("chase:2", local(7, 30, day=TOMORROW)),
    ]
    assert [(c["level"], c["missing"]) for c in chases()] == [(1, 3), (2, 3)]
    done = state()
    assert sweep_at(7, 31, day=TOMORROW) == 0
    assert state() == done


def test_a_changed_rule_applies(cast, sweep_at, file_at, who):
    """Deadline 10:00, the level above told 30 minutes later."""
    ReportingRule.objects.create(deadline=time(10, 0), escalate_minutes=30)
    schedule.forget()
    assert sweep_at(9, 59, 59) == 0
    assert file_at(YICUN, 10, 0, 0).on_time is True
    assert sweep_at(10) == 3
    assert told(1) == sorted(
        [(who["township"], "二村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )
    assert file_at(SANCUN, 10, 0, 1).on_time is False  # late, before the level above is told
    assert sweep_at(10, 29, 59) == 0
    assert told(2) == []
    assert sweep_at(10, 30) == 2
    assert told(2) == [(who["county"], "二村")]
    assert [(c["level"], c["missing"]) for c in chases()] == [(1, 3), (2, 2)]
    once = state()
    assert sweep_at(16) == sweep_at(17) == 0, "the default hours no longer apply"
    assert state() == once


def test_a_deadline_on_the_next_day_chases_the_day_the_next_morning(cast, sweep_at, who):
    """Due at 08:00 the next day: nobody is told of TODAY at 16:00 or at midnight; at 08:00
    on TOMORROW its missing cells are, once; TOMORROW's own are not chased yet."""
    ReportingRule.objects.create(deadline=time(8, 0), deadline_next_day=True, escalate_minutes=60)
    schedule.forget()
    sweep_at(16)  # looks a day further back now: catches up a day the fixture never swept
    assert sweep_at(16, 1) == sweep_at(23, 59, 59) == sweep_at(7, 59, 59, day=TOMORROW) == 0
    assert told(1) == [] and chases() == []
    assert sweep_at(8, 0, 0, day=TOMORROW) == 4
    assert told(1) == sorted(
        [(who["township"], "一村、二村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )
    assert told(1, day=TOMORROW) == []
    assert sweep_at(8, 30, day=TOMORROW) == 0
    assert sweep_at(9, 0, day=TOMORROW) == 4  # still missing, an hour later
    assert told(2) == [(who["county"], "一村、二村")]  # 三村, 四村: nobody above their chasers
    assert [(c["level"], c["missing"]) for c in chases()] == [(1, 4), (2, 4)]
    assert chases(TOMORROW) == []


def test_a_dispatcher_appointed_in_a_township_chases_its_villages(cast, sweep_at, who):
    yizhen = appoint(cast.cell("450901101"), Role.DISPATCHER, name="乙镇调度员")
    sweep_at(17)
    assert told(1, "sms") == sorted(
        [
            (who["township"], "一村、二村"),
            (yizhen.pk, "三村"),
            (who["outsider"], "四村"),
        ]
    )
    assert told(2, "sms") == [(who["county"], "一村、二村、三村")]


def test_every_dispatcher_of_the_cell_is_told(cast, sweep_at, who):
    duty = appoint(cast.township, Role.DISPATCHER, name="甲镇值班调度员")
    sweep_at(16)
    assert [t for t in told(1, "sms") if t[1] == "一村、二村"] == sorted(
        [(who["township"], "一村、二村"), (duty.pk, "一村、二村")]
    )


def test_each_step_is_one_audit_record_by_the_system_and_the_chain_holds(cast, sweep_at):
    sweep_at(16)
    sweep_at(16, 30)
    sweep_at(17)
    records = [
        r
        for r in AuditRecord.objects.filter(action="disasters.chase_zero")
        if r.after["day"] == TODAY.isoformat()
    ]
    assert [(r.actor, r.after["level"]) for r in records] == [(None, 1), (None, 2)]
    assert verify().ok


def test_nobody_is_chased_before_reporting_began(cast):
    """No zero report was ever filed and the rule names no start: nobody is late yet."""
    with time_machine.travel(local(17), tick=False):
        assert sweep.sweep() == 0
    with time_machine.travel(local(8, day=TOMORROW), tick=False):
        assert sweep.sweep() == 0
    assert not StepTaken.objects.exists()
    assert not Message.objects.filter(event="disasters.zero_missing").exists()


def test_days_before_the_rules_start_are_not_chased(cast, sweep_at, who):
    ReportingRule.objects.create(start=TOMORROW)
    schedule.forget()
    assert sweep_at(17) == 0
    assert told(1) == told(2) == []
    assert sweep_at(16, day=TOMORROW) == 4
    assert told(1, day=TOMORROW) == sorted(
        [(who["township"], "一村、二村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )


def test_a_county_that_has_not_begun_reporting_is_not_chased(cast, who):
    """A县 began ten days ago, B县 not yet: only A县's villages are missing. Once 四村 files
    its first report, B县 is chased from the next day on."""
    with time_machine.travel(START, tick=False) as clock:
        actions.file_zero(cast.users["admin"], cell=cast.village, day=TODAY - timedelta(days=10))
        assert sweep.sweep() == 6  # the day before: A县's three, at both steps
        assert "四村" not in str(told(1, day=TODAY - timedelta(days=1)))
        clock.move_to(local(16))
        assert sweep.sweep() == 3  # 一村, 二村, 三村
        assert told(1) == sorted([(who["township"], "一村、二村"), (who["county"], "三村")])
        clock.move_to(local(17))
        assert sweep.sweep() == 3  # the level above, of A县's
        clock.move_to(local(18))
        actions.file_zero(cast.users["admin"], cell=cast.cell(SICUN))
        clock.move_to(local(16, day=TOMORROW))
        assert sweep.sweep() == 4
    assert told(1, day=TOMORROW) == sorted(
        [(who["township"], "一村、二村"), (who["county"], "三村"), (who["outsider"], "四村")]
    )
