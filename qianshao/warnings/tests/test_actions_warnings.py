"""The actions of a warning's life, through the real functions: drafting refuses bad input
and writes nothing, issuing fans out one delivery per responsible person, a county-wide
red or orange warning waits for a second person, revise / cancel / expire end it, a
township relays it with added instructions, and each recipient answers (叫应) in order."""

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.chain import verify
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions as grid_actions
from qianshao.grid.models import Role
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.warnings import actions, links
from qianshao.warnings import sweep as chase
from qianshao.warnings.access import visible_warnings
from qianshao.warnings.models import (
    Answer,
    Channel,
    Delivery,
    Level,
    Reply,
    Source,
    Status,
    Target,
    Warning,
)

START = datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GATEWAY = "http://127.0.0.1:9/sms"  # set, so SMS are queued; nothing here delivers them


# --- helpers ----------------------------------------------------------------------------


def warning_state() -> tuple:
    """Everything a warning action could touch: a refused action leaves it equal."""
    columns = [f.attname for f in Warning._meta.concrete_fields]
    return (
        list(Warning.objects.order_by("pk").values_list(*columns)),
        list(Target.objects.order_by("pk").values_list("pk", "warning_id", "cell_id")),
        list(
            Delivery.objects.order_by("pk").values_list(
                "pk", "warning_id", "person_id", "answer", "note", "evacuated", "answered_at"
            )
        ),
        list(Reply.objects.order_by("pk").values_list("pk", "delivery_id", "answer")),
        list(Message.objects.order_by("pk").values_list("pk", "status")),
        AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
    )


@contextmanager
def nothing_changes():
    """``with nothing_changes(), pytest.raises(...):`` — the refusal wrote nothing."""
    before = warning_state()
    yield
    assert warning_state() == before, "a refused action changed something"


def told(event: str, channel: str = "inapp", warning: Warning | None = None) -> list[int]:
    """The people an ``event`` was queued to on ``channel``, one entry per message."""
    found = Message.objects.filter(event=event, channel=channel)
    if warning is not None:
        found = found.filter(payload__warning=warning.number)
    return sorted(found.values_list("person_id", flat=True))


def steps(w: Warning) -> list[str]:
    return list(AuditRecord.objects.for_object(w).values_list("action", flat=True))


def delivery_of(w: Warning, person) -> Delivery:
    return Delivery.objects.get(warning=w, person=person)


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY_URL = GATEWAY
    return settings


@pytest.fixture
def county_head(cast):
    """A second person who may approve the county's warnings: the county's 网格长."""
    person = appoint(cast.county, Role.HEAD, name="县应急办主任")
    return create_login(None, person, username="county-head", password="head-password-1")


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sweep():
    """``sweep()``: the periodic sweep (``tasks.sweep_warnings``) at the clock's time."""
    return chase.sweep


# --- drafting: refusals -----------------------------------------------------------------


def test_it_refuses_a_warning_with_no_target(cast, warn):
    with nothing_changes(), pytest.raises(ActionError) as refused:
        warn([])
    assert refused.value.field == "targets"


def test_it_refuses_an_end_before_the_start(cast, warn):
    now = timezone.now()
    with nothing_changes(), pytest.raises(ActionError) as refused:
        warn(valid_from=now + timedelta(hours=3), valid_until=now + timedelta(hours=2))
    assert refused.value.field == "valid_until"


def test_it_refuses_an_end_in_the_past(cast, warn):
    now = timezone.now()
    with nothing_changes(), pytest.raises(ActionError) as refused:
        warn(valid_from=now - timedelta(hours=3), valid_until=now - timedelta(minutes=1))
    assert refused.value.field == "valid_until"


def test_it_refuses_an_unknown_level(cast, warn):
    with nothing_changes(), pytest.raises(ActionError) as refused:
        warn(level="purple")
    assert refused.value.field == "level"


def test_it_refuses_targets_outside_the_users_scope(cast, warn):
    with nothing_changes(), pytest.raises(NotAllowed) as refused:
        warn([cast.township], by="outsider")
    assert refused.value.field == "targets"
    with nothing_changes(), pytest.raises(NotAllowed):
        warn([cast.village, cast.other_village])  # the county reaching into B县


def test_it_refuses_a_village_member_drafting_or_issuing(cast, warn):
    with nothing_changes(), pytest.raises(NotAllowed):
        warn([cast.village], by="village")
    w = warn([cast.village])
    for who in ["village", "department", "township", "outsider"]:  # the county's draft
        with nothing_changes(), pytest.raises(NotAllowed):
            actions.issue(cast.users[who], w)
    w.refresh_from_db()
    assert w.status == Status.DRAFT


def test_a_draft_is_one_audit_record_and_sends_nothing(cast, warn, sms):
    w = warn([cast.township])
    assert (w.status, w.cell, w.source) == (Status.DRAFT, cast.county, Source.LOCAL)
    assert [t.cell for t in w.targets.all()] == [cast.township]
    assert steps(w) == ["warnings.draft"]
    assert not Delivery.objects.exists() and not Message.objects.exists()


# --- issuing: the fan-out ---------------------------------------------------------------


def test_issuing_creates_one_delivery_per_responsible_person_in_the_targets(cast, warn, sms):
    second_village = cast.cell("450901100202")
    informant = appoint(second_village, Role.INFORMANT, name="二村信息员")
    two_posts = appoint(cast.village, Role.MEMBER, name="一村网格员兼二村网格长")
    grid_actions.assign_role(
        None, person=two_posts, cell=second_village, role=Role.HEAD, notify=False
    )
    appoint(cast.village, Role.MANAGER, name="网格管理员")  # yellow does not go to managers
    appoint(cast.village, Role.MEMBER, name="已离任", end=date(2024, 6, 30))
    appoint(cast.cell("450901101201"), Role.HEAD, name="三村村长")  # 乙镇: not targeted
    recipients = {
        cast.people["township"].pk,
        cast.people["village"].pk,
        informant.pk,
        two_posts.pk,
    }

    w = actions.issue(cast.users["county"], warn([cast.township]))

    deliveries = list(Delivery.objects.filter(warning=w))
    assert sorted(d.person_id for d in deliveries) == sorted(recipients), "one each, none else"
    assert w.status == Status.ISSUED and w.recipients == len(recipients)
    assert {d.due_at for d in deliveries} == {w.issued_at + timedelta(minutes=60)}
    assert (w.answer_due_at, w.chase_at, w.chase_level) == (deliveries[0].due_at,) * 2 + (0,)
    assert all(d.answer == "" and d.answered_at is None for d in deliveries)
    assert steps(w) == ["warnings.draft", "warnings.issue"]


def test_issuing_tells_those_with_a_login_in_the_app_and_everyone_by_sms(cast, warn, sms):
    informant = appoint(cast.village, Role.INFORMANT, name="一村信息员")
    w = actions.issue(cast.users["county"], warn([cast.township]))
    logins = [cast.people["township"].pk, cast.people["village"].pk]
    assert told("warnings.issue", "inapp") == sorted(logins)
    assert told("warnings.issue", "sms") == sorted([*logins, informant.pk])
    for m in Message.objects.filter(event="warnings.issue", channel="inapp"):
        assert m.link == f"/m/warnings/{w.number}/?via=inbox"  # answers count as 站内消息
    for m in Message.objects.filter(event="warnings.issue", channel="sms"):
        d = delivery_of(w, m.person_id)
        assert m.address == d.phone == d.person.phone
        assert m.link.startswith("/w/"), "the SMS carries the one-tap answer link"
        assert links.delivery_id_of(m.link.removeprefix("/w/")) == d.pk
        assert (m.payload["warning"], m.payload["level"]) == (w.number, Level.YELLOW)


def test_without_an_sms_gateway_issuing_sends_no_sms(cast, warn, settings):
    settings.SMS_GATEWAY_URL = ""
    actions.issue(cast.users["county"], warn([cast.township]))
    assert Delivery.objects.count() == 2
    assert told("warnings.issue", "inapp") == sorted(
        [cast.people["township"].pk, cast.people["village"].pk]
    )
    assert not Message.objects.filter(channel="sms").exists()


def test_a_blue_warning_goes_only_to_the_roles_of_its_level(cast, warn, sms):
    head = appoint(cast.village, Role.HEAD, name="一村网格长")
    w = actions.issue(cast.users["county"], warn([cast.township], level=Level.BLUE))
    # blue: 网格长, 调度员, 信息员 — not the village's 网格员
    assert sorted(Delivery.objects.filter(warning=w).values_list("person_id", flat=True)) == (
        sorted([head.pk, cast.people["township"].pk])
    )


def test_issuing_twice_is_a_conflict_and_sends_nothing_more(cast, warn, sms):
    w = actions.issue(cast.users["county"], warn([cast.township]))
    with nothing_changes(), pytest.raises(Conflict):
        actions.issue(cast.users["county"], w)


def test_issuing_to_targets_where_nobody_answers_is_refused_and_writes_nothing(cast, warn, sms):
    nobody = warn([cast.cell("450901101")])  # 乙镇 and 三村: nobody appointed there
    only_a_member = warn([cast.village], level=Level.BLUE)  # blue reaches no 网格员
    for w, cells, level in [(nobody, "乙镇", "黄色"), (only_a_member, "一村", "蓝色")]:
        with nothing_changes(), pytest.raises(ActionError) as refused:
            actions.issue(cast.users["county"], w)
        assert (type(refused.value), refused.value.status) == (ActionError, 400)
        assert (refused.value.field, refused.value.message) == (
            "targets",
            f"预警范围（{cells}）内没有需叫应的责任人（{level}预警的接收角色），不能发布",
        )


def test_a_revision_to_nobody_is_refused_and_the_version_in_force_stays(cast, warn, sms):
    w = actions.issue(cast.users["county"], warn([cast.township]))
    revision = actions.revise(cast.users["county"], w, targets=[cast.cell("450901101")])
    with nothing_changes(), pytest.raises(ActionError, match="没有需叫应的责任人"):
        actions.issue(cast.users["county"], revision)
    w.refresh_from_db()
    assert (w.status, w.chase_at is not None) == (Status.ISSUED, True)


# --- a second person for county-wide red and orange -------------------------------------


@pytest.mark.parametrize("level", [Level.RED, Level.ORANGE])
def test_a_county_wide_red_or_orange_warning_is_issued_only_once_someone_else_approved_it(
    cast, warn, sms, county_head, level
):
    county = cast.users["county"]
    w = warn([cast.county], level=level)
    with nothing_changes(), pytest.raises(NotAllowed) as refused:
        actions.issue(county, w)
    assert refused.value.field == "step"
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.issue(county_head, w)  # not approved: whoever issues it
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.approve(county, w)  # the author cannot approve
    for stranger in ["outsider", "township", "village"]:
        with nothing_changes(), pytest.raises(NotAllowed):
            actions.approve(cast.users[stranger], w)

    w = actions.approve(county_head, w, note="同意发布")
    assert (w.status, w.approved_by) == (Status.APPROVED, county_head)
    [approved] = Message.objects.filter(event="warnings.approve")
    assert (approved.channel, approved.user) == ("inapp", county), "the author is told"
    w = actions.issue(county, w)
    assert w.status == Status.ISSUED
    assert steps(w) == ["warnings.draft", "warnings.approve", "warnings.issue"]
    # the whole county: every role of every cell in it, the outsider's county not, nor
    # the author and issuer (county) and the approver (county_head): issue 12, defect 4
    everyone = ["department", "township", "village"]
    assert sorted(Delivery.objects.filter(warning=w).values_list("person_id", flat=True)) == (
        sorted(cast.people[who].pk for who in everyone)
    )


def test_a_county_wide_yellow_warning_is_issued_without_approval(cast, warn, sms):
    w = actions.issue(cast.users["county"], warn([cast.county], level=Level.YELLOW))
    assert w.status == Status.ISSUED and w.approved_by is None


def test_a_red_warning_to_a_third_of_the_county_needs_no_approval(cast, warn, sms):
    """A县 has three villages; 乙镇 and 一村 are one each (the share's own tests:
    test_approval_by_reach)."""
    appoint(cast.cell("450901101"), Role.HEAD, name="乙镇网格长")
    by_county = actions.issue(cast.users["county"], warn([cast.cell("450901101")], level=Level.RED))
    by_township = actions.issue(
        cast.users["township"], warn([cast.village], level=Level.RED, by="township")
    )
    assert by_county.status == by_township.status == Status.ISSUED
    assert by_township.cell == cast.township


def test_a_red_warning_to_a_township_of_most_of_the_county_waits_for_approval(cast, warn, sms):
    w = warn([cast.township], level=Level.RED, by="township")
    with nothing_changes(), pytest.raises(NotAllowed) as refused:
        actions.issue(cast.users["township"], w)
    assert "A县 66%" in refused.value.message


# --- revise, cancel, expire -------------------------------------------------------------


def test_issuing_a_revision_ends_the_old_version_as_updated_and_fans_out_the_new(
    cast, warn, sms, county_head
):
    county = cast.users["county"]
    manager = appoint(cast.village, Role.MANAGER, name="网格管理员")  # orange: every role
    old = actions.issue(county, warn([cast.township]))
    new = actions.revise(county, old, level=Level.ORANGE, headline="暴雨预警升级为橙色")
    assert (new.status, new.replaces, new.cell) == (Status.DRAFT, old, old.cell)
    with nothing_changes(), pytest.raises(Conflict):
        actions.revise(county, old, headline="又一个更新")  # one pending update at a time
    old.refresh_from_db()
    assert old.status == Status.ISSUED, "the old one stands until the new one is issued"

    new = actions.issue(county, actions.approve(county_head, new))  # orange to 2 of 3 villages
    old.refresh_from_db()
    assert (old.status, old.ended_at) == (Status.UPDATED, new.issued_at)
    assert old.chase_at is None, "nobody chased for the old version"
    people = [cast.people["township"].pk, cast.people["village"].pk, manager.pk]
    assert sorted(Delivery.objects.filter(warning=new).values_list("person_id", flat=True)) == (
        sorted(people)
    )
    assert told("warnings.issue", "sms", new) == sorted(people)
    assert steps(old) == ["warnings.draft", "warnings.issue", "warnings.update"]
    assert steps(new) == ["warnings.draft", "warnings.approve", "warnings.issue"]
    with nothing_changes(), pytest.raises(Conflict):
        actions.revise(county, old, headline="更新已结束的预警")


def test_cancelling_an_issued_warning_tells_every_recipient(cast, warn, sms):
    informant = appoint(cast.village, Role.INFORMANT, name="一村信息员")
    w = actions.issue(cast.users["county"], warn([cast.township]))
    w = actions.cancel(cast.users["county"], w, reason="降雨减弱，解除预警")
    assert (w.status, w.end_reason) == (Status.CANCELLED, "降雨减弱，解除预警")
    logins = [cast.people["township"].pk, cast.people["village"].pk]
    assert told("warnings.cancelled", "inapp") == sorted(logins)
    assert told("warnings.cancelled", "sms") == sorted([*logins, informant.pk])
    assert w.chase_at is None, "nobody chased"
    assert steps(w) == ["warnings.draft", "warnings.issue", "warnings.cancel"]


def test_cancelling_needs_a_reason(cast, warn, sms):
    w = actions.issue(cast.users["county"], warn([cast.township]))
    with nothing_changes(), pytest.raises(ActionError) as refused:
        actions.cancel(cast.users["county"], w, reason="  ")
    assert refused.value.field == "reason"


def test_cancelling_a_draft_sends_nothing(cast, warn, sms):
    w = warn([cast.township])
    w = actions.cancel(cast.users["county"], w, reason="误操作")
    assert w.status == Status.CANCELLED
    assert not Message.objects.exists() and not Delivery.objects.exists()
    assert steps(w) == ["warnings.draft", "warnings.cancel"]


def test_the_sweep_expires_a_warning_at_its_valid_until_and_its_relays_with_it(
    cast, warn, sms, clock, sweep
):
    until = START + timedelta(hours=2)
    w = actions.issue(cast.users["county"], warn([cast.township], valid_until=until))
    relay = actions.relay(
        cast.users["township"], w, targets=[cast.village], instruction="一村注意山洪"
    )
    clock.move_to(until - timedelta(seconds=1))
    sweep()
    w.refresh_from_db()
    assert w.status == Status.ISSUED
    clock.move_to(until)
    sweep()
    w.refresh_from_db()
    relay.refresh_from_db()
    assert (w.status, w.ended_at) == (Status.EXPIRED, until)
    assert relay.status == Status.EXPIRED
    assert w.chase_at is None and relay.chase_at is None
    [record] = AuditRecord.objects.for_object(w).filter(action="warnings.expire")
    assert record.actor is None
    with nothing_changes():
        sweep()
    assert verify().ok


# --- relaying ---------------------------------------------------------------------------


def test_a_township_relays_a_county_warning_to_a_village_with_added_instructions(cast, warn, sms):
    w = actions.issue(cast.users["county"], warn([cast.county]))
    newcomer = appoint(cast.village, Role.INFORMANT, name="新任信息员")  # after the issue
    held = delivery_of(w, cast.people["village"])

    relay = actions.relay(
        cast.users["township"], w, targets=[cast.village], instruction="一村立即转移沟边住户"
    )
    assert (relay.parent, relay.source, relay.status) == (w, Source.RELAY, Status.ISSUED)
    assert (relay.cell, relay.level, relay.instruction) == (
        cast.township,
        w.level,
        "一村立即转移沟边住户",
    )
    assert [t.cell for t in relay.targets.all()] == [cast.village]
    assert list(w.relays.all()) == [relay]
    # who already answers the parent gets the instructions, with their own link, no delivery
    assert told("warnings.relay", "inapp") == [cast.people["village"].pk]
    [relayed] = Message.objects.filter(event="warnings.relay", channel="sms")
    assert relayed.person_id == cast.people["village"].pk
    assert links.delivery_id_of(relayed.link.removeprefix("/w/")) == held.pk
    assert "一村立即转移沟边住户" in relayed.body
    assert Delivery.objects.filter(person=cast.people["village"]).count() == 1
    # someone new in the targets gets a delivery of the relay
    assert list(Delivery.objects.filter(warning=relay).values_list("person_id", flat=True)) == [
        newcomer.pk
    ]
    assert relay.recipients == 1
    assert told("warnings.issue", "sms", relay) == [newcomer.pk]
    assert steps(relay) == ["warnings.relay"]


def test_a_relay_outside_the_parents_targets_is_refused(cast, warn, sms):
    both = appoint(cast.cell("450901101"), Role.DISPATCHER, name="甲乙两镇调度员")
    grid_actions.assign_role(
        None, person=both, cell=cast.township, role=Role.DISPATCHER, notify=False
    )
    user = create_login(None, both, username="two-townships", password="both-password-1")
    w = actions.issue(cast.users["county"], warn([cast.township]))
    third_village = cast.cell("450901101201")  # 乙镇: theirs, but not the warning's
    for actor in [user, cast.users["admin"]]:
        with nothing_changes(), pytest.raises(ActionError) as refused:
            actions.relay(actor, w, targets=[third_village], instruction="转发到三村")
        assert refused.value.field == "targets"


def test_a_relay_outside_ones_own_scope_is_refused(cast, warn, sms):
    w = actions.issue(cast.users["county"], warn([cast.county]))
    with nothing_changes(), pytest.raises(NotAllowed) as refused:
        actions.relay(
            cast.users["township"],
            w,
            targets=[cast.cell("450901101201")],
            instruction="转发到三村",
        )
    assert refused.value.field == "targets"


@pytest.mark.parametrize("who", ["county", "village", "outsider", "department"])
def test_only_a_cell_below_the_issuer_relays(cast, warn, sms, who):
    w = actions.issue(cast.users["county"], warn([cast.county]))
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.relay(cast.users[who], w, targets=[cast.village], instruction="转发")


def test_a_draft_cannot_be_relayed(cast, warn, sms):
    w = warn([cast.county])
    with nothing_changes(), pytest.raises(Conflict):
        actions.relay(cast.users["township"], w, targets=[cast.village], instruction="转发")


# --- 叫应: answers ------------------------------------------------------------------------


@pytest.fixture
def mine(cast, warn, sms):
    """The village member's delivery of an issued warning to 甲镇."""
    w = actions.issue(cast.users["county"], warn([cast.township]))
    return delivery_of(w, cast.people["village"])


def test_a_recipient_answers_received_acting_and_done_in_order(cast, mine):
    village = cast.users["village"]
    d = actions.answer(village, mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    assert (d.answer, d.answered_via) == (Answer.RECEIVED, Channel.PHONE)
    first = d.answered_at
    d = actions.answer(village, mine, answer=Answer.ACTING, via=Channel.INBOX, note="正在转移")
    assert (d.answer, d.note, d.answered_at, d.answered_via) == (
        Answer.ACTING,
        "正在转移",
        first,
        Channel.PHONE,
    )
    d = actions.answer(village, mine, answer=Answer.DONE, via=Channel.API, evacuated=37)
    assert (d.answer, d.evacuated, d.note) == (Answer.DONE, 37, "正在转移")
    replies = Reply.objects.filter(delivery=mine)
    assert [(r.answer, r.via, r.user) for r in replies] == [
        (Answer.RECEIVED, Channel.PHONE, village),
        (Answer.ACTING, Channel.INBOX, village),
        (Answer.DONE, Channel.API, village),
    ]
    records = AuditRecord.objects.filter(action="warnings.answer").order_by("seq")
    assert [(r.actor, r.after["answer"], r.after["delivery"]) for r in records] == [
        (village, Answer.RECEIVED, mine.pk),
        (village, Answer.ACTING, mine.pk),
        (village, Answer.DONE, mine.pk),
    ]
    assert verify().ok


def test_acting_is_optional(cast, mine):
    village = cast.users["village"]
    actions.answer(village, mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    d = actions.answer(village, mine, answer=Answer.DONE, via=Channel.PHONE, evacuated=0)
    assert (d.answer, d.evacuated) == (Answer.DONE, 0)


def test_each_answer_is_given_once_and_never_backwards(cast, mine):
    village = cast.users["village"]
    actions.answer(village, mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    with nothing_changes(), pytest.raises(Conflict) as refused:
        actions.answer(village, mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    assert refused.value.field == "answer"
    actions.answer(village, mine, answer=Answer.ACTING, via=Channel.PHONE, note="巡查中")
    for earlier in [Answer.RECEIVED, Answer.ACTING]:
        with nothing_changes(), pytest.raises(Conflict):
            actions.answer(village, mine, answer=earlier, via=Channel.PHONE)
    actions.answer(village, mine, answer=Answer.DONE, via=Channel.PHONE, evacuated=5)
    for again in [Answer.RECEIVED, Answer.ACTING, Answer.DONE]:
        with nothing_changes(), pytest.raises(Conflict):
            actions.answer(village, mine, answer=again, via=Channel.PHONE, evacuated=6)
    assert Reply.objects.filter(delivery=mine).count() == 3


def test_an_answer_on_a_delivery_read_before_another_answer_sees_that_answer(cast, mine):
    """The answer writes only if the delivery's answer is still the one read (no locked
    second read): read before another answer came, it is checked again against what the
    delivery holds now — as if it had been read after."""
    village = cast.users["village"]

    def as_read():  # as access_my_delivery reads it
        return Delivery.objects.select_related("warning", "person", "cell").get(pk=mine.pk)

    stale, late = as_read(), as_read()
    actions.answer(village, as_read(), answer=Answer.RECEIVED, via=Channel.PHONE)
    with nothing_changes(), pytest.raises(Conflict) as refused:
        actions.answer(village, stale, answer=Answer.RECEIVED, via=Channel.INBOX)
    assert "已收到" in str(refused.value)
    d = actions.answer(village, late, answer=Answer.ACTING, via=Channel.INBOX, note="转移中")
    assert (d.answer, d.answered_via, d.note) == (Answer.ACTING, Channel.PHONE, "转移中")
    d.refresh_from_db()
    assert (d.answer, d.answered_via, d.note) == (Answer.ACTING, Channel.PHONE, "转移中")
    assert [r.answer for r in Reply.objects.filter(delivery=mine).order_by("pk")] == [
        Answer.RECEIVED,
        Answer.ACTING,
    ]
    answers = AuditRecord.objects.filter(action="warnings.answer").order_by("seq")
    assert [(a.before["answer"], a.after["answer"]) for a in answers] == [
        ("", Answer.RECEIVED),
        (Answer.RECEIVED, Answer.ACTING),
    ]


def test_a_reused_one_tap_link_is_a_conflict(cast, mine):
    token = links.token_for(mine.pk)
    d = Delivery.objects.get(pk=links.delivery_id_of(token))
    d = actions.answer(None, d, answer=Answer.RECEIVED, via=Channel.LINK)
    assert (d.answer, d.answered_via) == (Answer.RECEIVED, Channel.LINK)
    [reply] = Reply.objects.filter(delivery=mine)
    assert reply.user == cast.users["village"], "the link answers for its recipient"
    with nothing_changes(), pytest.raises(Conflict):
        actions.answer(None, d, answer=Answer.RECEIVED, via=Channel.LINK)


def test_an_answer_by_someone_else_is_not_allowed(cast, mine):
    for who in ["township", "county", "outsider", "admin"]:
        with nothing_changes(), pytest.raises(NotAllowed) as refused:
            actions.answer(cast.users[who], mine, answer=Answer.RECEIVED, via=Channel.PHONE)
        assert refused.value.field == "answer"


def test_an_unknown_answer_is_refused(cast, mine):
    with nothing_changes(), pytest.raises(ActionError) as refused:
        actions.answer(cast.users["village"], mine, answer="maybe", via=Channel.PHONE)
    assert refused.value.field == "answer"


@pytest.mark.parametrize("evacuated", [-1, 10_000_001])
def test_a_negative_or_absurd_number_evacuated_is_refused(cast, mine, evacuated):
    with nothing_changes(), pytest.raises(ActionError) as refused:
        actions.answer(
            cast.users["village"], mine, answer=Answer.DONE, via=Channel.PHONE, evacuated=evacuated
        )
    assert refused.value.field == "evacuated"
    assert refused.value.as_dict()["field"] == "evacuated"


def test_no_answer_after_the_warning_was_cancelled(cast, mine):
    actions.cancel(cast.users["county"], mine.warning, reason="解除")
    with nothing_changes(), pytest.raises(Conflict) as refused:
        actions.answer(cast.users["village"], mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    assert refused.value.field == "answer"


def test_no_answer_to_a_version_that_was_updated(cast, mine):
    county = cast.users["county"]
    actions.issue(county, actions.revise(county, mine.warning, headline="更新"))
    with nothing_changes(), pytest.raises(Conflict):
        actions.answer(cast.users["village"], mine, answer=Answer.RECEIVED, via=Channel.PHONE)


def test_no_answer_once_valid_until_has_passed_even_before_the_sweep(cast, warn, sms, clock, sweep):
    until = START + timedelta(hours=1)
    w = actions.issue(cast.users["county"], warn([cast.township], valid_until=until))
    d = delivery_of(w, cast.people["village"])
    clock.move_to(until)
    with nothing_changes(), pytest.raises(Conflict):
        actions.answer(cast.users["village"], d, answer=Answer.RECEIVED, via=Channel.PHONE)
    sweep()
    with nothing_changes(), pytest.raises(Conflict):
        actions.answer(None, d, answer=Answer.RECEIVED, via=Channel.LINK)


def test_answering_takes_that_delivery_out_of_the_chase_only(cast, mine, sms):
    actions.answer(cast.users["village"], mine, answer=Answer.RECEIVED, via=Channel.PHONE)
    w = mine.warning
    with time_machine.travel(w.answer_due_at, tick=False):
        assert chase.sweep() == 1  # the township's dispatcher alone is late
    assert told("warnings.resend", "sms") == [cast.people["township"].pk]


def test_a_county_warning_reaches_the_township_and_the_village_but_not_the_outsider(
    cast, warn, sms
):
    w = actions.issue(cast.users["county"], warn([cast.county]))
    for who in ["county", "township", "village", "department", "admin"]:
        assert list(visible_warnings(cast.users[who])) == [w], who
    assert not visible_warnings(cast.users["outsider"]).exists()


def test_a_warning_to_another_township_is_not_seen_by_this_township(cast, warn, sms):
    appoint(cast.cell("450901101"), Role.HEAD, name="乙镇网格长")  # someone to tell there
    w = actions.issue(cast.users["county"], warn([cast.cell("450901101")]))
    assert list(visible_warnings(cast.users["county"])) == [w]
    for who in ["township", "village", "outsider"]:
        assert not visible_warnings(cast.users[who]).exists(), who


def test_a_warning_to_a_village_is_seen_by_its_township_and_not_by_its_neighbour(cast, warn, sms):
    appoint(cast.cell("450901100202"), Role.HEAD, name="二村网格长")  # someone to tell there
    w = actions.issue(cast.users["county"], warn([cast.cell("450901100202")]))
    assert list(visible_warnings(cast.users["township"])) == [w]
    assert not visible_warnings(cast.users["village"]).exists(), "一村 is not 二村"


# --- one-tap tokens ---------------------------------------------------------------------


def test_a_token_names_its_delivery(cast, mine):
    token = links.token_for(mine.pk)
    assert links.delivery_id_of(token) == mine.pk
    assert links.link_for(mine.pk) == f"/w/{token}"


def test_a_changed_character_names_no_delivery(cast, mine):
    token = links.token_for(mine.pk)
    for i, char in enumerate(token):
        if char == "-":
            continue
        other = "0" if char.lower() != "0" else "1"  # the head reads case-insensitively
        assert links.delivery_id_of(token[:i] + other + token[i + 1 :]) is None, i


def test_another_deliverys_id_with_this_mac_names_no_delivery(cast, mine):
    other = delivery_of(mine.warning, cast.people["township"])
    head, _, mac = links.token_for(mine.pk).partition("-")
    other_head = links.token_for(other.pk).partition("-")[0]
    assert links.delivery_id_of(f"{other_head}-{mac}") is None
    assert links.delivery_id_of(f"{head}-{links.token_for(other.pk).partition('-')[2]}") is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "-",
        "abc",
        "1-",
        "1-" + "A" * 15,
        "1-" + "A" * 17,
        "-" + "A" * 16,
        "z" * 14 + "-" + "A" * 16,
        "!!-" + "A" * 16,
        "1-" + "é" * 16,
        "一-" + "A" * 16,
        "1-" + "A" * 8 + "\x00" * 8,
    ],
)
def test_a_garbled_token_names_no_delivery(garbage):
    assert links.delivery_id_of(garbage) is None
