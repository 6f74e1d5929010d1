"""GET /api/v1/hazards (filters and pages), a hazard, its photos, the per-child counts, and
the supervisions (督办) with their answers — each only within the caller's scope."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Supervision
from qianshao.hazards.tests.conftest import jpeg
from qianshao.hazards.tests.test_api_steps import api_client

pytestmark = pytest.mark.django_db


def report(cast, user="village", cell=None, **extra):
    fields = {
        "title": "隐患",
        "description": "描述",
        "category": Domain.objects.get(code="industry_trade"),
        "cell": cell or cast.village,
    } | extra
    return actions.report(cast.users[user], **fields)


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [h["number"] for h in response.json()["items"]]


@pytest.fixture
def spread(cast):
    """Hazards across A县 and B县 in several states, grades, categories and sources."""
    township = cast.users["township"]
    fire = Domain.objects.get(code="fire")
    made = {
        "village": report(cast),
        "major": report(cast, grade="major"),
        "second": report(cast, cell=cast.cell("450901100202"), user="township", category=fire),
        "other_township": report(cast, cell=cast.cell("450901101201"), user="county"),
        "theirs": report(cast, cell=cast.other_village, user="outsider"),
        "self_check": report(cast, source="self_check"),
    }
    actions.accept(township, made["major"])
    actions.return_report(township, made["self_check"], reason="不属实")
    return made


def test_the_list_holds_the_callers_scope_newest_first(cast, spread):
    county = numbers(api_client(cast.users["county"]).get("/api/v1/hazards"))
    expected = ["self_check", "other_township", "second", "major", "village"]
    assert county == [spread[k].number for k in expected]
    township = numbers(api_client(cast.users["township"]).get("/api/v1/hazards"))
    assert township == [spread[k].number for k in ["self_check", "second", "major", "village"]]
    village = numbers(api_client(cast.users["village"]).get("/api/v1/hazards"))
    assert village == [spread[k].number for k in ["self_check", "major", "village"]]
    outsider = numbers(api_client(cast.users["outsider"]).get("/api/v1/hazards"))
    assert outsider == [spread["theirs"].number]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "accepted"}, ["major"]),
        ({"status": "open"}, ["other_township", "second", "major", "village"]),
        ({"grade": "major"}, ["major"]),
        ({"category": "fire"}, ["second"]),
        ({"cell": "450901100"}, ["self_check", "second", "major", "village"]),
        ({"cell": "450901100202"}, ["second"]),
        ({"source": "self_check"}, ["self_check"]),
        ({"overdue": "true"}, []),
        (
            {"overdue": "false", "grade": "general", "cell": "450901100201"},
            ["self_check", "village"],
        ),
        ({"mine": "true"}, ["other_township"]),
        ({"tasks": "true"}, ["other_township", "second", "major", "village"]),
    ],
)
def test_the_list_filters_like_the_list_page(cast, spread, query, expected):
    found = numbers(api_client(cast.users["county"]).get("/api/v1/hazards", query))
    assert found == [spread[k].number for k in expected]


def test_overdue_hazards_are_found_by_the_overdue_filter(cast, spread):
    supervision.sweep(timezone.now() + timedelta(hours=5))  # the major one was due in 4 h
    found = numbers(api_client(cast.users["county"]).get("/api/v1/hazards", {"overdue": "true"}))
    assert found == [spread["major"].number]


def test_the_list_is_paginated_with_the_whole_count(cast, spread):
    client = api_client(cast.users["county"])
    page = client.get("/api/v1/hazards", {"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [h["number"] for h in page["items"]] == [
        spread["other_township"].number,
        spread["second"].number,
    ]


def test_the_list_reads_a_fixed_number_of_queries_however_many_hazards(cast, spread):
    client = api_client(cast.users["county"])
    client.get("/api/v1/hazards")  # the session and the scope, once
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/hazards")
    for _ in range(5):
        report(cast)
    with CaptureQueriesContext(connection) as more:
        assert len(client.get("/api/v1/hazards").json()["items"]) == 10
    assert len(more) == len(few)


@pytest.mark.parametrize(
    ("query", "status", "where"),
    [
        ({"status": "lost"}, 422, ["query", "status"]),
        ({"grade": "tiny"}, 422, ["query", "grade"]),
        ({"overdue": "maybe"}, 422, ["query", "overdue"]),
        ({"limit": 0}, 400, "limit"),
        ({"limit": 201}, 400, "limit"),
        ({"cursor": "WzEsMl0:forged"}, 400, "cursor"),
        ({"month": "2026-13"}, 400, "month"),
        ({"category": "cooking"}, 400, "category"),
        ({"cell": "450902"}, 404, None),
        ({"cell": "NOPE"}, 404, None),
    ],
)
def test_a_bad_filter_is_refused_naming_it(cast, spread, query, status, where):
    response = api_client(cast.users["township"]).get("/api/v1/hazards", query)
    assert response.status_code == status
    answer = response.json()
    if status == 422:
        assert where in [issue["loc"] for issue in answer["detail"]]
    elif where:
        assert answer["field"] == where
    else:
        assert answer["detail"]


def test_a_hazard_shows_its_fields_and_the_callers_steps(cast, spread):
    number = spread["major"].number
    township = api_client(cast.users["township"]).get(f"/api/v1/hazards/{number}").json()
    assert township["status_label"] == "已受理"
    assert township["grade"] == "major"
    assert township["allowed_steps"] == ["assign", "escalate", "merge"]
    village = api_client(cast.users["village"]).get(f"/api/v1/hazards/{number}").json()
    assert village["allowed_steps"] == []
    assert [e["label"] for e in village["timeline"]] == ["上报", "受理"]


def test_a_hazard_out_of_sight_is_a_404_like_a_missing_one(cast, spread):
    client = api_client(cast.users["village"])
    for number in [spread["theirs"].number, spread["second"].number, "YH00000000NOPE"]:
        response = client.get(f"/api/v1/hazards/{number}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}


def test_the_timeline_shows_supervision_from_the_audit_chain(cast, spread):
    supervision.sweep(timezone.now() + timedelta(hours=7))
    number = spread["major"].number
    timeline = api_client(cast.users["county"]).get(f"/api/v1/hazards/{number}").json()["timeline"]
    assert [(e["action"], e["label"]) for e in timeline] == [
        ("report", "上报"),
        ("accept", "受理"),
        ("supervise", "超时督办"),
    ]
    assert (timeline[-1]["actor"], timeline[-1]["note"]) == ("系统", "提醒、函告")
    assert timeline[1]["status_label"] == "已受理"
    assert len(timeline) == AuditRecord.objects.for_object(spread["major"]).count()


def test_a_photo_is_served_to_those_who_see_its_hazard_only(cast):
    hazard = report(cast, photo_files=[("a.jpg", jpeg(width=32, height=24))])
    token = hazard.photos.get().token
    url = f"/api/v1/hazards/photos/{token}"
    detail = api_client(cast.users["village"]).get(f"/api/v1/hazards/{hazard.number}").json()
    assert [p["url"] for p in detail["photos"]] == [url]
    response = api_client(cast.users["township"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    assert api_client(cast.users["outsider"]).get(url).status_code == 404
    assert api_client(cast.users["village"]).get("/api/v1/hazards/photos/nope").status_code == 404


def test_counts_per_child_come_from_the_tallies(cast, spread):
    supervision.sweep(timezone.now() + timedelta(hours=5))
    answer = (
        api_client(cast.users["county"]).get("/api/v1/hazards/counts", {"cell": "450901"}).json()
    )
    assert answer["cell"] == "450901"
    # 排查发现 leaves out the returned report (the statistics table's definition)
    assert answer["total"] == {"found": 4, "open": 4, "overdue": 1, "major": 1}
    assert answer["children"] == [
        {
            "code": "450901100",
            "name": "甲镇",
            "kind": "township",
            "found": 3,
            "open": 3,
            "overdue": 1,
            "major": 1,
        },
        {
            "code": "450901101",
            "name": "乙镇",
            "kind": "township",
            "found": 1,
            "open": 1,
            "overdue": 0,
            "major": 0,
        },
    ]


def test_counts_without_a_cell_are_the_callers_scope(cast, spread):
    township = api_client(cast.users["township"]).get("/api/v1/hazards/counts").json()
    assert township["cell"] == "450901100"
    assert [c["code"] for c in township["children"]] == ["450901100201", "450901100202"]
    admin = api_client(cast.users["admin"]).get("/api/v1/hazards/counts").json()
    assert admin["cell"] is None and admin["total"] is None
    assert [(c["code"], c["found"]) for c in admin["children"]] == [("450901", 4), ("450902", 1)]


def test_counts_of_a_cell_out_of_sight_are_a_404(cast, spread):
    client = api_client(cast.users["township"])
    for code in ["450901", "450902", "NOPE"]:
        assert client.get("/api/v1/hazards/counts", {"cell": code}).status_code == 404


@pytest.fixture
def supervised(cast, spread):
    """Supervisions raised by the sweep: the major hazard's reminder and letter, the B县
    hazard's reminder, and one for each general hazard still submitted."""
    supervision.sweep(timezone.now() + timedelta(hours=25))
    return Supervision.objects.all()


def test_supervisions_are_listed_in_scope_unanswered_and_most_urgent_first(
    cast, supervised, spread
):
    answer = api_client(cast.users["township"]).get("/api/v1/hazards/supervisions").json()
    items = answer["items"]
    assert answer["count"] == len(items) == 5
    assert {s["hazard"] for s in items} == {
        spread[k].number for k in ["village", "second", "major"]
    }
    assert [s["answer_by"] for s in items] == sorted(s["answer_by"] for s in items)
    first = items[0]
    assert (first["hazard"], first["level"], first["level_label"]) == (
        spread["major"].number,
        1,
        "提醒",
    )
    assert (first["target_cell"], first["target_department"]) == ("450901100", None)
    assert first["status"] == "accepted"
    assert first["late"] is False
    outsider = api_client(cast.users["outsider"]).get("/api/v1/hazards/supervisions").json()
    assert [s["hazard"] for s in outsider["items"]] == [spread["theirs"].number]


def test_a_supervision_is_answered_by_its_target_once(cast, supervised, spread):
    reminder = supervised.get(hazard=spread["village"])
    url = f"/api/v1/hazards/supervisions/{reminder.pk}/answer"
    township = api_client(cast.users["township"])
    response = township.post(url, {"answer": "已督促受理"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["answer"] == "已督促受理"
    assert response.json()["answered_at"]
    again = township.post(url, {"answer": "再次答复"}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["field"] == "answer"
    answered = township.get("/api/v1/hazards/supervisions", {"answered": "true"}).json()
    assert [s["id"] for s in answered["items"]] == [reminder.pk]
    timeline = township.get(f"/api/v1/hazards/{spread['village'].number}").json()["timeline"]
    assert timeline[-1]["label"] == "答复督办"


def test_a_supervision_is_refused_to_those_who_are_not_its_target(cast, supervised, spread):
    reminder = supervised.get(hazard=spread["village"])
    url = f"/api/v1/hazards/supervisions/{reminder.pk}/answer"
    for username, status in [("village", 403), ("department", 403), ("outsider", 404)]:
        response = api_client(cast.users[username]).post(
            url, {"answer": "x"}, content_type="application/json"
        )
        assert response.status_code == status, username
    blank = api_client(cast.users["township"]).post(
        url, {"answer": " "}, content_type="application/json"
    )
    assert blank.status_code == 400 and blank.json()["field"] == "answer"
    missing = api_client(cast.users["township"]).post(url, {}, content_type="application/json")
    assert missing.status_code == 422
    reminder.refresh_from_db()
    assert reminder.answered_at is None


def test_supervisions_filter_by_cell_and_hazard(cast, supervised, spread):
    client = api_client(cast.users["county"])
    by_cell = client.get("/api/v1/hazards/supervisions", {"cell": "450901101"}).json()["items"]
    assert {s["hazard"] for s in by_cell} == {spread["other_township"].number}
    number = spread["major"].number
    by_hazard = client.get("/api/v1/hazards/supervisions", {"hazard": number}).json()["items"]
    assert sorted(s["level"] for s in by_hazard) == sorted(
        supervised.filter(hazard=spread["major"]).values_list("level", flat=True)
    )
    assert (
        client.get("/api/v1/hazards/supervisions", {"hazard": spread["theirs"].number}).status_code
        == 404
    )
