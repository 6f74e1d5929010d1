"""POST /api/v1/hazards: a report (隐患报告单) from a phone, as JSON with base64 photos or
as multipart/form-data; idempotent on client_uuid; every kind of bad input a 4xx that names
the field and writes nothing."""

import base64
import io
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.hazards.models import Hazard, Photo, Status
from qianshao.hazards.tests.conftest import jpeg
from qianshao.hazards.tests.test_api_steps import api_client
from qianshao.intake.models import Submission
from qianshao.notify.models import Message

pytestmark = pytest.mark.django_db


def post(client, body):
    return client.post("/api/v1/hazards", body, content_type="application/json")


def encoded(data: bytes, name="p.jpg") -> dict:
    return {"name": name, "data": base64.b64encode(data).decode()}


def new_report(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "title": "厂房消防通道堵塞",
        "description": "通道堆放杂物，无法通行",
        "category": "industry_trade",
        "cell": "450901100201",
    } | extra


def written() -> tuple[int, ...]:
    return (
        Hazard.objects.count(),
        Photo.objects.count(),
        AuditRecord.objects.count(),
        Submission.objects.count(),
        Message.objects.count(),
    )


def upload(data: bytes, name="p.jpg"):
    file = io.BytesIO(data)
    file.name = name
    return file


def test_a_json_report_with_photos_is_filed_and_answered_201(cast):
    client = api_client(cast.users["village"])
    found = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    body = new_report(
        grade="major",
        address="一村 3 组",
        found_at=found.isoformat(),
        lon=106.1,
        lat=24.1,
        photos=[encoded(jpeg(), "a.jpg"), encoded(jpeg(color=(0, 90, 0)), "b.png")],
    )
    response = post(client, body)
    assert response.status_code == 201, response.content
    answer = response.json()
    hazard = Hazard.objects.get(number=answer["number"])
    assert hazard.reported_by == cast.users["village"]
    assert hazard.reporter == cast.people["village"]
    assert (hazard.cell, hazard.grade, hazard.status) == (cast.village, "major", Status.SUBMITTED)
    assert (hazard.lon, hazard.lat, hazard.found_at) == (106.1, 24.1, found)
    assert hazard.photos.count() == 2
    assert answer["title"] == "厂房消防通道堵塞"
    assert answer["cell"] == "450901100201"
    assert answer["category"] == "industry_trade"
    assert answer["grade_label"] == "重大隐患"
    assert answer["status"] == "submitted"
    assert answer["reporter"] == "village人"
    assert answer["owner"] == cast.department.code
    assert [p["url"] for p in answer["photos"]] == [
        f"/api/v1/hazards/photos/{p.token}" for p in hazard.photos.all()
    ]
    assert answer["allowed_steps"] == []
    assert [e["action"] for e in answer["timeline"]] == ["report"]
    assert answer["timeline"][0]["label"] == "上报"


def test_a_photo_may_come_as_a_data_url(cast):
    data = "data:image/jpeg;base64," + encoded(jpeg())["data"]
    response = post(api_client(cast.users["village"]), new_report(photos=[{"data": data}]))
    assert response.status_code == 201, response.content
    assert len(response.json()["photos"]) == 1


def test_a_multipart_report_with_several_photo_files_is_filed(cast):
    client = api_client(cast.users["village"])
    body = new_report(stopped_on_spot="true", lon="106.05", lat="24.05", cell="")
    body["photos"] = [upload(jpeg(), "a.jpg"), upload(jpeg(width=30), "b.jpg")]
    response = client.post("/api/v1/hazards", body)
    assert response.status_code == 201, response.content
    hazard = Hazard.objects.get(number=response.json()["number"])
    assert hazard.stopped_on_spot is True
    assert hazard.cell == cast.village, "the cell is found from the point"
    assert sorted(p.width for p in hazard.photos.all()) == [30, 64]


def test_a_point_finds_the_deepest_cell_holding_it(cast):
    client = api_client(cast.users["township"])
    response = post(client, new_report(cell=None, lon=106.1, lat=24.3))
    assert response.status_code == 201, response.content
    assert response.json()["cell"] == "450901100202"


def test_the_same_client_uuid_again_returns_the_first_hazard_with_200(cast):
    client = api_client(cast.users["village"])
    body = new_report(photos=[encoded(jpeg())])
    first = post(client, body)
    assert first.status_code == 201
    before = written()
    again = post(client, body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert written() == before


def test_a_resend_as_multipart_returns_the_first_hazard_too(cast):
    client = api_client(cast.users["village"])
    body = new_report()
    first = post(client, body)
    before = written()
    again = client.post("/api/v1/hazards", body)
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert written() == before


def test_the_same_client_uuid_from_another_user_is_a_409(cast):
    body = new_report()
    assert post(api_client(cast.users["village"]), body).status_code == 201
    before = written()
    response = post(api_client(cast.users["township"]), body)
    assert response.status_code == 409
    assert response.json()["field"] == "client_uuid"
    assert written() == before


def test_a_major_report_reaches_the_department_and_the_county_at_once(cast):
    response = post(api_client(cast.users["village"]), new_report(grade="major"))
    assert response.status_code == 201
    messages = Message.objects.filter(event="hazards.report")
    told = set(messages.values_list("person__name", flat=True))
    assert {"township人", "county人", "department人"} <= told


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"colour": "red"}, ["colour"]),
        ({"client_uuid": "not-a-uuid"}, ["client_uuid"]),
        ({"client_uuid": None}, ["client_uuid"]),
        ({"grade": "huge"}, ["grade"]),
        ({"title": "长" * 101}, ["title"]),
        ({"lon": 200, "lat": 24.1}, ["lon"]),
        ({"lat": "north", "lon": 106.1}, ["lat"]),
        ({"found_at": "yesterday"}, ["found_at"]),
        ({"photos": [{"name": "a.jpg"}]}, ["photos", 0, "data"]),
        ({"photos": [{"data": "AAAA", "exif": 1}]}, ["photos", 0, "exif"]),
        ({"photos": [encoded(b"x")] * 10}, ["photos"]),
    ],
)
def test_input_that_does_not_validate_is_a_422_naming_the_field(cast, change, loc):
    client = api_client(cast.users["village"])
    before = written()
    # a value given as a callable is read when the test runs (a time relative to now)
    change = {k: v() if callable(v) else v for k, v in change.items()}
    body = {k: v for k, v in (new_report() | change).items() if v is not None}
    response = post(client, body)
    assert response.status_code == 422, response.content
    locations = [issue["loc"] for issue in response.json()["detail"]]
    assert ["body", "payload", *loc] in locations
    assert written() == before


def test_a_multipart_field_that_does_not_validate_is_a_422_naming_it(cast):
    client = api_client(cast.users["village"])
    before = written()
    body = new_report(lon="east", lat="24.1", attachment=upload(b"x"))
    response = client.post("/api/v1/hazards", body)
    assert response.status_code == 422
    locations = [issue["loc"] for issue in response.json()["detail"]]
    assert ["body", "payload", "lon"] in locations
    assert ["body", "payload", "attachment"] in locations
    assert written() == before


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("{not json", 400), ("[1, 2", 400), ("", 422), ("[]", 422)],
)
def test_a_body_that_is_not_a_report_is_refused_and_nothing_written(cast, raw, expected):
    client = api_client(cast.users["village"])
    before = written()
    response = client.post("/api/v1/hazards", raw, content_type="application/json")
    assert response.status_code == expected
    assert "detail" in response.json()
    assert written() == before


@pytest.mark.parametrize(
    ("username", "change", "status", "field"),
    [
        # Coordinates outside the county, or outside the reporter's scope.
        ("village", {"cell": None, "lon": 100.0, "lat": 30.0}, 400, "lon"),
        ("village", {"cell": None, "lon": 106.1, "lat": 24.3}, 400, "lon"),
        ("township", {"cell": None, "lon": 107.1, "lat": 24.1}, 400, "lon"),
        ("village", {"lon": 106.1, "lat": 24.3}, 400, "lon"),
        ("village", {"lon": 106.1}, 400, "lat"),
        # A cell outside the reporter's scope, or none at all.
        ("village", {"cell": "450901100202"}, 404, "cell"),
        ("village", {"cell": "450902100201"}, 404, "cell"),
        ("village", {"cell": "NOPE"}, 404, "cell"),
        ("village", {"cell": None}, 400, "cell"),
        ("village", {"category": "cooking"}, 400, "category"),
        ("village", {"title": "<b></b>  "}, 400, "title"),
        (
            "village",
            {"found_at": lambda: (timezone.now() + timedelta(days=1)).isoformat()},
            400,
            "found_at",
        ),
        # Photos that are not images.
        ("village", {"photos": [encoded(b"GIF89a not really")]}, 400, "photos"),
        ("village", {"photos": [encoded(jpeg()), encoded(b"%PDF-1.4")]}, 400, "photos"),
        ("village", {"photos": [{"name": "a.jpg", "data": "***"}]}, 400, "photos"),
    ],
)
def test_a_wrong_report_is_refused_naming_the_field_and_nothing_written(
    cast, username, change, status, field
):
    client = api_client(cast.users[username])
    before = written()
    # a value given as a callable is read when the test runs (a time relative to now)
    change = {k: v() if callable(v) else v for k, v in change.items()}
    body = {k: v for k, v in (new_report() | change).items() if v is not None}
    response = post(client, body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert written() == before


def test_photos_are_re_encoded_before_the_transaction_takes_its_locks(cast, monkeypatch):
    from django.db import connection

    from qianshao.lib import photos

    seen, original = [], photos.clean

    def clean(*args, **kwargs):
        # The test wraps each test in one atomic block; inside the request it would be two.
        seen.append(len(connection.atomic_blocks))
        return original(*args, **kwargs)

    monkeypatch.setattr(photos, "clean", clean)
    outside = len(connection.atomic_blocks)
    response = post(api_client(cast.users["village"]), new_report(photos=[encoded(jpeg())]))
    assert response.status_code == 201
    assert seen == [outside]


def test_a_found_at_without_an_offset_is_local_time(cast):
    client = api_client(cast.users["village"])
    day = (timezone.localdate() - timedelta(days=30)).isoformat()
    response = post(client, new_report(found_at=f"{day}T08:30:00"))
    assert response.status_code == 201, response.content
    hazard = Hazard.objects.get(number=response.json()["number"])
    assert timezone.localtime(hazard.found_at).isoformat() == f"{day}T08:30:00+08:00"


def test_a_refused_report_leaves_its_client_uuid_free_for_the_corrected_resend(cast):
    client = api_client(cast.users["village"])
    body = new_report(category="cooking")
    assert post(client, body).status_code == 400
    assert post(client, body | {"category": "industry_trade"}).status_code == 201


@override_settings(UPLOAD_MAX_BYTES=2000)
def test_a_photo_over_the_size_limit_is_refused_in_either_form(cast):
    client = api_client(cast.users["village"])
    big = jpeg(width=400, height=400, color=(10, 20, 30)) + b"\0" * 2000
    before = written()
    as_json = post(client, new_report(photos=[encoded(big, "big.jpg")]))
    as_file = client.post("/api/v1/hazards", new_report(photos=[upload(big, "big.jpg")]))
    for response in [as_json, as_file]:
        assert response.status_code == 400
        assert response.json()["field"] == "photos"
        assert "big.jpg" in response.json()["detail"]
    assert written() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=5000)
def test_a_json_body_over_the_request_limit_is_a_413_pointing_at_multipart(cast):
    client = api_client(cast.users["village"])
    before = written()
    response = post(client, new_report(photos=[encoded(b"\xff" * 6000)]))
    assert response.status_code == 413
    assert response.json()["field"] == "photos"
    assert "multipart" in response.json()["detail"]
    assert written() == before


def test_a_malformed_multipart_body_is_a_400(cast):
    client = api_client(cast.users["village"])
    response = client.generic(
        "POST",
        "/api/v1/hazards",
        b"--xx\r\nnonsense",
        content_type="multipart/form-data; boundary=xx",
    )
    assert response.status_code == 422
    assert ["body", "payload", "client_uuid"] in [i["loc"] for i in response.json()["detail"]]


def test_an_anonymous_report_is_a_401(cast, client):
    response = post(client, new_report())
    assert response.status_code == 401
    assert Hazard.objects.count() == 0


def test_a_bearer_token_reports_without_a_csrf_token(cast, client):
    from qianshao.testing import PASSWORD

    issued = client.post(
        "/api/v1/auth/token",
        {"username": "village", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]

    phone = Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {issued}"})
    body = new_report()
    body["photos"] = [upload(jpeg())]
    response = phone.post("/api/v1/hazards", body)
    assert response.status_code == 201, response.content
    assert response.json()["reporter"] == "village人"


@pytest.mark.parametrize("grade", ["general", "major"])
def test_the_answer_to_a_report_is_what_reading_it_back_shows(cast, grade):
    """The 201 is built from what the report wrote (hazards.api.reported), not read back:
    it must be exactly what the hazard's own page of the API answers."""
    client = api_client(cast.users["village"])
    answered = post(client, new_report(grade=grade, photos=[encoded(jpeg())]))
    assert answered.status_code == 201, answered.content
    again = client.get(f"/api/v1/hazards/{answered.json()['number']}")
    assert answered.json() == again.json()


@pytest.mark.django_db(transaction=True)
def test_a_report_takes_the_same_few_queries_however_many_hazards(
    reseeded, cast, django_assert_max_num_queries
):
    """A report writes its hazard, tally, audit record, outbox row and claim, and answers
    from them: a fixed number of statements, none growing with what is stored. From a phone
    (its bearer token): the token and its user, the posts (with the reporter's own cell);
    BEGIN, claim, hazard, tally, audit head and record, recipients, message, the claim's
    object, COMMIT — ten besides BEGIN and COMMIT. A browser's session reads one row more."""
    from qianshao.testing import PASSWORD

    issued = Client().post(
        "/api/v1/auth/token",
        {"username": "village", "password": PASSWORD},
        content_type="application/json",
    )
    phone = Client(headers={"authorization": f"Bearer {issued.json()['token']}"})
    browser = api_client(cast.users["village"])
    for client, statements in [(phone, 12), (browser, 13)]:
        assert post(client, new_report()).status_code == 201
        with django_assert_max_num_queries(statements):
            assert post(client, new_report()).status_code == 201
    for _ in range(20):
        assert post(phone, new_report()).status_code == 201
    with django_assert_max_num_queries(12):
        assert post(phone, new_report()).status_code == 201
