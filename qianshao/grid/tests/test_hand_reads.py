"""The reads every request makes, written by hand (docs/adr/0034): a user's posts, the
township's people a report tells, a bearer token. Each must give what the ORM query it
replaces gives — the same rows, in the same order, with the same field values on the row
and on its related objects, read in the one statement."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from qianshao.accounts.actions import create_login, issue_token
from qianshao.accounts.models import ApiToken
from qianshao.accounts.tokens import token_for
from qianshao.grid import actions, routing, tree
from qianshao.grid.models import TOWNSHIP_KINDS, Cell, Role, RoleAssignment
from qianshao.grid.posts import _read_posts
from qianshao.testing import PASSWORD, appoint

pytestmark = pytest.mark.django_db


def values(obj) -> dict | None:
    """Every concrete field's value as the instance holds it, a deferred one as deferred
    (None for no object): reading none of them runs a query."""
    if obj is None:
        return None
    deferred = obj.get_deferred_fields()
    return {
        f.attname: "(deferred)" if f.attname in deferred else getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
    }


@pytest.fixture
def varied(cast):
    """The cast, and a person whose posts cover every case of a term and of a post: one
    ending today, one starting today, one ended yesterday, one not yet begun, a
    department's, and two in cells of different depths, with duties."""
    today = timezone.localdate()
    person = appoint(
        cast.village, Role.HEAD, name="多岗人", duties=["flood_patroller"], start=today
    )
    for cell, role, department, start, end in [
        (cast.township, Role.DEPUTY, None, date(2020, 1, 1), today),
        (cast.county, Role.MEMBER, cast.department, date(2020, 1, 1), None),
        (cast.cell("450901100202"), Role.MEMBER, None, date(2020, 1, 1), today - timedelta(1)),
        (cast.cell("450901101"), Role.HEAD, None, today + timedelta(1), None),
        (cast.other_village, Role.INFORMANT, None, date(2020, 1, 1), None),
    ]:
        actions.assign_role(
            None,
            person=person,
            cell=cell,
            role=role,
            department=department,
            start=start,
            end=end,
            notify=False,
        )
    create_login(None, person, username="many", password=PASSWORD)
    return cast


def test_posts_are_what_the_orm_reads(varied, django_assert_num_queries):
    users = list(get_user_model().objects.order_by("pk"))
    assert len(users) == 7
    for user in users:
        expected = list(
            RoleAssignment.objects.active()
            .filter(person__user=user)
            .select_related("cell", "department", "person")
            .defer("cell__boundary")
        )
        with django_assert_num_queries(1):
            found = _read_posts(user.pk)
            assert [values(p) for p in found] == [values(p) for p in expected]
            for post, orm in zip(found, expected, strict=True):
                assert values(post.cell) == values(orm.cell)
                assert values(post.department) == values(orm.department)
                assert values(post.person) == values(orm.person)
        for post in found:  # the boundary left out is read when asked for, and is the cell's
            assert post.cell.get_deferred_fields() == {"boundary"}
            assert post.cell.boundary == Cell.objects.get(pk=post.cell_id).boundary
    many = _read_posts(get_user_model().objects.get(username="many").pk)
    assert [p.role for p in many] == [Role.MEMBER, Role.DEPUTY, Role.HEAD, Role.INFORMANT]
    assert many[0].department == varied.department  # the department's post, read with it
    assert many[1].department is None
    assert many[2].duties == ["flood_patroller"]  # a JSON column, decoded
    assert isinstance(many[2].start, date) and many[2].created_at.tzinfo is not None
    assert many[2].cell.boundary["type"] == "Polygon"


def test_posts_follow_the_day(varied):
    """The term is read on the day of the read: tomorrow the post that ended today has
    lapsed and the one that begins tomorrow holds."""
    user = get_user_model().objects.get(username="many")
    today = {p.role for p in _read_posts(user.pk)}
    tomorrow = timezone.localdate() + timedelta(1)
    with time_machine.travel(timezone.now() + timedelta(1), tick=False):
        assert timezone.localdate() == tomorrow
        later = [(p.cell.code, p.role) for p in _read_posts(user.pk)]
    assert Role.DEPUTY in today and ("450901100", Role.DEPUTY) not in later
    assert ("450901101", Role.HEAD) in later


def test_township_people_are_what_the_orm_reads(varied):
    appoint(varied.township, Role.HEAD, name="镇长")
    appoint(varied.county, Role.DISPATCHER, name="部门调度", department=varied.department)
    appoint(varied.county, Role.DEPUTY, name="副县长")
    appoint(varied.township, Role.HEAD, name="将任", start=timezone.localdate() + timedelta(1))

    def orm(cell, kinds, roles):
        posts = RoleAssignment.objects.active().filter(
            ~Q(department__isnull=False),
            cell__path__in=tree.lineage(cell.path),
            cell__kind__in=kinds,
            role__in=roles,
        )
        return sorted({a.person for a in posts.select_related("person")}, key=lambda p: p.pk)

    roles = routing.SUPERVISING_ROLES
    for cell in Cell.objects.order_by("path"):
        for asked in (roles, [Role.HEAD], [Role.MEMBER, Role.INFORMANT], []):
            found = routing.township_people(cell, asked)
            assert [values(p) for p in found] == [
                values(p) for p in orm(cell, TOWNSHIP_KINDS, asked)
            ]
        if cell.kind not in routing.ABOVE_TOWNSHIP_KINDS:
            both = routing.township_and_county_people(cell, roles)
            kinds = TOWNSHIP_KINDS | routing.COUNTY_KINDS
            assert [values(p) for p in both] == [values(p) for p in orm(cell, kinds, roles)]
    named = {p.name for p in routing.township_people(varied.village)}
    assert {"镇长", "township人"} <= named and not {"部门调度", "将任", "副县长"} & named
    both = {p.name for p in routing.township_and_county_people(varied.village)}
    assert {"镇长", "副县长", "county人"} <= both and "部门调度" not in both


def test_triage_recipients_are_the_triage_people(varied):
    """The statement a report's notice is written from (notify.outbox.enqueue_query) names
    the people ``triage_people`` reads, each once and in id order, for every cell: in a
    township, above townships, with two posts held by one person and posts not yet begun."""
    appoint(varied.township, Role.HEAD, name="镇长")
    twice = appoint(varied.township, Role.DEPUTY, name="兼任")
    RoleAssignment.objects.create(
        person=twice, cell=varied.township, role=Role.DISPATCHER, start=date(2020, 1, 1)
    )
    appoint(varied.county, Role.DEPUTY, name="副县长")
    appoint(varied.township, Role.HEAD, name="将任", start=timezone.localdate() + timedelta(1))
    columns = ["to_person", "to_user", "to_phone", "sms_link", "ref"]
    for cell in Cell.objects.order_by("path"):
        for asked in (routing.SUPERVISING_ROLES, [Role.HEAD], [Role.MEMBER]):
            sql, params = routing.triage_recipients(cell, asked)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                found = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
            assert found == [
                {"to_person": p.pk, "to_user": p.user_id, "to_phone": p.phone}
                | {"sms_link": None, "ref": None}
                for p in routing.triage_people(cell, asked)
            ], (cell.path, asked)
        assert routing.triage_recipients(cell, []) is None
    named = {p.name for p in routing.triage_people(varied.village)}
    assert {"镇长", "兼任"} <= named and not {"将任", "副县长"} & named


def test_token_read_is_what_the_orm_reads(cast, django_assert_num_queries):
    user = cast.users["village"]
    logged_in = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    get_user_model().objects.filter(pk=user.pk).update(last_login=logged_in)
    usable, _ = issue_token(user, name="phone")
    revoked, _ = issue_token(user, name="revoked")
    expired, _ = issue_token(user, name="expired")
    ApiToken.objects.filter(name="revoked").update(revoked_at=timezone.now())
    ApiToken.objects.filter(name="expired").update(expires_at=timezone.now() - timedelta(1))
    assert token_for(revoked) is None and token_for(expired) is None
    assert token_for("qs_not-a-token") is None
    token = token_for(usable)
    orm = ApiToken.objects.select_related("user").get(name="phone")
    assert values(token) | {"last_used_at": None} == values(orm) | {"last_used_at": None}
    assert values(token.user) == values(orm.user)
    assert token.user.last_login == logged_in  # a datetime column, converted (SQLite: text)
    with django_assert_num_queries(0):
        assert token.user.person == cast.people["village"]  # given by the posts' read


def test_a_deferred_field_must_be_one_of_the_model():
    from qianshao.lib.dbsql import Columns

    assert len(Columns(Cell, "c", defer=("boundary",))) == len(Cell._meta.concrete_fields) - 1
    with pytest.raises(ValueError):
        Columns(Cell, "c", defer=("outline",))
