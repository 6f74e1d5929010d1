"""Access rules of the ledger part's pages and endpoints (the census import, its template,
the risk and hazard ledger), merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县's 甲镇: the import into it and its ledger answer
404 and nothing is written. The template holds no one's data (any logged-in user).
"""

import io

from openpyxl import Workbook

from qianshao.risks import importers
from qianshao.risks.models import GradeRecord, RiskPoint, Tally

PAGE_RULES = {
    "risks/import/": "scoped",
    "risks/import/template.xlsx": "login",
    "risks/ledger.xlsx": "scoped",
}

API_RULES = {
    ("POST", "/api/v1/risks/points/import"): "scoped",
}


def census_file():
    """A one-row census (.xlsx) naming A县's 一村: the outsider's import must not reach it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = Workbook()
    sheet = book.active
    sheet.append(importers.COLUMNS)
    values = {"所在网格编码": "450901100201", "风险点名称": "越界", "风险类型": "山洪"}
    values |= {"经度": "106.1", "纬度": "24.1", "可能性": "3", "严重性": "3"}
    sheet.append([values.get(h, "") for h in importers.COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("census.xlsx", out.getvalue())


def outsider_pages(cast) -> dict:
    return {
        "risks/import/": [
            ("post", "/risks/import/?cell=450901100", {"file": census_file()}, 404),
            ("get", "/risks/import/?cell=450901", None, 404),
        ],
        "risks/ledger.xlsx": [
            ("get", "/risks/ledger.xlsx?cell=450901100", None, 404),
            ("get", "/risks/ledger.xlsx?cell=450901100201", None, 404),
        ],
    }


def outsider_api(cast) -> dict:
    return {
        ("POST", "/api/v1/risks/points/import"): [
            ("/api/v1/risks/points/import?cell=450901100", {"file": "x"}),
        ],
    }


def state() -> tuple:
    return (
        list(RiskPoint.objects.order_by("pk").values_list("pk", "name", "grade", "status")),
        GradeRecord.objects.count(),
        list(Tally.objects.exclude(n=0).order_by("pk").values_list("path", "figure", "key", "n")),
    )
