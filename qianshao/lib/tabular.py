"""Reading an uploaded table (.csv in UTF-8 or GB18030, or .xlsx) into rows of strings.

The file is read as a stream (openpyxl's read-only mode, the csv module over a decoding
reader) and reading stops at ``max_rows`` data rows plus one: a file too long is refused
naming the limit before the rest of it is looked at. What is wrong with the rows is told by
file, row and column (``RowError``), all of it at once (``ImportFailed``).
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from django.utils.translation import gettext as _


class TableError(Exception):
    pass


@dataclass
class RowError:
    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if not self.row:  # the file as a whole
            return f"{self.file}：{self.reason}"
        return f"{self.file} 第 {self.row} 行 {self.column}：{self.reason}"


class ImportFailed(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


Rows = list[tuple[int, dict[str, str]]]


def read_table(
    source: bytes | BinaryIO, filename: str, max_rows: int | None = None
) -> tuple[list[str], Rows]:
    """Headers and ``(row number, {header: value})`` pairs; row 1 is the header row.

    ``source``: the file's bytes or a binary file open at its start. More than
    ``max_rows`` rows after the header (blank ones too) raise ``TableError``.
    """
    stream = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _rows(_xlsx(stream), max_rows)
    if name.endswith(".csv"):
        return _rows(_csv(stream), max_rows)
    raise TableError(_("只支持 .xlsx 或 .csv 文件"))


def _csv(stream: BinaryIO) -> Iterator[list[str]]:
    """Rows of a CSV in UTF-8 (with or without BOM), else GB18030, decoded as they are read.

    The encoding is told from the first 64 KB; a file that changes encoding later is refused.
    """
    encoding = "utf-8-sig" if _is_utf8(stream.read(SNIFF_BYTES)) else "gb18030"
    stream.seek(0)
    reader = codecs.getreader(encoding)(stream, errors="strict")
    try:
        yield from csv.reader(reader)
    except csv.Error as exc:
        raise TableError(_("CSV 格式错误：%(e)s") % {"e": exc}) from exc
    except UnicodeDecodeError as exc:
        raise TableError(_("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV")) from exc


SNIFF_BYTES = 1 << 16


def _is_utf8(head: bytes) -> bool:
    """Does ``head`` decode as UTF-8 (a character cut at its end allowed)?"""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head)
        return True
    except UnicodeDecodeError:
        return False


def _xlsx(stream: BinaryIO) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a file that is not a workbook
        raise TableError(
            _("不是有效的 Excel 文件（.xlsx）：请用 Excel 打开后另存为 .xlsx 再上传")
        ) from exc
    rows = book.worksheets[0].iter_rows(values_only=True)
    try:
        while True:
            try:
                row = next(rows, None)
            except Exception as exc:  # a sheet broken further down is found while reading
                raise TableError(
                    _("Excel 文件已损坏，无法读完：请用 Excel 打开后另存为 .xlsx 再上传")
                ) from exc
            if row is None:
                return
            yield [_cell_text(value) for value in row]
    finally:
        book.close()


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


def _rows(raw: Iterator[list[str]], max_rows: int | None) -> tuple[list[str], Rows]:
    first = next(raw, None)
    if first is None:
        raise TableError(_("文件是空的"))
    headers = [h.strip() for h in first]
    while headers and not headers[-1]:
        headers.pop()
    rows = []
    for number, values in enumerate(raw, start=2):
        if max_rows is not None and number - 1 > max_rows:
            raise TableError(_("文件超过 %(n)s 行（不含表头），请拆分后分批导入") % {"n": max_rows})
        values = [str(v).strip() for v in values]
        if not any(values):
            continue
        rows.append(
            (number, {h: (values[i] if i < len(values) else "") for i, h in enumerate(headers)})
        )
    return headers, rows
