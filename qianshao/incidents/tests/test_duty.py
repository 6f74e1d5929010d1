"""The duty desk: rosters planned and copied forward, check-in and its chase, swaps both
sides confirm, spot checks answered and chased, the handover with what is open, the duty
log append-only, and an incident opened from a call in the log."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.db import DatabaseError, transaction
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.incidents import actions, actions_duty, sweep, sweep_duty
from qianshao.incidents.models import (
    DutyEntry,
    Handover,
    Incident,
    Shift,
    SpotAnswer,
    Swap,
    SwapStatus,
)
from qianshao.incidents.tests.duty_helpers import on_duty_now, staff
from qianshao.incidents.tests.helpers import an_incident
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.notify.models import Message

pytestmark = pytest.mark.django_db


def logged_in(person, name):
    return create_login(None, person, username=name, password="qianshao-test-1")


def test_a_month_is_planned_and_a_bad_row_named_with_nothing_written(cast):
    lead, a, b = staff(cast, cast.township, "镇长", "甲", "乙")
    first = timezone.localdate().replace(day=1) + timedelta(days=40)
    first = first.replace(day=1)
    rows = [
        {"day": first + timedelta(days=k), "part": "full", "leader": lead.pk, "a": a.pk, "b": b.pk}
        for k in range(5)
    ]
    assert actions_duty.plan(cast.users["township"], cast.township, rows) == 5
    assert actions_duty.plan(cast.users["township"], cast.township, rows) == 0  # unchanged
    outsider = staff(cast, cast.county, "县里人")[0]
    bad = rows + [
        {
            "day": first + timedelta(days=6),
            "part": "full",
            "leader": None,
            "a": outsider.pk,
            "b": None,
        },
        {"day": first + timedelta(days=7), "part": "night", "leader": None, "a": a.pk, "b": None},
        {"day": first + timedelta(days=8), "part": "full", "leader": None, "a": a.pk, "b": a.pk},
    ]
    with pytest.raises(ActionError) as wrong:
        actions_duty.plan(cast.users["township"], cast.township, bad)
    assert [e.field for e in wrong.value.errors] == ["rows.6.a", "rows.7.part", "rows.8.b"]
    assert Shift.objects.count() == 5
    with pytest.raises(NotAllowed):
        actions_duty.plan(cast.users["department"], cast.township, rows)  # sees, not manages
    with pytest.raises(NotFound):
        actions_duty.plan(cast.users["outsider"], cast.township, rows)
    with pytest.raises(ActionError):  # a village keeps no roster unless enabled
        actions_duty.plan(cast.users["township"], cast.village, rows)


def test_the_roster_is_copied_forward_day_for_day(cast):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    this = timezone.localdate().replace(day=1)
    following = (this + timedelta(days=32)).replace(day=1)
    later = (following + timedelta(days=32)).replace(day=1)
    actions_duty.plan(
        cast.users["township"],
        cast.township,
        [
            {"day": following + timedelta(days=k), "part": "full", "leader": lead.pk, "a": a.pk}
            for k in range(3)
        ],
    )
    assert actions_duty.copy_forward(cast.users["township"], cast.township, later) == 3
    assert set(Shift.objects.filter(day__gte=later).values_list("day", "post_a")) == {
        (later + timedelta(days=k), a.pk) for k in range(3)
    }
    with pytest.raises(ActionError):
        actions_duty.copy_forward(cast.users["township"], cast.township, date(2020, 1, 1))


def test_check_in_and_the_chase_of_a_shift_nobody_confirmed(cast):
    lead, a, b = staff(cast, cast.township, "镇长", "甲", "乙")
    shift = on_duty_now(cast, cast.township, lead, a, b)
    chase = shift.starts_at + timedelta(minutes=15)
    assert shift.watch_at == max(chase, shift.watch_at)  # never before the 15 minutes
    with time_machine.travel(shift.starts_at + timedelta(minutes=1)):
        # the sweep: nobody confirmed 15 minutes after the start — the cell's dispatcher
        assert sweep.sweep(shift.watch_at) >= 1
    told = Message.objects.filter(event="incidents.checkin_missing")
    assert cast.people["township"].pk in set(told.values_list("person", flat=True))
    with pytest.raises(NotAllowed):
        actions_duty.confirm(cast.users["department"], shift)  # sees it, neither on it nor manages
    user = logged_in(a, "duty-a")
    actions_duty.confirm(user, shift)
    shift.refresh_from_db()
    assert shift.confirmed_by == a and shift.watch_at is None
    with pytest.raises(Conflict):
        actions_duty.confirm(user, shift)


def test_a_swap_needs_both_sides(cast):
    lead, a, b, c = staff(cast, cast.township, "镇长", "甲", "乙", "丙")
    shift = on_duty_now(cast, cast.township, lead, a, b)
    giver, taker = logged_in(a, "swap-a"), logged_in(c, "swap-c")
    with pytest.raises(NotAllowed):
        actions_duty.propose_swap(taker, shift, post="a", taker=c)  # not theirs to give
    with pytest.raises(ActionError):
        actions_duty.propose_swap(giver, shift, post="a", taker=b)  # already on the shift
    swap = actions_duty.propose_swap(giver, shift, post="a", taker=c, note="家中有事")
    shift.refresh_from_db()
    assert shift.post_a == a  # nothing moves until the taker accepts
    with pytest.raises(NotAllowed):
        actions_duty.answer_swap(giver, swap, "accept")
    actions_duty.answer_swap(taker, swap, "accept")
    shift.refresh_from_db()
    assert shift.post_a == c
    assert Swap.objects.get().status == SwapStatus.ACCEPTED
    assert AuditRecord.objects.filter(action="incidents.swap.accept").count() == 1


def test_a_spot_check_reaches_the_townships_on_duty_and_is_chased(cast):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    shift = on_duty_now(cast, cast.township, lead, a)
    officer = logged_in(a, "spot-a")  # in-app messages need a login
    check = actions_duty.spot_check(cast.users["county"], cast.county, note="夜间查岗")
    answers = {x.cell_id: x for x in SpotAnswer.objects.filter(spot=check)}
    assert set(answers) == {cast.township.pk, cast.cell("450901101").pk}  # both townships
    assert answers[cast.cell("450901101").pk].shift is None  # 乙镇: nobody on duty
    assert Message.objects.filter(event="incidents.spot", person=a).exists()
    with pytest.raises(NotAllowed):
        actions_duty.spot_check(cast.users["department"], cast.county)
    mine = answers[cast.township.pk]
    assert sweep.sweep(mine.due_at + timedelta(minutes=1)) >= 1
    assert Message.objects.filter(event="incidents.spot_missing", person=a).exists()
    with time_machine.travel(mine.due_at + timedelta(minutes=2)):
        actions_duty.answer_spot(officer, mine)
    mine.refresh_from_db()
    check.refresh_from_db()
    assert mine.late and check.answers_n == 1
    assert shift.pk == mine.shift_id


def test_the_handover_lists_what_is_open_and_is_chased_until_accepted(cast):
    lead, a, b = staff(cast, cast.township, "镇长", "甲", "乙")
    shift = on_duty_now(cast, cast.township, lead, a)
    following_day = shift.day + timedelta(days=1)
    actions_duty.plan(None, cast.township, [{"day": following_day, "part": "full", "a": b.pk}])
    incident = an_incident(cast)
    incoming = logged_in(b, "ho-b")
    handover = actions_duty.write_handover(
        logged_in(a, "ho-a"),
        shift,
        text=actions_duty.handover_text(actions_duty.open_items(cast.township)),
    )
    assert any(
        item["kind"] == "incidents.open" and incident.title in item["label"]
        for item in handover.items
    )
    assert incident.title in handover.text
    with pytest.raises(Conflict):
        actions_duty.write_handover(logged_in(lead, "ho-lead"), shift, text="again")
    assert sweep.sweep(handover.watch_at + timedelta(minutes=1)) >= 1
    assert Message.objects.filter(event="incidents.handover_missing", person=b).exists()
    following = Shift.objects.get(cell=cast.township, day=following_day)
    with time_machine.travel(following.starts_at + timedelta(minutes=5)):
        actions_duty.accept_handover(incoming, handover)
    handover.refresh_from_db()
    assert handover.accepted_by == b and Handover.objects.count() == 1


def test_the_duty_log_is_append_only_and_a_call_becomes_an_incident(cast):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    on_duty_now(cast, cast.township, lead, a)
    officer = logged_in(a, "log-a")
    call = actions_duty.log_duty(
        officer,
        cast.township,
        kind="receive",
        caller="村民王某",
        phone="13900000000",
        text="一村后山有落石砸中房屋",
    )
    with pytest.raises(NotAllowed):
        actions_duty.log_duty(cast.users["department"], cast.township, kind="receive", text="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        DutyEntry.objects.filter(pk=call.pk).update(text="改写")
    fixed = actions_duty.log_duty(
        officer, cast.township, kind="receive", text="应为二村", corrects=call.pk
    )
    assert fixed.corrects_id == call.pk
    incident = actions.open_incident(
        officer,
        title="后山落石",
        kind="natural",
        category="geological",
        cell=cast.village,
        occurred_at=timezone.now() - timedelta(minutes=10),
        summary=call.text,
        origin=f"incidents.duty:{call.pk}",
    )
    follow = DutyEntry.objects.get(follows=call)
    assert follow.kind == "follow" and follow.incident == incident
    assert Incident.objects.get().origin == f"incidents.duty:{call.pk}"


def test_the_sweep_warns_of_days_nobody_is_on_a_week_ahead_once_a_day(cast):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    today = timezone.localdate()
    actions_duty.plan(
        None,
        cast.township,
        [{"day": today + timedelta(days=k), "part": "full", "a": a.pk} for k in range(7)],
    )
    now = timezone.now()
    # A县, 乙镇, B县 and 丙镇 have nobody; 甲镇 is covered
    assert sweep_duty.gaps(now) == 4
    gaps = Message.objects.filter(event="incidents.roster_gap")
    assert cast.people["township"].pk not in set(gaps.values_list("person", flat=True))
    assert cast.people["county"].pk in set(gaps.values_list("person", flat=True))
    before = gaps.count()
    assert sweep_duty.gaps(now + timedelta(minutes=5)) == 0
    assert Message.objects.filter(event="incidents.roster_gap").count() == before


def test_a_manager_records_a_check_in_for_an_officer_without_the_app(cast):
    lead, a = staff(cast, cast.township, "镇长", "甲")
    shift = on_duty_now(cast, cast.township, lead, a)
    actions_duty.confirm(cast.users["township"], shift)  # 代为确认, after a phone call
    shift.refresh_from_db()
    assert shift.confirmed_by == a and shift.watch_at is None
    record = AuditRecord.objects.get(action="incidents.shift.confirm")
    assert record.after["on_behalf"] is True


@pytest.mark.parametrize("clock", ["00:00:30", "08:29:59", "17:29:59", "23:59:59"])
def test_the_shift_a_test_puts_on_duty_is_under_way_today_at_any_hour(cast, clock):
    """The tests' own roster: begun at 08:29:59, a test found yesterday's shift ending under
    it a second later."""
    hour, minute, second = (int(x) for x in clock.split(":"))
    today = timezone.localdate()
    at = timezone.make_aware(datetime.combine(today, time(hour, minute, second)))
    lead, a = staff(cast, cast.township, "镇长", "甲")
    with time_machine.travel(at, tick=False):
        shift = on_duty_now(cast, cast.township, lead, a)
    assert shift.day == today
    assert actions_duty.current_shift(cast.township.pk, at + timedelta(seconds=2)) == shift
    assert shift.ends_at - at > timedelta(hours=17)
