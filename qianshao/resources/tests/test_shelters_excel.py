"""避难场所台账: the ledger exported, and imported back; an import with problems names each
by row and column and writes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from qianshao.lib.tabular import ImportFailed
from qianshao.resources import importers_shelters, tally
from qianshao.resources.models import Shelter
from qianshao.resources.tests.shelters_helpers import shelter
from qianshao.resources.xlsx_shelters import HEADS

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_ledger_lists_the_shelters_with_capacity_and_facilities(cast, client_for):
    shelter(
        cast,
        facilities={"water": True},
        manager_name="黄管",
        manager_phone="0776-1234567",
    )
    answer = client_for(cast.users["county"]).get("/resources/shelters/ledger.xlsx?cell=450901")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    head = next(r for r in rows if r[0] == "名称")
    assert head[: len(HEADS)] == HEADS
    line = rows[rows.index(head) + 1]
    assert line[:2] == ["甲镇中学操场", "450901100"] and line[8] == 2000
    assert line[9:11] == ["有", "无"] and line[14:16] == ["黄管", "0776-1234567"]


def test_an_import_with_problems_names_every_row_and_column_and_writes_nothing(cast):
    head = ["名称", "所在网格编码", "类别", "有效面积（平方米）", "经度", "纬度", "供水"]
    data = xlsx(
        [
            head,
            ["甲镇中学", "450901100", "Ⅲ类", 1000, 106.1, 24.1, "有"],
            ["", "450901100", "Ⅳ类", -5, 200, 24.1, "也许"],
            ["四村小学", "450902100201", "Ⅱ类", 100, "", "", ""],
            ["无名", "999", "Ⅱ类", 100, "", "", ""],
        ]
    )
    with pytest.raises(ImportFailed) as failed:
        importers_shelters.import_shelters(cast.users["township"], data, "台账.xlsx")
    found = {(e.row, e.column) for e in failed.value.errors}
    assert found == {
        (3, "名称"),
        (3, "类别"),
        (3, "有效面积（平方米）"),
        (3, "经度"),
        (3, "供水"),
        (4, "所在网格编码"),  # B县: not theirs
        (5, "所在网格编码"),  # no such cell
    }
    assert not Shelter.objects.exists() and tally.read(cast.county.path, "shelters") == {}


def test_a_good_ledger_is_imported_whole_through_the_action(cast, client_for):
    head = ["名称", "所在网格编码", "类别", "有效面积（平方米）", "供水", "管理人", "值守电话"]
    data = xlsx(
        [
            head,
            ["甲镇中学", "450901100", "Ⅲ类", 1000, "有", "黄管", "0776-1234567"],
            ["一村祠堂", "450901100201", "II", 99.5, "无", "", ""],
        ]
    )
    c = client_for(cast.users["township"])
    upload = SimpleUploadedFile("台账.xlsx", data)
    answer = c.post("/resources/shelters/import/?cell=450901100", {"file": upload})
    assert answer.status_code == 302
    made = {s.name: s for s in Shelter.objects.all()}
    assert made["甲镇中学"].capacity == 2000 and made["甲镇中学"].water
    assert made["一村祠堂"].capacity == 199 and made["一村祠堂"].category == "II"
    assert tally.read(cast.county.path, "capacity") == {"capacity": {"": 2199}}
    bad = SimpleUploadedFile("台账.csv", "名称,类别\n甲,Ⅲ类\n".encode())
    refused = c.post("/resources/shelters/import/?cell=450901100", {"file": bad})
    assert refused.status_code == 400 and "缺少列" in refused.content.decode()
    assert Shelter.objects.count() == 2
