"""催办 with a controlled clock: an unanswered delivery is resent at its due time and the
dispatcher of the recipient's own level is told; ``escalate`` later the dispatcher of the
level above is told. Each exactly once, however often and however late the sweep runs;
an answered delivery, or a warning that ended, is never chased.

The cast under a yellow warning to 甲镇: the recipients are the township dispatcher
(甲镇) and the village member (一村). The village member's own level is 甲镇 (its
dispatcher), the level above is A县 (the county dispatcher). The township dispatcher is
the only dispatcher of 甲镇, so his own level is A县, and above A县 there is nobody.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import OperationalError

from qianshao.accounts.actions import create_login
from qianshao.audit.chain import verify
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.warnings import actions, rules
from qianshao.warnings import sweep as chase
from qianshao.warnings.models import Answer, Channel, Delivery, Level, LevelRule, Status, Warning
from qianshao.workflow.once import claim, subject, taken

START = datetime(2026, 7, 1, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ANSWER, ESCALATE = 60, 60  # minutes, configured below for yellow
GATEWAY = "http://127.0.0.1:9/sms"  # SMS are queued (never delivered here)


@pytest.fixture(autouse=True)
def yellow(db, settings):
    """Yellow: 60 minutes to answer, the level above told 60 minutes after that."""
    settings.SMS_GATEWAY_URL = GATEWAY
    LevelRule.objects.update_or_create(
        level=Level.YELLOW,
        defaults={"answer_minutes": ANSWER, "escalate_minutes": ESCALATE},
    )
    rules.forget()
    yield
    rules.forget()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


@pytest.fixture
def sweep_at(clock):
    """``sweep_at(minutes)``: move the clock there and run the sweep."""

    def run(minutes: float) -> int:
        clock.move_to(at(minutes))
        return chase.sweep()

    return run


@pytest.fixture
def issued_at_start(cast, warn, clock):
    """``issued_at_start(answered=..., **fields)``: a yellow warning to 甲镇 issued at
    START; those named in ``answered`` answer at once."""

    def make(answered=(), **fields):
        w = actions.issue(cast.users["county"], warn([cast.township], **fields))
        for who in answered:
            mine = Delivery.objects.get(warning=w, person=cast.people[who])
            actions.answer(cast.users[who], mine, answer=Answer.RECEIVED, via=Channel.PHONE)
        return w

    return make


def resent(channel: str = "sms") -> list[int]:
    """Who was sent the warning again, one entry per message."""
    found = Message.objects.filter(event="warnings.resend", channel=channel)
    return sorted(found.values_list("person_id", flat=True))


def chased(level: int | None = None, channel: str = "inapp") -> list[int]:
    """Which dispatchers were told of late answers (of chase ``level``), one per message."""
    found = Message.objects.filter(event="warnings.chase", channel=channel)
    return sorted(m.person_id for m in found if level is None or m.payload["level"] == level)


def chase_records(w) -> list[dict]:
    found = AuditRecord.objects.for_object(w).filter(action="warnings.chase")
    return [r.after for r in found]


def state() -> tuple:
    """What a sweep could change: a sweep that should do nothing leaves it equal."""
    return (
        list(Warning.objects.order_by("pk").values_list("pk", "chase_level", "chase_at")),
        list(Delivery.objects.order_by("pk").values_list("pk", "answer")),
        list(Message.objects.order_by("pk").values_list("pk", flat=True)),
        AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
    )


def test_each_level_is_told_exactly_once_at_its_minute(cast, issued_at_start, sweep_at):
    issued_at_start(answered=["township"])
    village = cast.people["village"]
    township, county = cast.people["township"].pk, cast.people["county"].pk
    seen = []
    for minute in range(0, 3 * 60 + 1):
        sweep_at(minute)
        seen.append((minute, resent(), chased(1), chased(2)))
        if minute == ANSWER - 1:
            sweep_at(ANSWER - 1 / 60)  # one second before it is due
            assert resent() == chased() == [], "nobody is chased before the due time"
    first = ANSWER
    second = ANSWER + ESCALATE
    for minute, again, one, two in seen:
        assert again == ([village.pk] if minute >= first else []), minute
        assert one == ([township] if minute >= first else []), minute
        assert two == ([county] if minute >= second else []), minute
    d = Delivery.objects.select_related("warning").get(person=village)
    assert (d.warning.chase_level, d.warning.chase_at, d.answered_at) == (2, None, None)
    # the dispatchers are told by SMS too, once
    assert chased(1, "sms") == [township] and chased(2, "sms") == [county]


def test_the_township_dispatcher_who_is_a_recipient_is_chased_by_the_county(
    cast, issued_at_start, sweep_at
):
    issued_at_start(answered=["village"])
    township, county = cast.people["township"].pk, cast.people["county"].pk
    assert sweep_at(ANSWER - 1) == 0
    assert sweep_at(ANSWER) == 1
    assert resent() == [township]
    assert chased(1) == [county], "his own cell has no other dispatcher: the county"
    sweep_at(ANSWER + ESCALATE)
    assert chased() == [county], "above the county there is nobody to tell"
    d = Delivery.objects.select_related("warning").get(person_id=township)
    assert (d.warning.chase_level, d.warning.chase_at) == (2, None)


def test_repeated_sweeps_tell_nobody_again(cast, issued_at_start, sweep_at):
    issued_at_start()
    sweep_at(ANSWER)
    once = state()
    for minutes in [ANSWER, ANSWER, ANSWER + 1, ANSWER + ESCALATE - 1]:
        sweep_at(minutes)
        assert state() == once, minutes
    sweep_at(ANSWER + ESCALATE)
    twice = state()
    for minutes in [ANSWER + ESCALATE, ANSWER + ESCALATE + 1, 11 * 60]:
        assert sweep_at(minutes) == 0
        assert state() == twice, minutes


def test_a_step_the_once_per_step_record_holds_is_not_taken_again(cast, issued_at_start, sweep_at):
    """The record decides: a step it holds as taken (by another worker, say) is not taken
    again; the next step is, and is recorded."""
    w = issued_at_start(answered=["township"])
    assert claim(subject(w), "chase:1", at(0))
    assert sweep_at(ANSWER) == 0
    assert resent() == chased() == [] and chase_records(w) == []
    assert sweep_at(ANSWER + ESCALATE) == 1
    assert resent() == [] and chased() == chased(2) == [cast.people["county"].pk]
    assert taken(subject(w)) == {"chase:1", "chase:2"}


def test_an_answered_delivery_is_never_chased(cast, issued_at_start, sweep_at):
    w = issued_at_start(answered=["township", "village"])
    for minutes in range(0, 11 * 60, 10):
        assert sweep_at(minutes) == 0
    assert resent() == chased() == []
    assert chase_records(w) == []
    w.refresh_from_db()
    assert (w.chase_level, w.chase_at) == (0, None), "everyone answered: nothing to chase"


def test_an_answer_between_the_steps_stops_the_chase(cast, issued_at_start, sweep_at):
    w = issued_at_start(answered=["township"])
    sweep_at(ANSWER)
    assert chased(1) == [cast.people["township"].pk]
    mine = Delivery.objects.get(warning=w, person=cast.people["village"])
    actions.answer(cast.users["village"], mine, answer=Answer.RECEIVED, via=Channel.LINK)
    for minutes in [ANSWER + ESCALATE, 11 * 60]:
        assert sweep_at(minutes) == 0
    assert chased(2) == [], "the level above is not told of an answered delivery"


def test_a_sweep_long_after_takes_every_step_at_once_and_tells_each_dispatcher_once(
    cast, issued_at_start, sweep_at
):
    w = issued_at_start()  # nobody answers; the worker is down until the fifth hour
    village, township = cast.people["village"].pk, cast.people["township"].pk
    county = cast.people["county"].pk
    assert sweep_at(5 * 60) == 2
    assert resent() == sorted([village, township]), "each resent once"
    # level 1: the township of the village member, the county of the township dispatcher;
    # level 2: the county of the village member (nobody is above the county)
    assert chased(1) == sorted([township, county])
    assert chased(2) == [county]
    records = chase_records(w)
    assert [(r["level"], r["told"]) for r in records] == [
        (1, sorted([cast.township.code, cast.county.code])),
        (2, [cast.county.code]),
    ]
    w.refresh_from_db()
    assert (w.chase_level, w.chase_at) == (2, None)
    done = state()
    for minutes in [5 * 60, 5 * 60 + 1, 11 * 60]:
        assert sweep_at(minutes) == 0
        assert state() == done
    assert verify().ok


def test_one_notice_per_dispatcher_names_everyone_late_in_the_cell(cast, issued_at_start, sweep_at):
    late = [appoint(cast.village, Role.INFORMANT, name=f"信息员{i}") for i in range(3)]
    w = issued_at_start(answered=["township"])
    sweep_at(ANSWER)
    [notice] = Message.objects.filter(event="warnings.chase", channel="inapp")
    assert notice.person_id == cast.people["township"].pk
    assert notice.payload["late"] == 1 + len(late)
    assert resent() == sorted([cast.people["village"].pk, *(p.pk for p in late)])
    [record] = chase_records(w)
    assert record["late"] == Delivery.objects.filter(warning=w, answer="").count() == 4
    for person in [cast.people["village"], *late]:
        assert f"{person.name}（{person.phone}）" in notice.body


def test_every_dispatcher_of_the_cell_is_told(cast, issued_at_start, sweep_at):
    second = appoint(cast.township, Role.DISPATCHER, name="甲镇值班调度员")
    user = create_login(None, second, username="jiazhen-duty", password="duty-password-1")
    w = issued_at_start(answered=["township"])  # the second dispatcher is a recipient too
    mine = Delivery.objects.get(warning=w, person=second)
    actions.answer(user, mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    sweep_at(ANSWER)
    assert chased(1) == sorted([cast.people["township"].pk, second.pk])


def test_a_dispatcher_of_many_late_is_told_once_with_how_many_in_each_village(
    cast, issued_at_start, sweep_at
):
    """More late than a notice names: one notice per dispatcher and level still, counting
    the late village by village (the board lists them all)."""
    for i in range(8):
        appoint(cast.village, Role.INFORMANT, name=f"信息员{i}")
    for i in range(3):
        appoint(cast.cell("450901100202"), Role.INFORMANT, name=f"二村信息员{i}")
    issued_at_start(answered=["township"])
    assert sweep_at(ANSWER) == 12
    assert resent() == sorted(
        Delivery.objects.filter(answer="").values_list("person_id", flat=True)
    )
    assert chased(1) == [cast.people["township"].pk], "one notice"
    [notice] = Message.objects.filter(event="warnings.chase", channel="inapp")
    assert notice.payload["late"] == 12
    assert "一村 9 人" in notice.body and "二村 3 人" in notice.body
    assert "信息员0" not in notice.body


def test_a_cancelled_warning_stops_the_chase(cast, issued_at_start, sweep_at):
    w = issued_at_start()
    sweep_at(ANSWER - 30)
    actions.cancel(cast.users["county"], w, reason="降雨减弱")
    for minutes in [ANSWER, ANSWER + ESCALATE, 11 * 60]:
        assert sweep_at(minutes) == 0
    assert resent() == chased() == []
    assert chase_records(w) == []


def test_an_expired_warning_stops_the_chase(cast, issued_at_start, sweep_at):
    w = issued_at_start(answered=["township"], valid_until=at(ANSWER + 30))
    sweep_at(ANSWER)
    assert chased(1) == [cast.people["township"].pk]
    sweep_at(ANSWER + 30)
    w.refresh_from_db()
    assert w.status == Status.EXPIRED
    assert sweep_at(ANSWER + ESCALATE) == 0
    assert chased(2) == [], "the level above is not told of a warning that has ended"


def test_a_sweep_after_the_warning_expired_chases_nobody(cast, issued_at_start, sweep_at):
    w = issued_at_start(valid_until=at(ANSWER + 30))
    assert sweep_at(ANSWER + ESCALATE) == 0  # the first sweep since the issue
    w.refresh_from_db()
    assert w.status == Status.EXPIRED
    assert resent() == chased() == []


def test_each_chase_step_is_one_audit_record_per_warning_and_level(cast, issued_at_start, sweep_at):
    first = issued_at_start(answered=["township"])
    other = issued_at_start(answered=["township"], headline="A县气象台发布雷电黄色预警")
    sweep_at(ANSWER)
    sweep_at(ANSWER + ESCALATE)
    for w in [first, other]:
        assert chase_records(w) == [
            {"level": 1, "told": [cast.township.code], "late": 1},
            {"level": 2, "told": [cast.county.code], "late": 1},
        ]
        assert [
            m.person_id
            for m in Message.objects.filter(
                event="warnings.chase", channel="inapp", payload__warning=w.number
            ).order_by("pk")
        ] == [cast.people["township"].pk, cast.people["county"].pk]
    [*_, last] = AuditRecord.objects.filter(action="warnings.chase")
    assert last.actor is None
    assert verify().ok


def test_a_sweep_that_failed_is_taken_again_with_the_dispatchers_of_now(
    cast, issued_at_start, sweep_at, monkeypatch
):
    """A sweep rolled back (here the audit write fails once: a locked or lost database)
    changes nothing; the next sweep takes the step, and tells whoever is dispatcher then."""
    issued_at_start(answered=["township"])
    before = state()
    real = chase.audit_all
    calls = []

    def fails_once(entries):
        calls.append(len(entries))
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(entries)

    monkeypatch.setattr(chase, "audit_all", fails_once)
    with pytest.raises(OperationalError):
        sweep_at(ANSWER)
    assert state() == before, "the failed sweep wrote nothing"
    duty = appoint(cast.township, Role.DISPATCHER, name="甲镇接班调度员")
    sweep_at(ANSWER + 1)
    assert chased(1, "sms") == sorted([cast.people["township"].pk, duty.pk])
