"""Excel imports of the supplies (docs/adr/0023 "Excel"), through ``lib.tabular``: every row
checked first and every problem told by row and column (``RowError``); only a file without
any is written, in one transaction, through the actions.

- ``import_catalogue``: classes and items (代码, 名称, 计量单位, 有保质期): a code already in the
  catalogue or twice in the file, a code of the wrong length, an item whose classes are
  neither in the catalogue nor in the file, an item without a unit are refused.
- ``import_opening_stock``: a point's opening stock, each row a 入库 (物资代码, 数量, 计量单位,
  有效期至, 生产日期, 来源, 单价, 批号, 供货单位): an unknown catalogue code, a unit not the
  catalogue's, a bad quantity or date, a lot twice in the file are refused.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError
from qianshao.lib.tabular import ImportFailed, RowError, TableError, read_table
from qianshao.resources import actions_supplies as actions
from qianshao.resources import catalogue_supplies as catalogue
from qianshao.resources.models import Category, Item, Point, Source

MAX_ROWS = 20000
CATALOGUE_COLUMNS = ["代码", "名称", "计量单位", "有保质期"]
STOCK_COLUMNS = [
    "物资代码",
    "数量",
    "计量单位",
    "有效期至",
    "生产日期",
    "来源",
    "单价",
    "批号",
    "供货单位",
]
YES = {"是", "有", "1", "y", "yes", "true"}
NO = {"否", "无", "0", "n", "no", "false"}
SOURCES = {str(label): value for value, label in Source.choices if value != Source.REQUISITION}


def _read(source, filename: str, required: list[str]):
    try:
        headers, rows = read_table(source, filename, MAX_ROWS)
    except TableError as exc:
        raise ImportFailed([RowError(filename, 0, "", str(exc))]) from None
    missing = [c for c in required if c not in headers]
    if missing:
        reason = _("缺少列：%(c)s") % {"c": "、".join(missing)}
        raise ImportFailed([RowError(filename, 1, "", reason)])
    return rows


# --- the catalogue ----------------------------------------------------------------------


@dataclass
class CatalogueRow:
    code: str
    name: str
    unit: str
    expires: bool


def import_catalogue(actor, source, filename: str) -> tuple[int, int]:
    """Classes and items from a table; returns (classes, items) added."""
    rows = _read(source, filename, ["代码", "名称"])
    errors, found = [], []
    seen: dict[str, int] = {}
    known = set(Category.objects.values_list("code", flat=True))
    known_items = set(Item.objects.values_list("code", flat=True))
    codes_in_file = {r.get("代码", "").strip() for _n, r in rows}
    for number, row in rows:
        code, name = row.get("代码", "").strip(), row.get("名称", "").strip()
        unit = row.get("计量单位", "").strip()
        flag = row.get("有保质期", "").strip().lower()

        def err(column, reason, number=number):
            errors.append(RowError(filename, number, column, reason))

        if code in seen:
            err("代码", _("与第 %(n)s 行重复") % {"n": seen[code]})
            continue
        seen[code] = number
        if len(code) == catalogue.ITEM_LENGTH and (code.isascii() and code.isdigit()):
            if code in known_items:
                err("代码", _("物资代码 %(c)s 已在目录中") % {"c": code})
            for prefix in (code[:1], code[:3], code[:5]):
                if prefix not in known and prefix not in codes_in_file:
                    err("代码", _("目录和文件中都没有分类 %(p)s") % {"p": prefix})
                    break
            if not unit:
                err("计量单位", _("物资须填写计量单位"))
            elif len(unit) > catalogue.UNIT_MAX:
                err("计量单位", _("不能超过 %(n)s 个字") % {"n": catalogue.UNIT_MAX})
        else:
            problem = catalogue.category_errors(code)
            if problem:
                err("代码", problem)
            elif code in known:
                err("代码", _("分类代码 %(c)s 已在目录中") % {"c": code})
            elif len(code) > 1:
                parent = catalogue.parent_code(code)
                if parent not in known and parent not in codes_in_file:
                    err("代码", _("目录和文件中都没有上级分类 %(p)s") % {"p": parent})
        if not name:
            err("名称", _("不能为空"))
        elif len(name) > 64:
            err("名称", _("不能超过 %(n)s 个字") % {"n": 64})
        if flag and flag not in YES | NO:
            err("有保质期", _("请填写“是”或“否”"))
        found.append(CatalogueRow(code, name, unit, flag not in NO))
    if errors:
        raise ImportFailed(errors)
    added = [0, 0]
    with transaction.atomic():
        for r in sorted(found, key=lambda r: (len(r.code), r.code)):
            if len(r.code) == catalogue.ITEM_LENGTH:
                catalogue.add_item(actor, code=r.code, name=r.name, unit=r.unit, expires=r.expires)
                added[1] += 1
            else:
                catalogue.add_category(actor, code=r.code, name=r.name)
                added[0] += 1
    return added[0], added[1]


# --- opening stock ----------------------------------------------------------------------


@dataclass
class StockRow:
    number: int
    item: Item
    quantity: Decimal
    unit: str
    expires: date | None
    produced_on: date | None
    source: str
    unit_price: Decimal | None
    lot: str
    origin: str


def _date(text: str) -> date | None:
    if not text:
        return None
    return date.fromisoformat(text.replace("/", "-")[:10])


def import_opening_stock(actor, point: Point, source, filename: str) -> int:
    """A point's opening stock, each row received (入库) through the actions; returns the
    batches made. Nothing is written when any row is wrong."""
    actions.check_allowed(actor, point)
    rows = _read(source, filename, ["物资代码", "数量"])
    items = {i.code: i for i in Item.objects.all()}
    today = timezone.localdate()
    errors, found = [], []
    lots: dict[tuple[str, str], int] = {}
    for number, row in rows:
        problems = []

        def err(column, reason, problems=problems, number=number):
            problems.append(RowError(filename, number, column, reason))

        code = row.get("物资代码", "").strip()
        item = items.get(code)
        if item is None:
            err("物资代码", _("目录中没有物资代码 %(c)s") % {"c": code})
        unit = row.get("计量单位", "").strip()
        if item is not None and unit and unit != item.unit:
            err("计量单位", _("计量单位须为 %(u)s") % {"u": item.unit})
        try:
            quantity = actions.quantity_of(row.get("数量", ""))
        except ActionError as exc:
            quantity = None
            err("数量", exc.message)
        dates = {}
        for column in ["有效期至", "生产日期"]:
            try:
                dates[column] = _date(row.get(column, "").strip())
            except ValueError:
                err(column, _("日期格式应为 2026-01-31"))
        if not problems:
            try:
                actions.check_dates(dates["生产日期"], dates["有效期至"], today, item)
            except ActionError as exc:
                err({"expires": "有效期至", "produced_on": "生产日期"}[exc.field], exc.message)
        label = row.get("来源", "").strip() or str(Source.PURCHASE.label)
        if label not in SOURCES:
            err("来源", _("来源须为：%(s)s") % {"s": "、".join(SOURCES)})
        try:
            price = actions.money_of(row.get("单价", "").strip(), "unit_price")
        except ActionError as exc:
            price = None
            err("单价", exc.message)
        lot = row.get("批号", "").strip()
        if lot and (code, lot) in lots:
            err("批号", _("与第 %(n)s 行的批号重复") % {"n": lots[(code, lot)]})
        elif lot:
            lots[(code, lot)] = number
        if len(lot) > 40:
            err("批号", _("不能超过 %(n)s 个字") % {"n": 40})
        origin = row.get("供货单位", "").strip()
        if len(origin) > 100:
            err("供货单位", _("不能超过 %(n)s 个字") % {"n": 100})
        if problems:
            errors += problems
            continue
        found.append(
            StockRow(
                number,
                item,
                quantity,
                unit,
                dates["有效期至"],
                dates["生产日期"],
                SOURCES[label],
                price,
                lot,
                origin,
            )
        )
    if errors:
        raise ImportFailed(errors)
    with transaction.atomic():
        for r in found:
            actions.receive(
                actor,
                point,
                item=r.item,
                quantity=r.quantity,
                unit=r.unit or None,
                expires=r.expires,
                produced_on=r.produced_on,
                source=r.source,
                unit_price=r.unit_price,
                lot=r.lot,
                origin=r.origin,
                purpose=_("期初库存导入"),
            )
    return len(found)
