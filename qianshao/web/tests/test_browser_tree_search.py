"""Searching the grid tree: results arrive through htmx and stay inside the user's scope."""

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from qianshao.grid.models import Cell

TOWNSHIP = "451027100"  # 泗城镇; 逻楼镇 (451027101) is its neighbour


def search(page, text):
    """Type ``text`` into the tree's search box; return the results box once htmx filled it."""

    def answers(response):
        query = parse_qs(urlsplit(response.url).query).get("q")
        return "/grid/search/" in response.url and query == [text]

    box = page.get_by_role("searchbox", name="搜索网格")
    box.fill("")
    with page.expect_response(answers) as response:
        box.press_sequentially(text)
    assert response.value.ok
    assert response.value.request.headers.get("hx-request") == "true"
    results = page.get_by_test_id("search-results")
    expect(results.locator("h3")).to_contain_text(text)
    return results


def codes_linked(results):
    hrefs = results.get_by_role("link").evaluate_all("links => links.map(a => a.pathname)")
    return {href.strip("/").removeprefix("grid/") for href in hrefs}


@pytest.mark.browser
def test_searching_the_tree_finds_only_cells_in_the_users_scope(demo, page, log_in):
    township = Cell.objects.get(code=TOWNSHIP)
    # 陇: 泗城镇's 陇浩村, 陇照村 and 陇雅村, and villages of other townships (逻楼镇's 陇棍村)
    with_long = Cell.objects.filter(name__contains="陇")
    inside = set(with_long.subtree(township.path).values_list("code", flat=True))
    assert inside and with_long.exclude(code__in=inside).exists()
    log_in(page, "township", demo.PASSWORD)
    page.goto("/grid/")

    assert codes_linked(search(page, "陇")) == inside

    results = search(page, "逻楼镇")
    expect(results).to_contain_text("在您的管辖范围内没有找到")
    assert codes_linked(results) == set()

    results = search(page, "451027101")
    expect(results).to_contain_text("在您的管辖范围内没有找到")
    assert codes_linked(results) == set()
    assert urlsplit(page.url).path == "/grid/"
