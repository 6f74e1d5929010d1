"""灾情报告: the 初报 within two hours of the event, 续报 as the figures change (each a new
version; the report keeps the latest), 核报 by the level above and never by whoever reported
its figures; relief applications and their decision. Bad figures, a start in the future
and a cell outside scope are refused naming the field, and change nothing."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from qianshao.accounts.actions import create_login
from qianshao.audit.chain import verify
from qianshao.audit.models import AuditRecord
from qianshao.disasters import actions
from qianshao.disasters.models import (
    INDICATORS,
    DisasterReport,
    DisasterType,
    Photo,
    ReliefApplication,
    ReliefKind,
    ReliefStatus,
    ReportStatus,
    Stage,
    Version,
)
from qianshao.grid.models import Role
from qianshao.hazards.tests.conftest import jpeg
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.models import Message
from qianshao.testing import appoint

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 7, 1, 10, 0, tzinfo=SHANGHAI)
GATEWAY = "http://127.0.0.1:9/sms"  # SMS are queued, never delivered here
ERCUN = "450901100202"
SANCUN = "450901101201"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sms(settings):
    settings.SMS_GATEWAY_URL = GATEWAY


@pytest.fixture
def township_head(cast):
    """甲镇's 网格长, with a login: a managing post at the township."""
    person = appoint(cast.township, Role.HEAD, name="甲镇书记")
    return create_login(None, person, username="jiazhen-head", password="head-password-1")


@pytest.fixture
def ercun_member(cast):
    person = appoint(cast.cell(ERCUN), Role.MEMBER, name="二村网格员")
    return create_login(None, person, username="ercun-member", password="ercun-password-1")


def state() -> tuple:
    """Everything a disaster action could touch: a refused action leaves it equal."""
    columns = [f.attname for f in DisasterReport._meta.concrete_fields]
    return (
        list(DisasterReport.objects.order_by("pk").values_list(*columns)),
        list(Version.objects.order_by("pk").values_list("pk", "report_id", "seq", "stage")),
        list(Photo.objects.order_by("pk").values_list("pk", "version_id")),
        list(
            ReliefApplication.objects.order_by("pk").values_list(
                "pk", "status", "decided_by_id", "decided_at", "decision_note"
            )
        ),
        AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first(),
        list(Message.objects.order_by("pk").values_list("pk", flat=True)),
    )


@contextmanager
def nothing_changes():
    before = state()
    yield
    assert state() == before, "a refused action changed something"


def told(event: str, channel: str = "inapp") -> set[int]:
    found = Message.objects.filter(event=event, channel=channel)
    return set(found.values_list("person_id", flat=True))


def versions(d: DisasterReport) -> list[tuple]:
    return list(
        Version.objects.filter(report=d)
        .order_by("seq")
        .values_list("seq", "stage", "author", "at", "affected", "dead")
    )


def full(**changes) -> dict:
    """A complete set of consistent figures, with ``changes``."""
    return {
        "affected": 120,
        "dead": 1,
        "missing": 2,
        "relocated": 60,
        "need_relief": 40,
        "collapsed_households": 3,
        "collapsed_rooms": 7,
        "severely_damaged_rooms": 12,
        "damaged_rooms": 30,
        "crops_affected_ha": Decimal("85.50"),
        "crops_damaged_ha": Decimal("40.25"),
        "crops_lost_ha": Decimal("10.00"),
        "economic_loss": Decimal("356.78"),
    } | changes


def report(user, cell, *, minutes_ago: float = 60, **kwargs) -> DisasterReport:
    return actions.report(
        user,
        type=kwargs.pop("type", DisasterType.FLOOD),
        started_at=kwargs.pop("started_at", START - timedelta(minutes=minutes_ago)),
        cell=cell,
        place=kwargs.pop("place", "河堤下游"),
        figures=kwargs.pop("figures", full()),
        **kwargs,
    )


# --- 初报 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "minutes_ago, on_time", [(0, True), (90, True), (120, True), (121, False), (24 * 60, False)]
)
def test_an_initial_report_is_on_time_within_two_hours_of_the_event(
    cast, clock, minutes_ago, on_time
):
    d = report(cast.users["village"], cast.village, minutes_ago=minutes_ago)
    d.refresh_from_db()
    assert (d.status, d.initial_on_time, d.reported_at) == (ReportStatus.REPORTED, on_time, START)
    assert d.started_at == START - timedelta(minutes=minutes_ago)
    assert (d.cell, d.cell_path, d.place) == (cast.village, cast.village.path, "河堤下游")
    assert (d.reporter, d.reported_by) == (cast.people["village"], cast.users["village"])
    assert d.number.startswith("ZQ20260701")
    assert d.figures() == full()
    [v] = Version.objects.filter(report=d)
    assert (v.seq, v.stage, v.author, v.at) == (1, Stage.INITIAL, cast.users["village"], START)
    assert v.figures() == full()
    [record] = AuditRecord.objects.for_object(d)
    assert (record.action, record.actor) == ("disasters.report", cast.users["village"])
    assert record.after["on_time"] is on_time
    assert record.after["crops_affected_ha"] == "85.50"
    assert verify().ok


def test_missing_indicators_are_zero(cast, clock):
    d = report(cast.users["village"], cast.village, figures={"affected": 3})
    assert d.figures() == {name: 0 for name in INDICATORS} | {"affected": 3}


@pytest.mark.parametrize("who", ["village", "township", "county", "admin"])
def test_anyone_with_a_post_at_the_cell_or_above_reports_there(cast, clock, who):
    d = report(cast.users[who], cast.village)
    assert d.reported_by == cast.users[who]


@pytest.mark.parametrize(
    "who, code",
    [
        ("outsider", "450901100201"),  # another county
        ("village", ERCUN),  # the village next door
        ("village", "450901100"),  # the township above the village member
        ("township", SANCUN),  # another township's village
        ("department", "450901100201"),  # a county department's post is not a grid post
    ],
)
def test_it_refuses_a_report_for_a_cell_outside_scope(cast, clock, who, code):
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        report(cast.users[who], cast.cell(code))
    assert caught.value.field == "cell"


def test_it_refuses_a_start_in_the_future(cast, clock):
    for later in [timedelta(hours=1), timedelta(days=2)]:
        with nothing_changes(), pytest.raises(ActionError) as caught:
            report(cast.users["village"], cast.village, started_at=START + later)
        assert caught.value.field == "started_at"


def test_a_phone_clock_a_few_minutes_fast_is_tolerated(cast, clock):
    d = report(cast.users["village"], cast.village, started_at=START + timedelta(minutes=5))
    assert d.initial_on_time is True


@pytest.mark.parametrize(
    "change, field",
    [
        ({"type": "meteor"}, "type"),
        ({"place": "长" * 201}, "place"),
        ({"note": "长" * 4001}, "note"),
        ({"photo_files": [("a.jpg", b"not an image")]}, "photos"),
    ],
)
def test_it_refuses_other_bad_input_naming_the_field(cast, clock, media, change, field):
    with nothing_changes(), pytest.raises(ActionError) as caught:
        report(cast.users["village"], cast.village, **change)
    assert caught.value.field == field
    assert not list(media.rglob("*.jpg")), "no photo stored"


# --- the figures ---------------------------------------------------------------------------

BAD_FIGURES = [
    pytest.param({"affected": -1}, "affected", id="a negative count"),
    pytest.param({"damaged_rooms": -3}, "damaged_rooms", id="negative rooms"),
    pytest.param({"economic_loss": "-0.01"}, "economic_loss", id="a negative amount"),
    pytest.param({"affected": "十"}, "affected", id="a count in words"),
    pytest.param({"affected": "12人"}, "affected", id="a count with its unit"),
    pytest.param({"crops_affected_ha": "abc"}, "crops_affected_ha", id="an area not a number"),
    pytest.param({"crops_affected_ha": "NaN"}, "crops_affected_ha", id="an area NaN"),
    pytest.param({"economic_loss": [1]}, "economic_loss", id="an amount a list"),
    pytest.param({"damaged_rooms": 30.5}, "damaged_rooms", id="half a room"),
    pytest.param({"dead": 121}, "dead", id="more dead than affected"),
    pytest.param({"missing": 121}, "missing", id="more missing than affected"),
    pytest.param({"relocated": 121}, "relocated", id="more relocated than affected"),
    pytest.param({"need_relief": 121}, "need_relief", id="more in need than affected"),
    pytest.param({"affected": 0}, "dead", id="dead with nobody affected"),
    pytest.param({"crops_damaged_ha": "85.51"}, "crops_damaged_ha", id="damaged over affected"),
    pytest.param({"crops_lost_ha": "40.26"}, "crops_lost_ha", id="lost over damaged"),
    pytest.param({"collapsed_households": 8}, "collapsed_households", id="households over rooms"),
    pytest.param({"economic_loss": "1.234"}, "economic_loss", id="three decimals"),
    pytest.param({"crops_lost_ha": "0.005"}, "crops_lost_ha", id="half a cent of a hectare"),
    pytest.param({"affected": 100_000_001}, "affected", id="a count too large"),
    pytest.param({"economic_loss": "1e20"}, "economic_loss", id="an amount too large"),
    pytest.param({"deaths": 1}, "figures", id="an unknown indicator"),
]


@pytest.mark.parametrize("change, field", BAD_FIGURES)
def test_it_refuses_impossible_figures_in_an_initial_report(cast, clock, change, field):
    with nothing_changes(), pytest.raises(ActionError) as caught:
        report(cast.users["village"], cast.village, figures=full(**change))
    assert caught.value.field == field
    assert caught.value.message


@pytest.mark.parametrize("change, field", BAD_FIGURES)
def test_it_refuses_impossible_figures_in_a_follow_up(cast, clock, change, field):
    d = report(cast.users["village"], cast.village)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.follow_up(cast.users["village"], d, figures=full(**change))
    assert caught.value.field == field


@pytest.mark.parametrize("change, field", BAD_FIGURES)
def test_it_refuses_impossible_figures_in_a_verification(cast, clock, change, field):
    d = report(cast.users["village"], cast.village)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.verify(cast.users["county"], d, figures=full(**change))
    assert caught.value.field == field


def test_the_largest_figures_accepted_are_stored_as_given(cast, clock):
    """What the check lets through must fit the columns (on every database)."""
    top = actions.MAX_AMOUNT
    figures = {
        "affected": actions.MAX_COUNT,
        "dead": actions.MAX_COUNT,
        "collapsed_households": actions.MAX_COUNT,
        "collapsed_rooms": actions.MAX_COUNT,
        "crops_affected_ha": top,
        "crops_damaged_ha": top,
        "crops_lost_ha": top,
        "economic_loss": top,
    }
    d = report(cast.users["village"], cast.village, figures=figures)
    assert (
        DisasterReport.objects.get(pk=d.pk).figures()
        == full(**{name: 0 for name in INDICATORS}) | figures
    )


# --- 续报 ----------------------------------------------------------------------------------


def test_a_follow_up_is_a_new_version_and_the_report_keeps_the_latest_figures(
    cast, clock, township_head
):
    village, township = cast.users["village"], cast.users["township"]
    d = report(village, cast.village, figures=full(affected=120, dead=1))
    clock.move_to(START + timedelta(hours=3))
    actions.follow_up(village, d, figures=full(affected=300, dead=4), note="水位上涨")
    clock.move_to(START + timedelta(hours=6))
    # figures go down as well as up: those who were missing are found
    latest = full(affected=280, dead=4, missing=0, relocated=150)
    d = actions.follow_up(township, d, figures=latest, note="核减重复统计")
    assert versions(d) == [
        (1, Stage.INITIAL, village.pk, START, 120, 1),
        (2, Stage.FOLLOW_UP, village.pk, START + timedelta(hours=3), 300, 4),
        (3, Stage.FOLLOW_UP, township.pk, START + timedelta(hours=6), 280, 4),
    ]
    d.refresh_from_db()
    assert d.figures() == latest
    assert (d.status, d.versions_count, d.updated_at) == (
        ReportStatus.FOLLOWING,
        3,
        START + timedelta(hours=6),
    )
    assert (d.reported_at, d.initial_on_time, d.reported_by) == (START, True, village)
    follow_ups = AuditRecord.objects.for_object(d).filter(action="disasters.follow_up")
    assert [(r.actor, r.before["affected"], r.after["affected"], r.note) for r in follow_ups] == [
        (village, 120, 300, "水位上涨"),
        (township, 300, 280, "核减重复统计"),
    ]
    assert verify().ok


@pytest.mark.parametrize("who", ["outsider", "department", "ercun"])
def test_a_follow_up_is_refused_outside_scope(cast, clock, ercun_member, who):
    d = report(cast.users["village"], cast.village)
    user = ercun_member if who == "ercun" else cast.users[who]
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.follow_up(user, d, figures=full(affected=200))
    assert caught.value.field == "cell"


# --- 核报 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["township", "county"])
def test_the_level_above_verifies_with_the_latest_figures(cast, clock, who):
    village = cast.users["village"]
    d = report(village, cast.village)
    actions.follow_up(village, d, figures=full(affected=200))
    clock.move_to(START + timedelta(days=1))
    d = actions.verify(cast.users[who], d, note="经乡镇核实")
    d.refresh_from_db()
    assert d.figures() == full(affected=200)
    assert (d.status, d.verified_by, d.verified_at, d.versions_count) == (
        ReportStatus.VERIFIED,
        cast.users[who],
        START + timedelta(days=1),
        3,
    )
    assert versions(d)[-1] == (3, Stage.VERIFIED, cast.users[who].pk, d.verified_at, 200, 1)
    [record] = AuditRecord.objects.for_object(d).filter(action="disasters.verify")
    assert (record.actor, record.note) == (cast.users[who], "经乡镇核实")


def test_verification_may_set_the_verified_figures(cast, clock):
    d = report(cast.users["village"], cast.village)
    verified = full(affected=110, economic_loss=Decimal("300.00"))
    d = actions.verify(cast.users["county"], d, figures=verified)
    d.refresh_from_db()
    assert d.figures() == verified
    assert Version.objects.get(report=d, stage=Stage.VERIFIED).figures() == verified


@pytest.mark.parametrize("who", ["village", "ercun", "outsider", "department"])
def test_verification_is_refused_to_all_but_the_level_above(cast, clock, ercun_member, who):
    d = report(cast.users["village"], cast.village)
    user = ercun_member if who == "ercun" else cast.users[who]
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.verify(user, d)
    assert caught.value.field == "step"


def test_verification_is_refused_to_whoever_authored_a_version(cast, clock):
    """The township dispatcher who filed a follow-up may not verify it; the county may."""
    d = report(cast.users["village"], cast.village)
    actions.follow_up(cast.users["township"], d, figures=full(affected=150))
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.verify(cast.users["township"], d)
    assert caught.value.field == "step"
    actions.verify(cast.users["county"], d)


def test_verification_is_refused_to_the_reporter_at_the_county(cast, clock):
    d = report(cast.users["county"], cast.village)
    with nothing_changes(), pytest.raises(NotAllowed):
        actions.verify(cast.users["county"], d)
    actions.verify(cast.users["township"], d)


def test_a_township_report_is_verified_above_the_township_not_at_it(cast, clock, township_head):
    d = report(cast.users["township"], cast.township)
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.verify(township_head, d)
    assert caught.value.field == "step"
    d = actions.verify(cast.users["county"], d)
    assert d.status == ReportStatus.VERIFIED


def test_nothing_follows_a_verified_report(cast, clock):
    d = report(cast.users["village"], cast.village)
    actions.verify(cast.users["township"], d)
    with nothing_changes(), pytest.raises(Conflict) as caught:
        actions.follow_up(cast.users["village"], d, figures=full(affected=500))
    assert caught.value.field == "step"
    with nothing_changes(), pytest.raises(Conflict) as caught:
        actions.verify(cast.users["county"], d, figures=full(affected=500))
    assert caught.value.field == "step"


# --- who is told ---------------------------------------------------------------------------


def test_a_report_is_told_to_the_township_and_the_county_in_the_app(cast, clock, sms):
    d = report(cast.users["village"], cast.village, figures=full(dead=0, missing=0))
    township, county = cast.people["township"].pk, cast.people["county"].pk
    assert told("disasters.report") == {township, county}
    assert told("disasters.report", "sms") == set(), "nobody died or is missing: no SMS"
    [notice, *_] = Message.objects.filter(event="disasters.report")
    assert (notice.link, notice.payload) == (
        f"/disasters/{d.number}/",
        {"disaster": d.number, "stage": ReportStatus.REPORTED},
    )
    assert "一村" in notice.subject and "受灾 120 人" in notice.body


@pytest.mark.parametrize("lost", [{"dead": 1, "missing": 0}, {"dead": 0, "missing": 1}])
def test_a_report_of_people_dead_or_missing_goes_by_sms_too(cast, clock, sms, lost):
    report(cast.users["village"], cast.village, figures=full(**lost))
    township, county = cast.people["township"].pk, cast.people["county"].pk
    assert told("disasters.report", "sms") == {township, county}
    phones = set(
        Message.objects.filter(event="disasters.report", channel="sms").values_list(
            "address", flat=True
        )
    )
    assert phones == {cast.people["township"].phone, cast.people["county"].phone}


def test_no_sms_without_a_gateway(cast, clock, settings):
    settings.SMS_GATEWAY_URL = ""
    report(cast.users["village"], cast.village, figures=full(dead=3))
    assert told("disasters.report", "sms") == set()
    assert told("disasters.report") == {cast.people["township"].pk, cast.people["county"].pk}


def test_a_report_where_the_township_has_nobody_is_told_to_the_county(cast, clock):
    report(cast.users["county"], cast.cell(SANCUN))
    assert told("disasters.report") == {cast.people["county"].pk}


def test_a_follow_up_is_told_as_well(cast, clock):
    d = report(cast.users["village"], cast.village)
    Message.objects.all().delete()
    actions.follow_up(cast.users["village"], d, figures=full(affected=200))
    assert told("disasters.report") == {cast.people["township"].pk, cast.people["county"].pk}
    stages = {m.payload["stage"] for m in Message.objects.filter(event="disasters.report")}
    assert stages == {ReportStatus.FOLLOWING}


def test_nobody_outside_the_county_is_told(cast, clock, sms):
    report(cast.users["village"], cast.village, figures=full(dead=2))
    everyone = told("disasters.report") | told("disasters.report", "sms")
    assert cast.people["outsider"].pk not in everyone


# --- photos --------------------------------------------------------------------------------


def test_photos_attach_to_the_version_they_came_with(cast, clock, media):
    village = cast.users["village"]
    d = report(village, cast.village, photo_files=[("a.jpg", jpeg()), ("b.jpg", jpeg(32, 32))])
    actions.follow_up(village, d, figures=full(), photo_files=[("c.jpg", jpeg(20, 10))])
    actions.verify(cast.users["township"], d)
    by_version = {
        seq: sorted((p.width, p.height) for p in Photo.objects.filter(version__seq=seq))
        for seq in [1, 2, 3]
    }
    assert by_version == {1: [(32, 32), (64, 48)], 2: [(20, 10)], 3: []}
    for p in Photo.objects.all():
        assert p.version.report_id == d.pk
        assert (media / p.image.name).is_file()


def test_too_many_photos_are_refused(cast, clock, media):
    d = report(cast.users["village"], cast.village)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.follow_up(
            cast.users["village"],
            d,
            figures=full(),
            photo_files=[(f"{i}.jpg", jpeg()) for i in range(10)],
        )
    assert caught.value.field == "photos"


# --- relief --------------------------------------------------------------------------------


def apply(user, d, **changes) -> ReliefApplication:
    return actions.apply_relief(
        user,
        d,
        **{
            "kind": ReliefKind.LIVING,
            "households": 12,
            "people": 35,
            "amount": Decimal("4.20"),
            "note": "紧急生活救助：口粮、饮用水",
        }
        | changes,
    )


def test_a_relief_application_is_attached_to_the_report_and_the_township_told(cast, clock):
    d = report(cast.users["village"], cast.village)
    Message.objects.all().delete()
    r = apply(cast.users["village"], d)
    r.refresh_from_db()
    assert (r.report, r.status, r.applied_by, r.applied_at) == (
        d,
        ReliefStatus.SUBMITTED,
        cast.users["village"],
        START,
    )
    assert (r.households, r.people, r.amount) == (12, 35, Decimal("4.20"))
    assert list(d.relief.all()) == [r]
    [record] = AuditRecord.objects.for_object(d).filter(action="disasters.apply_relief")
    assert (record.actor, record.after["relief"]) == (cast.users["village"], r.pk)
    assert told("disasters.apply_relief") == {cast.people["township"].pk}


def test_it_refuses_relief_for_more_people_than_were_affected(cast, clock):
    d = report(cast.users["village"], cast.village)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        apply(cast.users["village"], d, households=1, people=d.affected + 1)
    assert caught.value.field == "people"
    assert f"受灾人口（{d.affected} 人）" in caught.value.message
    assert apply(cast.users["village"], d, households=1, people=d.affected).people == d.affected


@pytest.mark.parametrize(
    "changes, field",
    [
        pytest.param({"kind": "cash"}, "kind", id="an unknown kind"),
        pytest.param({"households": 36}, "households", id="more households than people"),
        pytest.param({"households": -1}, "households", id="negative households"),
        pytest.param({"people": 2.5}, "people", id="half a person"),
        pytest.param({"people": "许多"}, "people", id="people in words"),
        pytest.param({"amount": Decimal("-1")}, "amount", id="a negative amount"),
        # 万元 to two places, as the figures
        pytest.param({"amount": Decimal("1.234")}, "amount", id="an amount to three places"),
        pytest.param({"amount": Decimal("NaN")}, "amount", id="an amount NaN"),
        pytest.param({"note": "长" * 2001}, "note", id="a note too long"),
    ],
)
def test_it_refuses_a_bad_relief_application(cast, clock, changes, field):
    d = report(cast.users["village"], cast.village)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        apply(cast.users["village"], d, **changes)
    assert caught.value.field == field


@pytest.mark.parametrize("who", ["outsider", "department"])
def test_it_refuses_a_relief_application_outside_scope(cast, clock, who):
    d = report(cast.users["village"], cast.village)
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        apply(cast.users[who], d)
    assert caught.value.field == "cell"


def test_the_largest_relief_amount_accepted_is_stored_as_given(cast, clock):
    d = report(cast.users["village"], cast.village)
    r = apply(cast.users["village"], d, amount=actions.MAX_AMOUNT)
    assert ReliefApplication.objects.get(pk=r.pk).amount == actions.MAX_AMOUNT


@pytest.mark.parametrize("who", ["township", "county"])
def test_the_level_above_approves_once_and_the_applicant_is_told(cast, clock, who):
    d = report(cast.users["village"], cast.village)
    r = apply(cast.users["village"], d)
    clock.move_to(START + timedelta(hours=2))
    r = actions.decide_relief(cast.users[who], r, approve=True)
    r.refresh_from_db()
    assert (r.status, r.decided_by, r.decided_at, r.decision_note) == (
        ReliefStatus.APPROVED,
        cast.users[who],
        START + timedelta(hours=2),
        "",
    )
    [record] = AuditRecord.objects.for_object(d).filter(action="disasters.decide_relief")
    assert (record.actor, record.after) == (
        cast.users[who],
        {"relief": r.pk, "status": ReliefStatus.APPROVED},
    )
    [notice] = Message.objects.filter(event="disasters.decide_relief")
    assert notice.user_id == cast.users["village"].pk
    with nothing_changes(), pytest.raises(Conflict) as caught:
        actions.decide_relief(cast.users["county"], r, approve=False, note="重复审批")
    assert caught.value.field == "step"


def test_a_rejection_needs_a_reason(cast, clock):
    d = report(cast.users["village"], cast.village)
    r = apply(cast.users["village"], d)
    with nothing_changes(), pytest.raises(ActionError) as caught:
        actions.decide_relief(cast.users["township"], r, approve=False, note="  ")
    assert caught.value.field == "note"
    r = actions.decide_relief(cast.users["township"], r, approve=False, note="已纳入县级统筹")
    assert (r.status, r.decision_note) == (ReliefStatus.REJECTED, "已纳入县级统筹")


@pytest.mark.parametrize("who", ["village", "ercun", "outsider", "department"])
def test_a_relief_decision_is_refused_to_all_but_the_level_above(cast, clock, ercun_member, who):
    d = report(cast.users["village"], cast.village)
    r = apply(cast.users["village"], d)
    user = ercun_member if who == "ercun" else cast.users[who]
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.decide_relief(user, r, approve=True)
    assert caught.value.field == "step"


def test_a_relief_decision_is_refused_to_whoever_reported_the_figures(cast, clock):
    """permissions.py: relief decisions, like 核报, never belong to whoever reported the
    disaster's figures — here the township dispatcher who filed a follow-up."""
    d = report(cast.users["village"], cast.village)
    actions.follow_up(cast.users["township"], d, figures=full(affected=300))
    r = apply(cast.users["village"], d)
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.decide_relief(cast.users["township"], r, approve=True)
    assert caught.value.field == "step"
    actions.decide_relief(cast.users["county"], r, approve=True)


def test_a_relief_decision_is_refused_to_whoever_applied(cast, clock):
    """The township dispatcher who filed the application may not approve it himself."""
    d = report(cast.users["village"], cast.village)
    r = apply(cast.users["township"], d)
    with nothing_changes(), pytest.raises(NotAllowed) as caught:
        actions.decide_relief(cast.users["township"], r, approve=True)
    assert caught.value.field == "step"
    actions.decide_relief(cast.users["county"], r, approve=True)


def test_whoever_verified_the_report_may_decide_its_relief(cast, clock):
    """核报 is not reporting the figures: the township that verified decides the relief."""
    d = report(cast.users["village"], cast.village)
    actions.verify(cast.users["township"], d)
    r = apply(cast.users["village"], d)
    r = actions.decide_relief(cast.users["township"], r, approve=True)
    assert r.status == ReliefStatus.APPROVED
