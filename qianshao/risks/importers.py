"""Importing risk points (风险普查 results) from a table (.xlsx or .csv with a header row)
or a GeoJSON FeatureCollection (the same columns as each feature's properties, its geometry
a Point or a Polygon).

Every problem of every row (or feature) is found first and told by row and column
(``lib.tabular.RowError``; a feature's "row" is its place in ``features``, counted from 1):
the cell known, in the import's cell and managed by the importer, the kind known, the
grading inputs in their tables, the geometry inside the cell's county, a name not already
used in its cell (by a point in force or another row). Nothing is written unless there is
no problem; then every point is registered through ``actions_points.create_point``, all in
one transaction. A file is refused whole above ``MAX_BYTES`` or ``MAX_ROWS`` rows.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.grid import tree
from qianshao.grid.models import Cell
from qianshao.lib.errors import ActionError
from qianshao.lib.schemas import FIRST_YEAR, LAST_YEAR
from qianshao.lib.tabular import ImportFailed, RowError, TableError, read_table
from qianshao.lib.text import clean_text, unstorable
from qianshao.risks import actions_points, grading, permissions
from qianshao.risks.models import Grade, Method, RiskKind, RiskPoint, RiskStatus

if TYPE_CHECKING:
    from openpyxl import Workbook

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024

CELL, NAME, KIND = "所在网格编码", "风险点名称", "风险类型"
LON, LAT, GEOMETRY = "经度", "纬度", "位置（GeoJSON）"
GRADE, REASON = "人工等级", "理由"
LIKELIHOOD, SEVERITY = "可能性", "严重性"
REQUIRED = [CELL, NAME, KIND]
# the action's text fields → their columns
TEXT_COLUMNS = {
    "name": NAME,
    "address": "位置描述",
    "industry": "行业",
    "responsible_unit": "责任单位",
    "control_measures": "管控措施",
    "emergency_measures": "应急措施",
}
NUMBER_COLUMNS = {"exposed_people": "影响人数", "exposed_households": "影响户数"}
REVIEW = "复评日期"
# every column the template holds, in its order
COLUMNS = [
    CELL,
    NAME,
    KIND,
    LON,
    LAT,
    GEOMETRY,
    "位置描述",
    "行业",
    "影响人数",
    "影响户数",
    "责任单位",
    "管控措施",
    "应急措施",
    REVIEW,
    "L",
    "E",
    "C",
    LIKELIHOOD,
    SEVERITY,
    GRADE,
    REASON,
]
# a refusal's field (the action's name) → the column it is about
FIELD_COLUMNS = (
    {name: column for name, column in TEXT_COLUMNS.items()}
    | NUMBER_COLUMNS
    | {
        "review_on": REVIEW,
        "inputs.L": "L",
        "inputs.E": "E",
        "inputs.C": "C",
        "inputs.likelihood": LIKELIHOOD,
        "inputs.severity": SEVERITY,
        "inputs": "L",
        "grade": GRADE,
        "override_reason": REASON,
        "cell": CELL,
        "kind": KIND,
    }
)
GRADE_WORDS = {
    Grade.RED: ("红", "红色", "重大", "重大风险", "red"),
    Grade.ORANGE: ("橙", "橙色", "较大", "较大风险", "orange"),
    Grade.YELLOW: ("黄", "黄色", "一般", "一般风险", "yellow"),
    Grade.BLUE: ("蓝", "蓝色", "低", "低风险", "blue"),
}
GRADES = {word: grade for grade, words in GRADE_WORDS.items() for word in words}


class FeatureError(RowError):
    """A problem of one feature of a GeoJSON file (``row``: its place, from 1)."""

    def __str__(self) -> str:
        if not self.row:
            return f"{self.file}：{self.reason}"
        return _("%(f)s 第 %(n)s 个要素 %(c)s：%(r)s") % {
            "f": self.file,
            "n": self.row,
            "c": self.column,
            "r": self.reason,
        }


@dataclass
class Record:
    """One row or feature as read: its values by column, its geometry when a feature."""

    row: int
    values: dict[str, str]
    geometry: dict | None = None


@dataclass
class Planned:
    """One point to register: the arguments of ``create_point``."""

    row: int
    cell: Cell
    kind: RiskKind
    geometry: dict
    inputs: dict
    grade: str | None
    override_reason: str
    fields: dict = field(default_factory=dict)


def _text(value) -> str:
    """A property's value as a cell's text (numbers as written, a whole float as an int)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _read(source, filename: str) -> tuple[list[Record], type[RowError]]:
    """The records of the file, and the kind of error that names their place."""
    data = source if isinstance(source, bytes) else source.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        reason = _("文件超过 %(m)s MB，请拆分后分批导入") % {"m": MAX_BYTES // (1024 * 1024)}
        raise ImportFailed([RowError(filename, 0, "", reason)])
    if filename.lower().endswith((".geojson", ".json")):
        return _features(data, filename), FeatureError
    try:
        headers, rows = read_table(data, filename, MAX_ROWS)
    except TableError as exc:
        raise ImportFailed([RowError(filename, 0, "", str(exc))]) from None
    missing = [h for h in REQUIRED if h not in headers]
    if not missing and GEOMETRY not in headers and not {LON, LAT} <= set(headers):
        missing = [LON, LAT]
    if missing:
        reason = _("缺少列：%(c)s") % {"c": "、".join(missing)}
        raise ImportFailed([RowError(filename, 1, "、".join(missing), reason)])
    return [Record(number, values) for number, values in rows], RowError


def _features(data: bytes, filename: str) -> list[Record]:
    def whole(reason):
        return ImportFailed([FeatureError(filename, 0, "", reason)])

    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise whole(_("不是有效的 GeoJSON（UTF-8 编码的 JSON）")) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise whole(_("须为 GeoJSON FeatureCollection"))
    features = document.get("features")
    if not isinstance(features, list):
        raise whole(_("FeatureCollection 缺少 features 列表"))
    if len(features) > MAX_ROWS:
        raise whole(_("文件超过 %(n)s 个要素，请拆分后分批导入") % {"n": MAX_ROWS})
    records = []
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            records.append(Record(n, {}, {"_not_a_feature": True}))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        values = {str(k).strip(): _text(v) for k, v in properties.items()}
        values.pop(GEOMETRY, None)  # the feature's own geometry is its place
        geometry = feature.get("geometry")
        # a geometry that is not an object (a list, a string) is refused by the check, named
        records.append(Record(n, values, geometry if isinstance(geometry, dict) else {}))
    return records


def _stored_name(text: str) -> str:
    """A name as ``create_point`` stores it ("" when it would refuse it)."""
    try:
        return clean_text(text, NAME, limit=100)
    except ActionError:
        return ""


def _kinds() -> dict[str, RiskKind]:
    kinds = {}
    for kind in RiskKind.objects.all():
        kinds[kind.name] = kind
        kinds[kind.code] = kind
        kinds[kind.code.lower()] = kind
    return kinds


def _number(text: str):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _count(text: str):
    value = _number(text)
    if value is None or not value.is_integer():
        return None
    return int(value)


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            found = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        return found if FIRST_YEAR <= found.year <= LAST_YEAR else None
    return None


def _place(record: Record) -> tuple[dict | None, str, str | None]:
    """The record's geometry, the column a refusal of it names, and what is wrong first."""
    if record.geometry is not None:
        return record.geometry, "geometry", None
    text = record.values.get(GEOMETRY, "").strip()
    if text:
        return text, GEOMETRY, None
    lon_text, lat_text = record.values.get(LON, "").strip(), record.values.get(LAT, "").strip()
    if not lon_text or not lat_text:
        column = LON if not lon_text else LAT
        return None, column, _("请填写经度、纬度，或位置（GeoJSON）")
    lon, lat = _number(lon_text), _number(lat_text)
    if lon is None:
        return None, LON, _("须为数字")
    if lat is None:
        return None, LAT, _("须为数字")
    return {"type": "Point", "coordinates": [lon, lat]}, f"{LON}、{LAT}", None


def _inputs(kind: RiskKind, values: dict[str, str]) -> dict:
    if kind.method == Method.MATRIX:
        return {"likelihood": values.get(LIKELIHOOD, ""), "severity": values.get(SEVERITY, "")}
    return {name: values.get(name, "") or None for name in grading.LEC_TABLES}


def _refusals(exc: ActionError, column: str | None = None) -> list[tuple[str, str]]:
    """Each problem of ``exc`` as (column, reason): ``column``, or the one of its field."""
    return [
        (column or FIELD_COLUMNS.get(e.field or "", e.field or ""), e.message) for e in exc.errors
    ]


def check(actor, source, filename: str, within: Cell | None = None) -> list[Planned]:
    """Every record as a ``Planned`` point, or ``ImportFailed`` with every problem of the
    file. ``within``: the cell whose subtree the rows must lie in (the import page's)."""
    records, Error = _read(source, filename)
    # what no column can keep (NUL, a lone surrogate) is refused by row before any query
    unkept = {
        r.row: [column for column, value in r.values.items() if unstorable(value)] for r in records
    }
    codes = {r.values.get(CELL, "").strip().upper() for r in records if not unkept[r.row]}
    cells = {c.code: c for c in Cell.objects.filter(code__in=codes)}
    kinds = _kinds()
    errors: list[RowError] = []
    planned: list[Planned] = []
    # names as they are stored (cleaned): a name with tags is the name without them
    names = {_stored_name(r.values.get(NAME, "")) for r in records if not unkept[r.row]}
    taken = set(
        RiskPoint.objects.filter(
            cell__in=cells.values(), status=RiskStatus.ACTIVE, name__in=names - {""}
        ).values_list("cell_id", "name")
    )
    for record in records:
        found: list[tuple[str, str]] = []
        if unkept[record.row]:
            errors += [
                Error(filename, record.row, column, _("含有无法保存的字符"))
                for column in unkept[record.row]
            ]
            continue

        if record.geometry is not None and record.geometry.get("_not_a_feature"):
            errors.append(Error(filename, record.row, "type", _("须为 GeoJSON Feature")))
            continue
        values = record.values
        code = values.get(CELL, "").strip().upper()
        cell = cells.get(code)
        if not code:
            found.append((CELL, _("不能为空")))
        elif cell is None:
            found.append((CELL, _("找不到该网格")))
        elif within is not None and not tree.is_within(cell.path, within.path):
            found.append((CELL, _("不在%(c)s之下") % {"c": within.name}))
            cell = None
        elif actor is not None and permissions.change_refusal(actor, cell.path):
            found.append((CELL, permissions.change_refusal(actor, cell.path)))
            cell = None
        kind_text = values.get(KIND, "").strip()
        kind = kinds.get(kind_text) or kinds.get(kind_text.lower())
        if not kind_text:
            found.append((KIND, _("不能为空")))
        elif kind is None:
            found.append((KIND, _("未知的风险类型（填写名称或代码）")))
        fields = {}
        for name, column in TEXT_COLUMNS.items():  # each checked, so each is named
            try:
                fields |= actions_points._texts({name: values.get(column, "")}, partial=True)
            except ActionError as exc:
                found += _refusals(exc, column)
        for name, column in NUMBER_COLUMNS.items():
            text = values.get(column, "").strip()
            if text:
                number = _count(text)
                if number is None or not 0 <= number <= 10**7:
                    found.append((column, _("须为 0 至 10000000 的整数")))
                else:
                    fields[name] = number
        review = values.get(REVIEW, "").strip()
        if review:
            fields["review_on"] = _date(review)
            if fields["review_on"] is None:
                found.append((REVIEW, _("日期须写作 2026-01-31")))
        geometry, column, wrong = _place(record)
        if wrong:
            found.append((column, wrong))
        elif cell is not None:
            try:
                geometry = actions_points.located(geometry, cell, "geometry")[0]
            except ActionError as exc:
                found += _refusals(exc, column)
        grade_text = values.get(GRADE, "").strip()
        grade = GRADES.get(grade_text) or GRADES.get(grade_text.lower()) if grade_text else None
        if grade_text and grade is None:
            found.append((GRADE, _("须为 红、橙、黄、蓝 之一")))
        reason = values.get(REASON, "")
        inputs = {}
        if kind is not None:
            inputs = _inputs(kind, values)
            try:
                actions_points._graded(kind, inputs, grade, reason)
            except ActionError as exc:
                found += _refusals(exc)
        name = fields.get("name")
        if cell is not None and name:
            if (cell.pk, name) in taken:
                found.append((NAME, _("该网格已有同名风险点")))
            taken.add((cell.pk, name))
        errors += [Error(filename, record.row, column, reason) for column, reason in found]
        if not found:
            planned.append(Planned(record.row, cell, kind, geometry, inputs, grade, reason, fields))
    if not records:
        errors.append(Error(filename, 0, "", _("文件中没有数据行")))
    if errors:
        raise ImportFailed(errors)
    return planned


@transaction.atomic
def import_points(actor, source, filename: str, within: Cell | None = None) -> list[RiskPoint]:
    """Register every point of the file, or none (``ImportFailed`` naming each problem)."""
    planned = check(actor, source, filename, within)
    made = []
    for p in planned:
        try:
            made.append(
                actions_points.create_point(
                    actor,
                    cell=p.cell,
                    kind=p.kind,
                    geometry=p.geometry,
                    inputs=p.inputs,
                    grade=p.grade,
                    override_reason=p.override_reason,
                    **p.fields,
                )
            )
        except ActionError as exc:  # checked above; a row changed since is still named
            column = FIELD_COLUMNS.get(exc.field or "", exc.field or "")
            raise ImportFailed([RowError(filename, p.row, column, exc.message)]) from None
    return made


# --- the template --------------------------------------------------------------------------

NOTES = [
    (CELL, gettext_lazy("风险点所在网格的编码（必填），须在您管理的网格内")),
    (NAME, gettext_lazy("必填，不超过 100 个字；同一网格内不能重名")),
    (KIND, gettext_lazy("必填，填写风险类型的名称或代码，见“风险类型”工作表")),
    (LON, gettext_lazy("点位经度（如 106.1）；与纬度一起填写，或改填“位置（GeoJSON）”")),
    (LAT, gettext_lazy("点位纬度（如 24.1）")),
    (GEOMETRY, gettext_lazy("可选：Point 或 Polygon 的 GeoJSON 几何，填写后经纬度可不填")),
    ("影响人数", gettext_lazy("整数，可不填")),
    ("影响户数", gettext_lazy("整数，可不填")),
    (REVIEW, gettext_lazy("日期写作 2026-01-31，可不填")),
    (
        "L、E、C",
        gettext_lazy(
            "LEC 法的类型必填：L 取 10/6/3/1/0.5/0.2/0.1，E 取 10/6/3/2/1/0.5，C 取 100/40/15/7/3/1"
        ),
    ),
    (f"{LIKELIHOOD}、{SEVERITY}", gettext_lazy("风险矩阵法的类型必填：各取 1 至 5 的整数")),
    (
        GRADE,
        gettext_lazy("可不填（按计算等级）；填写 红、橙、黄、蓝 之一且与计算等级不同时须填写理由"),
    ),
    (REASON, gettext_lazy("人工调整等级的理由，不超过 200 个字")),
]


def template_workbook() -> "Workbook":
    """The import template: the first sheet (the one imported) holds the header only; the
    others explain the columns and list the kinds, and are never imported."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("风险点")
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = 14
    notes = book.create_sheet(_("填写说明"))
    notes.append([_("列"), _("说明")])
    notes.append(
        [
            "",
            _("在第一个工作表的表头下逐行填写；其他工作表不会被导入。有任何错误时不导入任何一行。"),
        ]
    )
    for column, note in NOTES:
        notes.append([column, str(note)])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90
    kinds = book.create_sheet(_("风险类型"))
    kinds.append([_("名称"), _("代码"), _("分级方法")])
    for kind in RiskKind.objects.order_by("group", "order", "id"):
        kinds.append([kind.name, kind.code, str(kind.get_method_display())])
    for letter, width in zip("ABC", (16, 16, 28), strict=True):
        kinds.column_dimensions[letter].width = width
    return book
