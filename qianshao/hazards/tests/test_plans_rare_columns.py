"""A hazard's duplicates and the hazards of an origin are read by the index of their own
column, not by walking the viewer's whole scope, with the statistics that SQLite's ANALYZE
keeps of a county of a million hazards that has no merged ones (docs/adr/0039): the full
index of a column that most hazards leave NULL was counted as one value of a million
rows, and a county's hazard page then took 1.6 s."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from qianshao.hazards import actions
from qianshao.hazards.queries import hazards_of_origin
from qianshao.hazards.tests.access_rules_pages import hazard_at
from qianshao.testing import query_plan, sqlite_statistics_at

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the statistics written here are SQLite's"
)

# what ANALYZE wrote of a million hazards in one county (bench lists), by index, after the
# row count: the columns' average rows per value
MILLION = {
    "hazards_listed_kind_idx": "100000 6250 1 1 1",
    "hazards_listed_idx": "1 1 1",
    "hazards_haz_status_1fd5c7_idx": "100000 1",
    "hazards_haz_cell_pa_eed62c_idx": "1643 165",
    "hazards_hazard_cell_id_e66d5e75": "1643",
    "hazards_hazard_category_id_90598447": "62500",
    "sqlite_autoindex_hazards_hazard_1": "1",
}


def as_at_a_million() -> None:
    sqlite_statistics_at("hazards_hazard", MILLION)


def statement(captured, needle: str) -> str:
    found = [q["sql"] for q in captured.captured_queries if needle in q["sql"]]
    assert len(found) == 1, [q["sql"] for q in captured.captured_queries]
    return found[0]


def test_a_county_s_hazard_page_reads_its_duplicates_by_their_merge_target(cast, client_for):
    target = hazard_at(cast, "accepted", title="原报告")
    duplicate = hazard_at(cast, "submitted", title="重复报告")
    actions.merge(cast.users["township"], duplicate, into=target)
    as_at_a_million()
    with CaptureQueriesContext(connection) as captured:
        page = client_for(cast.users["county"]).get(f"/hazards/{target.number}/")
    assert f'href="/hazards/{duplicate.number}/"' in page.content.decode()
    plan = query_plan(statement(captured, '"merged_into_id" ='))
    assert "USING INDEX hazards_merged_into_idx (merged_into_id=?)" in plan, plan


def test_the_hazards_of_an_origin_are_read_by_their_origin(cast):
    hazard = actions.report(
        cast.users["village"],
        title="巡查发现",
        description="巡查发现的隐患",
        category=hazard_at(cast, "submitted").category,
        cell=cast.village,
        origin="risks.point:7",
    )
    as_at_a_million()
    with CaptureQueriesContext(connection) as captured:
        found = hazards_of_origin(cast.users["county"], "risks.point:7")
    assert [h["number"] for h in found] == [hazard.number]
    plan = query_plan(statement(captured, '"origin" ='))
    assert "USING INDEX hazards_origin_idx (origin=?)" in plan, plan
