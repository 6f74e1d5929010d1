"""The supplies' ledgers as .xlsx (``lib.xlsx.Form``): a point's 物资台账 — its stock by item
and batch —, an item's stock card (库存卡) at a point, a cell's 物资台账 (every point under
it, bounded), and the blank templates of the catalogue and opening-stock imports."""

from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.lib.xlsx import Form
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources.importers_supplies import CATALOGUE_COLUMNS, SOURCES, STOCK_COLUMNS
from qianshao.resources.models import Batch, Item, Line, Point

if TYPE_CHECKING:
    from openpyxl import Workbook

CARD_LIMIT = 20000  # lines of one card in one workbook, newest kept


def _unit(form: Form, point: Point) -> None:
    form.meta(
        _("储备点：%(p)s（%(c)s）") % {"p": point.name, "c": point.cell.name},
        _("导出时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )


def ledger_workbook(point: Point) -> "Workbook":
    """物资台账: each batch that holds something, by item then expiry."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("物资台账")
    form = Form(sheet, _("应急物资台账"), [6, 12, 18, 8, 12, 14, 12, 12, 10, 12, 10, 16])
    _unit(form, point)
    form.header(
        [
            (_("序号"), []),
            (_("物资代码"), []),
            (_("物资名称"), []),
            (_("单位"), []),
            (_("批次"), []),
            (_("批号"), []),
            (_("结存"), []),
            (_("生产日期"), []),
            (_("有效期至"), []),
            (_("效期"), []),
            (_("来源"), []),
            (_("单价（元）"), []),
        ]
    )
    batches = (
        Batch.objects.filter(point=point, quantity__gt=0)
        .select_related("item")
        .order_by("item__code", "expires", "id")
    )
    for i, b in enumerate(batches, start=1):
        form.line(
            [
                i,
                b.item.code,
                b.item.name,
                b.item.unit,
                b.pk,
                b.lot,
                float(b.quantity),
                b.produced_on.isoformat() if b.produced_on else "",
                b.expires.isoformat() if b.expires else _("长期"),
                str(b.get_band_display()),
                str(b.get_source_display()),
                float(b.unit_price) if b.unit_price is not None else "",
            ]
        )
    form.signatures(timezone.localdate().isoformat())
    return book


def card_workbook(point: Point, item: Item) -> "Workbook":
    """库存卡: every line of ``item`` at ``point``, oldest first, with the balance after."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("库存卡")
    form = Form(
        sheet,
        _("库存卡：%(n)s（%(c)s，%(u)s）") % {"n": item.name, "c": item.code, "u": item.unit},
        [18, 12, 12, 14, 12, 12, 12, 24],
    )
    _unit(form, point)
    form.header(
        [
            (_("时间"), []),
            (_("业务"), []),
            (_("批次"), []),
            (_("批号"), []),
            (_("收入"), []),
            (_("发出"), []),
            (_("结存"), []),
            (_("用途/原因"), []),
        ]
    )
    newest = list(
        Line.objects.filter(point=point, item=item)
        .select_related("movement", "batch")
        .order_by("-id")[:CARD_LIMIT]
    )
    for line in reversed(newest):
        m = line.movement
        form.line(
            [
                timezone.localtime(m.at).strftime("%Y-%m-%d %H:%M"),
                str(m.get_kind_display()),
                line.batch_id,
                line.batch.lot,
                float(line.delta) if line.delta > 0 else "",
                float(-line.delta) if line.delta < 0 else "",
                float(line.holding_after),
                m.purpose or m.reason,
            ]
        )
    if len(newest) == CARD_LIMIT:
        form.note(_("仅列出最近 %(n)s 行") % {"n": ledger.plain(CARD_LIMIT)})
    form.signatures(timezone.localdate().isoformat())
    return book


# --- a cell's 物资台账 ------------------------------------------------------------------

CELL_LEDGER_LIMIT = 20000  # batches in one workbook; a larger county exports by township
CHUNK = 1000


def cell_ledger_workbook(cell) -> "Workbook":
    """物资台账 of every point under ``cell``: each batch that holds something, by point,
    item and expiry. The batches are read in chunks (``iterator``) and at most
    ``CELL_LEDGER_LIMIT`` are written; a note says so when more were left out."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("物资台账")
    form = Form(sheet, _("应急物资台账"), [6, 20, 12, 18, 8, 10, 14, 12, 12, 10, 10, 12])
    form.meta(
        _("网格：%(c)s（%(code)s）") % {"c": cell.name, "code": cell.code},
        _("导出时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )
    form.header(
        [
            (_("序号"), []),
            (_("储备点"), []),
            (_("物资代码"), []),
            (_("物资名称"), []),
            (_("单位"), []),
            (_("批次"), []),
            (_("批号"), []),
            (_("结存"), []),
            (_("有效期至"), []),
            (_("效期"), []),
            (_("来源"), []),
            (_("单价（元）"), []),
        ]
    )
    batches = (
        Batch.objects.filter(tree.subtree_q(cell.path, "point_path"), quantity__gt=0)
        .select_related("item", "point")
        .order_by("point_path", "point_id", "item_id", "expires", "id")[: CELL_LEDGER_LIMIT + 1]
    )
    n = 0
    for b in batches.iterator(chunk_size=CHUNK):
        n += 1
        if n > CELL_LEDGER_LIMIT:
            break
        form.line(
            [
                n,
                b.point.name,
                b.item.code,
                b.item.name,
                b.item.unit,
                b.pk,
                b.lot,
                float(b.quantity),
                b.expires.isoformat() if b.expires else _("长期"),
                str(b.get_band_display()),
                str(b.get_source_display()),
                float(b.unit_price) if b.unit_price is not None else "",
            ]
        )
    if n > CELL_LEDGER_LIMIT:
        form.note(
            _("仅列出前 %(n)s 个批次，请按乡镇（或储备点）分别导出")
            % {"n": ledger.plain(CELL_LEDGER_LIMIT)}
        )
    form.signatures(timezone.localdate().isoformat())
    return book


# --- import templates -------------------------------------------------------------------


def _template(title: str, columns: list[str], notes: list[tuple[str, str]], example) -> "Workbook":
    """An import template: the first sheet (the one imported) holds the header only; the
    "填写说明" sheet explains the columns and shows sample rows, which are never imported."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 14
    help_sheet = book.create_sheet(_("填写说明"))
    help_sheet.append([_("列"), _("说明")])
    help_sheet.append(["", _("在第一个工作表的表头下逐行填写；本工作表不会被导入。")])
    for column, text in notes:
        help_sheet.append([column, text])
    help_sheet.append([])
    help_sheet.append([_("示例（仅供参考，不会被导入）")])
    help_sheet.append(columns)
    for row in example:
        help_sheet.append(row)
    help_sheet.column_dimensions["A"].width = 14
    help_sheet.column_dimensions["B"].width = 60
    return book


def catalogue_template() -> "Workbook":
    """物资目录导入 template."""
    return _template(
        _("物资目录"),
        CATALOGUE_COLUMNS,
        [
            ("代码", _("分类 1、3 或 5 位（大类、中类、小类），物资 7 位（细类）；各级 99 为其他")),
            ("名称", _("不超过 64 个字")),
            ("计量单位", _("物资必填，如 kg、顶、箱；分类不填")),
            ("有保质期", _("是 或 否；不填为是")),
        ],
        [["19999", "其他基本生活物资", "", ""], ["1999904", "折叠床", "张", "否"]],
    )


def stock_template() -> "Workbook":
    """期初库存导入 template."""
    return _template(
        _("期初库存"),
        STOCK_COLUMNS,
        [
            ("物资代码", _("物资目录中的 7 位代码")),
            ("数量", _("大于零，最多三位小数")),
            ("计量单位", _("可不填；填写时须与目录一致")),
            ("有效期至", _("日期写作 2026-01-31；长期有效不填；已过期的不能入库")),
            ("生产日期", _("可不填；不能晚于今天")),
            ("来源", "、".join(SOURCES) + _("；不填为采购")),
            ("单价", _("元，可不填")),
            ("批号", _("可不填；同一物资的批号在文件中不能重复")),
            ("供货单位", _("可不填")),
        ],
        [
            [
                "1999901",
                "500",
                "kg",
                "2027-06-30",
                "2026-06-30",
                "采购",
                "4.50",
                "A-001",
                "某粮油公司",
            ]
        ],
    )
