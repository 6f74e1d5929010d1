"""The cell page and its forms: appoint (idempotent on client_uuid), end a term, move."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Cell, Person, RoleAssignment
from qianshao.intake.models import Submission
from qianshao.testing import appoint

pytestmark = pytest.mark.django_db


def written() -> tuple:
    return (
        Person.objects.count(),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", "end")),
        list(Cell.objects.order_by("pk").values_list("path", flat=True)),
        AuditRecord.objects.count(),
        Submission.objects.count(),
    )


def assign_form(**extra) -> dict:
    return {
        "name": "王五",
        "phone": "13912345671",
        "role": "member",
        "client_uuid": str(uuid.uuid4()),
    } | extra


def test_a_manager_sees_the_people_and_the_forms(cast, client_for):
    response = client_for(cast.users["township"]).get("/grid/450901100201/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "village人" in html
    assert cast.people["village"].phone in html
    assert 'action="/grid/450901100201/assign/"' in html
    assert 'action="/grid/450901100201/move/"' in html
    role = cast.people["village"].assignments.get()
    assert f'action="/assignments/{role.pk}/end/"' in html
    assert "山洪" in html


def test_a_member_sees_the_cell_without_the_forms(cast, client_for):
    html = client_for(cast.users["village"]).get("/grid/450901100201/").content.decode()
    assert "village人" in html
    assert "/assign/" not in html
    assert "/move/" not in html
    assert "/end/" not in html


def test_the_breadcrumbs_stop_at_the_top_of_the_users_scope(cast, client_for):
    township = client_for(cast.users["township"]).get("/grid/450901100201/")
    assert [a.code for a in township.context["ancestors"]] == ["450901100"]
    county = client_for(cast.users["county"]).get("/grid/450901100201/")
    assert [a.code for a in county.context["ancestors"]] == ["450901", "450901100"]


def test_appointing_through_the_form_creates_the_person_and_the_role(cast, client_for):
    client = client_for(cast.users["township"])
    data = assign_form(duties=["forest_ranger", "flood_patroller"], title="村民小组长")
    response = client.post("/grid/450901100201/assign/", data, follow=True)
    assert response.redirect_chain == [("/grid/450901100201/", 302)]
    assert "已任命 王五" in response.content.decode()
    role = RoleAssignment.objects.get(person__phone="13912345671")
    assert role.cell == cast.village
    assert role.duties == ["forest_ranger", "flood_patroller"]
    assert role.title == "村民小组长"
    assert Submission.objects.filter(uuid=data["client_uuid"]).exists()


def test_sending_the_form_twice_appoints_once(cast, client_for):
    client = client_for(cast.users["township"])
    data = assign_form()
    assert client.post("/grid/450901100201/assign/", data).status_code == 302
    before = written()
    assert client.post("/grid/450901100201/assign/", data).status_code == 302
    assert written() == before


def test_a_bad_phone_is_a_400_showing_the_error_and_nothing_is_written(cast, client_for):
    client = client_for(cast.users["township"])
    before = written()
    response = client.post("/grid/450901100201/assign/", assign_form(phone="1234"))
    assert response.status_code == 400
    assert response.context["assign_form"].errors["phone"]
    assert "手机号码应为 11 位数字" in response.content.decode()
    assert written() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [({"role": "boss"}, "role"), ({"name": ""}, "name"), ({"client_uuid": "x"}, "client_uuid")],
)
def test_a_form_that_does_not_validate_is_a_400_naming_the_field(cast, client_for, change, field):
    before = written()
    response = client_for(cast.users["township"]).post(
        "/grid/450901100201/assign/", assign_form(**change)
    )
    assert response.status_code == 400
    assert field in response.context["assign_form"].errors
    assert written() == before


def test_a_phone_registered_under_another_name_is_refused_on_the_phone_field(cast, client_for):
    taken = cast.people["village"].phone
    before = written()
    response = client_for(cast.users["township"]).post(
        "/grid/450901100201/assign/", assign_form(phone=taken, name="冒名")
    )
    assert response.status_code == 409
    assert response.context["assign_form"].errors["phone"]
    assert written() == before


def test_a_known_phone_and_name_appoints_the_same_person_again(cast, client_for):
    person = cast.people["village"]
    client = client_for(cast.users["township"])
    data = assign_form(phone=person.phone, name=person.name, role="informant")
    assert client.post("/grid/450901100201/assign/", data).status_code == 302
    assert sorted(person.assignments.values_list("role", flat=True)) == ["informant", "member"]


def test_a_member_who_posts_the_form_is_refused_with_403(cast, client_for):
    before = written()
    response = client_for(cast.users["village"]).post("/grid/450901100201/assign/", assign_form())
    assert response.status_code == 403
    assert written() == before


def test_the_same_client_uuid_from_another_user_is_refused_with_409(cast, client_for):
    data = assign_form()
    first = client_for(cast.users["township"]).post("/grid/450901100201/assign/", data)
    assert first.status_code == 302
    before = written()
    response = client_for(cast.users["county"]).post("/grid/450901100201/assign/", data)
    assert response.status_code == 409
    assert written() == before


def test_a_department_is_chosen_from_the_cells_departments(cast, client_for):
    client = client_for(cast.users["county"])
    data = assign_form(department=cast.department.code)
    assert client.post("/grid/450901/assign/", data).status_code == 302
    role = RoleAssignment.objects.get(person__phone="13912345671")
    assert role.department == cast.department
    response = client.post("/grid/450901/assign/", assign_form(department="NOPE"))
    assert response.status_code == 400
    assert response.context["assign_form"].errors["department"]


def test_ending_a_term_through_the_form(cast, client_for):
    role = cast.people["village"].assignments.get()
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client_for(cast.users["township"]).post(
        f"/assignments/{role.pk}/end/", {"end": yesterday.isoformat(), "reason": "调任"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/grid/450901100201/"
    role.refresh_from_db()
    assert role.end == yesterday


def test_an_end_before_the_start_is_a_400_showing_the_error(cast, client_for):
    role = cast.people["village"].assignments.get()
    before = written()
    response = client_for(cast.users["township"]).post(
        f"/assignments/{role.pk}/end/", {"end": "2023-12-31"}
    )
    assert response.status_code == 400
    assert "结束日期不能早于任期开始日期" in response.content.decode()
    assert written() == before


def test_a_member_may_not_end_a_term(cast, client_for):
    role = cast.people["village"].assignments.get()
    before = written()
    response = client_for(cast.users["village"]).post(f"/assignments/{role.pk}/end/", {})
    assert response.status_code == 403
    assert written() == before


def test_moving_a_cell_through_the_form(cast, client_for):
    client = client_for(cast.users["county"])
    response = client.post("/grid/450901100202/move/", {"parent": " 450901101 "})
    assert response.status_code == 302
    assert Cell.objects.get(code="450901100202").path == "450901.450901101.450901100202."


def test_a_move_that_is_not_allowed_is_refused_showing_the_error(cast, client_for):
    before = written()
    county = client_for(cast.users["county"])
    response = county.post("/grid/450901100201/move/", {"parent": "450901"})
    assert response.status_code == 400
    assert "之下不能设" in response.content.decode()
    assert county.post("/grid/450901100201/move/", {"parent": ""}).status_code == 400
    assert county.post("/grid/450901100201/move/", {"parent": "999999"}).status_code == 404
    response = client_for(cast.users["village"]).post(
        "/grid/450901100201/move/", {"parent": "450901100201"}
    )
    assert response.status_code == 403
    assert written() == before


def test_the_cell_page_takes_the_same_queries_however_many_children(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["county"])
    client.get("/grid/450901100/")
    with django_assert_max_num_queries(40) as few:
        client.get("/grid/450901100/")
    add_villages(cast, 10)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/grid/450901100/")
    assert len(response.context["children"]) == 12


def add_villages(cast, n: int) -> None:
    """``n`` more villages under 甲镇, each with a member."""
    from qianshao.grid import actions
    from qianshao.grid.importers.divisions import CellRow
    from qianshao.grid.models import CellKind

    rows = [CellRow(f"450901100{300 + i}", f"新村{i}", CellKind.VILLAGE, None) for i in range(n)]
    actions.create_cells(None, rows, source="test", under=cast.township)
    for row in rows:
        appoint(Cell.objects.get(code=row.code), "member", name=f"{row.name}网格员")
