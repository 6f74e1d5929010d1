"""风险隐患台账 as an .xlsx workbook laid out like the paper ledgers (``lib.xlsx.Form``):
sheet 风险台账 (the points in force) and sheet 隐患台账 (the hazards), from ``ledger``."""

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.xlsx import Form
from qianshao.risks.grading import explain
from qianshao.risks.ledger import HAZARD_LIMIT, POINT_LIMIT, Ledger

if TYPE_CHECKING:
    from openpyxl import Workbook

POINT_HEADS = [
    "序号",
    "所在网格",
    "风险点名称",
    "风险类型",
    "风险等级",
    "风险值",
    "分级方法",
    "评估依据",
    "人工调整理由",
    "责任单位",
    "管控责任人",
    "巡查人",
    "管控措施",
    "复评日期",
    "最近巡查",
    "本年巡查次数",
    "本年发现隐患",
]
POINT_WIDTHS = [6, 14, 22, 12, 14, 9, 12, 26, 20, 16, 12, 12, 40, 12, 17, 10, 10]
HAZARD_HEADS = [
    "序号",
    "隐患编号",
    "所在网格",
    "隐患标题",
    "隐患等级",
    "状态",
    "发现时间",
    "整改时限",
    "来源风险点",
]
HAZARD_WIDTHS = [6, 20, 14, 32, 10, 10, 17, 17, 22]


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _person(person) -> str:
    return person.name if person else ""


def workbook(ledger: Ledger) -> "Workbook":
    from openpyxl import Workbook

    book = Workbook()
    cell = ledger.cell
    unit = _("填报单位：%(n)s（%(c)s）") % {"n": cell.name, "c": cell.code}
    today = timezone.localdate().isoformat()

    sheet = book.active
    sheet.title = _("风险台账")
    form = Form(sheet, _("%(n)s风险台账") % {"n": cell.name}, POINT_WIDTHS)
    form.meta(unit, _("截至 %(d)s") % {"d": today})
    form.header([(h, []) for h in POINT_HEADS])
    for n, row in enumerate(ledger.points, start=1):
        p = row.point
        form.line(
            [
                n,
                p.cell.name,
                p.name,
                p.kind.name,
                str(p.get_grade_display()),
                float(p.score),
                str(p.get_method_display()),
                explain(p.method, p.inputs, p.score),
                p.override_reason,
                p.responsible_unit,
                _person(p.responsible),
                _person(p.patroller),
                "\n".join(row.control),
                p.review_on.isoformat() if p.review_on else "",
                _when(p.last_patrol_at),
                row.patrols,
                row.hazards,
            ],
            formats={6: "0.##"},
        )
    notes = [
        _(
            "说明：在管控中的风险点 %(n)s 处；本年巡查次数为 %(y)s 年按时和超时完成的巡查，"
            "不含漏巡。"
        )
        % {"n": len(ledger.points), "y": ledger.year}
    ]
    if ledger.points_cut:
        notes.append(
            _("风险点超过 %(n)s 处，只列出前 %(n)s 处，请按下级网格分别导出。") % {"n": POINT_LIMIT}
        )
    form.note("\n".join(notes))
    form.signatures(today)

    sheet = book.create_sheet(_("隐患台账"))
    form = Form(sheet, _("%(n)s隐患台账") % {"n": cell.name}, HAZARD_WIDTHS)
    form.meta(unit, _("%(y)s 年发现及尚未销号的隐患") % {"y": ledger.year})
    form.header([(h, []) for h in HAZARD_HEADS])
    for n, h in enumerate(ledger.hazards, start=1):
        form.line(
            [
                n,
                h["number"],
                h["cell_name"],
                h["title"],
                h["grade"],
                h["status"],
                _when(h["found_at"]),
                _when(h["deadline"]),
                h["point"],
            ]
        )
    note = _("说明：隐患 %(n)s 条。") % {"n": len(ledger.hazards)}
    if ledger.hazards_cut:
        note += _("超过 %(n)s 条，只列出前 %(n)s 条，请按下级网格分别导出。") % {"n": HAZARD_LIMIT}
    form.note(note)
    form.signatures(today)
    return book
