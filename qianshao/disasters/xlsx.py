"""The reports of 灾情报送 as .xlsx workbooks laid out like the paper forms, in the shared
form layout (``lib.xlsx.Form``): a merged title, the reporting unit and period, a
bordered table under a frozen two-row header, notes and the signature line; A4 landscape,
one page wide. Numbers are written as numbers: counts as integers, areas and money with
two decimals, rates as percentages.
"""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.disasters.models import INDICATORS
from qianshao.disasters.reports import (
    CompletenessTable,
    Line,
    StatisticsTable,
    indicator_head,
)
from qianshao.disasters.stats import Completeness
from qianshao.lib.xlsx import PERCENT, Form, align_centre

if TYPE_CHECKING:
    from openpyxl import Workbook

COUNT = "0"
DECIMAL = "0.00"


def _local(moment: datetime, fmt: str = "%Y-%m-%d") -> str:
    return timezone.localtime(moment).strftime(fmt)


def _unit(form: Form, cell, period: str) -> None:
    form.meta(_("填报单位：%(n)s（%(c)s）") % {"n": cell.name, "c": cell.code}, period)


# --- 零报告报送情况统计表 ------------------------------------------------------------------


def completeness_note(table: CompletenessTable) -> str:
    deadline = table.deadline
    note = _(
        "说明：1. 应报：辖区内需报送零报告的村（社区）每日各 1 份，按统计时段的天数累计；"
        "2. 已报 = 按时 + 迟报，按时指在报告日 %(t)s 前报送；未报 = 应报 − 已报；\n"
        "3. 报送率 = 已报 ÷ 应报；及时率 = 按时 ÷ 应报。"
    ) % {"t": deadline}
    if table.total.pending:
        note += _(
            "\n4. 另有 %(n)s 份报告日截止时间（%(t)s）未到、尚未报送，计为待报，不计入未报。"
        ) % {
            "n": table.total.pending,
            "t": deadline,
        }
    return note


def _rate(part: int, c: Completeness):
    return part / c.expected if c.expected else "—"


def _completeness_values(c: Completeness) -> list:
    return [
        c.expected,
        c.received,
        c.on_time,
        c.late,
        c.missing,
        _rate(c.received, c),
        _rate(c.on_time, c),
    ]


def completeness_workbook(table: CompletenessTable) -> "Workbook":
    """The table on its first sheet; on a single day, the cells not reported on a second."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("报送情况")
    form = Form(sheet, _("零报告报送情况统计表"), [6, 20, 16, 10, 10, 10, 10, 10, 10, 10, 14])
    _unit(form, table.cell, table.period_line)
    form.header(
        [
            (_("序号"), []),
            (_("单位名称"), []),
            (_("单位编码"), []),
            (_("应报（份）"), []),
            (_("已报（份）"), [_("合计"), _("其中按时"), _("其中迟报")]),
            (_("未报（份）"), []),
            (_("报送率"), []),
            (_("及时率"), []),
            (_("备注"), []),
        ]
    )
    formats = {4: COUNT, 5: COUNT, 6: COUNT, 7: COUNT, 8: COUNT, 9: PERCENT, 10: PERCENT}
    rows = [(i, c.name, c.code, f) for i, (c, f) in enumerate(table.rows, start=1)]
    if table.own is not None:
        rows.append(("", _("本级（%(n)s）") % {"n": table.cell.name}, table.cell.code, table.own))
    for number, name, code, f in rows:
        form.line([number, name, code, *_completeness_values(f), ""], formats=formats)
    form.line(
        [_("合计"), "", "", *_completeness_values(table.total), ""], bold=True, formats=formats
    )
    sheet.merge_cells(start_row=form.row - 1, start_column=1, end_row=form.row - 1, end_column=3)
    form.note(completeness_note(table))
    form.signatures(_local(table.at))
    if table.single_day:
        _unreported_sheet(book, table)
    return book


def _unreported_sheet(book: "Workbook", table: CompletenessTable) -> None:
    form = Form(
        book.create_sheet(_("未报名单")), _("零报告未报送网格名单"), [6, 20, 16, 20, 24, 18]
    )
    _unit(form, table.cell, table.period_line)
    form.header(
        [
            (_("序号"), []),
            (_("网格名称"), []),
            (_("网格编码"), []),
            (_("所属乡镇（街道）"), []),
            (_("信息员"), []),
            (_("联系电话"), []),
        ]
    )
    for i, u in enumerate(table.unreported, start=1):
        names = "\n".join(p.name for p in u.informants) or _("未设信息员")
        phones = "\n".join(p.phone for p in u.informants)
        township = u.township.name if u.township else ""
        form.line([i, u.cell.name, u.cell.code, township, names, phones])
    if not table.unreported:
        form.merged(_("当日辖区内零报告已全部报送"), align=align_centre())
    form.signatures(_local(table.at))


# --- 自然灾害情况统计表 --------------------------------------------------------------------


def statistics_note() -> str:
    return _(
        "说明：1. 统计范围为填报单位辖区内、发生时间在统计时段内的灾情报告；"
        "2. 各项指标取每份灾情报告的最新数据（已核报的为核报数据），逐级汇总；\n"
        "3. 农作物面积单位为公顷，直接经济损失单位为万元；本级指直接报在填报单位本身的灾情。"
    )


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def _indicator_values(line) -> list:
    return [_number(value) for _name, value, _places in line.columns]


def _indicator_formats(first: int) -> dict[int, str]:
    """Number formats of the indicator columns, the first of them at column ``first``."""
    return {
        first + i: DECIMAL if places else COUNT
        for i, (_label, places) in enumerate(INDICATORS.values())
    }


def statistics_workbook(table: StatisticsTable) -> "Workbook":
    """The table on its first sheet, the disaster reports one a row on a second."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("灾情统计")
    widths = [6, 18, 14, 9, 10, 8, 8, 10, 10, 7, 7, 9, 9, 10, 10, 10, 12, 10]
    form = Form(sheet, _("自然灾害情况统计表"), widths)
    _unit(form, table.cell, table.period_line)
    form.header(
        [
            (_("序号"), []),
            (_("单位名称"), []),
            (_("单位编码"), []),
            (_("灾情报告（份）"), []),
            *indicator_head(),
            (_("备注"), []),
        ]
    )
    formats = {4: COUNT} | _indicator_formats(5)
    lines: list[tuple[object, str, str, Line]] = [
        (i, line.cell.name, line.cell.code, line) for i, line in enumerate(table.rows, start=1)
    ]
    if table.own is not None:
        own = _("本级（%(n)s）") % {"n": table.cell.name}
        lines.append(("", own, table.cell.code, table.own))
    for number, name, code, line in lines:
        values = [number, name, code, line.reports, *_indicator_values(line), ""]
        form.line(values, formats=formats)
    total = [_("合计"), "", "", table.total.reports, *_indicator_values(table.total), ""]
    form.line(total, bold=True, formats=formats)
    sheet.merge_cells(start_row=form.row - 1, start_column=1, end_row=form.row - 1, end_column=3)
    form.note(statistics_note())
    form.signatures(_local(table.at))
    _entries_sheet(book, table)
    return book


def _entries_sheet(book: "Workbook", table: StatisticsTable) -> None:
    widths = [6, 18, 9, 20, 16, 9, 10, 8, 8, 10, 10, 7, 7, 9, 9, 10, 10, 10, 12]
    form = Form(book.create_sheet(_("灾情清单")), _("灾情报告清单"), widths)
    _unit(form, table.cell, table.period_line)
    form.header(
        [
            (_("序号"), []),
            (_("编号"), []),
            (_("灾害类型"), []),
            (_("地点（所在网格）"), []),
            (_("发生时间"), []),
            (_("状态"), []),
            *indicator_head(),
        ]
    )
    formats = _indicator_formats(7)
    for i, entry in enumerate(table.entries, start=1):
        d = entry.report
        place = f"{d.cell.name} {d.place}".strip()
        when = _local(d.started_at, "%Y-%m-%d %H:%M")
        values = [i, d.number, d.get_type_display(), place, when, d.get_status_display()]
        form.line([*values, *_indicator_values(entry)], formats=formats)
    if not table.entries:
        form.merged(_("统计时段内无灾情报告"), align=align_centre())
    form.signatures(_local(table.at))
