"""Issue 12, defects 2 and 6, for the roster import: a refused file is told every problem in
one answer (the file's own and the grid's, several in one row), a file that is no workbook
is told so in Chinese, and the downloaded template uploaded unchanged appoints nobody."""

import io

from openpyxl import load_workbook

from qianshao.grid.importers.roster import COLUMNS, EXAMPLE, parse_roster
from qianshao.grid.importers.roster_writer import check_rows
from qianshao.grid.models import ImportJob
from qianshao.grid.tests.test_roster import GOOD, HUANG, WEI, cells_of, csv_bytes, with_, xlsx
from qianshao.grid.tests.test_roster_page import job_page, upload, written

ELSEWHERE = "450902100201"  # a village outside the township user's grid


def test_the_files_problems_and_the_grids_are_listed_together(cast, client_for):
    """Before: the two rows the file refused were told first, the grid's after a resend."""
    client = client_for(cast.users["township"])
    before = written()
    data = csv_bytes(
        [
            with_(HUANG, role="村长"),  # row 2: the file's
            with_(HUANG, cell=ELSEWHERE, phone="13955500001", name="甲"),  # row 3: the grid's
            with_(WEI, start="明天"),  # row 4: the file's
            with_(WEI, cell=ELSEWHERE, phone="13955500002", name="乙"),  # row 5: the grid's
        ]
    )

    page = job_page(client, upload(client, "名册.csv", data))

    for row, column in [(2, "角色"), (3, "网格编码"), (4, "任期开始"), (5, "网格编码")]:
        assert f"<td>{row}</td><td>{column}</td>" in page, (row, column)
    job = ImportJob.objects.get()
    assert (job.status, job.error_count) == ("failed", 4), job.errors
    assert [e["row"] for e in job.errors] == [2, 3, 4, 5]
    assert written() == before


def test_every_problem_of_one_row_against_the_grid_is_told(cast):
    rows, errors = parse_roster(
        csv_bytes([with_(WEI, cell=ELSEWHERE, phone="12345678901", name="x" * 40)]), "名册.csv"
    )
    assert errors == []

    found = check_rows(cast.users["township"], rows, "名册.csv")

    assert cells_of(found) == [(2, "网格编码"), (2, "姓名"), (2, "手机号")]


def test_a_file_that_is_no_workbook_is_told_so_in_chinese(cast, client_for):
    client = client_for(cast.users["township"])

    page = job_page(client, upload(client, "名册.xlsx", b"this is not a workbook"))

    assert "不是有效的 Excel 文件（.xlsx）" in page
    assert "BadZipFile" not in page and "<td>0</td>" not in page
    assert "<td>整个文件</td>" in page
    [error] = parse_roster(b"PK\x03\x04 garbage", "名册.xlsx")[1]
    assert str(error) == f"名册.xlsx：{error.reason}" and "Error" not in error.reason


def test_the_xlsx_template_uploaded_unchanged_appoints_nobody(cast, client_for):
    client = client_for(cast.users["county"])
    template = client.get("/grid/roster/template.xlsx").content
    book = load_workbook(io.BytesIO(template))
    assert [c.value for c in book.worksheets[0][1]] == COLUMNS
    assert book.worksheets[0].max_row == 1  # the data sheet: the header alone
    samples = [[c.value or "" for c in row] for row in book["填写说明"].iter_rows()]
    assert all(sample in samples for sample in EXAMPLE)  # the samples are shown there
    before = written()

    page = job_page(client, upload(client, "roster-template.xlsx", template))

    assert "表中没有要导入的数据行" in page
    assert ImportJob.objects.get().status == "failed"
    assert written() == before


def test_the_csv_template_uploaded_unchanged_appoints_nobody(cast, client_for):
    client = client_for(cast.users["county"])
    template = client.get("/grid/roster/template.csv").content
    before = written()

    page = job_page(client, upload(client, "roster-template.csv", template))

    assert "表中没有要导入的数据行" in page
    assert written() == before


def test_an_older_templates_sample_rows_are_refused_not_appointed(cast, client_for):
    """A template downloaded before had its samples in the data sheet."""
    client = client_for(cast.users["county"])
    before = written()

    page = job_page(client, upload(client, "旧模板.xlsx", xlsx(EXAMPLE)))

    assert page.count("这是模板中的示例行") == len(EXAMPLE)
    assert written() == before


def test_a_filled_in_file_beside_a_sample_row_is_refused_whole(cast):
    rows, errors = parse_roster(csv_bytes([*GOOD, EXAMPLE[0]]), "名册.csv")
    assert cells_of(errors) == [(len(GOOD) + 2, "")]
    assert len(rows) == len(GOOD)
