"""Finding people (issue 12, defect 11): the grid search finds people by name (contains) or
phone (a prefix of the digits, or the whole number) through their posts in the user's
scope, and the contact book (通讯录) lists the scope's people by cell with a phone to tap."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qianshao.grid import people
from qianshao.grid.models import Person, Role
from qianshao.testing import appoint, next_page

pytestmark = pytest.mark.django_db


def found_people(client, q) -> dict[int, str]:
    """The people a search lists: {person id: the text of their row}."""
    html = client.get("/grid/search/", {"q": q}).content.decode()
    block = html.split('data-testid="search-people"', 1)[1].split("</ul>", 1)[0]
    rows = re.findall(r"<li>(.*?)</li>", block, re.S)
    return {int(m.group(1)): row for row in rows if (m := re.search(r"/people/(\d+)/", row))}


def test_the_search_finds_a_person_by_part_of_the_name_with_post_and_phone(cast, client_for):
    person = appoint(cast.village, Role.INFORMANT, name="莫宏金")
    client = client_for(cast.users["township"])
    for q in ["宏金", "莫宏", "莫宏金"]:
        rows = found_people(client, q)
        assert list(rows) == [person.pk], q
        row = rows[person.pk]
        assert "一村" in row and "信息员" in row
        assert f'href="tel:{person.phone}"' in row


def test_the_search_finds_a_person_by_a_phone_prefix_or_the_whole_number(cast, client_for):
    person = appoint(cast.village, Role.MEMBER, name="韦国强")
    client = client_for(cast.users["township"])
    whole = person.phone
    spaced = f"{whole[:3]} {whole[3:7]}-{whole[7:]}"
    for q in [whole, whole[:9], spaced]:
        assert person.pk in found_people(client, q), q
    prefix = found_people(client, whole[:3])
    assert person.pk in prefix and cast.people["township"].pk in prefix
    assert found_people(client, "13900000000") == {}


def test_the_search_finds_no_one_outside_the_scope(cast, client_for):
    stranger = appoint(cast.other_village, Role.MEMBER, name="莫外县")
    neighbour = appoint(cast.cell("450901101201"), Role.MEMBER, name="莫邻镇")
    own = appoint(cast.village, Role.MEMBER, name="莫本村")
    township = client_for(cast.users["township"])
    assert set(found_people(township, "莫")) == {own.pk}
    assert found_people(township, stranger.phone) == {}
    assert found_people(township, neighbour.phone) == {}
    village = client_for(cast.users["village"])
    assert set(found_people(village, "莫")) == {own.pk}
    outsider = client_for(cast.users["outsider"])
    assert set(found_people(outsider, "莫")) == {stranger.pk}
    assert found_people(outsider, own.phone) == {}
    html = outsider.get("/grid/search/", {"q": "138"}).content.decode()
    assert own.phone not in html and cast.people["county"].phone not in html


def test_a_person_whose_term_ended_is_not_found(cast, client_for):
    from datetime import date

    gone = appoint(cast.village, Role.MEMBER, name="已卸任", end=date(2024, 6, 30))
    assert found_people(client_for(cast.users["township"]), "已卸任") == {}
    assert Person.objects.filter(pk=gone.pk).exists()


def test_the_search_lists_at_most_its_limit_of_people(cast, client_for, monkeypatch):
    for i in range(6):
        appoint(cast.village, Role.MEMBER, name=f"限{i}")
    monkeypatch.setattr(people, "SEARCH_LIMIT", 4)
    monkeypatch.setattr(people.find_people, "__defaults__", (4,))
    assert len(found_people(client_for(cast.users["township"]), "限")) == 4


def test_a_phone_prefix_is_a_range_on_the_phone_not_a_like(cast):
    assert people.phone_digits("139 1234-5") == "13912345"
    assert people.phone_digits("莫") == ""
    q = people.phone_prefix_q("139")
    assert dict(q.children) == {"person__phone__gte": "139", "person__phone__lt": "14"}
    assert dict(people.phone_prefix_q("1399").children)["person__phone__lt"] == "14"
    with CaptureQueriesContext(connection) as queries:
        people.find_people(cast.users["township"], "1380000")
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "LIKE" not in sql


def test_the_contact_book_lists_the_scopes_people_by_cell_with_phones(cast, client_for):
    member = appoint(cast.cell("450901100202"), Role.MEMBER, name="二村网格员")
    html = client_for(cast.users["township"]).get("/grid/contacts/").content.decode()
    codes = re.findall(r'data-testid="contacts-cell" data-cell="(\d+)"', html)
    assert codes == ["450901100", "450901100201", "450901100202"]  # in tree order
    assert f'href="tel:{member.phone}"' in html and "二村网格员" in html
    assert "450901101" not in html and "B县" not in html
    assert cast.people["outsider"].phone not in html


def test_a_village_member_also_sees_the_dispatchers_above_to_call(cast, client_for):
    html = client_for(cast.users["village"]).get("/grid/contacts/").content.decode()
    above = html.split('data-testid="contacts-above"', 1)[1].split("</section>", 1)[0]
    for name in ["township", "county"]:
        assert f'href="tel:{cast.people[name].phone}"' in above
    assert "/people/" not in above  # outside the scope: a phone, not a page
    assert above.index(cast.people["township"].phone) < above.index(cast.people["county"].phone)
    codes = re.findall(r'data-testid="contacts-cell" data-cell="(\d+)"', html)
    assert codes == ["450901100201"]
    assert "department人" not in html  # a department's post is not a dispatcher


def test_the_contact_book_of_a_cell_is_its_subtree_and_404_outside(cast, client_for):
    client = client_for(cast.users["county"])
    html = client.get("/grid/contacts/", {"cell": "450901100201"}).content.decode()
    codes = re.findall(r'data-testid="contacts-cell" data-cell="(\d+)"', html)
    assert codes == ["450901100201"]
    assert 'data-testid="contacts-above"' not in html
    assert client.get("/grid/contacts/", {"cell": "450902"}).status_code == 404
    assert client.get("/grid/contacts/", {"cell": "NOPE"}).status_code == 404
    village = client_for(cast.users["village"])
    assert village.get("/grid/contacts/", {"cell": "450901100"}).status_code == 404


def test_the_contact_book_is_paginated(cast, client_for, monkeypatch):
    from qianshao.grid import views_people

    for i in range(5):
        appoint(cast.village, Role.MEMBER, name=f"翻页{i}")
    monkeypatch.setattr(views_people, "PAGE_SIZE", 3)
    client = client_for(cast.users["township"])
    seen, query, pages = [], {}, 0
    while query is not None:
        html = client.get("/grid/contacts/", query).content.decode()
        seen += re.findall(r"翻页\d", html)
        query, pages = next_page(html), pages + 1
    assert sorted(seen) == [f"翻页{i}" for i in range(5)]
    assert pages >= 2


def test_the_top_bar_and_the_phone_home_link_the_contact_book(cast, client_for):
    for username in ["county", "township", "village", "department"]:
        html = client_for(cast.users[username]).get("/").content.decode()
        assert 'href="/grid/contacts/"' in html, username
    html = client_for(cast.users["village"]).get("/").content.decode()
    assert 'data-testid="tile-contacts"' in html
