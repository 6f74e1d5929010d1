"""The roster (人员名册): people and their roles, from .xlsx or .csv.

Columns (header row, in Chinese): 网格编码, 姓名, 手机号, 角色 are required; 兼任职责,
部门编码, 职务, 任期开始, 任期结束 are optional. Unknown columns are refused so that a typo
in a header never drops data silently. The .xlsx template's data sheet holds the header
only; its sample rows sit in the "填写说明" sheet, and a sample row found in the data (an
older template uploaded unchanged) is refused, never appointed.
"""

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext as _

from qianshao.grid.models import Duty, Role
from qianshao.lib.tabular import RowError, TableError, read_table
from qianshao.lib.xlsx import save

REQUIRED = ["网格编码", "姓名", "手机号", "角色"]
OPTIONAL = ["兼任职责", "部门编码", "职务", "任期开始", "任期结束"]
COLUMNS = REQUIRED + OPTIONAL
EXAMPLE = [
    [
        "451027100201",
        "黄明华",
        "13907761234",
        "网格员",
        "地质灾害群测群防员、护林员",
        "",
        "村民小组长",
        "2024-01-01",
        "",
    ],
    [
        "451027",
        "韦国强",
        "13807765678",
        "网格员",
        "",
        "ZRZYJ",
        "县自然资源局网格员",
        "2024-01-01",
        "2028-12-31",
    ],
]
_ROLES = {str(label): value for value, label in Role.choices} | {v: v for v in Role.values}
_DUTIES = {str(label): value for value, label in Duty.choices} | {v: v for v in Duty.values}


_EXAMPLE_KEYS = {(row[0], row[1], row[2]) for row in EXAMPLE}


def _no_rows() -> str:  # the message, translated when it is told
    return _(
        "表中没有要导入的数据行：请在表头下逐行填写人员"
        "（模板的示例在“填写说明”工作表中，不会被导入）"
    )


def _example_row() -> str:
    return _("这是模板中的示例行，不会被导入：请删除该行，填写实际人员后再上传")


def _is_example(values: dict) -> bool:
    """A sample row of the template (as an older template had them in its data sheet)."""
    key = (values.get("网格编码", ""), values.get("姓名", ""), values.get("手机号", ""))
    return key in _EXAMPLE_KEYS


@dataclass
class RosterRow:
    line: int
    cell_code: str
    name: str
    phone: str
    role: str
    duties: list[str]
    department_code: str
    title: str
    start: date | None
    end: date | None


def parse_roster(
    source: bytes | BinaryIO, filename: str, max_rows: int | None = None
) -> tuple[list[RosterRow], list[RowError]]:
    """Rows and every problem found in the file itself (the grid is checked on import).

    ``source``: the bytes or a binary file; a file of more than ``max_rows`` rows
    (``settings.IMPORT_MAX_ROWS`` by default) is refused at the first row past the limit.
    """
    if max_rows is None:
        max_rows = settings.IMPORT_MAX_ROWS
    try:
        headers, raw_rows = read_table(source, filename, max_rows)
    except TableError as exc:
        return [], [RowError(filename, 0, "", str(exc))]
    errors = [RowError(filename, 1, h, _("未知列")) for h in headers if h not in COLUMNS]
    errors += [RowError(filename, 1, h, _("缺少列")) for h in REQUIRED if h not in headers]
    if errors:
        return [], errors
    if not raw_rows:
        return [], [RowError(filename, 2, "", _no_rows())]
    rows = []
    for line, values in raw_rows:
        if _is_example(values):
            errors.append(RowError(filename, line, "", _example_row()))
            continue
        row, row_errors = _parse_row(filename, line, values)
        errors += row_errors
        if row is not None:
            rows.append(row)
    return rows, errors


def _parse_row(filename: str, line: int, values: dict) -> tuple[RosterRow | None, list[RowError]]:
    errors = []

    def fail(column, reason):
        errors.append(RowError(filename, line, column, reason))

    for column in REQUIRED:
        if not values.get(column):
            fail(column, _("不能为空"))
    role = _ROLES.get(values.get("角色", ""))
    if values.get("角色") and role is None:
        fail(
            "角色",
            _("未知角色“%(v)s”，应为：%(all)s")
            % {"v": values["角色"], "all": "、".join(str(label) for _v, label in Role.choices)},
        )
    duties = []
    for item in _split(values.get("兼任职责", "")):
        if item in _DUTIES:
            duties.append(_DUTIES[item])
        else:
            fail("兼任职责", _("未知职责“%(v)s”") % {"v": item})
    start = _date(values.get("任期开始", ""), "任期开始", fail)
    end = _date(values.get("任期结束", ""), "任期结束", fail)
    if errors:
        return None, errors
    return RosterRow(
        line,
        values["网格编码"].upper(),
        values["姓名"],
        values["手机号"],
        role,
        duties,
        values.get("部门编码", "").upper(),
        values.get("职务", ""),
        start,
        end,
    ), []


def _split(text: str) -> list[str]:
    for sep in ("，", ",", "；", ";", "/"):
        text = text.replace(sep, "、")
    return [part.strip() for part in text.split("、") if part.strip()]


_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


def _date(text: str, column: str, fail) -> date | None:
    """2024-01-31, or as Excel writes dates into a CSV: 2024/1/31 (or 2024.1.31)."""
    if not text:
        return None
    match = _DATE_RE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        fail(column, _("日期“%(v)s”应写作 2024-01-31") % {"v": text})
        return None


def template_xlsx() -> bytes:
    """The roster's .xlsx template: the data sheet (first, the one imported) holds only the
    header; the "填写说明" sheet explains the columns and shows sample rows, which are never
    imported — a template uploaded unchanged appoints nobody."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "人员名册"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = (16, 10, 14, 12, 28, 10, 20, 12, 12)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["列", "说明"])
    notes.append(["", _("在“人员名册”工作表的表头下逐行填写；本工作表不会被导入。")])
    notes.append(["网格编码", _("已有网格的编码（县 6 位、乡镇 9 位、村 12 位）")])
    notes.append(["角色", "、".join(str(label) for _v, label in Role.choices)])
    notes.append(["兼任职责", "、".join(str(label) for _v, label in Duty.choices)])
    notes.append(["部门编码", _("县级部门人员填写所属部门编码，其他留空")])
    notes.append(["任期开始/结束", _("日期写作 2024-01-31；开始留空为今天，结束留空为长期")])
    notes.append([])
    notes.append([_("示例（仅供参考，不会被导入）")])
    notes[notes.max_row][0].font = Font(bold=True)
    notes.append(COLUMNS)
    for row in EXAMPLE:
        notes.append(row)
    for column, width in zip("ABCDEFGHI", widths, strict=True):
        notes.column_dimensions[column].width = max(width, 16)
    return save(book)


def template_csv() -> bytes:
    """The roster's .csv template: the header alone (a CSV has no second sheet for samples;
    the .xlsx template's "填写说明" shows them)."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
