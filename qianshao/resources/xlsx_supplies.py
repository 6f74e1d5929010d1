"""The supplies' ledgers as .xlsx (``lib.xlsx.Form``): a point's 物资台账 — its stock by item
and batch — and an item's stock card (库存卡) at a point."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from qianshao.lib.xlsx import Form
from qianshao.resources import ledger_supplies as ledger
from qianshao.resources.models import Batch, Item, Line, Point

CARD_LIMIT = 20000  # lines of one card in one workbook, newest kept


def _unit(form: Form, point: Point) -> None:
    form.meta(
        _("储备点：%(p)s（%(c)s）") % {"p": point.name, "c": point.cell.name},
        _("导出时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
    )


def ledger_workbook(point: Point) -> Workbook:
    """物资台账: each batch that holds something, by item then expiry."""
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


def card_workbook(point: Point, item: Item) -> Workbook:
    """库存卡: every line of ``item`` at ``point``, oldest first, with the balance after."""
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
