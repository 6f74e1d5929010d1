"""The hazard reports as .xlsx workbooks laid out like the paper forms (``lib.xlsx.Form``):
网格隐患统计表, and 隐患月报表 with its list of hazards and its 整改清单."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.hazards.reports import Entry, MonthlyReport, StatsTable
from qianshao.lib.xlsx import FONT, PERCENT, Form, align_centre

if TYPE_CHECKING:
    from openpyxl import Workbook

DATE = "%Y-%m-%d"


def _local(moment: datetime | None, fmt: str = DATE) -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


# --- 网格隐患统计表 ------------------------------------------------------------------------


def stats_note() -> str:
    return _(
        "说明：1. 排查发现：辖区内上报的全部隐患，不含已合并的重复报告和已退回的报告；"
        "2. 已整改：已销号；整改中：已受理尚未销号；待受理：已上报尚未受理；"
        "排查发现 = 已整改 + 整改中 + 待受理；\n"
        "3. 超期未整改：未销号且当前环节已超过时限；重大隐患未销号：重大隐患中尚未销号的；"
        "4. 整改率 = 已整改 ÷ 排查发现。"
    )


def stats_workbook(table: StatsTable) -> "Workbook":
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("网格隐患统计表")
    form = Form(sheet, _("网格隐患统计表"), [6, 20, 16, 10, 10, 11, 10, 10, 11, 12, 10, 20])
    cell = table.cell
    form.meta(
        _("填报单位：%(n)s（%(c)s）") % {"n": cell.name, "c": cell.code},
        _("统计时间：%(t)s") % {"t": _local(table.at, "%Y-%m-%d %H:%M")},
    )
    form.header(
        [
            (_("序号"), []),
            (_("网格名称"), []),
            (_("网格编码"), []),
            (_("排查发现隐患（项）"), [_("合计"), _("其中重大")]),
            (_("整改情况（项）"), [_("已整改（销号）"), _("整改中"), _("待受理"), _("超期未整改")]),
            (_("重大隐患未销号"), []),
            (_("整改率"), []),
            (_("备注"), []),
        ]
    )
    rows = [(i, c.name, c.code, f) for i, (c, f) in enumerate(table.rows, start=1)]
    if table.own is not None:
        rows.append(("", _("本级（%(n)s）") % {"n": cell.name}, cell.code, table.own))
    for number, name, code, f in rows:
        form.line([number, name, code, *_stats_values(f), ""], formats={11: PERCENT})
    form.line(
        [_("合计"), "", "", *_stats_values(table.total), ""], bold=True, formats={11: PERCENT}
    )
    sheet.merge_cells(start_row=form.row - 1, start_column=1, end_row=form.row - 1, end_column=3)
    form.note(stats_note())
    form.signatures(_local(table.at))
    return book


def _stats_values(f) -> list:
    return [
        f.found,
        f.major,
        f.rectified,
        f.rectifying,
        f.pending,
        f.overdue,
        f.major_open,
        f.rate if f.rate is not None else "—",
    ]


# --- 隐患月报表 ----------------------------------------------------------------------------


def month_label(report: MonthlyReport) -> str:
    return _("%(y)s年%(m)s月") % {"y": report.month.year, "m": report.month.month}


def _top(book: "Workbook", report: MonthlyReport, name: str, title: str, widths: list[int]):
    """A new sheet called ``name``, headed ``title``, the unit and the month."""
    form = Form(book.create_sheet(name), title, widths)
    period = _("报送月份：%(m)s") % {"m": month_label(report)}
    if not report.complete:
        period += _("（截至 %(t)s）") % {"t": _local(report.cutoff, "%Y-%m-%d %H:%M")}
    form.meta(
        _("填报单位：%(n)s（%(c)s）") % {"n": report.cell.name, "c": report.cell.code}, period
    )
    return form


def monthly_workbook(report: MonthlyReport, filled_on: datetime | None = None) -> "Workbook":
    """Three sheets: 汇总 (the summary), 隐患清单 (reported in the month), 整改清单 (问题隐患
    整改清单: open at the month's end)."""
    from openpyxl import Workbook

    filled = _local(filled_on or timezone.now())
    book = Workbook()
    book.remove(book.active)
    summary = _top(book, report, _("汇总"), _("隐患月报表"), [34, 14, 14, 14])
    _summary(summary, report, filled)
    widths = [6, 20, 12, 18, 14, 10, 40, 12, 12, 10, 12]
    listing = _top(book, report, _("隐患清单"), _("本月上报隐患清单"), widths)
    _listing(listing, report.reported, filled)
    widths = [6, 20, 12, 18, 14, 10, 36, 30, 12, 10, 12, 24, 10, 10]
    rectify = _top(book, report, _("整改清单"), _("问题隐患整改清单"), widths)
    _rectification(rectify, report.open, filled)
    return book


def _summary(form: Form, r: MonthlyReport, filled: str) -> None:
    from openpyxl.styles import Font

    bold = Font(name=FONT, size=12, bold=True)
    form.merged(_("一、本月隐患排查整改情况"), bold, height=22)
    labels = [_("项目"), _("合计（项）"), _("其中重大隐患"), _("备注")]
    form.header([(label, []) for label in labels], freeze=False)
    for label, total, major in [
        (_("本月排查发现（上报）隐患"), len(r.reported), r.reported_major),
        (_("其中：本月上报已销号"), r.reported_closed, r.reported_closed_major),
        (_("本月整改销号（含往月上报）"), r.closed, r.closed_major),
        (_("月末未销号隐患（整改清单）"), len(r.open), r.open_major),
        (_("其中：超期未整改"), r.open_overdue, r.open_overdue_major),
    ]:
        form.line([label, total, major, ""])
    form.row += 1
    form.merged(_("二、本月上报隐患分类统计"), bold, height=22)
    labels = [_("隐患类别"), _("一般隐患"), _("重大隐患"), _("合计")]
    form.header([(label, []) for label in labels], freeze=False)
    for line in [*r.categories, r.totals]:
        form.line([line.name, line.general, line.major, line.total], bold=line is r.totals)
    form.note(
        _(
            "说明：统计范围为填报单位辖区内的全部网格；本月上报不含已合并的重复报告和已退回的报告；"
            "状态按月末（本月未结束时按统计时刻）计。"
        )
    )
    form.signatures(filled)


def _place(e: Entry) -> str:
    h = e.hazard
    return f"{h.cell.name} {h.address}".strip()


def _listing(form: Form, entries: list[Entry], filled: str) -> None:
    form.header(
        [
            (_("序号"), []),
            (_("隐患编号"), []),
            (_("发现日期"), []),
            (_("地点（所在网格）"), []),
            (_("类别"), []),
            (_("等级"), []),
            (_("隐患描述"), []),
            (_("整改责任人"), []),
            (_("整改时限"), []),
            (_("月末状态"), []),
            (_("销号日期"), []),
        ]
    )
    for i, e in enumerate(entries, start=1):
        h = e.hazard
        form.line(
            [
                i,
                h.number,
                _local(h.found_at),
                _place(e),
                h.category.name,
                e.grade_label,
                f"{h.title}：{h.description}",
                e.responsible,
                _local(e.deadline),
                e.status_label,
                _local(e.closed_at),
            ]
        )
    if not entries:
        form.merged(_("本月无上报隐患"), align=align_centre())
    form.signatures(filled)


def _rectification(form: Form, entries: list[Entry], filled: str) -> None:
    form.header(
        [
            (_("序号"), []),
            (_("隐患编号"), []),
            (_("发现日期"), []),
            (_("地点（所在网格）"), []),
            (_("类别"), []),
            (_("等级"), []),
            (_("隐患描述"), []),
            (_("整改措施"), []),
            (_("整改责任人"), []),
            (_("整改资金（万元）"), []),
            (_("整改时限"), []),
            (_("应急预案"), []),
            (_("月末状态"), []),
            (_("是否超期"), []),
        ]
    )
    for i, e in enumerate(entries, start=1):
        h = e.hazard
        form.line(
            [
                i,
                h.number,
                _local(h.found_at),
                _place(e),
                h.category.name,
                e.grade_label,
                f"{h.title}：{h.description}",
                e.measures,
                e.responsible,
                float(e.funds) if e.funds is not None else "",
                _local(e.deadline),
                e.contingency,
                e.status_label,
                _("是") if e.overdue else _("否"),
            ]
        )
    if not entries:
        form.merged(_("月末无未销号隐患"), align=align_centre())
    form.signatures(filled)
