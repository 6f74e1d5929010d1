"""避难场所台账: the shelters of a cell's subtree as an .xlsx workbook laid out like the paper
ledger (``lib.xlsx.Form``). Its columns are those the import reads (``importers_shelters``),
plus the computed capacity and the status, so that a ledger filled in can be imported."""

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.xlsx import Form
from qianshao.resources.rule_shelters import per_person

if TYPE_CHECKING:
    from openpyxl import Workbook

YES, NO = "有", "无"
FACILITY_HEADS = {
    "water": "供水",
    "power": "供电",
    "toilets": "厕所",
    "medical": "医疗点",
    "signage": "标识标牌",
}
CATEGORY_HEADS = {"I": "Ⅰ类", "II": "Ⅱ类", "III": "Ⅲ类"}
HEADS = [
    "名称",
    "所在网格编码",
    "所在网格",
    "地址",
    "经度",
    "纬度",
    "类别",
    "有效面积（平方米）",
    "容纳人数",
    *FACILITY_HEADS.values(),
    "管理人",
    "值守电话",
    "状态",
]


def ledger_workbook(cell, shelters) -> "Workbook":
    """The ledger of ``shelters`` (those of ``cell``'s subtree, in path order)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("避难场所台账")
    widths = [24, 16, 14, 28, 11, 11, 8, 14, 10, 6, 6, 6, 8, 8, 10, 16, 8]
    form = Form(sheet, _("应急避难场所台账"), widths)
    today = timezone.localdate().isoformat()
    form.meta(_("填报单位：%(n)s（%(c)s）") % {"n": cell.name, "c": cell.code}, today)
    form.header([(h, []) for h in HEADS])
    total = 0
    for s in shelters:
        name, phone = s.contact()
        form.line(
            [
                s.name,
                s.cell.code,
                s.cell.name,
                s.address,
                s.lon,
                s.lat,
                CATEGORY_HEADS.get(s.category, s.category),
                float(s.area_m2),
                s.capacity,
                *[YES if getattr(s, f) else NO for f in FACILITY_HEADS],
                name,
                phone,
                s.get_status_display(),
            ],
            formats={8: "0.00", 9: "0"},
        )
        total += s.capacity
    form.note(
        _(
            "说明：容纳人数 = 有效面积 ÷ 人均有效面积（%(p)s 平方米），向下取整；"
            "合计可容纳 %(t)s 人。"
        )
        % {"p": per_person(), "t": total}
    )
    form.signatures(today)
    return book
