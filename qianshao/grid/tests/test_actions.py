"""The grid's actions: people, appointments, terms and departments."""

from datetime import date

import pytest
import time_machine

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.models import Cell, Department, Domain, Duty, Person, Role, RoleAssignment
from qianshao.lib.errors import ActionError, Conflict
from qianshao.notify.models import Channel, Message
from qianshao.testing import PASSWORD, appoint

SMS_URL = "http://127.0.0.1:9/sms"


def written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Cell, Person, RoleAssignment, Department, AuditRecord, Message)
    }


def last_seq() -> int:
    return AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def audited_since(seq: int) -> list[AuditRecord]:
    return list(AuditRecord.objects.filter(seq__gt=seq))


def register(cell: Cell, phone: str = "13600000001", name: str = "韦新") -> Person:
    return actions.create_person(None, name=name, phone=phone, cell=cell)


# --- create_person and find_or_create_person -----------------------------------------------


def test_create_person_registers_them_with_one_audit_record(cast):
    seq = last_seq()

    person = actions.create_person(
        cast.users["township"], name=" 黄明 ", phone="13907761234", cell=cast.village
    )

    assert (person.name, person.phone) == ("黄明", "13907761234")
    [record] = audited_since(seq)
    assert (record.action, record.object_id) == ("grid.create_person", str(person.pk))
    assert record.actor == cast.users["township"]
    assert record.cell_path == cast.village.path
    assert record.after["phone"] == "13907761234"


@pytest.mark.parametrize(
    "phone",
    [
        "",
        "1390776123",
        "139077612345",
        "12907761234",
        "1390776123a",
        "+8613907761234",
        " 13907761234",
    ],
)
def test_create_person_refuses_a_phone_that_is_not_a_mobile_number(cast, phone):
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.create_person(None, name="黄明", phone=phone, cell=cast.village)

    assert (refused.value.status, refused.value.field) == (400, "phone")
    assert written() == before


@pytest.mark.parametrize("name", ["", "   ", "名" * 33])
def test_create_person_refuses_an_empty_or_overlong_name(cast, name):
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.create_person(None, name=name, phone="13907761234", cell=cast.village)

    assert refused.value.field == "name"
    assert written() == before


def test_create_person_refuses_a_phone_already_registered(cast):
    register(cast.village, "13907761234")
    before = written()

    with pytest.raises(Conflict) as refused:
        register(cast.village, "13907761234", name="另一人")

    assert (refused.value.status, refused.value.field) == (409, "phone")
    assert written() == before


def test_find_or_create_person_returns_the_person_already_registered_under_the_phone(cast):
    known = register(cast.village, "13907761234", name="黄明")
    before = written()

    found = actions.find_or_create_person(
        None, name=" 黄明", phone="13907761234", cell=cast.village
    )

    assert found == known
    assert written() == before


def test_find_or_create_person_registers_a_new_phone(cast):
    seq = last_seq()

    person = actions.find_or_create_person(
        None, name="黄明", phone="13907761234", cell=cast.village
    )

    assert Person.objects.get(phone="13907761234") == person
    assert [r.action for r in audited_since(seq)] == ["grid.create_person"]


def test_find_or_create_person_refuses_the_same_phone_under_another_name(cast):
    register(cast.village, "13907761234", name="黄明")
    before = written()

    with pytest.raises(Conflict) as refused:
        actions.find_or_create_person(None, name="黄明华", phone="13907761234", cell=cast.village)

    assert refused.value.field == "phone"
    assert written() == before


def test_find_or_create_person_checks_the_phone_of_a_new_person(cast):
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.find_or_create_person(None, name="黄明", phone="139", cell=cast.village)

    assert refused.value.field == "phone"
    assert written() == before


# --- assign_role ----------------------------------------------------------------------------


def test_assign_role_appoints_with_one_audit_record(cast):
    person = register(cast.village)
    seq = last_seq()

    assignment = actions.assign_role(
        cast.users["township"],
        person=person,
        cell=cast.village,
        role=Role.MEMBER,
        duties=[Duty.FOREST_RANGER, Duty.FLOOD_PATROLLER],
        title=" 村民小组长 ",
        start=date(2024, 3, 1),
        end=date(2026, 2, 28),
    )

    assignment.refresh_from_db()
    assert assignment.duties == ["forest_ranger", "flood_patroller"]
    assert (assignment.title, assignment.start, assignment.end) == (
        "村民小组长",
        date(2024, 3, 1),
        date(2026, 2, 28),
    )
    [record] = audited_since(seq)
    assert (record.action, record.object_id) == ("grid.assign_role", str(assignment.pk))
    assert record.cell_path == cast.village.path
    assert record.after["role"] == "member"
    assert record.after["person"] == person.pk
    assert record.after["end"] == "2026-02-28"


def test_assign_role_starts_the_term_today_by_default(cast):
    person = register(cast.village)

    with time_machine.travel(date(2025, 5, 4), tick=False):
        assignment = actions.assign_role(None, person=person, cell=cast.village, role=Role.MEMBER)

    assert (assignment.start, assignment.end) == (date(2025, 5, 4), None)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "mayor"}, "role"),
        ({"role": Role.MEMBER, "duties": ["forest_ranger", "astronaut"]}, "duties"),
        ({"role": Role.MEMBER, "start": date(2024, 5, 1), "end": date(2024, 4, 30)}, "end"),
    ],
    ids=["unknown role", "unknown duty", "end before start"],
)
def test_assign_role_refuses_bad_input_naming_the_field(cast, kwargs, field):
    person = register(cast.village)
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.assign_role(cast.users["township"], person=person, cell=cast.village, **kwargs)

    assert (refused.value.status, refused.value.field) == (400, field)
    assert written() == before


def test_assign_role_refuses_a_department_of_another_cell(cast):
    person = register(cast.village)
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.assign_role(
            None, person=person, cell=cast.village, role=Role.MEMBER, department=cast.department
        )

    assert refused.value.field == "department"
    assert written() == before


def test_assign_role_refuses_a_title_longer_than_the_column(cast):
    person = register(cast.village)
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.assign_role(
            None, person=person, cell=cast.village, role=Role.MEMBER, title="职" * 65
        )

    assert refused.value.field == "title"
    assert written() == before


def test_assign_role_appoints_a_department_member_in_its_own_cell(cast):
    person = register(cast.county)

    assignment = actions.assign_role(
        cast.users["county"],
        person=person,
        cell=cast.county,
        role=Role.MEMBER,
        department=cast.department,
    )

    assert assignment.department == cast.department


EXISTING = (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 6, 1), None),
        (date(2024, 6, 1), date(2024, 7, 1)),
        (date(2023, 1, 1), date(2024, 1, 1)),  # ends on the first day of the existing term
        (date(2024, 12, 31), date(2025, 12, 31)),  # starts on its last day
        (date(2023, 1, 1), None),
        (date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_assign_role_refuses_a_term_overlapping_the_same_role(cast, start, end):
    person = register(cast.village)
    actions.assign_role(
        None, person=person, cell=cast.village, role=Role.MEMBER, start=EXISTING[0], end=EXISTING[1]
    )
    before = written()

    with pytest.raises(Conflict) as refused:
        actions.assign_role(
            cast.users["township"],
            person=person,
            cell=cast.village,
            role=Role.MEMBER,
            start=start,
            end=end,
        )

    assert (refused.value.status, refused.value.field) == (409, "role")
    assert written() == before


def test_assign_role_refuses_a_term_inside_an_open_ended_one(cast):
    person = register(cast.village)
    actions.assign_role(
        None, person=person, cell=cast.village, role=Role.MEMBER, start=date(2024, 1, 1)
    )

    with pytest.raises(Conflict):
        actions.assign_role(
            None, person=person, cell=cast.village, role=Role.MEMBER, start=date(2030, 1, 1)
        )


@pytest.mark.parametrize(
    ("start", "end", "cell_code", "role"),
    [
        (date(2025, 1, 1), None, "450901100201", Role.MEMBER),  # the day after it ends
        (date(2023, 1, 1), date(2023, 12, 31), "450901100201", Role.MEMBER),  # the year before
        (date(2024, 6, 1), None, "450901100201", Role.INFORMANT),  # another role
        (date(2024, 6, 1), None, "450901100202", Role.MEMBER),  # another cell
    ],
)
def test_assign_role_allows_terms_that_do_not_overlap(cast, start, end, cell_code, role):
    person = register(cast.village)
    actions.assign_role(
        None, person=person, cell=cast.village, role=Role.MEMBER, start=EXISTING[0], end=EXISTING[1]
    )

    actions.assign_role(
        None, person=person, cell=cast.cell(cell_code), role=role, start=start, end=end
    )

    assert person.assignments.count() == 2


def test_assign_role_queues_nothing_for_a_person_without_login_when_there_is_no_sms(cast, settings):
    settings.SMS_GATEWAY_URL = ""
    person = register(cast.village)

    actions.assign_role(None, person=person, cell=cast.village, role=Role.MEMBER)

    assert not Message.objects.exists()


def test_assign_role_texts_the_person_when_an_sms_gateway_is_set(cast, settings):
    settings.SMS_GATEWAY_URL = SMS_URL
    person = register(cast.village, "13907761234")

    assignment = actions.assign_role(None, person=person, cell=cast.village, role=Role.MEMBER)

    [message] = Message.objects.all()
    assert (message.channel, message.person, message.address) == (
        Channel.SMS,
        person,
        "13907761234",
    )
    assert message.event == "grid.role_assigned"
    assert cast.village.name in message.subject
    assert message.payload["assignment"] == assignment.pk


def test_assign_role_messages_a_person_with_a_login_in_the_app(cast, settings):
    settings.SMS_GATEWAY_URL = ""
    person = cast.people["village"]

    actions.assign_role(
        cast.users["township"], person=person, cell=cast.village, role=Role.INFORMANT
    )

    [message] = Message.objects.all()
    assert (message.channel, message.user, message.person) == (
        Channel.INAPP,
        cast.users["village"],
        person,
    )
    assert message.link == f"/grid/{cast.village.code}/"


def test_assign_role_messages_in_the_app_and_by_sms_when_both_apply(cast, settings):
    settings.SMS_GATEWAY_URL = SMS_URL
    person = cast.people["village"]

    actions.assign_role(None, person=person, cell=cast.village, role=Role.INFORMANT)

    assert sorted(Message.objects.values_list("channel", flat=True)) == [
        Channel.INAPP,
        Channel.SMS,
    ]


def test_assign_role_queues_nothing_when_told_not_to_notify(cast, settings):
    settings.SMS_GATEWAY_URL = SMS_URL

    actions.assign_role(
        None, person=cast.people["village"], cell=cast.village, role=Role.INFORMANT, notify=False
    )

    assert not Message.objects.exists()


# --- end_term -------------------------------------------------------------------------------


def member(cast, *, start=date(2024, 1, 1), end=None, login=False) -> RoleAssignment:
    person = appoint(cast.village, Role.MEMBER, name="陆平", start=start, end=end)
    if login:
        create_login(None, person, username="luping", password=PASSWORD)
    return person.assignments.get()


def test_end_term_ends_today_by_default_with_one_audit_record(cast):
    assignment = member(cast)
    seq = last_seq()

    with time_machine.travel(date(2025, 3, 15), tick=False):
        ended = actions.end_term(cast.users["township"], assignment, reason="调离")

    assignment.refresh_from_db()
    assert assignment.end == ended.end == date(2025, 3, 15)
    [record] = audited_since(seq)
    assert (record.action, record.note) == ("grid.end_term", "调离")
    assert (record.before["end"], record.after["end"]) == (None, "2025-03-15")


def test_end_term_takes_a_given_end_date(cast):
    assignment = member(cast)

    with time_machine.travel(date(2025, 3, 15), tick=False):
        actions.end_term(None, assignment, end=date(2025, 3, 31))

    assignment.refresh_from_db()
    assert assignment.end == date(2025, 3, 31)


def test_end_term_refuses_a_term_already_ended(cast):
    assignment = member(cast, end=date(2024, 12, 31))
    before = written()

    with time_machine.travel(date(2025, 1, 1), tick=False), pytest.raises(Conflict) as refused:
        actions.end_term(cast.users["township"], assignment)

    assert (refused.value.status, refused.value.field) == (409, "assignment")
    assert written() == before


def test_end_term_refuses_an_end_before_the_start(cast):
    assignment = member(cast, start=date(2025, 6, 1))
    before = written()

    with time_machine.travel(date(2025, 3, 15), tick=False), pytest.raises(ActionError) as refused:
        actions.end_term(None, assignment)

    assert refused.value.field == "end"
    assert written() == before


def test_end_term_refuses_to_lengthen_a_term(cast):
    assignment = member(cast, end=date(2028, 12, 31))
    before = written()

    with time_machine.travel(date(2025, 3, 15), tick=False), pytest.raises(ActionError) as refused:
        actions.end_term(None, assignment, end=date(2030, 12, 31))

    assert refused.value.field == "end"
    assert written() == before
    assignment.refresh_from_db()
    assert assignment.end == date(2028, 12, 31)


def test_end_term_may_end_a_fixed_term_early(cast):
    assignment = member(cast, end=date(2028, 12, 31))

    with time_machine.travel(date(2025, 3, 15), tick=False):
        actions.end_term(None, assignment)

    assignment.refresh_from_db()
    assert assignment.end == date(2025, 3, 15)


def test_end_term_messages_a_person_with_a_login_in_the_app_only(cast, settings):
    settings.SMS_GATEWAY_URL = SMS_URL
    assignment = member(cast, login=True)

    with time_machine.travel(date(2025, 3, 15), tick=False):
        actions.end_term(None, assignment, reason="调离")

    [message] = Message.objects.all()
    assert (message.channel, message.event) == (Channel.INAPP, "grid.term_ended")
    assert message.user.username == "luping"
    assert "2025-03-15" in message.body


def test_end_term_queues_nothing_for_a_person_without_login(cast, settings):
    settings.SMS_GATEWAY_URL = SMS_URL
    assignment = member(cast)

    with time_machine.travel(date(2025, 3, 15), tick=False):
        actions.end_term(None, assignment)

    assert not Message.objects.exists()


def test_an_ended_term_no_longer_gives_scope(cast, client_for):
    assignment = cast.people["township"].assignments.get()

    with time_machine.travel(date(2025, 3, 15), tick=False):
        actions.end_term(cast.users["county"], assignment, end=date(2025, 3, 14))
        response = client_for(cast.users["township"]).get(f"/grid/{cast.village.code}/")

    assert response.status_code == 404


# --- create_department ----------------------------------------------------------------------


def test_create_department_registers_it_with_its_domains_and_one_audit_record(cast):
    domains = list(Domain.objects.filter(code__in=["flood_drought", "mountain_torrents"]))
    seq = last_seq()

    department = actions.create_department(
        cast.users["county"], cell=cast.county, code="SLJ", name="A县水利局", domains=domains
    )

    assert set(department.domains.all()) == set(domains)
    assert department.cell == cast.county
    [record] = audited_since(seq)
    assert record.action == "grid.create_department"
    assert record.after["domains"] == sorted(d.code for d in domains)


def test_create_department_refuses_a_code_already_used_in_the_cell(cast):
    before = written()

    with pytest.raises(Conflict) as refused:
        actions.create_department(None, cell=cast.county, code=cast.department.code, name="重复")

    assert refused.value.field == "code"
    assert written() == before


def test_create_department_allows_the_same_code_in_another_county(cast):
    department = actions.create_department(
        None, cell=cast.other_county, code=cast.department.code, name="B县应急管理局"
    )

    assert department.cell == cast.other_county


@pytest.mark.parametrize("code", ["slj", "S-LJ", "", "S" * 21])
def test_create_department_refuses_an_invalid_code(cast, code):
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.create_department(None, cell=cast.county, code=code, name="水利局")

    assert refused.value.field == "code"
    assert written() == before
