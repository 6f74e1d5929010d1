"""零报告: one report per reporting cell and day, by someone holding a post in that cell —
on time up to the day's deadline (16:00 local by default), late after it. A second report
for the same cell and day is refused (the first stands); a change is a correction, by the
reporter or the level above. The day counters (``DayTally``) of the cell and every ancestor
always equal a recount of the reports; a refusal changes nothing."""

from collections import Counter
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qianshao.accounts.actions import create_login
from qianshao.audit.chain import verify
from qianshao.audit.models import AuditRecord
from qianshao.disasters import actions, schedule
from qianshao.disasters.models import DayTally, ReportingRule, ZeroKind, ZeroReport
from qianshao.grid import tree
from qianshao.grid.models import Role
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.models import Message
from qianshao.testing import appoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)
TODAY = START.date()
ERCUN = "450901100202"
SANCUN = "450901101201"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def informant(cast):
    """A second person with a post in 一村 (its information officer), with a login."""
    person = appoint(cast.village, Role.INFORMANT, name="一村信息员")
    return create_login(None, person, username="yicun-informant", password="informant-pass-1")


@pytest.fixture
def ercun_member(cast):
    """The grid member of 二村, with a login: a village next door to 一村."""
    person = appoint(cast.cell(ERCUN), Role.MEMBER, name="二村网格员")
    return create_login(None, person, username="ercun-member", password="ercun-password-1")


def zero_state() -> tuple:
    """Everything filing or correcting a zero report could touch."""
    columns = [f.attname for f in ZeroReport._meta.concrete_fields]
    return (
        list(ZeroReport.objects.order_by("pk").values_list(*columns)),
        list(DayTally.objects.order_by("pk").values_list("pk", "path", "day", "n", "on_time")),
        AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
        list(Message.objects.order_by("pk").values_list("pk", flat=True)),
    )


@contextmanager
def nothing_changes():
    """``with nothing_changes(), pytest.raises(...):`` — the refusal wrote nothing."""
    before = zero_state()
    yield
    assert zero_state() == before, "a refused action changed something"


def tally_recount() -> dict:
    """The day counters as they should be, from the reports themselves: {(path, day):
    (received, on time)} for each report's cell and its ancestors."""
    received: Counter = Counter()
    on_time: Counter = Counter()
    for path, day, in_time in ZeroReport.objects.values_list("cell_path", "day", "on_time"):
        for p in tree.lineage(path):
            received[(p, day)] += 1
            on_time[(p, day)] += int(in_time)
    return {key: (n, on_time[key]) for key, n in received.items()}


def tally_stored() -> dict:
    rows = DayTally.objects.exclude(n=0, on_time=0).values_list("path", "day", "n", "on_time")
    return {(path, day): (n, on_time) for path, day, n, on_time in rows}


def records(action: str) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(action=action).order_by("seq"))


# --- filing --------------------------------------------------------------------------------


def test_a_report_before_the_deadline_is_on_time_and_counted_up_the_tree(cast, clock):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    z.refresh_from_db()
    assert (z.cell, z.day, z.kind, z.disaster) == (cast.village, TODAY, ZeroKind.NONE, None)
    assert (z.reporter, z.reported_by) == (cast.people["village"], cast.users["village"])
    assert (z.submitted_at, z.on_time, z.corrected_at) == (START, True, None)
    for cell in [cast.village, cast.township, cast.county]:
        tally = DayTally.objects.get(path=cell.path, day=TODAY)
        assert (tally.n, tally.on_time) == (1, 1), cell.name
    assert not DayTally.objects.filter(path=cast.other_county.path).exists()
    [record] = records("disasters.zero")
    assert (record.actor, record.cell_path) == (cast.users["village"], cast.village.path)
    assert record.after == {"day": TODAY.isoformat(), "kind": "none", "on_time": True}
    assert tally_stored() == tally_recount()
    assert verify().ok


def test_a_report_at_the_deadline_is_on_time_and_one_a_second_later_is_late(
    cast, clock, ercun_member
):
    clock.move_to(datetime(2026, 7, 1, 16, 0, tzinfo=SHANGHAI))
    first = actions.file_zero(cast.users["village"], cell=cast.village)
    clock.move_to(datetime(2026, 7, 1, 16, 0, 1, tzinfo=SHANGHAI))
    second = actions.file_zero(ercun_member, cell=cast.cell(ERCUN))
    assert (first.on_time, second.on_time) == (True, False)
    township = DayTally.objects.get(path=cast.township.path, day=TODAY)
    assert (township.n, township.on_time) == (2, 1)
    assert tally_stored() == tally_recount()


def test_a_report_for_an_earlier_day_is_late(cast, clock):
    yesterday = TODAY - timedelta(days=1)
    z = actions.file_zero(cast.users["village"], cell=cast.village, day=yesterday)
    assert (z.day, z.on_time, z.submitted_at) == (yesterday, False, START)
    tally = DayTally.objects.get(path=cast.county.path, day=yesterday)
    assert (tally.n, tally.on_time) == (1, 0)
    assert not DayTally.objects.filter(day=TODAY).exists()
    assert tally_stored() == tally_recount()


def test_a_missed_report_may_be_filed_late_within_a_month_not_before(cast, clock):
    oldest = TODAY - timedelta(days=actions.BACKFILL_DAYS)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.file_zero(cast.users["village"], cell=cast.village, day=oldest - timedelta(days=1))
    assert caught.value.field == "day"
    z = actions.file_zero(cast.users["village"], cell=cast.village, day=oldest)
    assert (z.day, z.on_time) == (oldest, False)


def test_the_reporting_day_is_the_local_day(cast, clock):
    """At 00:30 in Shanghai it is still the day before in UTC: the report is for today."""
    clock.move_to(datetime(2026, 7, 2, 0, 30, tzinfo=SHANGHAI))
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    assert (z.day, z.on_time) == (TODAY + timedelta(days=1), True)


def test_with_the_deadline_on_the_next_day_the_morning_still_reports_the_day_before(cast, clock):
    """Due at 08:00 the next day: at 07:59 the report is yesterday's and on time; from 08:00
    the reporting day is today, and yesterday's comes late."""
    ReportingRule.objects.create(deadline=time(8, 0), deadline_next_day=True)
    schedule.forget()
    tomorrow = TODAY + timedelta(days=1)
    clock.move_to(datetime(2026, 7, 2, 7, 59, tzinfo=SHANGHAI))
    assert schedule.today() == TODAY
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    assert (z.day, z.on_time) == (TODAY, True)
    with pytest.raises(ActionError) as caught:
        actions.file_zero(cast.users["village"], cell=cast.village, day=tomorrow)
    assert caught.value.field == "day", "tomorrow's report is not open yet"
    clock.move_to(datetime(2026, 7, 2, 8, 0, 1, tzinfo=SHANGHAI))
    assert schedule.today() == tomorrow
    late = actions.file_zero(cast.users["admin"], cell=cast.cell(ERCUN), day=TODAY)
    assert (late.day, late.on_time) == (TODAY, False)
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    assert (z.day, z.on_time) == (tomorrow, True)


def test_a_report_may_point_to_a_disaster_reported_in_its_cell(cast, clock, disaster_in):
    d = disaster_in(cast.village)
    z = actions.file_zero(
        cast.users["village"], cell=cast.village, kind=ZeroKind.DISASTER, disaster=d
    )
    z.refresh_from_db()
    assert (z.kind, z.disaster) == (ZeroKind.DISASTER, d)
    assert tally_stored() == tally_recount()


def test_the_admin_files_for_any_reporting_cell(cast, clock):
    z = actions.file_zero(cast.users["admin"], cell=cast.other_village)
    assert (z.cell, z.reporter, z.reported_by) == (cast.other_village, None, cast.users["admin"])
    assert tally_stored() == tally_recount()


@pytest.mark.parametrize(
    "kind, where, field",
    [
        (ZeroKind.DISASTER, None, "disaster"),  # "see the report" without one
        (ZeroKind.NONE, "一村", "disaster"),  # "nothing happened", yet a report named
        (ZeroKind.DISASTER, "二村", "disaster"),  # a report of the village next door
        (ZeroKind.DISASTER, "甲镇", "disaster"),  # a report of the township above
        ("maybe", None, "kind"),
    ],
)
def test_it_refuses_a_disaster_reference_unless_the_kind_says_so_and_it_is_of_the_cell(
    cast, clock, disaster_in, kind, where, field
):
    reports = {
        "一村": disaster_in(cast.village),
        "二村": disaster_in(cast.cell(ERCUN), by="township"),
        "甲镇": disaster_in(cast.township, by="township"),
    }
    disaster = reports.get(where)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.file_zero(cast.users["village"], cell=cast.village, kind=kind, disaster=disaster)
    assert caught.value.field == field
    assert not isinstance(caught.value, NotAllowed | Conflict)


def test_it_refuses_a_disaster_that_began_after_the_reports_day(cast, clock, disaster_in):
    d = disaster_in(cast.village)  # an hour ago, today
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.file_zero(
            cast.users["village"],
            cell=cast.village,
            day=TODAY - timedelta(days=1),
            kind=ZeroKind.DISASTER,
            disaster=d,
        )
    assert caught.value.field == "disaster" and "晚于该零报告的报告日" in caught.value.message


def test_it_refuses_a_day_in_the_future(cast, clock):
    clock.move_to(datetime(2026, 7, 1, 23, 59, tzinfo=SHANGHAI))
    for day in [TODAY + timedelta(days=1), TODAY + timedelta(days=365)]:
        with nothing_changes(), pytest.raises(ActionError) as caught:
            actions.file_zero(cast.users["village"], cell=cast.village, day=day)
        assert caught.value.field == "day"


@pytest.mark.parametrize("who, code", [("township", "450901100"), ("county", "450901")])
def test_it_refuses_a_cell_that_does_not_report(cast, clock, who, code):
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.file_zero(cast.users[who], cell=cast.cell(code))
    assert caught.value.field == "cell"


@pytest.mark.parametrize("who", ["township", "county", "department", "outsider"])
def test_it_refuses_someone_without_a_post_in_the_cell_itself(cast, clock, who):
    """The township's dispatcher oversees 一村 but holds no post in it: he may chase its
    report, not file it."""
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.file_zero(cast.users[who], cell=cast.village)
    assert caught.value.field == "cell"


def test_it_refuses_a_village_member_filing_for_the_village_next_door(cast, clock):
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.file_zero(cast.users["village"], cell=cast.cell(ERCUN))
    assert caught.value.field == "cell"


def test_another_post_holder_of_the_cell_may_file_its_report(cast, clock, informant):
    z = actions.file_zero(informant, cell=cast.village)
    assert z.reporter.name == "一村信息员"


def test_a_second_report_for_the_cell_and_day_by_another_person_is_refused_naming_the_first(
    cast, clock, informant
):
    first = actions.file_zero(cast.users["village"], cell=cast.village)
    clock.move_to(START + timedelta(hours=1))
    with nothing_changes(), pytest.raises(Conflict) as caught:  # the same content, even
        actions.file_zero(informant, cell=cast.village, kind=ZeroKind.NONE)
    assert caught.value.field == "day"
    assert cast.people["village"].name in caught.value.message
    assert "09:00" in caught.value.message
    assert list(ZeroReport.objects.values_list("pk", "reported_by")) == [
        (first.pk, cast.users["village"].pk)
    ]


def test_a_second_report_for_the_cell_and_day_by_the_same_person_is_refused(
    cast, clock, disaster_in
):
    actions.file_zero(cast.users["village"], cell=cast.village)
    d = disaster_in(cast.village)
    with nothing_changes(), pytest.raises(Conflict) as caught:
        actions.file_zero(
            cast.users["village"], cell=cast.village, kind=ZeroKind.DISASTER, disaster=d
        )
    assert caught.value.field == "day"
    assert ZeroReport.objects.get().kind == ZeroKind.NONE, "the first stands"


def test_one_report_a_day_each_day(cast, clock):
    for days_ago in [2, 1, 0]:
        actions.file_zero(
            cast.users["village"], cell=cast.village, day=TODAY - timedelta(days=days_ago)
        )
    assert ZeroReport.objects.count() == 3
    assert len(records("disasters.zero")) == 3
    assert tally_stored() == tally_recount()


# --- correction ----------------------------------------------------------------------------


def test_the_reporter_corrects_the_content_and_its_time_stands(cast, clock, disaster_in):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    clock.move_to(START + timedelta(hours=8))  # after the deadline
    d = disaster_in(cast.village)
    tallies = tally_stored()
    fixed = actions.correct_zero(
        cast.users["village"],
        z,
        kind=ZeroKind.DISASTER,
        disaster=d,
        reason="<b>午后</b>山洪，补报",
    )
    fixed.refresh_from_db()
    assert (fixed.kind, fixed.disaster, fixed.corrected_at) == (
        ZeroKind.DISASTER,
        d,
        START + timedelta(hours=8),
    )
    assert (fixed.submitted_at, fixed.on_time, fixed.reported_by) == (
        START,
        True,
        cast.users["village"],
    )
    assert tally_stored() == tallies == tally_recount(), "a correction is not a new report"
    [record] = records("disasters.correct_zero")
    assert (record.actor, record.cell_path, record.note) == (
        cast.users["village"],
        cast.village.path,
        "午后山洪，补报",
    )
    assert (record.before, record.after) == (
        {"kind": "none", "disaster": None},
        {"kind": "disaster", "disaster": d.number},
    )
    assert verify().ok


@pytest.mark.parametrize("who", ["township", "county", "admin"])
def test_the_level_above_may_correct_a_report(cast, clock, disaster_in, who):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    d = disaster_in(cast.village)
    actions.correct_zero(cast.users[who], z, kind=ZeroKind.DISASTER, disaster=d, reason="核实有灾")
    z.refresh_from_db()
    assert (z.kind, z.disaster) == (ZeroKind.DISASTER, d)
    [record] = records("disasters.correct_zero")
    assert record.actor == cast.users[who]


@pytest.mark.parametrize("who", ["ercun", "outsider", "department"])
def test_a_correction_is_refused_to_anyone_else(cast, clock, disaster_in, ercun_member, who):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    d = disaster_in(cast.village)
    user = ercun_member if who == "ercun" else cast.users[who]
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.correct_zero(user, z, kind=ZeroKind.DISASTER, disaster=d, reason="改一下")
    assert caught.value.field == "kind"


def test_a_correction_needs_a_reason_a_change_and_a_report_of_the_cell(cast, clock, disaster_in):
    z = actions.file_zero(cast.users["village"], cell=cast.village)
    d = disaster_in(cast.village)
    elsewhere = disaster_in(cast.cell(ERCUN), by="township")
    village = cast.users["village"]
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.correct_zero(village, z, kind=ZeroKind.DISASTER, disaster=d, reason="  ")
    assert caught.value.field == "reason"
    with nothing_changes(), pytest.raises(Conflict) as caught:
        actions.correct_zero(village, z, kind=ZeroKind.NONE, reason="再报一次")
    assert caught.value.field == "kind"
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.correct_zero(village, z, kind=ZeroKind.DISASTER, disaster=elsewhere, reason="有灾")
    assert caught.value.field == "disaster"
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.correct_zero(village, z, kind=ZeroKind.DISASTER, reason="有灾")
    assert caught.value.field == "disaster"


# --- the counters --------------------------------------------------------------------------


def test_the_counters_of_every_cell_and_ancestor_equal_a_recount(
    cast, clock, ercun_member, informant
):
    """Reports on time and late over three days and both counties, refusals in between."""
    village, admin = cast.users["village"], cast.users["admin"]
    plan = [
        # (hour of TODAY, who, cell code, days before today)
        (8, village, "450901100201", 2),
        (9, ercun_member, ERCUN, 0),
        (10, admin, SANCUN, 1),
        (15, village, "450901100201", 0),
        (17, admin, "450902100201", 0),
        (18, informant, "450901100201", 1),
        (19, admin, SANCUN, 0),
        (20, ercun_member, ERCUN, 0),  # a second one: refused
        (21, informant, "450901100201", 0),  # a second one: refused
    ]
    filed = refused = 0
    for hour, who, code, days_ago in plan:
        clock.move_to(datetime(2026, 7, 1, hour, 0, tzinfo=SHANGHAI))
        try:
            actions.file_zero(who, cell=cast.cell(code), day=TODAY - timedelta(days=days_ago))
        except Conflict:
            refused += 1
        else:
            filed += 1
        assert tally_stored() == tally_recount(), (hour, code)
    assert (filed, refused) == (7, 2)
    assert ZeroReport.objects.filter(on_time=True).count() == 2
    county = DayTally.objects.get(path=cast.county.path, day=TODAY)
    assert (county.n, county.on_time) == (3, 2)
    assert len(records("disasters.zero")) == filed
    assert verify().ok
