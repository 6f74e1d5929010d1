"""Issue 12, defect 5: who a warning can reach, and by which channel.

- Before issuing, a draft's page (and the API's draft) shows how many people issuing it
  would reach — in-app (a login), by SMS (a gateway is configured and they have a phone),
  both, none — and names those nobody can reach; counted from the people the fan-out
  writes (the level's roles, not the author, approver or issuer) in a fixed number of
  queries. Issuing when nobody can be reached is a 409 that says why.
- The board counts the deliveries nobody can reach as 无法送达, in the totals and for each
  cell, and marks them in the list of those who have not answered.
- A grid member without a login gets the warning by SMS with their one-tap answer link.
"""

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.lib.errors import Conflict
from qianshao.lib.fakegateway import FakeGateway
from qianshao.notify import delivery as outbox_delivery
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.warnings import actions, audience, board
from qianshao.warnings.models import Delivery, Level, Status

SECOND_VILLAGE = "450901100202"  # 二村 of 甲镇: nobody appointed there in the cast


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


@pytest.fixture
def sms_off(settings):
    settings.SMS_GATEWAY_URL = ""
    return settings


@pytest.fixture
def sms_on(settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # set, so SMS are queued
    return settings


@pytest.fixture
def without_login(cast):
    """Two members of 一村 with phones but no login."""
    return [appoint(cast.village, Role.MEMBER, name=f"一村无账号{i}") for i in (1, 2)]


def count(page: str, name: str) -> int:
    found = re.search(rf'<b data-count="{name}">(\d+)</b>', page)
    assert found, f"no count {name}"
    return int(found.group(1))


# --- before issuing: the reach --------------------------------------------------------


def test_a_drafts_page_shows_its_reach_by_channel_and_who_has_none(
    cast, warn, client_for, without_login, sms_off
):
    w = warn([cast.township])  # by the county: its author, not a recipient
    page = client_for(cast.users["county"]).get(f"/warnings/{w.number}/").content.decode()
    section = re.search(r'<section class="card" data-testid="reach">.*?</section>', page, re.S)
    assert section, "the draft's page shows its reach"
    reach = section.group(0)
    # 甲镇's dispatcher and 一村's member have logins; the two newcomers have none
    assert [count(reach, n) for n in ["people", "inapp", "sms", "both", "none"]] == [4, 2, 0, 0, 2]
    assert 'data-testid="sms-off"' in reach
    table = re.search(
        r'<table class="responsive" data-testid="unreachable">.*?</table>', reach, re.S
    )
    rows = re.findall(
        r"<tr><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td>", table.group(0)
    )
    assert rows == [("一村无账号1", "网格员", "一村"), ("一村无账号2", "网格员", "一村")]
    assert cast.people["county"].name not in reach

    # the same people the fan-out writes
    found = audience.reach(w, cast.users["county"])
    issued = actions.issue(cast.users["county"], w)
    assert issued.recipients == found.people == Delivery.objects.filter(warning=w).count()
    page = client_for(cast.users["county"]).get(f"/warnings/{w.number}/").content.decode()
    assert 'data-testid="reach"' not in page, "once issued, the board counts"


def test_with_sms_on_everyone_with_a_phone_is_reached(cast, warn, without_login, sms_on):
    found = audience.reach(warn([cast.township]), cast.users["county"])
    assert (found.people, found.inapp, found.sms, found.both, found.none) == (4, 0, 2, 2, 0)
    assert found.sms_on and found.unreachable == []


def test_the_reach_leaves_out_the_author_approver_and_issuer(cast, warn, sms_off):
    head = appoint(cast.county, Role.HEAD, name="县长")
    head_user = create_login(None, head, username="county-head", password="head-password-1")
    w = warn([cast.county])  # drafted by the county's dispatcher
    everyone = audience.reach(w).people
    assert everyone == 4  # the head, 甲镇's dispatcher, 一村's member, the department's
    w.approved_by = head_user
    assert audience.reach(w).people == everyone - 1
    assert audience.reach(w, cast.users["township"]).people == everyone - 2


def test_the_apis_draft_carries_its_reach(cast, client_for, without_login, sms_off):
    client = client_for(cast.users["county"])
    response = client.post(
        "/api/v1/warnings",
        {
            "client_uuid": str(uuid.uuid4()),
            "type": "rainstorm",
            "level": Level.YELLOW,
            "headline": "暴雨黄色预警",
            "text": "预计未来6小时内降雨量将达50毫米以上。",
            "targets": [cast.township.code],
            "valid_until": "2099-01-01T00:00:00+08:00",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    reach = response.json()["reach"]
    assert {k: reach[k] for k in ["people", "reached", "inapp", "sms", "both", "none"]} == {
        "people": 4,
        "reached": 2,
        "inapp": 2,
        "sms": 0,
        "both": 0,
        "none": 2,
    }
    assert reach["sms_on"] is False
    assert [(u["name"], u["role"], u["cell"], u["cell_name"]) for u in reach["unreachable"]] == [
        ("一村无账号1", Role.MEMBER, cast.village.code, "一村"),
        ("一村无账号2", Role.MEMBER, cast.village.code, "一村"),
    ]
    again = client.get(f"/api/v1/warnings/{response.json()['id']}").json()
    assert again["reach"] == reach
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "ReachOut" in schema and "reach" in schema["WarningDetailOut"]["properties"]


def test_the_reach_reads_as_many_queries_for_sixty_people_as_for_one(cast, warn, sms_off):
    appoint(cast.village, Role.MEMBER, name="一村无账号")
    w = warn([cast.township])
    audience.reach(w)  # the level's rule, read once and kept
    with CaptureQueriesContext(connection) as one:
        found = audience.reach(w)
    assert found.none == 1
    for i in range(60):
        appoint(cast.cell(SECOND_VILLAGE), Role.MEMBER, name=f"二村网格员{i}")
    with CaptureQueriesContext(connection) as sixty:
        found = audience.reach(w)
    assert (found.none, len(found.unreachable)) == (61, audience.LISTED)
    assert len(sixty) == len(one)


# --- issuing when nobody can be reached ---------------------------------------------------


def test_issuing_when_nobody_can_be_reached_is_a_409_that_says_why(cast, warn, client_for, sms_off):
    for i in (1, 2):
        appoint(cast.cell(SECOND_VILLAGE), Role.MEMBER, name=f"二村网格员{i}")
    w = warn([cast.cell(SECOND_VILLAGE)])
    records = AuditRecord.objects.count()
    with pytest.raises(Conflict) as refused:
        actions.issue(cast.users["county"], w)
    assert "2 名责任人都无法收到预警" in refused.value.message
    assert "QIANSHAO_SMS_URL" in refused.value.message

    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/{w.number}/").content.decode()
    assert 'data-testid="nobody-reached"' in page
    response = county.post(f"/warnings/{w.number}/issue/", form())
    assert response.status_code == 409
    assert "都无法收到预警" in response.content.decode()
    response = county.post(f"/api/v1/warnings/{w.pk}/issue")
    assert (response.status_code, response.json()["field"]) == (409, "targets")
    w.refresh_from_db()
    assert (w.status, w.recipients) == (Status.DRAFT, 0)
    assert not Delivery.objects.exists() and not Message.objects.exists()
    assert AuditRecord.objects.count() == records


def test_the_system_issues_it_anyway_and_the_board_shows_nobody_reached(cast, warn, sms_off):
    """A CAP feed has nobody to show the reach to: the warning stands, all 无法送达."""
    for i in (1, 2):
        appoint(cast.cell(SECOND_VILLAGE), Role.MEMBER, name=f"二村网格员{i}")
    w = actions.issue(None, warn([cast.cell(SECOND_VILLAGE)]))
    assert w.status == Status.ISSUED and w.recipients == 2
    found = board.board(cast.users["county"], w, cast.county)
    assert (found.total.sent, found.total.unreachable) == (2, 2)


def test_with_sms_on_the_same_warning_issues(cast, warn, sms_on):
    for i in (1, 2):
        appoint(cast.cell(SECOND_VILLAGE), Role.MEMBER, name=f"二村网格员{i}")
    w = actions.issue(cast.users["county"], warn([cast.cell(SECOND_VILLAGE)]))
    assert w.status == Status.ISSUED and w.recipients == 2


# --- the board: 无法送达 apart from 未叫应 ------------------------------------------------


def test_the_board_counts_the_unreachable_apart_and_marks_them(
    cast, issued, client_for, without_login, sms_off
):
    w = issued([cast.township])
    county = client_for(cast.users["county"])
    page = county.get(f"/warnings/{w.number}/board/").content.decode()
    assert (count(page, "sent"), count(page, "unreachable")) == (4, 2)
    row = re.search(r'<tr data-cell="450901100">.*?</tr>', page, re.S).group(0)
    assert '<td class="num" data-unreachable>2</td>' in row
    page = county.get(f"/warnings/{w.number}/board/?cell=450901100").content.decode()
    row = re.search(r'<tr data-cell="450901100201">.*?</tr>', page, re.S).group(0)
    assert '<td class="num" data-unreachable>2</td>' in row
    marked = re.findall(r'<tr data-person="(\d+)" data-unreachable>', page)
    assert sorted(int(p) for p in marked) == sorted(p.pk for p in without_login)
    assert f'<tr data-person="{cast.people["village"].pk}">' in page, "reachable: not marked"

    got = county.get(f"/api/v1/warnings/{w.pk}/board").json()
    assert got["total"]["unreachable"] == 2 and got["total"]["waiting"] == 4


def test_with_sms_on_nobody_with_a_phone_is_unreachable(cast, issued, without_login, sms_on):
    w = issued([cast.township])
    found = board.board(cast.users["county"], w, cast.county)
    assert (found.total.sent, found.total.unreachable) == (4, 0)
    assert not any(d.unreachable for d in board.unanswered(cast.users["county"], w, cast.county))


def test_the_board_reads_as_many_queries_for_many_people_and_cells_as_for_few(
    cast, warn, issue, sms_off
):
    few = issue(warn([cast.village]))
    for i in range(20):
        appoint(cast.cell(SECOND_VILLAGE), Role.MEMBER, name=f"二村网格员{i}")
        appoint(cast.village, Role.MEMBER, name=f"一村网格员{i}")
    many = issue(warn([cast.township]))
    county = cast.users["county"]
    with CaptureQueriesContext(connection) as one:
        board.board(county, few, cast.township)
    with CaptureQueriesContext(connection) as all_of_them:
        found = board.board(county, many, cast.township)
    assert found.total.unreachable == 40
    assert len(all_of_them) == len(one)


# --- SMS to a member without a login ----------------------------------------------------


def test_a_member_without_a_login_gets_the_one_tap_link_by_sms(cast, warn, settings):
    member = appoint(cast.village, Role.MEMBER, name="一村无账号")
    assert member.user_id is None
    settings.BASE_URL = "https://qianshao.example.cn"
    with FakeGateway() as gateway:
        settings.SMS_GATEWAY_URL = f"{gateway.url}sms/send"
        w = actions.issue(cast.users["county"], warn([cast.village]))
        mine = Delivery.objects.get(warning=w, person=member)
        [sms] = Message.objects.filter(event="warnings.issue", person=member)
        assert sms.channel == "sms"
        assert outbox_delivery.deliver(sms.pk) == "sent"
        [request] = gateway.requests
    assert request.json["to"] == member.phone
    link = f"https://qianshao.example.cn/w/{mine.token}"
    assert request.json["text"].endswith(link)
    mine.refresh_from_db()
    assert mine.delivered_at is not None, "the SMS sent, the delivery counts as delivered"
    page = Client().get(f"/w/{mine.token}")  # no login: the link itself answers
    assert page.status_code == 200 and w.headline in page.content.decode()
