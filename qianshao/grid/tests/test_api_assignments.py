"""POST /api/v1/assignments and POST /api/v1/assignments/{id}/end: appointments through the
API, idempotent on client_uuid, and every kind of bad input answered with a 4xx that names
the field and writes nothing."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Person, RoleAssignment
from qianshao.intake.models import Submission
from qianshao.notify.models import Message

pytestmark = pytest.mark.django_db


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def new_appointment(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "role": "member",
        "new_person": {"name": "李四", "phone": "13912345670"},
    } | extra


def written() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        RoleAssignment.objects.count(),
        AuditRecord.objects.count(),
        Submission.objects.count(),
    )


def test_it_appoints_a_new_person_and_answers_201(cast, client_for):
    client = client_for(cast.users["township"])
    body = new_appointment(duties=["forest_ranger"], title="村民小组长")
    response = post(client, "/api/v1/assignments", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assignment = RoleAssignment.objects.get(pk=answer["id"])
    assert assignment.person.name == "李四"
    assert assignment.person.phone == "13912345670"
    assert assignment.cell == cast.village
    assert answer["person_name"] == "李四"
    assert answer["cell"] == "450901100201"
    assert answer["role"] == "member"
    assert answer["duties"] == ["forest_ranger"]
    assert answer["title"] == "村民小组长"
    assert answer["start"] == timezone.localdate().isoformat()
    assert answer["end"] is None
    assert answer["active"] is True
    actions = AuditRecord.objects.order_by("-seq").values_list("action", flat=True)[:2]
    assert sorted(actions) == ["grid.assign_role", "grid.create_person"]


def test_the_same_client_uuid_again_returns_the_first_assignment_with_200(cast, client_for):
    client = client_for(cast.users["township"])
    body = new_appointment()
    first = post(client, "/api/v1/assignments", body)
    assert first.status_code == 201
    before = written()
    again = post(client, "/api/v1/assignments", body)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert written() == before


def test_the_same_client_uuid_from_another_user_is_a_409(cast, client_for):
    body = new_appointment()
    assert post(client_for(cast.users["township"]), "/api/v1/assignments", body).status_code == 201
    before = written()
    response = post(client_for(cast.users["county"]), "/api/v1/assignments", body)
    assert response.status_code == 409
    assert response.json()["field"] == "client_uuid"
    assert written() == before


def test_it_appoints_an_existing_person_in_scope(cast, client_for):
    client = client_for(cast.users["township"])
    person = cast.people["village"]
    body = new_appointment(role="informant", person_id=person.pk)
    del body["new_person"]
    response = post(client, "/api/v1/assignments", body)
    assert response.status_code == 201
    assert response.json()["person"] == person.pk
    assert person.assignments.filter(role="informant", cell=cast.village).exists()


def test_it_messages_the_appointee_who_has_a_login(cast, client_for):
    client = client_for(cast.users["township"])
    body = new_appointment(role="informant", person_id=cast.people["village"].pk)
    del body["new_person"]
    assert post(client, "/api/v1/assignments", body).status_code == 201
    message = Message.objects.get(event="grid.role_assigned", user=cast.users["village"])
    assert message.link == "/grid/450901100201/"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("{not json", 400), ("[1, 2", 400), ("", 422)],
)
def test_a_body_that_is_not_an_appointment_is_refused_and_nothing_written(
    cast, client_for, raw, expected
):
    client = client_for(cast.users["township"])
    before = written()
    response = client.post("/api/v1/assignments", raw, content_type="application/json")
    assert response.status_code == expected
    assert "detail" in response.json()
    assert written() == before


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"colour": "red"}, ["body", "payload", "colour"]),
        ({"new_person": {"name": "李四", "phone": "13912345670", "age": 3}}, ["new_person", "age"]),
        ({"role": "boss"}, ["body", "payload", "role"]),
        ({"duties": ["cook"]}, ["body", "payload", "duties", 0]),
        ({"client_uuid": "not-a-uuid"}, ["body", "payload", "client_uuid"]),
        ({"start": "2024-02-30"}, ["body", "payload", "start"]),
        ({"title": "长" * 65}, ["body", "payload", "title"]),
    ],
)
def test_input_that_does_not_validate_is_a_422_naming_the_field(cast, client_for, change, loc):
    client = client_for(cast.users["township"])
    before = written()
    response = post(client, "/api/v1/assignments", new_appointment() | change)
    assert response.status_code == 422
    locations = [issue["loc"] for issue in response.json()["detail"]]
    assert any(location[-len(loc) :] == loc for location in locations), locations
    assert written() == before


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"new_person": {"name": "李四", "phone": "12345"}}, 400, "phone"),
        ({"new_person": {"name": "李四", "phone": "23912345670"}}, 400, "phone"),
        ({"person_id": 1}, 400, "person_id"),
        ({"new_person": None}, 400, "person_id"),
        ({"department": "NOPE"}, 400, "department"),
        ({"start": "2025-01-02", "end": "2025-01-01"}, 400, "end"),
        ({"cell": "450901100"}, 403, "cell"),
    ],
)
def test_a_wrong_appointment_is_refused_naming_the_field_and_nothing_written(
    cast, client_for, change, status, field
):
    client = client_for(cast.users["township"])
    before = written()
    response = post(client, "/api/v1/assignments", new_appointment() | change)
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
    assert response.json()["detail"]
    assert written() == before


def test_a_phone_already_registered_is_a_409_naming_the_phone(cast, client_for):
    client = client_for(cast.users["township"])
    taken = cast.people["village"].phone
    before = written()
    body = new_appointment(new_person={"name": "另一人", "phone": taken})
    response = post(client, "/api/v1/assignments", body)
    assert response.status_code == 409
    assert response.json()["field"] == "phone"
    assert written() == before


def test_the_same_role_twice_in_one_term_is_a_409_naming_the_role(cast, client_for):
    client = client_for(cast.users["township"])
    body = new_appointment(person_id=cast.people["village"].pk)
    del body["new_person"]
    before = written()
    response = post(client, "/api/v1/assignments", body)
    assert response.status_code == 409
    assert response.json()["field"] == "role"
    assert written() == before


@pytest.mark.parametrize("username", ["village", "department"])
def test_a_user_who_does_not_manage_the_cell_may_not_appoint(cast, client_for, username):
    before = written()
    response = post(client_for(cast.users[username]), "/api/v1/assignments", new_appointment())
    assert response.status_code == 403
    assert response.json()["field"] == "cell"
    assert written() == before


def test_a_department_appointment_names_a_department_of_the_cell(cast, client_for):
    client = client_for(cast.users["county"])
    # The county manages only what is below it, except at the top of the tree: A县 is a root.
    body = new_appointment(cell="450901", role="member", department=cast.department.code)
    response = post(client, "/api/v1/assignments", body)
    assert response.status_code == 201, response.content
    assert response.json()["department"] == cast.department.code


def end(client, assignment, body=None):
    return post(client, f"/api/v1/assignments/{assignment.pk}/end", body or {})


def test_ending_a_term_sets_its_end_and_tells_the_person(cast, client_for):
    role = cast.people["village"].assignments.get()
    yesterday = timezone.localdate() - timedelta(days=1)
    client = client_for(cast.users["township"])
    response = end(client, role, {"end": yesterday.isoformat(), "reason": "调任"})
    assert response.status_code == 200
    assert response.json()["end"] == yesterday.isoformat()
    assert response.json()["active"] is False
    role.refresh_from_db()
    assert role.end == yesterday
    record = AuditRecord.objects.filter(action="grid.end_term").get()
    assert record.note == "调任"
    assert Message.objects.filter(event="grid.term_ended", user=cast.users["village"]).exists()


def test_ending_a_term_without_a_date_ends_it_today(cast, client_for):
    role = cast.people["village"].assignments.get()
    response = end(client_for(cast.users["township"]), role)
    assert response.status_code == 200
    assert response.json()["end"] == timezone.localdate().isoformat()


def test_a_term_that_has_ended_cannot_be_ended_again(cast, client_for):
    role = cast.people["village"].assignments.get()
    client = client_for(cast.users["township"])
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert end(client, role, {"end": yesterday}).status_code == 200
    before = written()
    response = end(client, role)
    assert response.status_code == 409
    assert response.json()["field"] == "assignment"
    assert written() == before


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"end": "2023-12-31"}, 400, "end"),
        ({"reason": "长" * 501}, 422, "reason"),
        ({"end": "someday"}, 422, "end"),
        ({"until": "2025-01-01"}, 422, "until"),
    ],
)
def test_a_wrong_end_of_term_is_refused_naming_the_field(cast, client_for, body, status, field):
    role = cast.people["village"].assignments.get()
    before = written()
    response = end(client_for(cast.users["township"]), role, body)
    assert response.status_code == status
    detail = response.json()
    named = detail.get("field") if status != 422 else detail["detail"][0]["loc"][-1]
    assert named == field
    assert written() == before
    role.refresh_from_db()
    assert role.end is None


@pytest.mark.parametrize("username", ["village", "department"])
def test_a_user_who_does_not_manage_the_cell_may_not_end_a_term(cast, client_for, username):
    role = cast.people["village"].assignments.get()
    response = end(client_for(cast.users[username]), role)
    assert response.status_code == 403
    role.refresh_from_db()
    assert role.end is None


def test_the_township_may_not_end_a_term_at_its_own_level(cast, client_for):
    role = cast.people["township"].assignments.get()
    response = end(client_for(cast.users["township"]), role)
    assert response.status_code == 403
