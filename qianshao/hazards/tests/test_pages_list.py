"""The hazard list: filters, per-child counts from the tally, paging, and a query count that
does not grow with the rows or the children."""

import html
import re
from datetime import timedelta
from urllib.parse import parse_qsl

from django.db import connection
from django.test.utils import CaptureQueriesContext

from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import CellKind, Domain
from qianshao.hazards import actions
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Source
from qianshao.hazards.tests.access_rules_pages import hazard_at

NUMBER = re.compile(r'<tr data-number="(\w+)">')


def listed(client, **params) -> set[str]:
    response = client.get("/hazards/", params)
    assert response.status_code == 200, response.content.decode()[-2000:]
    return set(NUMBER.findall(response.content.decode()))


def counts_row(html: str, code: str) -> list[int]:
    row = html[html.index(f'<tr data-cell="{code}">') :].split("</tr>")[0]
    return [int(n) for n in re.findall(r'class="num"><a [^>]*>(\d+)</a>', row)]


def overdue(hazard):
    supervision.supervise(hazard.pk, hazard.due_at + timedelta(hours=1))
    return hazard


def test_each_filter_narrows_the_list(cast, client_for):
    submitted = hazard_at(cast, "submitted")
    closed = hazard_at(cast, "closed")
    major = hazard_at(cast, "accepted", grade="major")
    other_village = hazard_at(cast, "submitted", cell=cast.cell("450901100202"))
    late = overdue(hazard_at(cast, "submitted"))
    chemicals = actions.report(
        cast.users["county"],
        title="储罐泄漏",
        description="d",
        category=Domain.objects.get(code="hazardous_chemicals"),
        cell=cast.cell("450901101201"),
        source=Source.INSPECTION,
    )
    client = client_for(cast.users["county"])
    everything = {h.number for h in [submitted, closed, major, other_village, late, chemicals]}
    assert listed(client) == everything
    assert listed(client, status="closed") == {closed.number}
    assert listed(client, status="open") == everything - {closed.number}
    assert listed(client, grade="major") == {major.number}
    assert listed(client, category="hazardous_chemicals") == {chemicals.number}
    assert listed(client, source="inspection") == {chemicals.number}
    assert listed(client, overdue="1") == {late.number}
    assert listed(client, cell="450901100202") == {other_village.number}
    assert listed(client, cell="450901101") == {chemicals.number}
    assert listed(client, cell="450901100", status="submitted", overdue="0") == {
        submitted.number,
        other_village.number,
    }


def test_the_township_sees_only_its_own_hazards(cast, client_for):
    mine = hazard_at(cast, "submitted")
    elsewhere = actions.report(
        cast.users["county"],
        title="乙镇隐患",
        description="d",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.cell("450901101201"),
    )
    client = client_for(cast.users["township"])
    assert listed(client) == {mine.number}
    assert elsewhere.number not in client.get("/hazards/", {"status": "open"}).content.decode()


def test_counts_per_child_cell_come_from_the_tally_and_link_to_the_list(cast, client_for):
    hazard_at(cast, "submitted")
    hazard_at(cast, "closed")
    overdue(hazard_at(cast, "accepted", grade="major"))
    hazard_at(cast, "submitted", cell=cast.cell("450901100202"))
    client = client_for(cast.users["county"])
    html = client.get("/hazards/", {"cell": "450901100"}).content.decode()
    # found, open, overdue, major open
    assert counts_row(html, "450901100201") == [3, 2, 1, 1]
    assert counts_row(html, "450901100202") == [1, 1, 0, 0]
    assert '<a href="?cell=450901100201&amp;status=open&amp;overdue=1">1</a>' in html
    default = client.get("/hazards/").content.decode()  # the county's own root
    assert counts_row(default, "450901100") == [4, 3, 1, 1]
    assert counts_row(default, "450901101") == [0, 0, 0, 0]


def test_a_user_with_several_roots_and_the_admin_see_counts_per_root(cast, client_for):
    hazard_at(cast, "submitted")
    html = client_for(cast.users["admin"]).get("/hazards/").content.decode()
    assert counts_row(html, "450901") == [1, 1, 0, 0]
    assert counts_row(html, "450902") == [0, 0, 0, 0]


def test_a_cell_outside_the_scope_or_unknown_is_a_404(cast, client_for):
    client = client_for(cast.users["township"])
    assert client.get("/hazards/", {"cell": "450901101"}).status_code == 404
    assert client.get("/hazards/", {"cell": "NOPE"}).status_code == 404
    assert client.get("/hazards/", {"cell": "450901100201"}).status_code == 200


def test_a_bad_filter_value_is_a_400_naming_the_field(cast, client_for):
    client = client_for(cast.users["township"])
    response = client.get("/hazards/", {"status": "lost"})
    assert response.status_code == 400
    html = response.content.decode()
    form = html[html.index('data-testid="filters"') :]
    assert "errorlist" in form[form.index('name="status"') :].split("</div>")[0]


def test_pages_keep_the_filters(cast, client_for, settings):
    from qianshao.hazards import views

    views.PAGE_SIZE, size = 2, views.PAGE_SIZE
    try:
        made = {hazard_at(cast, "submitted").number for _ in range(3)}
        client = client_for(cast.users["township"])
        first = client.get("/hazards/", {"status": "submitted"}).content.decode()
        link = re.search(r'href="\?([^"]*)" data-testid="next"', first).group(1)
        following = dict(parse_qsl(html.unescape(link)))
        assert following["status"] == "submitted" and following["cursor"]
        second = listed(client, **following)
        seen = listed(client, status="submitted") | second
        assert seen == made and len(second) == 1
    finally:
        views.PAGE_SIZE = size


def more_villages(cast, n: int) -> None:
    rows = [
        CellRow(f"4509011003{i:02d}", f"新村{i}", CellKind.VILLAGE, "450901100") for i in range(n)
    ]
    grid_actions.create_cells(None, rows, source="test")


def queries_of(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/hazards/", params).status_code == 200
    return len(captured.captured_queries)


def test_the_list_reads_the_same_queries_however_many_rows_and_children(
    cast, client_for, django_assert_max_num_queries
):
    hazard_at(cast, "submitted")
    client = client_for(cast.users["county"])
    params = {"cell": "450901100"}
    client.get("/hazards/", params)
    few = queries_of(client, params)
    more_villages(cast, 6)
    for i in range(8):
        hazard_at(cast, "accepted", cell=cast.cell(f"4509011003{i % 6:02d}"))
    assert queries_of(client, params) == few
    assert queries_of(client, {}) <= few
    with django_assert_max_num_queries(13):
        client.get("/hazards/", params)
