"""Reading an uploaded table (.csv in UTF-8 or GB18030, or .xlsx) into rows of strings."""

import csv
import io
from datetime import date, datetime

from django.utils.translation import gettext as _


class TableError(Exception):
    pass


def read_table(data: bytes, filename: str) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Headers and ``(row number, {header: value})`` pairs; row 1 is the header row."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _rows(_xlsx(data))
    if name.endswith(".csv"):
        return _rows(_csv(data))
    raise TableError(_("只支持 .xlsx 或 .csv 文件"))


def _csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise TableError(_("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV"))
    try:
        return list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise TableError(_("CSV 格式错误：%(e)s") % {"e": exc}) from exc


def _xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise TableError(_("无法读取 Excel 文件：%(e)s") % {"e": type(exc).__name__}) from exc
    sheet = book.worksheets[0]
    return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(raw: list[list[str]]):
    if not raw:
        raise TableError(_("文件是空的"))
    headers = [h.strip() for h in raw[0]]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        values = [str(v).strip() for v in values]
        if not any(values):
            continue
        rows.append(
            (number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers)})
        )
    return headers, rows
