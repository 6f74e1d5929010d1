"""Writing .xlsx workbooks and sending them: every export goes through here. ``Form`` lays a
sheet out like a paper form — a merged title, the reporting unit and period, a bordered
table under a frozen header, notes, and the lines for signatures (填报人、审核人、填报日期);
A4 landscape, one page wide. Text is always written as text, never as a formula."""

import functools
import io
from typing import TYPE_CHECKING

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

# openpyxl (and the lxml it brings) is imported where a workbook is written, never at start:
# a web worker loads it on its first export only.
if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Alignment, Border, PatternFill
    from openpyxl.worksheet.worksheet import Worksheet

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONT = "宋体"
PERCENT = "0.0%"


# The shared styles, each built once, on first use.


@functools.cache
def box() -> "Border":
    """A thin black border on every side."""
    from openpyxl.styles import Border, Side

    thin = Side(style="thin", color="000000")
    return Border(left=thin, right=thin, top=thin, bottom=thin)


@functools.cache
def head_fill() -> "PatternFill":
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor="EDEDED")


@functools.cache
def align_centre() -> "Alignment":
    from openpyxl.styles import Alignment

    return Alignment(horizontal="center", vertical="center", wrap_text=True)


@functools.cache
def align_left() -> "Alignment":
    from openpyxl.styles import Alignment

    return Alignment(horizontal="left", vertical="center", wrap_text=True)


@functools.cache
def align_right() -> "Alignment":
    from openpyxl.styles import Alignment

    return Alignment(horizontal="right", vertical="center")


def save(book: "Workbook") -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(book: "Workbook", filename: str) -> HttpResponse:
    """``book`` as an attachment named ``filename`` (any characters: RFC 6266 encoding)."""
    response = HttpResponse(save(book), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def put(sheet: "Worksheet", row: int, col: int, value) -> "Cell":
    """Write ``value``; text always as text, never as a formula (a title may start with =)."""
    cell = sheet.cell(row, col, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


class Form:
    """One sheet laid out as a paper form, written from the top down."""

    def __init__(self, sheet: "Worksheet", title: str, widths: list[int]):
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.sheet, self.width, self.row = sheet, len(widths), 1
        for i, w in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = w
        self.merged(title, Font(name=FONT, size=18, bold=True), align_centre(), height=36)
        setup = sheet.page_setup
        setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
        setup.fitToWidth, setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.4
        sheet.page_margins.top = sheet.page_margins.bottom = 0.6

    def merged(self, text: str, font=None, align=None, *, first=1, last=None, height=None):
        """Text across columns ``first``..``last`` of the current row; moves to the next row
        unless more text follows on the same row (``last`` short of the width). ``align``:
        ``align_left()`` unless given."""
        from openpyxl.styles import Font

        last = last or self.width
        cell = put(self.sheet, self.row, first, text)
        cell.font = font or Font(name=FONT, size=11)
        cell.alignment = align_left() if align is None else align
        if last > first:
            self.sheet.merge_cells(
                start_row=self.row, start_column=first, end_row=self.row, end_column=last
            )
        if height:
            self.sheet.row_dimensions[self.row].height = height
        if last == self.width:
            self.row += 1

    def meta(self, left: str, right: str) -> None:
        """填报单位 on the left, the period on the right."""
        from openpyxl.styles import Alignment

        half = self.width // 2
        self.merged(left, first=1, last=half)
        self.merged(right, align=Alignment(horizontal="right"), first=half + 1)

    def header(self, groups: list[tuple[str, list[str]]], *, freeze: bool = True) -> None:
        """A one- or two-row header: ``(label, [])`` spans both rows; ``(label, subs)`` spans
        its subs' columns above them. The rows above and the header stay frozen on screen
        and repeat on every printed page (``freeze``)."""
        two = any(subs for _label, subs in groups)
        top, col = self.row, 1
        for label, subs in groups:
            span = max(1, len(subs))
            self._head(top, col, label)
            if subs:
                for i, sub in enumerate(subs):
                    self._head(top + 1, col + i, sub)
                if span > 1:
                    self.sheet.merge_cells(
                        start_row=top, start_column=col, end_row=top, end_column=col + span - 1
                    )
            elif two:
                self._head(top + 1, col, "")
                self.sheet.merge_cells(
                    start_row=top, start_column=col, end_row=top + 1, end_column=col
                )
            col += span
        self.row = top + (2 if two else 1)
        if not freeze:
            return
        self.sheet.print_title_rows = f"{top}:{self.row - 1}"
        self.sheet.freeze_panes = self.sheet.cell(self.row, 1).coordinate

    def _head(self, row: int, col: int, text: str) -> None:
        from openpyxl.styles import Font

        cell = put(self.sheet, row, col, text)
        cell.font, cell.alignment = Font(name=FONT, size=11, bold=True), align_centre()
        cell.border, cell.fill = box(), head_fill()

    def line(self, values: list, *, bold: bool = False, formats: dict | None = None) -> None:
        """One bordered table row; text wraps left, numbers centre."""
        from openpyxl.styles import Font

        for col, value in enumerate(values, start=1):
            cell = put(self.sheet, self.row, col, value)
            cell.border, cell.font = box(), Font(name=FONT, size=11, bold=bold)
            numeric = isinstance(value, int | float) or value is None
            cell.alignment = align_centre() if numeric or len(str(value)) <= 12 else align_left()
            if formats and col in formats:
                cell.number_format = formats[col]
        self.row += 1

    def note(self, text: str) -> None:
        """A note across the form, its row tall enough for the wrapped text (a Chinese
        character is about two units of column width)."""
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        width = sum(
            self.sheet.column_dimensions[get_column_letter(i)].width
            for i in range(1, self.width + 1)
        )
        lines = sum(-(-len(part) * 2 // int(width)) or 1 for part in text.split("\n"))
        self.merged(text, Font(name=FONT, size=10), align_left(), height=15 * lines + 4)

    def signatures(self, filled_on: str) -> None:
        """The form's foot: who filled it in, who checked it, and when."""
        self.row += 1
        third = max(1, self.width // 3)
        self.merged(_("填报人："), first=1, last=third)
        self.merged(_("审核人："), first=third + 1, last=2 * third)
        self.merged(_("填报日期：%(d)s") % {"d": filled_on}, first=2 * third + 1)
