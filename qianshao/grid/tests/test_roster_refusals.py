"""A roster row the importer may not write says why: a cell they know (their own, one above
it — a county department's row uploaded by a township) is a refusal of their right (您无权…);
only a code that names nothing, or a cell they do not see, is out of their area."""

from qianshao.grid.importers.roster import parse_roster
from qianshao.grid.importers.roster_writer import check_rows
from qianshao.grid.models import Person
from qianshao.grid.tests.test_roster import HUANG, WEI, csv_bytes, with_
from qianshao.grid.tests.test_roster_page import job_page, upload, written

OUTSIDE = "不存在或不在您的管辖范围内"


def rows(cast):
    return [
        HUANG,  # 一村: the township's to appoint
        with_(WEI, cell=cast.township.code, phone="13807760001"),  # the township itself
        with_(WEI, cell=cast.county.code, dept=cast.department.code, phone="13807760002"),
        with_(WEI, cell=cast.other_village.code, phone="13807760003"),  # another county
        with_(WEI, cell="450901999999", phone="13807760004"),  # no such cell
    ]


def test_each_refused_row_says_whether_it_is_a_right_or_the_area(cast):
    parsed, problems = parse_roster(csv_bytes(rows(cast)), "roster.csv")
    assert problems == []
    found = check_rows(cast.users["township"], parsed, "roster.csv")
    by_row = {e.row: e.reason for e in found}
    assert len(by_row) == 4, by_row
    lines = sorted(by_row)
    own, county, other, missing = (by_row[n] for n in lines)
    assert own.startswith(f"您无权在网格 {cast.township.code}（甲镇）任命人员")
    assert county.startswith(f"您无权在网格 {cast.county.code}（A县）任命人员")
    assert OUTSIDE not in own and OUTSIDE not in county
    assert other == f"网格编码 {cast.other_village.code} {OUTSIDE}"
    assert missing == f"网格编码 450901999999 {OUTSIDE}"


def test_the_job_page_lists_the_refusals_and_nothing_is_written(cast, client_for):
    client = client_for(cast.users["township"])
    before = written()
    page = job_page(client, upload(client, "roster.csv", csv_bytes(rows(cast))))
    assert f"您无权在网格 {cast.county.code}（A县）任命人员" in page
    assert f"网格编码 {cast.other_village.code} {OUTSIDE}" in page
    assert written() == before
    assert not Person.objects.filter(name="韦国强").exists()
