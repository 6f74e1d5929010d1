"""POST /api/v1/hazards/{number}/{step}: each step of the loop with its fields; 403 for a
step the caller may not take, 409 for one the state does not allow, a 4xx naming the field
for bad input — and the hazard unchanged whenever a step is refused."""

import base64
import io
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Role
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Note, Photo
from qianshao.hazards.tests.conftest import jpeg
from qianshao.notify.models import Message
from qianshao.testing import appoint

pytestmark = pytest.mark.django_db


def api_client(user) -> Client:
    """A client of its own per user: several take turns within one test here."""
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def step(client, hazard, name, body=None):
    number = hazard if isinstance(hazard, str) else hazard.number
    return client.post(
        f"/api/v1/hazards/{number}/{name}", body or {}, content_type="application/json"
    )


def photo_json(**kwargs) -> dict:
    return {"name": "p.jpg", "data": base64.b64encode(jpeg(**kwargs)).decode()}


def photo_file(name="after.jpg"):
    file = io.BytesIO(jpeg())
    file.name = name
    return file


def plan(cast, **extra) -> dict:
    deadline = timezone.now() + timedelta(days=5)
    return {
        "measures": "清理杂物，恢复通道",
        "responsible": cast.people["village"].pk,
        "deadline": deadline.isoformat(),
        "contingency": "设置警示标志，专人看守",
        "funds": "1.50",
        "assignee_cell": "450901100201",
    } | extra


def unchanged(hazard: Hazard):
    """A snapshot of what a refused step must leave as it was."""
    hazard = Hazard.objects.get(pk=hazard.pk)
    return (
        hazard.status,
        hazard.updated_at,
        AuditRecord.objects.for_object(hazard).count(),
        Note.objects.filter(hazard=hazard).count(),
        Photo.objects.filter(hazard=hazard).count(),
    )


@pytest.fixture
def hazard(cast, category):
    return actions.report(
        cast.users["village"],
        title="厂房消防通道堵塞",
        description="通道堆放杂物",
        category=category,
        cell=cast.village,
    )


@pytest.fixture
def rectifying(cast, hazard, later):
    township = cast.users["township"]
    h = actions.accept(township, hazard)
    h = actions.assign(
        township,
        h,
        measures="清理",
        responsible=cast.people["village"],
        deadline=later,
        contingency="警示",
        assignee_cell=cast.village,
    )
    return actions.start(cast.users["village"], h)


def test_a_hazard_travels_the_whole_loop_through_the_api(cast, client_for, hazard):
    township = api_client(cast.users["township"])
    answer = township.get(f"/api/v1/hazards/{hazard.number}").json()
    assert answer["allowed_steps"] == ["accept", "return", "merge"]

    response = step(township, hazard, "accept", {"note": "属实"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    response = step(township, hazard, "assign", plan(cast, note="限期整改"))
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["status"] == "assigned"
    assert answer["assignee_cell"] == "450901100201"
    assert answer["responsible"] == cast.people["village"].pk
    assert answer["responsible_name"] == "village人"
    assert answer["funds"] == "1.50"
    assert answer["measures"] == "清理杂物，恢复通道"

    village = api_client(cast.users["village"])
    assert village.get(f"/api/v1/hazards/{hazard.number}").json()["allowed_steps"] == ["start"]
    assert step(village, hazard, "start").status_code == 200
    body = {"note": "已清理一半", "photos": [photo_json()]}
    assert step(village, hazard, "progress", body).status_code == 200
    response = village.post(
        f"/api/v1/hazards/{hazard.number}/submit",
        {"note": "已清理完毕", "photos": [photo_file(), photo_file("b.jpg")]},
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "verifying"
    assert response.json()["allowed_steps"] == []

    county = api_client(cast.users["county"])
    assert step(county, hazard, "verify", {"note": "已核查"}).json()["status"] == "verified"
    response = step(township, hazard, "close")
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "closed" and answer["closed_at"]
    assert [e["label"] for e in answer["timeline"]] == [
        "上报",
        "受理",
        "交办",
        "开始整改",
        "报告进展",
        "提请核查",
        "核查通过",
        "销号",
    ]
    # each actor as the grid knows them: the person and their post
    assert [e["actor"].split("（")[0] for e in answer["timeline"]] == [
        "village人",
        "township人",
        "township人",
        "village人",
        "village人",
        "village人",
        "county人",
        "township人",
    ]
    assert answer["timeline"][0]["actor"] == "village人（一村 网格员）"
    assert [(p["stage"], p["width"]) for p in answer["photos"]] == [
        ("progress", 64),
        ("after", 64),
        ("after", 64),
    ]
    assert [(n["step"], n["text"], n["author"]) for n in answer["notes"]] == [
        ("accept", "属实", "township人"),
        ("assign", "限期整改", "township人"),
        ("progress", "已清理一半", "village人"),
        ("submit", "已清理完毕", "village人"),
        ("verify", "已核查", "county人"),
    ]


def test_a_returned_report_is_resubmitted_amended_by_its_reporter(cast, client_for, hazard):
    township, village = api_client(cast.users["township"]), api_client(cast.users["village"])
    assert step(township, hazard, "return", {"reason": "照片不清楚"}).status_code == 200
    response = step(village, hazard, "resubmit", {"description": "通道被纸箱堵塞约 5 米"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    assert response.json()["description"] == "通道被纸箱堵塞约 5 米"


def test_a_duplicate_is_merged_into_an_open_hazard_by_number(cast, client_for, hazard, category):
    duplicate = actions.report(
        cast.users["village"],
        title="同一通道",
        description="重复",
        category=category,
        cell=cast.village,
    )
    client = api_client(cast.users["township"])
    response = step(client, duplicate, "merge", {"into": hazard.number.lower()})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged"
    assert response.json()["merged_into"] == hazard.number


def test_a_reporter_who_cannot_see_the_merge_target_is_not_told_its_number(
    cast, client_for, category
):
    target = actions.report(
        cast.users["county"], title="三村隐患", description="d", category=category,
        cell=cast.cell("450901101201"),
    )  # fmt: skip
    duplicate = actions.report(
        cast.users["village"], title="同一隐患", description="重复", category=category,
        cell=cast.village,
    )  # fmt: skip
    county = api_client(cast.users["county"])
    response = step(county, duplicate, "merge", {"into": target.number})
    assert response.json()["merged_into"] == target.number
    seen = api_client(cast.users["village"]).get(f"/api/v1/hazards/{duplicate.number}").json()
    assert seen["status"] == "merged" and seen["merged_into"] is None
    assert target.number not in str(seen)
    page = client_for(cast.users["village"]).get(f"/hazards/{duplicate.number}/")
    assert target.number not in page.content.decode()
    message = Message.objects.get(event="hazards.merge", person=cast.people["village"])
    assert target.number not in message.body


def test_an_escalated_hazard_is_assigned_and_rectified_by_the_department(cast, client_for, hazard):
    township = api_client(cast.users["township"])
    assert step(township, hazard, "accept").status_code == 200
    response = step(township, hazard, "escalate", {"department": "yjglj", "note": "超出权限"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "escalated"
    assert response.json()["assignee_department"] == "YJGLJ"
    assert response.json()["escalated_by"] == "450901100"

    department = api_client(cast.users["department"])
    body = plan(
        cast,
        assignee_cell=None,
        assignee_department="YJGLJ",
        responsible=cast.people["department"].pk,
    )
    response = step(department, hazard, "assign", {k: v for k, v in body.items() if v})
    assert response.status_code == 200, response.content
    assert response.json()["allowed_steps"] == ["start"]
    assert step(department, hazard, "start").status_code == 200


def test_a_department_member_the_township_cannot_see_may_be_made_responsible(
    cast, client_for, hazard
):
    township = api_client(cast.users["township"])
    step(township, hazard, "accept")
    body = plan(
        cast,
        assignee_cell=None,
        assignee_department="YJGLJ",
        responsible=cast.people["department"].pk,
    )
    del body["assignee_cell"]
    response = step(township, hazard, "assign", body)
    assert response.status_code == 200, response.content
    assert response.json()["responsible_name"] == "department人"


def test_a_rejected_rectification_goes_back_with_the_reasons(cast, client_for, rectifying):
    village = api_client(cast.users["village"])
    assert step(village, rectifying, "submit", {"photos": [photo_json()]}).status_code == 200
    township = api_client(cast.users["township"])
    response = step(township, rectifying, "reject", {"reason": "仍有杂物"})
    assert response.status_code == 200
    assert response.json()["status"] == "rectifying"
    assert response.json()["notes"][-1]["text"] == "仍有杂物"


@pytest.mark.parametrize(
    ("username", "name", "body"),
    [
        ("village", "accept", {}),
        ("village", "return", {"reason": "不属实"}),
        ("department", "accept", {}),
    ],
)
def test_a_step_the_caller_may_not_take_is_a_403_and_changes_nothing(
    cast, client_for, hazard, username, name, body
):
    before = unchanged(hazard)
    response = step(api_client(cast.users[username]), hazard, name, body)
    assert response.status_code == 403, response.content
    assert response.json()["field"] == "step"
    assert unchanged(hazard) == before


def test_the_rectifier_in_the_village_may_not_verify(cast, client_for, rectifying):
    actions.submit(cast.users["village"], rectifying, photo_files=[("a.jpg", jpeg())])
    before = unchanged(rectifying)
    response = step(api_client(cast.users["village"]), rectifying, "verify")
    assert response.status_code == 403
    assert response.json()["field"] == "step"
    assert unchanged(rectifying) == before


def test_the_triage_person_who_rectified_may_not_verify(cast, client_for, hazard, later):
    township_user = cast.users["township"]
    h = actions.accept(township_user, hazard)
    h = actions.assign(
        township_user,
        h,
        measures="清理",
        responsible=cast.people["township"],
        deadline=later,
        contingency="警示",
        assignee_cell=cast.township,
    )
    h = actions.start(township_user, h)
    h = actions.submit(township_user, h, photo_files=[("a.jpg", jpeg())])
    before = unchanged(h)
    response = step(api_client(township_user), h, "verify")
    assert response.status_code == 403
    assert "核查人不能是整改人" in response.json()["detail"]
    assert unchanged(h) == before


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("close", {}),
        ("verify", {}),
        ("start", {}),
        ("resubmit", {}),
        ("reject", {"reason": "不行"}),
    ],
)
def test_a_step_the_state_does_not_allow_is_a_409_and_changes_nothing(
    cast, client_for, hazard, name, body
):
    before = unchanged(hazard)
    response = step(api_client(cast.users["admin"]), hazard, name, body)
    assert response.status_code == 409, response.content
    assert response.json()["field"] == "step"
    assert unchanged(hazard) == before


def test_a_second_click_on_the_same_step_is_a_409(cast, client_for, hazard):
    client = api_client(cast.users["township"])
    assert step(client, hazard, "accept").status_code == 200
    before = unchanged(hazard)
    response = step(client, hazard, "accept")
    assert response.status_code == 409
    assert unchanged(hazard) == before


def test_a_resent_step_with_its_client_uuid_is_answered_200_and_not_taken_twice(
    cast, client_for, rectifying
):
    client = api_client(cast.users["village"])
    body = {"client_uuid": str(uuid.uuid4()), "note": "进展", "photos": [photo_json()]}
    first = step(client, rectifying, "progress", body)
    assert first.status_code == 200
    before = unchanged(rectifying)
    again = step(client, rectifying, "progress", body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert unchanged(rectifying) == before
    # the township may not report progress at all: refused before its body is looked at
    other = step(api_client(cast.users["township"]), rectifying, "progress", body)
    assert other.status_code == 403
    assert other.json()["field"] == "step"


def test_a_client_uuid_spent_on_one_hazard_is_refused_on_another(cast, client_for, category):
    first, second = (
        actions.report(
            cast.users["village"],
            title=f"隐患{i}",
            description="描述",
            category=category,
            cell=cast.village,
        )
        for i in (1, 2)
    )
    client = api_client(cast.users["township"])
    body = {"client_uuid": str(uuid.uuid4())}
    assert step(client, first, "accept", body).status_code == 200
    before = unchanged(second)
    again = step(client, second, "accept", body)
    assert again.status_code == 409, again.content
    assert again.json()["field"] == "client_uuid"
    assert unchanged(second) == before


@pytest.mark.parametrize(
    ("name", "body", "loc"),
    [
        ("return", {}, ["body", "payload", "reason"]),
        ("accept", {"reason": "x"}, ["body", "payload", "reason"]),
        ("merge", {}, ["body", "payload", "into"]),
        ("assign", {"measures": "x"}, ["body", "payload", "deadline"]),
        ("assign", {"funds": "-1"}, ["body", "payload", "funds"]),
        ("assign", {"deadline": "soon"}, ["body", "payload", "deadline"]),
        ("accept", {"note": "长" * 4001}, ["body", "payload", "note"]),
        ("accept", {"client_uuid": "x"}, ["body", "payload", "client_uuid"]),
        ("launch", {}, ["path", "step"]),
    ],
)
def test_input_that_does_not_validate_is_a_422_naming_the_field(
    cast, client_for, hazard, name, body, loc
):
    before = unchanged(hazard)
    response = step(api_client(cast.users["township"]), hazard, name, body)
    assert response.status_code == 422, response.content
    assert loc in [issue["loc"] for issue in response.json()["detail"]]
    assert unchanged(hazard) == before


def accepted(cast, hazard):
    return actions.accept(cast.users["township"], hazard)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"deadline": "2020-01-01T00:00:00+08:00"}, 400, "deadline"),
        ({"measures": "<p> </p>"}, 400, "measures"),
        ({"assignee_cell": "450902100201"}, 404, "assignee_cell"),
        ({"assignee_cell": "NOPE"}, 404, "assignee_cell"),
        ({"assignee_cell": "450901100202"}, 400, "assignee_cell"),
        ({"assignee_department": "YJGLJ"}, 400, "assignee_cell"),
        ({"assignee_cell": None, "assignee_department": "NOPE"}, 400, "assignee_department"),
        ({"assignee_cell": None}, 400, "assignee_cell"),
        ({"responsible": 999999}, 404, "responsible"),
        ("outsider", 404, "responsible"),
        ("neighbour", 400, "responsible"),
    ],
)
def test_a_wrong_assignment_is_refused_naming_the_field_and_changes_nothing(
    cast, client_for, hazard, change, status, field
):
    h = accepted(cast, hazard)
    if change == "outsider":
        change = {"responsible": cast.people["outsider"].pk}
    if change == "neighbour":  # the township sees 二村's member, who cannot see 一村's hazard
        change = {"responsible": appoint(cast.cell("450901100202"), Role.MEMBER).pk}
    body = {k: v for k, v in (plan(cast) | change).items() if v is not None}
    before = unchanged(h)
    response = step(api_client(cast.users["township"]), h, "assign", body)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert unchanged(h) == before


def test_a_merge_into_a_hazard_out_of_sight_or_into_itself_is_refused(
    cast, client_for, hazard, category
):
    theirs = actions.report(
        cast.users["outsider"],
        title="B县隐患",
        description="d",
        category=category,
        cell=cast.other_village,
    )
    client = api_client(cast.users["township"])
    before = unchanged(hazard)
    for into, status in [(theirs.number, 404), ("YH00000000NOPE", 404), (hazard.number, 400)]:
        response = step(client, hazard, "merge", {"into": into})
        assert response.status_code == status, into
        assert response.json()["field"] == "into"
    assert unchanged(hazard) == before


def test_an_escalation_to_a_department_the_county_does_not_have_is_refused(
    cast, client_for, hazard
):
    h = accepted(cast, hazard)
    before = unchanged(h)
    response = step(api_client(cast.users["township"]), h, "escalate", {"department": "NOPE"})
    assert response.status_code == 400
    assert response.json()["field"] == "department"
    assert unchanged(h) == before


def test_step_photos_are_re_encoded_before_the_steps_transaction(cast, rectifying, monkeypatch):
    from django.db import connection

    from qianshao.lib import photos

    seen, original = [], photos.clean

    def clean(*args, **kwargs):
        seen.append(len(connection.atomic_blocks))
        return original(*args, **kwargs)

    monkeypatch.setattr(photos, "clean", clean)
    outside = len(connection.atomic_blocks)
    body = {"note": "进展", "photos": [photo_json(), photo_json()]}
    assert step(api_client(cast.users["village"]), rectifying, "progress", body).status_code == 200
    assert seen == [outside, outside]


def test_photo_files_on_a_step_that_takes_none_are_a_422_naming_them(cast, hazard):
    before = unchanged(hazard)
    client = api_client(cast.users["township"])
    response = client.post(f"/api/v1/hazards/{hazard.number}/accept", {"photos": [photo_file()]})
    assert response.status_code == 422
    assert ["body", "payload", "photos"] in [i["loc"] for i in response.json()["detail"]]
    assert unchanged(hazard) == before


def test_a_submission_without_after_photos_is_refused_naming_the_photos(
    cast, client_for, rectifying
):
    before = unchanged(rectifying)
    client = api_client(cast.users["village"])
    for body in [{}, {"photos": [{"name": "x.jpg", "data": base64.b64encode(b"text").decode()}]}]:
        response = step(client, rectifying, "submit", body)
        assert response.status_code == 400
        assert response.json()["field"] == "photos"
    assert unchanged(rectifying) == before


def test_a_step_on_a_hazard_out_of_sight_is_a_404(cast, client_for, hazard):
    before = unchanged(hazard)
    for username in ["outsider", "department"]:
        response = step(api_client(cast.users[username]), "YH00000000NOPE", "accept")
        assert response.status_code == 404
    response = step(api_client(cast.users["outsider"]), hazard, "accept")
    assert response.status_code == 404
    assert unchanged(hazard) == before
