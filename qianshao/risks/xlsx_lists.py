"""三清单 of a cell's subtree as one .xlsx workbook, a sheet per list laid out like the paper
forms (``lib.xlsx.Form``): 风险清单, 管控措施清单, 应急处置清单."""

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.xlsx import Form
from qianshao.risks.lists import MAX_POINTS, Lists

if TYPE_CHECKING:
    from openpyxl import Workbook

RISK_HEADS = [
    "序号",
    "风险点名称",
    "所在网格",
    "风险类型",
    "位置",
    "危险因素",
    "分级方法",
    "风险值",
    "风险等级",
    "责任单位",
    "管控责任人",
]
CONTROL_HEADS = ["序号", "风险点名称", "风险等级", "管控措施", "责任人", "频次"]
EMERGENCY_HEADS = ["序号", "风险点名称", "风险等级", "应急处置措施", "联系电话", "撤离去向"]


def _form(book: "Workbook", title: str, widths: list[int], cell, today: str, first=False) -> Form:
    sheet = book.active if first else book.create_sheet()
    sheet.title = title
    form = Form(sheet, title, widths)
    form.meta(_("填报单位：%(n)s（%(c)s）") % {"n": cell.name, "c": cell.code}, today)
    return form


def lists_workbook(cell, lists: Lists) -> "Workbook":
    from openpyxl import Workbook

    book = Workbook()
    today = timezone.localdate().isoformat()
    risks = _form(
        book, _("风险清单"), [6, 22, 14, 12, 20, 28, 12, 10, 14, 16, 12], cell, today, True
    )
    risks.header([(h, []) for h in RISK_HEADS])
    for n, p in enumerate(lists.points, start=1):
        risks.line(
            [
                n,
                p.name,
                p.cell.name,
                p.kind.name,
                p.address or f"{p.lon:.5f}, {p.lat:.5f}",
                p.hazards_text,
                p.get_method_display(),
                float(p.score),
                p.get_grade_display(),
                p.responsible_unit,
                p.responsible.name if p.responsible_id else "",
            ]
        )
    if lists.more:
        risks.note(_("仅列出前 %(n)s 个风险点，请按下级网格分别导出。") % {"n": MAX_POINTS})
    risks.signatures(today)
    for title, heads, rows, parts in (
        (_("管控措施清单"), CONTROL_HEADS, lists.controls, ("what", "who", "how_often")),
        (_("应急处置清单"), EMERGENCY_HEADS, lists.emergencies, ("what", "call", "where")),
    ):
        form = _form(book, title, [6, 22, 14, 40, 16, 16], cell, today)
        form.header([(h, []) for h in heads])
        for n, row in enumerate(rows, start=1):
            p = row["point"]
            form.line([n, p.name, p.get_grade_display(), *[row[part] for part in parts]])
        form.signatures(today)
    return book
