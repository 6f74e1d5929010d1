"""Importing shelters from a ledger (.xlsx or .csv laid out as ``xlsx_shelters``'s 避难场所台账):
every problem of every row found first, by row and column (``lib.tabular.RowError``), and
nothing written unless there is none; then each shelter registered through the action, all
in one transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from qianshao.grid.models import Cell
from qianshao.lib.errors import ActionError
from qianshao.lib.tabular import ImportFailed, RowError, TableError, read_table
from qianshao.resources import actions_shelters as actions
from qianshao.resources import permissions
from qianshao.resources.models import Shelter
from qianshao.resources.xlsx_shelters import CATEGORY_HEADS, FACILITY_HEADS

MAX_ROWS = 2000
REQUIRED = ["名称", "所在网格编码", "类别", "有效面积（平方米）"]
# the action's field → the ledger's column, to name the column of each refusal
COLUMNS = {
    "name": "名称",
    "address": "地址",
    "category": "类别",
    "area_m2": "有效面积（平方米）",
    "lon": "经度",
    "lat": "纬度",
    "manager_name": "管理人",
    "manager_phone": "值守电话",
}
CATEGORIES = {v: k for k, v in CATEGORY_HEADS.items()} | {
    "Ⅰ": "I",
    "Ⅱ": "II",
    "Ⅲ": "III",
    "I": "I",
    "II": "II",
    "III": "III",
    "I类": "I",
    "II类": "II",
    "III类": "III",
}
YES = {"有", "是", "√", "Y", "YES", "1"}
NO = {"", "无", "否", "×", "N", "NO", "0"}


def _number(text: str):
    text = text.strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text  # the action refuses it, naming the field


def _row_fields(values: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
    """The action's fields of one row, and the problems found before the action looks."""
    problems = []
    facilities = {}
    for field, head in FACILITY_HEADS.items():
        text = values.get(head, "").strip().upper()
        if text not in YES | NO:
            problems.append((head, _("请填写“有”或“无”")))
        facilities[field] = text in YES
    category = CATEGORIES.get(values.get("类别", "").strip(), values.get("类别", "").strip())
    fields = {
        "name": values.get("名称", ""),
        "category": category,
        "area_m2": values.get("有效面积（平方米）", "").strip(),
        "address": values.get("地址", ""),
        "lon": _number(values.get("经度", "")),
        "lat": _number(values.get("纬度", "")),
        "facilities": facilities,
        "manager_name": values.get("管理人", ""),
        "manager_phone": values.get("值守电话", ""),
    }
    return fields, problems


def check(actor, source, filename: str) -> list[tuple[Cell, dict]]:
    """Every row as ``(cell, fields)``, or ``ImportFailed`` with every problem of the file."""
    try:
        headers, rows = read_table(source, filename, MAX_ROWS)
    except TableError as exc:
        raise ImportFailed([RowError(filename, 0, "", str(exc))]) from None
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        reason = _("缺少列：%(c)s") % {"c": "、".join(missing)}
        raise ImportFailed([RowError(filename, 1, "、".join(missing), reason)])
    codes = {values.get("所在网格编码", "").strip().upper() for _n, values in rows}
    cells = {c.code: c for c in Cell.objects.filter(code__in=codes)}
    errors, planned = [], []
    for number, values in rows:
        if not any(v.strip() for v in values.values()):
            continue
        code = values.get("所在网格编码", "").strip().upper()
        cell = cells.get(code)
        if cell is None:
            errors.append(RowError(filename, number, "所在网格编码", _("找不到该网格")))
        elif actor is not None and permissions.change_refusal(actor, cell.path):
            reason = permissions.change_refusal(actor, cell.path)
            errors.append(RowError(filename, number, "所在网格编码", reason))
        fields, problems = _row_fields(values)
        errors += [RowError(filename, number, column, reason) for column, reason in problems]
        try:
            actions.shelter_fields(**fields)
        except ActionError as exc:
            for e in exc.errors:
                column = COLUMNS.get(e.field or "", e.field or "")
                errors.append(RowError(filename, number, column, e.message))
        planned.append((cell, fields))
    if not planned and not errors:
        errors.append(RowError(filename, 0, "", _("文件中没有数据行")))
    if errors:
        raise ImportFailed(errors)
    return planned


@transaction.atomic
def import_shelters(actor, source, filename: str) -> list[Shelter]:
    """Register every shelter of the file, or none (``ImportFailed`` naming each problem)."""
    planned = check(actor, source, filename)
    return [actions.create_shelter(actor, cell=cell, **fields) for cell, fields in planned]
