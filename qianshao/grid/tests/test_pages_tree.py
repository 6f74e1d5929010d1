"""The grid tree, its children partial (HTMX), the search partial and the grid card."""

import re

import pytest
from django.utils import timezone

from qianshao.grid import actions
from qianshao.grid.tests.test_pages_cell import add_villages

pytestmark = pytest.mark.django_db


def codes(html: str) -> list[str]:
    return re.findall(r'<a href="/grid/([0-9A-Z_]+)/">', html)


def test_the_tree_starts_at_the_users_cells_and_loads_their_children(cast, client_for):
    html = client_for(cast.users["township"]).get("/grid/").content.decode()
    assert codes(html) == ["450901100"]
    assert 'hx-get="/grid/450901100/children/"' in html
    html = client_for(cast.users["admin"]).get("/grid/").content.decode()
    assert codes(html) == ["450901", "450902"]


def test_a_user_without_a_post_has_an_empty_tree(cast, client_for):
    role = cast.people["village"].assignments.get()
    actions.end_term(None, role, end=timezone.localdate() - timezone.timedelta(days=1))
    html = client_for(cast.users["village"]).get("/grid/").content.decode()
    assert codes(html) == []
    assert "您尚未被任命到任何网格" in html


def test_the_children_partial_lists_the_children_with_their_counts(cast, client_for):
    response = client_for(cast.users["county"]).get("/grid/450901/children/")
    html = response.content.decode()
    assert "<html" not in html
    assert codes(html) == ["450901100", "450901101"]
    assert "下辖 2 · 人员 2" in html  # 甲镇: two villages; its dispatcher and a member
    assert "下辖 1 · 人员 0" in html  # 乙镇: one village, nobody yet


def test_a_cell_without_children_says_so(cast, client_for):
    html = client_for(cast.users["village"]).get("/grid/450901100201/children/").content.decode()
    assert "没有下级网格" in html


def test_the_children_partial_takes_the_same_queries_however_many_children(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["county"])
    client.get("/grid/450901100/children/")
    with django_assert_max_num_queries(20) as few:
        client.get("/grid/450901100/children/")
    add_villages(cast, 10)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/grid/450901100/children/")
    assert len(codes(response.content.decode())) == 12


def test_the_tree_page_takes_the_same_queries_for_one_root_and_many(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["admin"])
    client.get("/grid/")
    with django_assert_max_num_queries(20) as few:
        client.get("/grid/")
    from qianshao.grid.importers.divisions import CellRow

    rows = [CellRow(f"45099{i}", f"新县{i}", "county", None) for i in range(5)]
    actions.create_cells(None, rows, source="test")
    with django_assert_max_num_queries(len(few)):
        response = client.get("/grid/")
    assert len(codes(response.content.decode())) == 7


def test_the_search_finds_cells_by_name_and_by_code_prefix(cast, client_for):
    client = client_for(cast.users["county"])
    html = client.get("/grid/search/", {"q": "二村"}).content.decode()
    assert codes(html) == ["450901100202"]
    assert "甲镇" in html  # the parent is named beside each result
    html = client.get("/grid/search/", {"q": "450901101"}).content.decode()
    assert codes(html) == ["450901101", "450901101201"]


def test_an_empty_search_shows_nothing_and_a_fruitless_one_says_so(cast, client_for):
    client = client_for(cast.users["county"])
    assert client.get("/grid/search/", {"q": "  "}).content.decode().strip() == ""
    html = client.get("/grid/search/", {"q": "不存在的村"}).content.decode()
    assert "在您的管辖范围内没有找到" in html


def test_the_search_partial_takes_the_same_queries_for_few_and_many_results(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.users["county"])
    client.get("/grid/search/", {"q": "村"})
    with django_assert_max_num_queries(20) as few:
        client.get("/grid/search/", {"q": "村"})
    add_villages(cast, 10)
    with django_assert_max_num_queries(len(few)):
        response = client.get("/grid/search/", {"q": "村"})
    assert len(codes(response.content.decode())) == 13  # three villages and ten new


def test_the_grid_card_has_the_qr_code_the_members_their_phones_and_the_risks(cast, client_for):
    html = client_for(cast.users["village"]).get("/grid/450901100201/card/").content.decode()
    assert "<svg" in html
    assert "http://testserver/c/450901100201/" in html  # the public page (issue 12, defect 12)
    assert "village人" in html
    assert cast.people["village"].phone in html
    assert "山洪" in html
    assert "地质灾害" in html
    assert "A县甲镇一村" in html


def test_the_grid_card_leaves_out_ended_terms(cast, client_for):
    role = cast.people["village"].assignments.get()
    actions.end_term(None, role, end=timezone.localdate() - timezone.timedelta(days=1))
    html = client_for(cast.users["township"]).get("/grid/450901100201/card/").content.decode()
    assert "village人" not in html


def test_the_grid_card_links_to_the_base_url_when_one_is_set(cast, client_for, settings):
    settings.BASE_URL = "https://qianshao.example.gov.cn"
    html = client_for(cast.users["village"]).get("/grid/450901100201/card/").content.decode()
    assert "https://qianshao.example.gov.cn/c/450901100201/" in html  # the public page


def test_the_grid_card_takes_the_same_queries_for_few_and_many_members(
    cast, client_for, django_assert_max_num_queries
):
    from qianshao.testing import appoint

    client = client_for(cast.users["township"])
    client.get("/grid/450901100201/card/")
    with django_assert_max_num_queries(20) as few:
        client.get("/grid/450901100201/card/")
    for i in range(8):
        appoint(cast.village, "member", name=f"组长{i}", duties=["forest_ranger"])
    with django_assert_max_num_queries(len(few)):
        response = client.get("/grid/450901100201/card/")
    assert response.content.decode().count("护林员") == 8
