"""The incidents' endpoints: real answers — successes and refusals — checked against the
OpenAPI document (``test_openapi.Conformance``), every operation answering a 2xx here; and
what the answers say: receiving once per client UUID, every step through the step table,
bad input named and nothing written, a team leader answering with a token, the command
log's keyset pages."""

import re
import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.grid.actions import assign_role
from qianshao.grid.models import Role
from qianshao.incidents import actions, steps
from qianshao.incidents.api_incidents import STEP_INPUTS
from qianshao.incidents.models import Incident, LogEntry, Order, Relay, Report
from qianshao.incidents.tests.helpers import a_team, an_incident
from qianshao.intake.models import Submission
from qianshao.resources.models import Team, TeamStatus
from qianshao.testing import PASSWORD, START
from qianshao.tests.test_openapi import Conformance, client_for

BASE = "/api/v1/incidents"
OPERATIONS = {
    ("GET", BASE),
    ("POST", BASE),
    ("GET", f"{BASE}/{{incident_id}}"),
    ("POST", f"{BASE}/{{incident_id}}/steps/{{step}}"),
    ("GET", f"{BASE}/{{incident_id}}/log"),
    ("GET", f"{BASE}/{{incident_id}}/candidates"),
    ("POST", f"{BASE}/relays/{{relay_id}}/pass"),
    ("GET", f"{BASE}/orders/mine"),
    ("GET", f"{BASE}/orders/{{order_id}}"),
    ("POST", f"{BASE}/orders/{{order_id}}/steps/{{step}}"),
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def conformance(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return Conformance(response.json())


def operations(document) -> set[tuple[str, str]]:
    found = {
        (m.upper(), path)
        for path, ops in document["paths"].items()
        if path == BASE or path.startswith(BASE + "/")
        for m in ops
    }
    assert found == OPERATIONS
    return found


def incident_body(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "title": "一村民房起火",
        "kind": "accident",
        "category": "fire",
        "cell": "450901100201",
        "occurred_at": (timezone.now() - timedelta(minutes=20)).isoformat(),
        "summary": "村民房屋起火，一人被困。",
        "place": "一村三组",
        "lon": 106.1,
        "lat": 24.1,
        "figures": {"injured": 2, "trapped": 1},
    } | extra


def bearer_for(username: str, password: str = "qianshao-test-1") -> Client:
    answer = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    return Client(headers={"Authorization": f"Bearer {answer.json()['token']}"})


def state() -> tuple:
    return (
        list(Incident.objects.order_by("pk").values_list("pk", "status", "level", "grade", "dead")),
        Report.objects.count(),
        LogEntry.objects.count(),
        Order.objects.count(),
        Submission.objects.count(),
    )


def test_every_step_of_the_table_has_its_body():
    assert sorted(set(steps.STEPS) - set(STEP_INPUTS)) == [], "steps the API takes no body for"
    assert sorted(set(STEP_INPUTS) - set(steps.STEPS)) == [], "bodies of steps not in the table"


def test_real_answers_of_every_incident_operation_match_the_document(cast, conformance):
    c = conformance
    village = client_for(cast.users["village"])
    township = client_for(cast.users["township"])
    county = client_for(cast.users["county"])
    outsider = client_for(cast.users["outsider"])
    ops = operations(c.document)
    for method, path in sorted(ops):
        c.call(Client(), method, re.sub(r"\{\w+\}", "1", path))  # 401

    # Receiving: created, resent, and refused in every way, nothing written.
    body = incident_body()
    made = c.call(township, "POST", BASE, body)
    assert made.status_code == 201, made.content
    incident = made.json()
    iid = incident["id"]
    assert (incident["status"], incident["grade"], incident["cell"]) == (
        "reported",
        "4",
        body["cell"],
    )
    assert incident["figures"]["trapped"] == 1 and incident["reports"][0]["stage"] == "initial"
    assert [r["cell"] for r in incident["relays"]] == ["450901100"]
    again = c.call(township, "POST", BASE, body)
    assert again.status_code == 200 and again.json()["id"] == iid
    assert c.call(county, "POST", BASE, body).status_code == 409  # another's UUID
    before = state()
    for extra, status, field in [
        ({"figures": {"dead": -1}}, 400, "figures.dead"),
        ({"figures": {"injured": 1, "seriously_injured": 2}}, 400, "figures.seriously_injured"),
        ({"figures": {"direct_loss": "0.001"}}, 400, "figures.direct_loss"),
        ({"category": "flood"}, 400, "category"),
        ({"category": "volcano"}, 400, "category"),
        ({"kind": "alien"}, 400, "kind"),
        ({"cell": "450902100201"}, 404, "cell"),
        ({"occurred_at": (timezone.now() + timedelta(hours=2)).isoformat()}, 400, "occurred_at"),
        ({"lon": 200.0}, 400, "lon"),
        ({"lat": None}, 400, "lat"),
        ({"title": " "}, 400, "title"),
        ({"origin": "hazards.hazard:999999"}, 400, "origin"),
    ]:
        bad = c.call(township, "POST", BASE, incident_body(**extra))
        assert (bad.status_code, bad.json().get("field")) == (status, field), (extra, bad.content)
    bad = c.call(township, "POST", BASE, incident_body(colour="red"))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "colour"
    bad = c.call(township, "POST", BASE, incident_body(figures={"dead": 1, "wounded": 3}))
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-2:] == ["figures", "wounded"]
    c.call(township, "POST", BASE, incident_body(occurred_at="yesterday"))  # 422
    c.call(township, "POST", BASE, raw="{oops")  # 400
    c.call(outsider, "POST", BASE, incident_body())  # 404
    assert state() == before

    # Reading.
    listed = c.call(county, "GET", f"{BASE}?cell=450901").json()
    assert [i["id"] for i in listed["items"]] == [iid] and listed["count"] == 1
    assert c.call(county, "GET", f"{BASE}?status=ended").json()["items"] == []
    c.call(county, "GET", f"{BASE}?status=lost")  # 422
    c.call(county, "GET", f"{BASE}?cell=450902")  # 404
    assert c.call(outsider, "GET", BASE).json()["items"] == []
    c.call(county, "GET", f"{BASE}/{iid}")
    c.call(county, "GET", f"{BASE}/{iid + 1000}")  # 404
    c.call(outsider, "GET", f"{BASE}/{iid}")  # 404
    seen = c.call(village, "GET", f"{BASE}/{iid}").json()
    assert seen["steps"] == [] and not seen["commands"] and seen["may_report"]
    seen = c.call(county, "GET", f"{BASE}/{iid}").json()
    assert seen["steps"] == ["respond", "end"] and seen["commands"]
    assert [t["label"] for t in seen["clock"]] == ["甲镇上报", "续报"]

    # The steps.
    url = f"{BASE}/{iid}/steps"
    reported = c.call(
        village, "POST", f"{url}/report", {"text": "一人死亡", "figures": {"dead": 1}}
    )
    assert reported.status_code == 200, reported.content
    reported = reported.json()
    assert reported["figures"] | {"direct_loss": None} == {
        "dead": 1,
        "missing": 0,
        "injured": 2,  # not given: kept
        "seriously_injured": 0,
        "trapped": 1,
        "direct_loss": None,
    }
    assert [r["stage"] for r in reported["reports"]] == ["update", "initial"]
    c.call(village, "POST", f"{url}/respond", {"level": "4", "decided_by": "村长"})  # 403
    c.call(county, "POST", f"{url}/respond", {"level": "9", "decided_by": "x"})  # 400
    c.call(county, "POST", f"{url}/respond", {"level": "4"})  # 422
    c.call(county, "POST", f"{url}/respond", {"level": "4", "decided_by": "x", "grade": "1"})
    responding = c.call(county, "POST", f"{url}/respond", {"level": "4", "decided_by": "局长"})
    assert (responding.json()["status"], responding.json()["level_label"]) == ("responding", "Ⅳ级")
    refused = c.call(county, "POST", f"{url}/raise", {"level": "4", "decided_by": "县长"})
    assert (refused.status_code, refused.json()["field"]) == (409, "level")
    c.call(county, "POST", f"{url}/raise", {"level": "3", "decided_by": "县长"})
    lowered = c.call(county, "POST", f"{url}/lower", {"level": "4", "decided_by": "县长"})
    assert lowered.json()["level"] == "4"
    refused = c.call(county, "POST", f"{url}/grade", {"grade": "2"})
    assert (refused.status_code, refused.json()["field"]) == (400, "reason")
    graded = c.call(county, "POST", f"{url}/grade", {"grade": "2", "reason": "社会影响大"})
    assert (graded.json()["grade"], graded.json()["grade_computed"]) == ("2", "4")
    person = cast.people["village"]
    named = c.call(county, "POST", f"{url}/commander", {"person": person.pk})
    assert named.json()["commander"] == {"id": person.pk, "name": person.name}
    gone = c.call(county, "POST", f"{url}/commander", {"person": cast.people["outsider"].pk})
    assert (gone.status_code, gone.json()["field"]) == (404, "person")
    logged = c.call(village, "POST", f"{url}/log", {"kind": "feedback", "text": "火已扑灭"})
    assert logged.status_code == 200  # the commander appointed writes the log
    last = LogEntry.objects.filter(incident_id=iid).latest("id")
    fixed = {"kind": "note", "text": "明火已扑灭", "corrects": last.pk}
    c.call(village, "POST", f"{url}/log", fixed)
    assert LogEntry.objects.filter(incident_id=iid).latest("id").corrects_id == last.pk
    refused = c.call(village, "POST", f"{url}/log", {"kind": "report", "text": "x"})
    assert (refused.status_code, refused.json()["field"]) == (400, "kind")
    unknown = c.call(county, "POST", f"{url}/teleport", {})
    assert (unknown.status_code, unknown.json()["field"]) == (404, "step")
    team = a_team(cast)
    sendable = c.call(county, "GET", f"{BASE}/{iid}/candidates").json()
    assert [t["id"] for t in sendable] == [team.pk] and sendable[0]["own"]
    assert c.call(village, "GET", f"{BASE}/{iid}/candidates").json() == []
    c.call(outsider, "GET", f"{BASE}/{iid}/candidates")  # 404
    sent = c.call(county, "POST", f"{url}/dispatch", {"team": team.pk, "task": "灭火救人"})
    order = sent.json()["orders"][0]
    assert order["status"] == "ordered" and set(order["steps"]) >= {"release", "recall"}
    again = c.call(county, "POST", f"{url}/dispatch", {"team": team.pk, "task": "x"})
    assert (again.status_code, again.json()["field"]) == (409, "team")
    c.call(county, "POST", f"{url}/dispatch", {"team": 10**9, "task": "x"})  # 404

    # The command log, and a level passing it up.
    page = c.call(county, "GET", f"{BASE}/{iid}/log?limit=2").json()
    assert len(page["items"]) == 2 and "cursor=" in page["next"]
    c.call(county, "GET", f"{BASE}/{iid}/log?before=0")  # 422
    c.call(outsider, "GET", f"{BASE}/{iid}/log")  # 404
    relay = Relay.objects.get(incident_id=iid)
    c.call(village, "POST", f"{BASE}/relays/{relay.pk}/pass", {})  # 403
    passed = c.call(township, "POST", f"{BASE}/relays/{relay.pk}/pass", {"note": "电话报县"})
    assert [r["passed_at"] is not None for r in passed.json()["relays"]] == [True, False]
    c.call(township, "POST", f"{BASE}/relays/{relay.pk}/pass", {})  # 409
    c.call(outsider, "POST", f"{BASE}/relays/{relay.pk}/pass", {})  # 404

    # The team leader answers; the commander releases.
    leader = client_for(team.leader.user)
    oid = order["id"]
    mine = c.call(leader, "GET", f"{BASE}/orders/mine").json()
    assert [o["id"] for o in mine["items"]] == [oid]
    assert mine["items"][0]["steps"] == ["receive", "depart", "arrive", "work", "complete"]
    got = c.call(leader, "GET", f"{BASE}/orders/{oid}").json()
    assert got["scene"]["place"] == "一村三组" and got["incident_number"] == incident["number"]
    c.call(outsider, "GET", f"{BASE}/orders/{oid}")  # 404
    answered = c.call(leader, "POST", f"{BASE}/orders/{oid}/steps/receive", {"note": "收到"})
    assert answered.json()["status"] == "received"
    c.call(leader, "POST", f"{BASE}/orders/{oid}/steps/release", {})  # 403
    c.call(leader, "POST", f"{BASE}/orders/{oid}/steps/order", {})  # 404
    c.call(leader, "POST", f"{BASE}/orders/{oid}/steps/receive", {"colour": "red"})  # 422
    c.call(leader, "POST", f"{BASE}/orders/{oid}/steps/complete", {})
    c.call(leader, "POST", f"{BASE}/orders/{oid}/steps/arrive", {})  # 409: no going back
    released = c.call(county, "POST", f"{BASE}/orders/{oid}/steps/release", {"note": "归队"})
    assert released.json()["status"] == "released" and released.json()["steps"] == []
    assert Team.objects.get(pk=team.pk).status == TeamStatus.STANDBY

    # The end: the 终报, then nothing more to command.
    ended = c.call(county, "POST", f"{url}/end", {"text": "处置完毕", "decided_by": "县长"})
    assert ended.json()["status"] == "ended" and ended.json()["reports"][0]["stage"] == "final"
    assert [t["label"] for t in ended.json()["clock"]] == ["A县上报", "伤亡变化补报截止"]
    c.call(county, "POST", f"{url}/end", {"text": "x", "decided_by": "x"})  # 409
    assert c.call(county, "GET", f"{BASE}/{iid}/candidates").json() == []
    c.call(outsider, "POST", f"{url}/report", {"text": "x"})  # 404

    c.assert_true()
    exercised = {(m, p) for m, p, status in c.seen if 200 <= status < 300}
    assert sorted(ops - exercised) == [], "incident operations never answered with success"
    statuses = {status for _m, _p, status in c.seen}
    assert statuses >= {200, 201, 400, 401, 403, 404, 409, 422}


def test_a_resent_step_is_taken_once_and_its_uuid_serves_no_other(cast):
    incident = an_incident(cast)
    county = client_for(cast.users["county"])
    url = f"{BASE}/{incident.pk}/steps"
    body = {"client_uuid": str(uuid.uuid4()), "text": "续报", "figures": {"injured": 3}}
    first = county.post(f"{url}/report", body, content_type="application/json")
    again = county.post(f"{url}/report", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["reports"] == again.json()["reports"]
    assert incident.reports.count() == 2
    other = {"client_uuid": body["client_uuid"], "level": "4", "decided_by": "x"}
    refused = county.post(f"{url}/respond", other, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["field"] == "client_uuid"
    assert Incident.objects.get().status == "reported"


def test_bad_figures_in_a_step_are_every_one_named_and_nothing_is_written(cast):
    incident = an_incident(cast)
    county = client_for(cast.users["county"])
    before = state()
    bad = county.post(
        f"{BASE}/{incident.pk}/steps/report",
        {"text": "x", "figures": {"dead": -1, "trapped": 10**7, "direct_loss": "-5"}},
        content_type="application/json",
    )
    assert bad.status_code == 400, bad.content
    assert bad.json()["field"] == "figures.dead"
    assert [e["field"] for e in bad.json()["errors"]] == [
        "figures.dead",
        "figures.trapped",
        "figures.direct_loss",
    ]
    bad = county.post(
        f"{BASE}/{incident.pk}/steps/end",
        {"text": "x", "decided_by": "x", "figures": {"seriously_injured": 5}},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "figures.seriously_injured")
    bad = county.post(
        f"{BASE}/{incident.pk}/steps/report",
        {"text": "x", "figures": {"dead": "many"}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-2:] == ["figures", "dead"]
    assert state() == before
    assert Incident.objects.get().status == "reported"


def dispatched(cast):
    """An incident of 一村 with 甲镇's team sent to it by the county."""
    incident = an_incident(cast)
    team = a_team(cast)
    county = client_for(cast.users["county"])
    sent = county.post(
        f"{BASE}/{incident.pk}/steps/dispatch",
        {"team": team.pk, "task": "救治伤员"},
        content_type="application/json",
    )
    assert sent.status_code == 200, sent.content
    return incident, team, Order.objects.get()


def test_a_team_leader_answers_an_order_through_the_login_session(cast):
    """A leader whose only tie to the platform is the team: the order reaches them."""
    incident, team, order = dispatched(cast)
    phone = client_for(team.leader.user)
    mine = phone.get(f"{BASE}/orders/mine").json()["items"]
    assert [(o["id"], o["incident"], o["task"]) for o in mine] == [
        (order.pk, incident.pk, "救治伤员")
    ]
    # a later answer may come first: 出发 straight away
    departed = phone.post(
        f"{BASE}/orders/{order.pk}/steps/depart",
        {"client_uuid": str(uuid.uuid4()), "note": "5分钟到"},
        content_type="application/json",
    )
    assert departed.status_code == 200, departed.content
    answer = departed.json()
    assert answer["status"] == "departed" and answer["received_at"] is None
    assert answer["steps"] == ["arrive", "work", "complete"]
    assert answer["scene"]["id"] == incident.pk
    order.refresh_from_db()
    assert order.departed_at is not None and order.watch_at is None
    assert LogEntry.objects.filter(incident=incident, kind="feedback").count() == 1
    # the order reached them, the incident's own record lies outside their scope
    assert phone.get(f"{BASE}/{incident.pk}").status_code == 404
    # 撤回 is the commander's
    refused = phone.post(
        f"{BASE}/orders/{order.pk}/steps/recall", {}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["field"]) == (403, "step")
    order.refresh_from_db()
    assert order.status == "departed"


def test_a_team_leader_with_a_post_answers_an_order_with_a_token(cast):
    incident, team, order = dispatched(cast)
    assign_role(None, person=team.leader, cell=cast.township, role=Role.MEMBER, start=START)
    phone = bearer_for(team.leader.user.username)
    mine = phone.get(f"{BASE}/orders/mine").json()["items"]
    assert [o["id"] for o in mine] == [order.pk]
    for step in ["receive", "arrive"]:
        answered = phone.post(
            f"{BASE}/orders/{order.pk}/steps/{step}", {}, content_type="application/json"
        )
        assert answered.status_code == 200, answered.content
    assert answered.json()["status"] == "arrived"
    assert answered.json()["steps"] == ["work", "complete"]  # not 收队: the commander's
    # the outsider leads no team of A县's: none of its orders are theirs
    outsider = bearer_for("outsider", PASSWORD)
    none = outsider.get(f"{BASE}/orders/mine").json()
    assert (none["items"], none["count"], none["next"]) == ([], 0, None)
    assert outsider.get(f"{BASE}/orders/{order.pk}").status_code == 404


def test_the_command_log_comes_in_keyset_pages_newest_first_counted_once(cast):
    an_incident(cast)  # another: the incidents' list has a next page, a cursor of its own
    incident = an_incident(cast)
    county = cast.users["county"]
    for n in range(6):
        actions.write_log(county, incident, kind="note", text=f"记录{n}")
    expected = list(
        LogEntry.objects.filter(incident=incident).order_by("-id").values_list("id", flat=True)
    )
    assert len(expected) == 7  # 接报 and six notes
    client = client_for(county)
    seen, url = [], f"{BASE}/{incident.pk}/log?limit=3"
    pages = []
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).json()
        pages.append(queries.captured_queries)
        seen += [e["id"] for e in page["items"]]
        url = page["next"]
    assert seen == expected and len(pages) == 3
    assert page["items"][-1]["text"].startswith("接报")
    # the pages after the first count nothing: they only walk on from the cursor
    assert not any("COUNT(" in q["sql"].upper() for later in pages[1:] for q in later)
    # a cursor of another list (the incidents'), or one changed, is refused naming it
    other = client.get(f"{BASE}", {"limit": 1, "status": "all"}).json()["next"]
    assert other, "the county sees more than one incident"
    cursor = parse_qs(urlsplit(other).query)["cursor"][0]
    refused = client.get(f"{BASE}/{incident.pk}/log", {"cursor": cursor})
    assert refused.status_code == 400 and refused.json()["field"] == "cursor"


def test_evacuation_and_the_review_through_the_api_named_when_wrong(cast):
    from qianshao.resources.tests.shelters_helpers import household, shelter

    incident = an_incident(cast)
    s = shelter(cast)
    family = household(cast, members=3)
    county = client_for(cast.users["county"])
    url = f"{BASE}/{incident.pk}/steps"
    bad = county.post(
        f"{url}/evacuate", {"cell": "450902100201", "people": 2}, content_type="application/json"
    )
    assert (bad.status_code, bad.json()["field"]) == (404, "cell")
    bad = county.post(
        f"{url}/evacuate", {"cell": cast.village.code, "people": 0}, content_type="application/json"
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "people")
    done = county.post(
        f"{url}/evacuate",
        {"cell": cast.village.code, "shelter": s.pk, "households": [family.pk]},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    incident.refresh_from_db()
    assert (incident.evacuated, incident.sheltered) == (3, 3)
    bad = county.post(
        f"{url}/supplies",
        {"point": 999999, "lines": [{"item": 1, "quantity": "1"}]},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["field"]) == (404, "point")
    bad = county.post(
        f"{url}/warn",
        {"type": 999999, "level": "blue", "headline": "x", "text": "x"},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["field"]) == (400, "type")
    ended = county.post(
        f"{url}/end", {"text": "完毕", "decided_by": "县长"}, content_type="application/json"
    )
    assert ended.status_code == 200
    found = county.post(
        f"{url}/finding",
        {"text": "缺减速带", "owner": "交通局", "due_on": "2027-01-31"},
        content_type="application/json",
    )
    assert found.status_code == 200
    closed = county.post(f"{url}/close", {"review": "及时"}, content_type="application/json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
