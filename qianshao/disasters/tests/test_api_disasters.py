"""/api/v1/zero-reports and /api/v1/disasters: the day's zero report from a phone (idempotent
on client_uuid, one per cell and day), its correction and the completeness numbers; a
disaster's 初报 as JSON or multipart with photos, 续报, 核报, relief and its decision; the
figures rolled up the grid; lists filtered and scoped. Every refusal is a 4xx naming the
field, and writes nothing."""

import base64
import io
import json
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.disasters import actions
from qianshao.disasters.models import (
    DayTally,
    DisasterReport,
    DisasterType,
    Photo,
    ReliefApplication,
    ReliefStatus,
    ReportStatus,
    Stage,
    Version,
    ZeroKind,
    ZeroReport,
)
from qianshao.grid.models import Role
from qianshao.hazards.tests.conftest import jpeg
from qianshao.hazards.tests.test_api_steps import api_client
from qianshao.intake.models import Submission
from qianshao.testing import appoint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 7, 1, 9, 0, tzinfo=SHANGHAI)  # before the 16:00 deadline
TODAY = MORNING.date()
YICUN, ERCUN, SANCUN = "450901100201", "450901100202", "450901101201"
ZERO = "/api/v1/zero-reports"
DISASTERS = "/api/v1/disasters"


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def login(cell, role, username):
    person = appoint(cell, role, name=f"{username}人")
    return create_login(None, person, username=username, password="cast-password-2")


@pytest.fixture
def informant(cast):
    """A second person with a post in 一村 (its information officer)."""
    return login(cast.village, Role.INFORMANT, "yicun-informant")


@pytest.fixture
def ercun_member(cast):
    return login(cast.cell(ERCUN), Role.MEMBER, "ercun-member")


@pytest.fixture
def township_head(cast):
    """甲镇's 网格长: a second managing post at the township."""
    return login(cast.township, Role.HEAD, "jiazhen-head")


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def written() -> tuple:
    """Everything an endpoint here could write."""
    return (
        ZeroReport.objects.count(),
        DayTally.objects.aggregate(n=Sum("n"))["n"],
        DisasterReport.objects.count(),
        Version.objects.count(),
        Photo.objects.count(),
        ReliefApplication.objects.count(),
        AuditRecord.objects.count(),
        Submission.objects.count(),
    )


def zero(**extra) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "cell": YICUN} | extra


def disaster(**extra) -> dict:
    started = timezone.now() - timedelta(minutes=30)
    return {
        "client_uuid": str(uuid.uuid4()),
        "type": "flood",
        "started_at": started.isoformat(),
        "cell": YICUN,
        "place": "一村 3 组",
        "figures": {"affected": 12, "relocated": 5, "crops_affected_ha": "3.50"},
        "note": "山洪冲毁道路",
    } | extra


def upload(data: bytes, name="p.jpg"):
    file = io.BytesIO(data)
    file.name = name
    return file


def refused(response, status: int, field: str):
    """``response`` is a ``status`` naming ``field``: an action's answer, or a 422's loc."""
    assert response.status_code == status, response.content
    body = response.json()
    if status == 422:
        fields = [issue["loc"][-1] for issue in body["detail"]]
        assert field in fields, fields
    else:
        assert body["field"] == field, body
        assert body["detail"]


def items(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["items"]


# --- the zero report --------------------------------------------------------------------


def test_a_zero_report_is_filed_with_201_and_a_resend_returns_it_with_200(cast, clock):
    client = api_client(cast.users["village"])
    body = zero()
    first = post(client, ZERO, body)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["cell"] == YICUN and answer["cell_name"] == "一村"
    assert (answer["day"], answer["kind"], answer["on_time"]) == ("2026-07-01", "none", True)
    assert answer["reporter"] == "village人" and answer["disaster"] is None
    z = ZeroReport.objects.get()
    assert (z.cell, z.day, z.reported_by) == (cast.village, TODAY, cast.users["village"])
    assert DayTally.objects.get(path=cast.county.path, day=TODAY).n == 1
    assert AuditRecord.objects.filter(action="disasters.zero").count() == 1

    before = written()
    clock.shift(timedelta(minutes=5))
    again = post(client, ZERO, body)
    assert again.status_code == 200
    assert again.json() == answer
    assert written() == before


def test_a_client_uuid_used_for_another_submission_is_a_409(cast, clock, ercun_member):
    body = zero()
    assert post(api_client(cast.users["village"]), ZERO, body).status_code == 201
    before = written()
    # another user sending the same UUID, for their own cell
    other = post(api_client(ercun_member), ZERO, body | {"cell": ERCUN})
    refused(other, 409, "client_uuid")
    # the same user sending it with a disaster report
    as_disaster = post(api_client(cast.users["village"]), DISASTERS, disaster() | body)
    refused(as_disaster, 409, "client_uuid")
    assert written() == before


def test_a_resend_with_changed_fields_never_files_a_second_report(cast, clock):
    """The UUID names the submission: a phone's resend gets the first report back whatever
    it carries, and nothing more is written."""
    client = api_client(cast.users["village"])
    body = zero()
    first = post(client, ZERO, body).json()
    before = written()
    again = post(client, ZERO, body | {"day": str(TODAY - timedelta(days=1))})
    assert again.status_code == 200
    assert again.json() == first
    assert written() == before


def test_a_second_zero_report_of_the_cell_and_day_is_a_409_naming_the_first(cast, clock, informant):
    assert post(api_client(cast.users["village"]), ZERO, zero()).status_code == 201
    before = written()
    clock.shift(timedelta(minutes=30))
    response = post(api_client(informant), ZERO, zero())
    refused(response, 409, "day")
    assert "village人" in response.json()["detail"]
    assert "09:00" in response.json()["detail"]
    assert written() == before
    assert ZeroReport.objects.get().reported_by == cast.users["village"]


@pytest.mark.parametrize(
    ("username", "cell", "status"),
    [
        ("village", ERCUN, 404),  # a neighbour village
        ("village", "450902100201", 404),  # another county
        ("village", "450901100", 404),  # the township above
        ("outsider", YICUN, 404),
        ("village", "NOPE", 404),
        ("township", YICUN, 403),  # sees 一村 but holds no post there
        ("county", YICUN, 403),
        ("township", "450901100", 400),  # a township does not file zero reports
    ],
)
def test_a_cell_that_is_not_the_users_to_file_is_refused_and_nothing_written(
    cast, clock, username, cell, status
):
    before = written()
    response = post(api_client(cast.users[username]), ZERO, zero(cell=cell))
    refused(response, status, "cell")
    assert written() == before


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"kind": "maybe"}, 422, "kind"),
        ({"cell": None}, 422, "cell"),
        ({"client_uuid": None}, 422, "client_uuid"),
        ({"client_uuid": "not-a-uuid"}, 422, "client_uuid"),
        ({"day": "2026-13-01"}, 422, "day"),
        ({"colour": "green"}, 422, "colour"),
        ({"kind": "disaster"}, 400, "disaster"),  # with no disaster number
        ({"kind": "disaster", "disaster": "ZQ20260701ABCDEF"}, 404, "disaster"),
        ({"day": "2026-07-02"}, 400, "day"),  # tomorrow
    ],
)
def test_bad_zero_report_input_is_a_4xx_naming_the_field_and_nothing_written(
    cast, clock, change, status, field
):
    before = written()
    body = {k: v for k, v in (zero() | change).items() if v is not None}
    refused(post(api_client(cast.users["village"]), ZERO, body), status, field)
    assert written() == before


@pytest.mark.parametrize("url", [ZERO, DISASTERS])
@pytest.mark.parametrize("raw", ["{not json", '{"cell": "450901100201",'])
def test_a_body_that_is_not_json_is_a_400_and_nothing_written(cast, clock, url, raw):
    before = written()
    response = api_client(cast.users["village"]).post(url, raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert written() == before


def test_a_zero_report_may_point_at_a_disaster_of_its_own_cell_only(cast, clock, disaster_in):
    flood = disaster_in()
    elsewhere = disaster_in(cast.cell(ERCUN), by="township")
    client, admin = api_client(cast.users["village"]), api_client(cast.users["admin"])
    before = written()
    # 二村's disaster is out of the village's sight; the admin sees it, but it is not 一村's
    refused(post(client, ZERO, zero(kind="disaster", disaster=elsewhere.number)), 404, "disaster")
    refused(post(admin, ZERO, zero(kind="disaster", disaster=elsewhere.number)), 400, "disaster")
    refused(post(admin, ZERO, zero(kind="none", disaster=flood.number)), 400, "disaster")
    assert written() == before

    response = post(client, ZERO, zero(kind="disaster", disaster=flood.number.lower()))
    assert response.status_code == 201, response.content
    assert response.json()["disaster"] == flood.number
    assert ZeroReport.objects.get().disaster == flood


# --- correcting a zero report -----------------------------------------------------------


def test_the_reporter_corrects_the_content_and_the_time_stands(cast, clock, disaster_in):
    client = api_client(cast.users["village"])
    filed = post(client, ZERO, zero()).json()
    flood = disaster_in()
    clock.shift(timedelta(hours=10))  # after the deadline: a correction is not a late report
    body = {"kind": "disaster", "disaster": flood.number, "reason": "漏报了上午的山洪"}
    response = post(client, f"{ZERO}/{filed['id']}/correct", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["kind"], answer["disaster"]) == ("disaster", flood.number)
    assert answer["submitted_at"] == filed["submitted_at"] and answer["on_time"] is True
    assert answer["corrected_at"]
    z = ZeroReport.objects.get()
    assert (z.kind, z.disaster, z.on_time) == (ZeroKind.DISASTER, flood, True)
    assert DayTally.objects.get(path=cast.village.path, day=TODAY).on_time == 1
    record = AuditRecord.objects.get(action="disasters.correct_zero")
    assert record.note == "漏报了上午的山洪"
    assert record.before == {"kind": "none", "disaster": None}


def test_the_level_above_may_correct_but_another_member_of_the_cell_may_not(cast, clock, informant):
    filed = post(api_client(cast.users["village"]), ZERO, zero(kind="none")).json()
    url = f"{ZERO}/{filed['id']}/correct"
    body = {"kind": "none", "reason": "核实"}
    # same content as filed: nothing to correct
    refused(post(api_client(cast.users["township"]), url, body), 409, "kind")
    before = written()
    refused(post(api_client(informant), url, body | {"kind": "disaster"}), 403, "kind")
    response = post(api_client(cast.users["outsider"]), url, body)
    assert response.status_code == 404
    assert written() == before


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"reason": None}, 422, "reason"),
        ({"reason": "   "}, 400, "reason"),
        ({"kind": "maybe"}, 422, "kind"),
        ({"kind": "disaster"}, 400, "disaster"),
        ({"disaster": "ZQ20260701ABCDEF"}, 404, "disaster"),
    ],
)
def test_a_bad_correction_is_refused_naming_the_field(cast, clock, change, status, field):
    client = api_client(cast.users["village"])
    filed = post(client, ZERO, zero()).json()
    before = written()
    body = {k: v for k, v in ({"kind": "disaster", "reason": "更正"} | change).items() if v}
    refused(post(client, f"{ZERO}/{filed['id']}/correct", body), status, field)
    assert written() == before
    assert ZeroReport.objects.get().corrected_at is None


# --- completeness -----------------------------------------------------------------------


def test_completeness_of_a_day_counts_on_time_late_and_missing_up_the_grid(
    cast, clock, ercun_member
):
    assert post(api_client(cast.users["village"]), ZERO, zero()).status_code == 201
    clock.move_to(MORNING.replace(hour=17))
    late = post(api_client(ercun_member), ZERO, zero(cell=ERCUN))
    assert late.status_code == 201 and late.json()["on_time"] is False

    county = api_client(cast.users["county"])
    town = county.get(f"{ZERO}/completeness?cell=450901100&day=2026-07-01").json()
    assert (town["cell"], town["first"], town["last"]) == ("450901100", "2026-07-01", "2026-07-01")
    assert town["total"] == {
        "expected": 2,
        "received": 2,
        "on_time": 1,
        "late": 1,
        "missing": 0,
        "pending": 0,
        "received_rate": 100.0,
        "on_time_rate": 50.0,
    }
    assert [(c["code"], c["received"], c["on_time"], c["late"]) for c in town["children"]] == [
        (YICUN, 1, 1, 0),
        (ERCUN, 1, 0, 1),
    ]
    assert town["days"] == [{"day": "2026-07-01", **town["total"]}]

    whole = county.get(f"{ZERO}/completeness").json()  # the caller's own cell, today
    assert whole["cell"] == "450901"
    assert (whole["total"]["expected"], whole["total"]["received"]) == (3, 2)
    assert (whole["total"]["missing"], whole["total"]["received_rate"]) == (1, 66.7)
    assert [(c["name"], c["expected"], c["missing"]) for c in whole["children"]] == [
        ("甲镇", 2, 0),
        ("乙镇", 1, 1),
    ]


def test_completeness_of_a_period_sums_its_days(cast, clock):
    village = api_client(cast.users["village"])
    # two days ago on time, yesterday late (filed today), today nothing yet
    with time_machine.travel(MORNING - timedelta(days=2), tick=False):
        assert post(village, ZERO, zero()).status_code == 201
    yesterday = str(TODAY - timedelta(days=1))
    assert post(village, ZERO, zero(day=yesterday)).json()["on_time"] is False

    township = api_client(cast.users["township"])
    response = township.get(f"{ZERO}/completeness?from=2026-06-29&to=2026-07-01")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["cell"] == "450901100"
    total = answer["total"]
    assert (total["expected"], total["received"], total["on_time"]) == (6, 2, 1)
    # today's two are not in yet, and its deadline is still to come: pending, not missing
    assert (total["late"], total["missing"], total["pending"]) == (1, 2, 2)
    assert total["received_rate"] == 33.3
    assert [(d["day"], d["received"], d["on_time"]) for d in answer["days"]] == [
        ("2026-06-29", 1, 1),
        ("2026-06-30", 1, 0),
        ("2026-07-01", 0, 0),
    ]
    assert [
        (c["code"], c["expected"], c["received"], c["missing"], c["pending"])
        for c in answer["children"]
    ] == [(YICUN, 3, 2, 0, 1), (ERCUN, 3, 0, 2, 1)]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("from=2026-07-01&to=2026-06-30", 400, "from"),
        ("from=2026-01-01&to=2026-07-01", 400, "from"),
        ("day=yesterday", 422, "day"),
    ],
)
def test_a_bad_period_is_refused_naming_it(cast, clock, query, status, field):
    response = api_client(cast.users["county"]).get(f"{ZERO}/completeness?{query}")
    refused(response, status, field)


def test_completeness_of_a_cell_out_of_sight_is_a_404(cast, clock):
    response = api_client(cast.users["township"]).get(f"{ZERO}/completeness?cell=450901")
    assert response.status_code == 404
    response = api_client(cast.users["outsider"]).get(f"{ZERO}/completeness?cell=450901100")
    assert response.status_code == 404


# --- disaster reports -------------------------------------------------------------------


def test_a_disaster_is_reported_as_json_and_a_resend_returns_it(cast, clock):
    client = api_client(cast.users["village"])
    body = disaster()
    response = post(client, DISASTERS, body)
    assert response.status_code == 201, response.content
    answer = response.json()
    d = DisasterReport.objects.get(number=answer["number"])
    assert answer["number"].startswith("ZQ20260701")
    assert (answer["type"], answer["type_label"], answer["status"]) == ("flood", "洪涝", "reported")
    assert (answer["cell"], answer["place"], answer["initial_on_time"]) == (
        YICUN,
        "一村 3 组",
        True,
    )
    assert answer["figures"]["affected"] == 12 and answer["figures"]["crops_affected_ha"] == 3.5
    assert answer["figures"]["dead"] == 0
    assert [(v["seq"], v["stage"], v["note"]) for v in answer["versions"]] == [
        (1, "initial", "山洪冲毁道路")
    ]
    assert answer["relief"] == []
    assert (d.reported_by, d.reporter, d.cell) == (
        cast.users["village"],
        cast.people["village"],
        cast.village,
    )
    assert d.versions.get().photos.count() == 0

    before = written()
    again = post(client, DISASTERS, body)
    assert again.status_code == 200
    assert again.json() == answer
    assert written() == before


def test_a_disaster_is_reported_in_multipart_with_a_photo(cast, clock, media):
    client = api_client(cast.users["village"])
    body = disaster()
    body["figures"] = json.dumps(body["figures"])  # an object in multipart is a JSON part
    body["photos"] = [upload(jpeg(width=80, height=60), "scene.jpg")]
    response = client.post(DISASTERS, body)
    assert response.status_code == 201, response.content
    d = DisasterReport.objects.get(number=response.json()["number"])
    assert (d.affected, d.relocated, str(d.crops_affected_ha)) == (12, 5, "3.50")
    photo = Photo.objects.get()
    assert (photo.version, photo.width, photo.height) == (d.versions.get(), 80, 60)
    assert (media / photo.image.name).read_bytes()[:2] == b"\xff\xd8"
    [listed] = response.json()["versions"][0]["photos"]
    assert listed == {
        "token": photo.token,
        "url": f"/api/v1/disasters/photos/{photo.token}",
        "width": 80,
        "height": 60,
    }
    shown = client.get(listed["url"])
    assert (shown.status_code, shown["Content-Type"]) == (200, "image/jpeg")
    assert b"".join(shown.streaming_content) == (media / photo.image.name).read_bytes()
    assert api_client(cast.users["outsider"]).get(listed["url"]).status_code == 404


@pytest.mark.parametrize("started", ["+08:00", "Z"])
def test_the_answer_to_a_report_is_what_reading_it_back_shows(cast, clock, started):
    """The 201 is built from what the 初报 wrote (its version and photos), not read back: it
    must be exactly what the report's own page of the API answers — figures whole and
    decimal, a start given in local time or UTC."""
    client = api_client(cast.users["village"])
    at = timezone.localtime(timezone.now() - timedelta(hours=2)).replace(microsecond=123456)
    body = disaster(
        started_at=at.isoformat()
        if started == "+08:00"
        else at.astimezone(ZoneInfo("UTC")).isoformat(),
        figures={"affected": 12, "crops_affected_ha": "3.5", "economic_loss": 7},
        photos=[{"name": "a.jpg", "data": base64.b64encode(jpeg()).decode()}],
    )
    answered = post(client, DISASTERS, body)
    assert answered.status_code == 201, answered.content
    again = client.get(f"{DISASTERS}/{answered.json()['number']}")
    assert answered.json() == again.json()
    assert len(again.json()["versions"][0]["photos"]) == 1


def test_a_disaster_is_reported_with_a_base64_photo(cast, clock):
    photo = {"name": "a.jpg", "data": base64.b64encode(jpeg()).decode()}
    response = post(api_client(cast.users["village"]), DISASTERS, disaster(photos=[photo]))
    assert response.status_code == 201, response.content
    assert Photo.objects.get().width == 64


@pytest.mark.parametrize(
    ("figures", "status", "field"),
    [
        ({"affected": -1}, 422, "affected"),
        ({"affected": "many"}, 422, "affected"),
        ({"dead": 1.5}, 422, "dead"),
        ({"economic_loss": "1.234"}, 422, "economic_loss"),
        ({"crops_lost_ha": "-0.01"}, 422, "crops_lost_ha"),
        ({"injured": 3}, 422, "injured"),
        ({"affected": 2, "dead": 3}, 400, "dead"),
        ({"affected": 2, "missing": 3}, 400, "missing"),
        ({"crops_affected_ha": "1", "crops_damaged_ha": "2"}, 400, "crops_damaged_ha"),
        ({"collapsed_households": 3, "collapsed_rooms": 2}, 400, "collapsed_households"),
        ({"affected": 100_000_001}, 400, "affected"),
    ],
)
def test_bad_figures_are_refused_naming_the_figure_and_nothing_written(
    cast, clock, figures, status, field
):
    before = written()
    response = post(api_client(cast.users["village"]), DISASTERS, disaster(figures=figures))
    refused(response, status, field)
    assert written() == before


def test_bad_figures_in_multipart_are_refused_too(cast, clock):
    client = api_client(cast.users["village"])
    before = written()
    body = disaster(figures=json.dumps({"affected": 1, "dead": 2}), photos=[upload(jpeg())])
    refused(client.post(DISASTERS, body), 400, "dead")
    refused(client.post(DISASTERS, disaster(figures="{not json")), 422, "figures")
    assert written() == before


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"type": "volcano"}, 422, "type"),
        ({"cell": None}, 422, "cell"),
        ({"figures": None}, 422, "figures"),
        ({"started_at": "soon"}, 422, "started_at"),
        ({"started_at": "2026-07-01T11:00:00+08:00"}, 400, "started_at"),
        ({"started_at": "0001-01-01T00:00:00"}, 422, "started_at"),
        ({"started_at": "2025-06-01T09:00:00+08:00"}, 400, "started_at"),
        ({"photos": [{"name": "a.jpg", "data": "***"}]}, 400, "photos"),
        ({"photos": [{"data": base64.b64encode(b"%PDF-1.4").decode()}]}, 400, "photos"),
    ],
)
def test_bad_report_input_is_refused_naming_the_field(cast, clock, change, status, field):
    before = written()
    body = {k: v for k, v in (disaster() | change).items() if v is not None}
    response = post(api_client(cast.users["village"]), DISASTERS, body)
    refused(response, status, field)
    assert written() == before


@pytest.mark.parametrize(
    ("username", "cell"),
    [("village", ERCUN), ("village", "450901100"), ("outsider", YICUN), ("township", SANCUN)],
)
def test_a_disaster_in_a_cell_out_of_scope_is_a_404_and_nothing_written(
    cast, clock, username, cell
):
    before = written()
    response = post(api_client(cast.users[username]), DISASTERS, disaster(cell=cell))
    assert response.status_code == 404
    assert written() == before


def test_a_department_sees_the_cell_but_may_not_report_there(cast, clock):
    before = written()
    response = post(api_client(cast.users["department"]), DISASTERS, disaster())
    refused(response, 403, "cell")
    assert written() == before


# --- 续报 and 核报 -------------------------------------------------------------------------


def test_a_disaster_is_followed_up_then_verified_by_the_level_above(cast, clock, disaster_in):
    d = disaster_in(affected=10)
    url = f"{DISASTERS}/{d.number}"
    village, township = api_client(cast.users["village"]), api_client(cast.users["township"])
    clock.shift(timedelta(hours=1))
    key = str(uuid.uuid4())
    body = {"client_uuid": key, "figures": {"affected": 25, "relocated": 8}, "note": "水位上涨"}
    response = post(village, f"{url}/follow-up", body)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "following"
    assert (answer["figures"]["affected"], answer["figures"]["relocated"]) == (25, 8)
    assert [v["stage"] for v in answer["versions"]] == ["initial", "follow_up"]
    before = written()
    assert post(village, f"{url}/follow-up", body).json() == answer  # a resend
    assert written() == before

    photo = upload(jpeg(), "later.jpg")
    multipart = {"figures": json.dumps({"affected": 30}), "note": "镇里核实", "photos": [photo]}
    response = township.post(f"{url}/follow-up", multipart)
    assert response.status_code == 200, response.content
    assert response.json()["figures"]["affected"] == 30
    assert Version.objects.get(report=d, seq=3).photos.count() == 1

    county = api_client(cast.users["county"])
    response = post(county, f"{url}/verify", {"figures": {"affected": 28}, "note": "县核"})
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "verified" and answer["verified_at"]
    assert answer["figures"]["affected"] == 28
    assert [(v["seq"], v["stage"]) for v in answer["versions"]] == [
        (1, "initial"),
        (2, "follow_up"),
        (3, "follow_up"),
        (4, "verified"),
    ]
    d.refresh_from_db()
    assert (d.status, d.verified_by, d.affected, d.versions_count) == (
        ReportStatus.VERIFIED,
        cast.users["county"],
        28,
        4,
    )


def test_a_verification_without_figures_takes_the_latest(cast, clock, disaster_in):
    d = disaster_in(affected=10, dead=1)
    response = post(api_client(cast.users["township"]), f"{DISASTERS}/{d.number}/verify", {})
    assert response.status_code == 200, response.content
    assert (response.json()["figures"]["affected"], response.json()["figures"]["dead"]) == (10, 1)
    assert Version.objects.get(report=d, stage=Stage.VERIFIED).affected == 10


def test_a_verified_disaster_is_not_verified_or_followed_up_again(
    cast, clock, disaster_in, township_head
):
    d = disaster_in()
    url = f"{DISASTERS}/{d.number}"
    assert post(api_client(cast.users["township"]), f"{url}/verify", {}).status_code == 200
    before = written()
    refused(post(api_client(township_head), f"{url}/verify", {}), 409, "step")
    body = {"figures": {"affected": 40}}
    refused(post(api_client(cast.users["village"]), f"{url}/follow-up", body), 409, "step")
    assert written() == before


def test_whoever_reported_the_figures_may_not_verify_them(cast, clock, disaster_in):
    d = disaster_in(cast.cell(ERCUN), by="township")  # the township itself reported
    url = f"{DISASTERS}/{d.number}/verify"
    followed = disaster_in()
    before = written()
    refused(post(api_client(cast.users["township"]), url, {}), 403, "step")
    # nor may a village (not above)
    refused(
        post(api_client(cast.users["village"]), f"{DISASTERS}/{followed.number}/verify", {}),
        403,
        "step",
    )
    assert written() == before
    assert DisasterReport.objects.filter(status=ReportStatus.VERIFIED).count() == 0
    # a follower-up is an author too
    body = {"figures": {"affected": 11}}
    followed_url = f"{DISASTERS}/{followed.number}"
    assert (
        post(api_client(cast.users["county"]), f"{followed_url}/follow-up", body).status_code == 200
    )
    refused(post(api_client(cast.users["county"]), f"{followed_url}/verify", {}), 403, "step")


def test_bad_step_input_is_refused_naming_the_field(cast, clock, disaster_in):
    d = disaster_in()
    url = f"{DISASTERS}/{d.number}"
    village, county = api_client(cast.users["village"]), api_client(cast.users["county"])
    before = written()
    refused(post(village, f"{url}/follow-up", {"figures": {"dead": 11}}), 400, "dead")
    refused(post(village, f"{url}/follow-up", {"figures": {"affected": -2}}), 422, "affected")
    refused(post(village, f"{url}/follow-up", {"note": "无数字"}), 422, "figures")
    refused(
        post(county, f"{url}/verify", {"figures": {"economic_loss": "0.001"}}), 422, "economic_loss"
    )
    refused(post(county, f"{url}/verify", {"figures": {"dead": 11}}), 400, "dead")
    assert written() == before
    assert (
        post(village, f"{DISASTERS}/ZQ20260701ABCDEF/follow-up", {"figures": {}}).status_code == 404
    )


# --- relief -----------------------------------------------------------------------------


def relief(**extra) -> dict:
    return {
        "kind": "living",
        "households": 3,
        "people": 9,
        "amount": "1.50",
        "note": "急需",
    } | extra


def test_relief_is_applied_for_and_decided_by_the_level_above(cast, clock, disaster_in):
    d = disaster_in()
    response = post(api_client(cast.users["village"]), f"{DISASTERS}/{d.number}/relief", relief())
    assert response.status_code == 201, response.content
    applied = response.json()
    assert (applied["kind"], applied["people"], applied["amount"]) == ("living", 9, "1.50")
    assert applied["status"] == "submitted"

    url = f"{DISASTERS}/relief/{applied['id']}/decide"
    response = post(api_client(cast.users["township"]), url, {"approve": True, "note": "同意"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["decision_note"]) == ("approved", "同意")
    r = ReliefApplication.objects.get()
    assert (r.status, r.decided_by) == (ReliefStatus.APPROVED, cast.users["township"])
    detail = api_client(cast.users["village"]).get(f"{DISASTERS}/{d.number}").json()
    assert [(x["id"], x["status"]) for x in detail["relief"]] == [(r.pk, "approved")]

    before = written()
    refused(
        post(api_client(cast.users["county"]), url, {"approve": False, "note": "x"}), 409, "step"
    )
    assert written() == before


def test_relief_is_not_decided_by_its_applicant_nor_by_an_author_of_the_figures(
    cast, clock, disaster_in, township_head
):
    d = disaster_in()  # by the village
    url = f"{DISASTERS}/{d.number}"
    township, county = api_client(cast.users["township"]), api_client(cast.users["county"])
    assert post(township, f"{url}/follow-up", {"figures": {"affected": 15}}).status_code == 200
    applied = post(county, f"{url}/relief", relief()).json()
    decide = f"{DISASTERS}/relief/{applied['id']}/decide"
    before = written()
    refused(post(county, decide, {"approve": True}), 403, "step")  # the applicant
    refused(post(township, decide, {"approve": True}), 403, "step")  # followed up the figures
    refused(post(api_client(cast.users["village"]), decide, {"approve": True}), 403, "step")
    assert post(api_client(cast.users["outsider"]), decide, {"approve": True}).status_code == 404
    assert written() == before

    # whoever only verified may decide
    assert post(api_client(township_head), f"{url}/verify", {}).status_code == 200
    response = post(api_client(township_head), decide, {"approve": False, "note": "已有救助"})
    assert response.status_code == 200, response.content
    assert ReliefApplication.objects.get().status == ReliefStatus.REJECTED


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"kind": "money"}, 422, "kind"),
        ({"households": -1}, 422, "households"),
        ({"people": None}, 422, "people"),
        ({"amount": "1.001"}, 422, "amount"),
        ({"amount": "lots"}, 422, "amount"),
        ({"households": 10, "people": 9}, 400, "households"),
    ],
)
def test_a_bad_relief_application_is_refused_naming_the_field(
    cast, clock, disaster_in, change, status, field
):
    d = disaster_in()
    before = written()
    body = {k: v for k, v in relief(**change).items() if v is not None}
    response = post(api_client(cast.users["village"]), f"{DISASTERS}/{d.number}/relief", body)
    refused(response, status, field)
    assert written() == before


def test_a_rejection_needs_a_reason(cast, clock, disaster_in):
    d = disaster_in()
    r = actions.apply_relief(
        cast.users["village"], d, kind="living", households=1, people=2, amount=1
    )
    url = f"{DISASTERS}/relief/{r.pk}/decide"
    before = written()
    refused(post(api_client(cast.users["county"]), url, {"approve": False}), 400, "note")
    refused(post(api_client(cast.users["county"]), url, {"note": "x"}), 422, "approve")
    assert written() == before


# --- figures rolled up ------------------------------------------------------------------


@pytest.fixture
def floods(cast, clock, disaster_in):
    """一村 10 affected (followed up to 30), 二村 5 with 1 dead, 三村 7; and one in B县."""
    yicun = disaster_in(affected=10, crops_affected_ha="1.25")
    actions.follow_up(
        cast.users["village"], yicun, figures={"affected": 30, "crops_affected_ha": "2.50"}
    )
    disaster_in(cast.cell(ERCUN), by="township", affected=5, dead=1, economic_loss="3.75")
    disaster_in(cast.cell(SANCUN), by="county", affected=7)
    disaster_in(cast.other_village, by="outsider", affected=1000)
    old = disaster_in(
        cast.cell(SANCUN), by="county", affected=100, started=MORNING - timedelta(days=40)
    )
    return yicun, old


def test_figures_are_summed_for_a_township_from_the_latest_versions(cast, floods):
    response = api_client(cast.users["township"]).get(f"{DISASTERS}/figures")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["cell"] == "450901100"
    total = answer["total"]
    assert (total["reports"], total["affected"], total["dead"]) == (2, 35, 1)
    assert (total["crops_affected_ha"], total["economic_loss"]) == (2.5, 3.75)
    assert [(c["code"], c["reports"], c["affected"]) for c in answer["children"]] == [
        (YICUN, 1, 30),
        (ERCUN, 1, 5),
    ]


def test_figures_of_a_county_roll_up_its_townships_and_a_period_filters_them(cast, floods):
    county = api_client(cast.users["county"])
    answer = county.get(f"{DISASTERS}/figures?cell=450901").json()
    assert (answer["total"]["reports"], answer["total"]["affected"]) == (4, 142)
    assert [(c["name"], c["reports"], c["affected"]) for c in answer["children"]] == [
        ("甲镇", 2, 35),
        ("乙镇", 2, 107),
    ]
    recent = county.get(f"{DISASTERS}/figures?cell=450901&from=2026-06-01&to=2026-07-01").json()
    assert (recent["first"], recent["last"]) == ("2026-06-01", "2026-07-01")
    assert (recent["total"]["reports"], recent["total"]["affected"]) == (3, 42)
    assert [(c["name"], c["affected"]) for c in recent["children"]] == [("甲镇", 35), ("乙镇", 7)]


def test_figures_of_a_cell_out_of_sight_are_a_404(cast, floods):
    assert (
        api_client(cast.users["township"]).get(f"{DISASTERS}/figures?cell=450901").status_code
        == 404
    )
    outsider = api_client(cast.users["outsider"])
    assert outsider.get(f"{DISASTERS}/figures?cell=450901100").status_code == 404
    own = outsider.get(f"{DISASTERS}/figures").json()
    assert (own["cell"], own["total"]["affected"]) == ("450902", 1000)


# --- lists ------------------------------------------------------------------------------


def test_the_disaster_list_filters_by_cell_type_and_period(cast, floods, disaster_in):
    yicun, old = floods
    landslide = actions.report(
        cast.users["village"],
        type=DisasterType.LANDSLIDE,
        started_at=MORNING - timedelta(minutes=20),
        cell=cast.village,
        figures={"affected": 2},
    )
    county = api_client(cast.users["county"])
    everything = items(county.get(DISASTERS))
    assert len(everything) == 5
    assert everything[0]["number"] == landslide.number, "newest start first"
    assert everything[-1]["number"] == old.number
    in_town = items(county.get(f"{DISASTERS}?cell=450901100"))
    assert {d["cell"] for d in in_town} == {YICUN, ERCUN}
    assert len(in_town) == 3
    assert [d["number"] for d in items(county.get(f"{DISASTERS}?type=landslide"))] == [
        landslide.number
    ]
    assert len(items(county.get(f"{DISASTERS}?from=2026-07-01"))) == 4
    assert [d["number"] for d in items(county.get(f"{DISASTERS}?to=2026-06-01"))] == [old.number]
    assert county.get(f"{DISASTERS}?type=volcano").status_code == 422
    assert county.get(f"{DISASTERS}?cell=450902").status_code == 404
    page = county.get(f"{DISASTERS}?limit=2&offset=1").json()
    assert (page["count"], len(page["items"])) == (5, 2)


def test_the_lists_hold_the_callers_scope_only(cast, floods, ercun_member):
    post(api_client(cast.users["village"]), ZERO, zero())
    post(api_client(ercun_member), ZERO, zero(cell=ERCUN))
    outsider = api_client(cast.users["outsider"])
    mine = items(outsider.get(DISASTERS))
    assert [(d["cell"], d["figures"]["affected"]) for d in mine] == [("450902100201", 1000)]
    assert items(outsider.get(ZERO)) == []
    yicun, _old = floods
    assert outsider.get(f"{DISASTERS}/{yicun.number}").status_code == 404

    village = api_client(cast.users["village"])
    assert {d["cell"] for d in items(village.get(DISASTERS))} == {YICUN}
    assert [z["cell"] for z in items(village.get(ZERO))] == [YICUN]
    township = api_client(cast.users["township"])
    assert [z["cell"] for z in items(township.get(f"{ZERO}?day=2026-07-01"))] == [YICUN, ERCUN]
    assert [z["cell"] for z in items(township.get(f"{ZERO}?cell={ERCUN}"))] == [ERCUN]
    assert items(township.get(f"{ZERO}?day=2026-06-30")) == []


def test_the_disaster_list_reads_a_fixed_number_of_queries(cast, floods, disaster_in):
    county = api_client(cast.users["county"])
    county.get(DISASTERS)  # the session, once
    with CaptureQueriesContext(connection) as few:
        assert len(items(county.get(DISASTERS))) == 4
    for _ in range(5):
        disaster_in()
    with CaptureQueriesContext(connection) as many:
        assert len(items(county.get(DISASTERS))) == 9
    assert len(many) == len(few)


def test_days_to_come_are_not_counted_missing(cast, clock):
    assert post(api_client(cast.users["village"]), ZERO, zero()).status_code == 201
    county = api_client(cast.users["county"])
    response = county.get(f"{ZERO}/completeness?cell=450901100&from=2026-06-30&to=2026-07-31")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["last"] == "2026-07-01"
    assert [d["day"] for d in answer["days"]] == ["2026-06-30", "2026-07-01"]
    total = answer["total"]
    assert (total["expected"], total["missing"], total["pending"]) == (4, 2, 1)
    assert [(c["code"], c["expected"]) for c in answer["children"]] == [(YICUN, 2), (ERCUN, 2)]
    ahead = county.get(f"{ZERO}/completeness?cell=450901100&day=2026-07-05").json()
    assert ahead["first"] == "2026-07-01"
    assert [ahead["total"][k] for k in ("received", "missing", "pending")] == [1, 0, 1]
