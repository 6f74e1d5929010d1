"""Importing risk points (风险普查成果): a good file registers every row through the action;
any problem is listed by row (or feature) and column and nothing is written."""

import io
import itertools
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from qianshao.audit.models import AuditRecord
from qianshao.lib.tabular import ImportFailed
from qianshao.risks import importers, tally
from qianshao.risks.models import GradeRecord, RiskPoint
from qianshao.risks.tests.helpers import risk_point

pytestmark = pytest.mark.django_db

HEAD = importers.COLUMNS
NUMBERS = itertools.count(1)


def row(**values) -> list:
    base = {
        "所在网格编码": "450901100201",
        "风险点名称": f"加油站{next(NUMBERS)}",
        "风险类型": "危险化学品",
        "经度": "106.1",
        "纬度": "24.1",
        "L": "6",
        "E": "3",
        "C": "15",
    }
    base |= values
    return [base.get(h, "") for h in HEAD]


def xlsx(*rows, head=HEAD) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(head)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def state():
    return (
        RiskPoint.objects.count(),
        GradeRecord.objects.count(),
        AuditRecord.objects.filter(action="risks.point.create").count(),
        tally.read("450901.", tally.POINTS),
    )


def failed(cast, data, filename="points.xlsx", actor="township", within=None):
    before = state()
    with pytest.raises(ImportFailed) as refused:
        importers.import_points(cast.users[actor], data, filename, within=within)
    assert state() == before
    return [(e.row, e.column) for e in refused.value.errors], refused.value.errors


def test_a_good_file_registers_every_row_graded_and_counted(cast):
    data = xlsx(
        row(风险点名称="老街加油站"),
        row(
            **{
                "风险点名称": "后山滑坡",
                "风险类型": "landslide",
                "可能性": "4",
                "严重性": "5",
                "影响人数": "120",
                "影响户数": "30",
                "复评日期": "2027-03-01",
                "管控措施": "设置警示牌",
                "责任单位": "一村村委",
            }
        ),
        row(
            **{
                "风险点名称": "村小学",
                "风险类型": "人员密集场所",
                "人工等级": "红",
                "理由": "学生集中",
            }
        ),
        row(
            **{
                "风险点名称": "河滩地",
                "风险类型": "山洪",
                "可能性": "2",
                "严重性": "2",
                "经度": "",
                "纬度": "",
                "位置（GeoJSON）": json.dumps(
                    {
                        "type": "Polygon",
                        "coordinates": [
                            [[106.05, 24.05], [106.1, 24.05], [106.1, 24.1], [106.05, 24.05]]
                        ],
                    }
                ),
            }
        ),
    )
    made = importers.import_points(cast.users["township"], data, "points.xlsx")
    assert [(p.name, p.kind.code, p.grade) for p in made] == [
        ("老街加油站", "hazchem", "orange"),
        ("后山滑坡", "landslide", "red"),
        ("村小学", "crowded", "red"),
        ("河滩地", "flash_flood", "blue"),
    ]
    slide = made[1]
    assert (slide.exposed_people, slide.exposed_households) == (120, 30)
    assert str(slide.review_on) == "2027-03-01" and slide.control_measures == "设置警示牌"
    assert made[2].computed_grade != "red" and made[2].override_reason == "学生集中"
    assert made[3].geometry["type"] == "Polygon"
    assert AuditRecord.objects.filter(action="risks.point.create").count() == 4
    assert tally.read(cast.county.path, tally.POINTS)[tally.POINTS]["red:landslide"] == 1
    assert tally.matches()


def test_every_kind_of_problem_is_named_by_row_and_column_and_nothing_is_written(cast):
    risk_point(cast, name="已有加油站")
    data = xlsx(
        row(**{"所在网格编码": "999999"}),  # 2: unknown cell
        row(**{"风险类型": "火山"}),  # 3: unknown kind
        row(**{"L": "7"}),  # 4: outside the LEC table
        row(**{"风险类型": "山洪"}),  # 5: a matrix kind without its inputs
        row(**{"经度": "107.2"}),  # 6: outside the county
        row(**{"风险点名称": "已有加油站"}),  # 7: a name the cell has
        row(**{"风险点名称": "重名"}),  # 8
        row(**{"风险点名称": "重名"}),  # 9: twice in the file
        row(**{"人工等级": "紫"}),  # 10
        row(**{"人工等级": "蓝"}),  # 11: an override without a reason
        row(**{"影响人数": "很多", "复评日期": "明年"}),  # 12
        row(**{"风险点名称": "", "纬度": ""}),  # 13
        row(**{"风险点名称": "好行"}),  # 14: fine, still not written
    )
    found, _errors = failed(cast, data)
    assert found == [
        (2, "所在网格编码"),
        (3, "风险类型"),
        (4, "L"),
        (5, "可能性"),
        (5, "严重性"),
        (6, "经度、纬度"),
        (7, "风险点名称"),
        (9, "风险点名称"),
        (10, "人工等级"),
        (11, "理由"),
        (12, "影响人数"),
        (12, "复评日期"),
        (13, "风险点名称"),
        (13, "纬度"),
    ]


def test_a_cell_outside_the_importers_reach_is_an_error_naming_the_row(cast):
    data = xlsx(row(), row(**{"所在网格编码": "450902100201", "经度": "107.1"}))
    found, errors = failed(cast, data)
    assert found == [(3, "所在网格编码")]
    assert "辖区" in errors[0].reason
    # a grid member may not register points even in their own village
    found, errors = failed(cast, xlsx(row()), actor="village")
    assert found == [(2, "所在网格编码")] and "无权" in errors[0].reason
    # the import's cell bounds the rows: 乙镇's dispatcher… here 甲镇's rows under 乙镇
    found, _errors = failed(cast, xlsx(row()), within=cast.cell("450901101"))
    assert found == [(2, "所在网格编码")]


def test_geojson_features_import_and_their_errors_name_the_feature_and_property(cast):
    def feature(geometry, **properties):
        props = {"所在网格编码": "450901100201", "风险点名称": "滑坡体", "风险类型": "滑坡"}
        props |= {"可能性": 3, "严重性": 3.0} | properties
        return {"type": "Feature", "geometry": geometry, "properties": props}

    point = {"type": "Point", "coordinates": [106.1, 24.1]}
    good = {"type": "FeatureCollection", "features": [feature(point)]}
    made = importers.import_points(
        cast.users["township"], json.dumps(good).encode(), "census.geojson"
    )
    assert [(p.name, p.grade, p.inputs) for p in made] == [
        ("滑坡体", "yellow", {"likelihood": 3, "severity": 3})
    ]
    bad = {
        "type": "FeatureCollection",
        "features": [
            feature(point, 风险点名称="另一处"),
            feature(
                {"type": "LineString", "coordinates": [[106.1, 24.1], [106.2, 24.1]]},
                风险点名称="线状",
            ),
            feature(point, 风险点名称="第三处", 严重性=9),
            "not a feature",
        ],
    }
    found, errors = failed(cast, json.dumps(bad).encode(), "census.geojson")
    assert found == [(2, "geometry"), (3, "严重性"), (4, "type")]
    assert str(errors[0]).startswith("census.geojson 第 2 个要素 geometry")
    found, _errors = failed(cast, b'{"type": "Feature"}', "census.geojson")
    assert found == [(0, "")]


def test_size_limits_refuse_the_file_whole(cast, monkeypatch):
    monkeypatch.setattr(importers, "MAX_ROWS", 2)
    found, errors = failed(cast, xlsx(row(), row(风险点名称="二"), row(风险点名称="三")))
    assert found == [(0, "")] and "2" in errors[0].reason
    monkeypatch.setattr(importers, "MAX_BYTES", 100)
    found, errors = failed(cast, xlsx(row()))
    assert found == [(0, "")] and "MB" in errors[0].reason


def test_missing_columns_and_an_empty_file_are_named(cast):
    found, errors = failed(cast, xlsx(["风险点名称"], head=["风险点名称", "经度"]))
    assert found == [(1, "所在网格编码、风险类型")]
    head = ["所在网格编码", "风险点名称", "风险类型"]
    found, errors = failed(cast, xlsx(["450901100201", "x", "滑坡"], head=head))
    assert found == [(1, "经度、纬度")]
    found, errors = failed(cast, xlsx())
    assert found == [(0, "")]
    found, errors = failed(cast, b"not a workbook", "x.xlsx")
    assert found == [(0, "")]


def test_the_template_holds_the_columns_and_the_kinds(cast, client_for):
    response = client_for(cast.users["township"]).get("/risks/import/template.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book.worksheets[0][1]] == HEAD
    kinds = [r[0] for r in book["风险类型"].iter_rows(min_row=2, values_only=True)]
    assert "山洪" in kinds and "危险化学品" in kinds


def test_the_import_page_lists_the_errors_as_a_table_or_registers_all(cast, client_for):
    client = client_for(cast.users["township"])
    assert client.get("/risks/import/").status_code == 200
    bad = SimpleUploadedFile("p.xlsx", xlsx(row(), row(**{"L": "7"})))
    response = client.post("/risks/import/", {"file": bad})
    assert response.status_code == 400
    assert b'data-row="3" data-column="L"' in response.content
    assert RiskPoint.objects.count() == 0
    good = SimpleUploadedFile("p.xlsx", xlsx(row(), row(风险点名称="二号加油站")))
    response = client.post("/risks/import/?cell=450901100", {"file": good})
    assert response.status_code == 302
    assert RiskPoint.objects.count() == 2
    assert client.post("/risks/import/", {}).status_code == 400  # no file


def test_the_api_imports_or_lists_every_error_and_writes_nothing(cast, client_for):
    client = client_for(cast.users["township"])
    url = "/api/v1/risks/points/import"
    bad = SimpleUploadedFile("p.xlsx", xlsx(row(), row(**{"风险类型": "火山"})))
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == [
        {"row": 3, "column": "风险类型", "detail": body["errors"][0]["detail"]}
    ]
    assert RiskPoint.objects.count() == 0
    good = SimpleUploadedFile("p.xlsx", xlsx(row()))
    response = client.post(f"{url}?cell=450901100", {"file": good})
    assert response.status_code == 201
    assert response.json()["created"] == 1
    assert response.json()["ids"] == list(RiskPoint.objects.values_list("pk", flat=True))
    # no file, not multipart, a cell outside: named 4xx
    assert client.post(url, {}).json()["field"] == "file"
    response = client.post(url, "{}", content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "file"
    assert client.post(f"{url}?cell=450902", {"file": good}).status_code == 404
