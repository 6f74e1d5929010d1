"""Reading administrative divisions in the CSV format of the admin-divisions dataset.

The directory holds provinces.csv (code, name), cities.csv (code, name, provinceCode),
areas.csv (code, name, cityCode, provinceCode) and streets.csv (code, name, areaCode,
provinceCode, cityCode). ``read_divisions`` returns the subtree under one province, city or
county as rows, parents first; every problem is collected and raised together.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from qianshao.grid.actions import create_cells
from qianshao.grid.models import Cell, CellKind
from qianshao.grid.names import village_names
from qianshao.lib.tabular import ImportFailed, RowError


@dataclass
class CellRow:
    code: str
    name: str
    kind: str
    parent_code: str | None
    extra: dict = field(default_factory=dict)


FILES = {
    "provinces": ("provinces.csv", ["code", "name"], None, CellKind.PROVINCE),
    "cities": ("cities.csv", ["code", "name", "provinceCode"], "provinceCode", CellKind.CITY),
    "areas": (
        "areas.csv",
        ["code", "name", "cityCode", "provinceCode"],
        "cityCode",
        CellKind.COUNTY,
    ),
    "streets": (
        "streets.csv",
        ["code", "name", "areaCode", "provinceCode", "cityCode"],
        "areaCode",
        CellKind.TOWNSHIP,
    ),
}
ROOT_LEVELS = {2: "provinces", 4: "cities", 6: "areas"}


def read_divisions(csv_dir: Path, root: str) -> list[CellRow]:
    """The division ``root`` and everything under it, parents before children."""
    errors: list[RowError] = []
    if len(root) not in ROOT_LEVELS or not root.isdigit():
        raise ImportFailed(
            [RowError("--root", 0, "root", _("应为省（2 位）、市（4 位）或县（6 位）代码"))]
        )
    tables = {key: _read(csv_dir, key, errors, root) for key in FILES}
    if errors:
        raise ImportFailed(errors)
    rows = [row for key in FILES for row in tables[key] if row.code.startswith(root)]
    known = {row.code for row in rows}
    for row in rows:
        if row.code != root and row.parent_code not in known:
            file, _cols, parent_col, _kind = FILES[_key_of(row.kind)]
            errors.append(
                RowError(
                    file,
                    row.extra["line"],
                    parent_col,
                    _("未知上级代码 %(c)s") % {"c": row.parent_code},
                )
            )
    if not any(r.code == root for r in rows):
        errors.append(
            RowError(
                FILES[ROOT_LEVELS[len(root)]][0], 0, "code", _("找不到代码 %(c)s") % {"c": root}
            )
        )
    if errors:
        raise ImportFailed(errors)
    for row in rows:
        row.extra = {"vintage": 2023, "line": row.extra["line"], "file": _file_of(row.kind)}
        if row.code == root:  # attached by the caller: under its parent if that exists
            row.extra["division_parent"] = row.parent_code
            row.parent_code = None
    return rows


def _file_of(kind: str) -> str:
    return FILES[_key_of(kind)][0]


def _key_of(kind: str) -> str:
    return next(key for key, spec in FILES.items() if spec[3] == kind)


def _read(csv_dir: Path, key: str, errors: list[RowError], root: str) -> list[CellRow]:
    """The rows of one file that lie under ``root`` (rows of other divisions are skipped
    unparsed: the national files are large), every problem among them collected."""
    file, columns, parent_col, kind = FILES[key]
    path = Path(csv_dir) / file
    if not path.is_file():
        errors.append(RowError(file, 0, "", _("文件不存在：%(p)s") % {"p": path}))
        return []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader([handle.readline()]), [])
        missing = [c for c in columns if c not in header]
        if missing:
            errors.append(RowError(file, 1, "、".join(missing), _("缺少列")))
            return []
        at = {name: header.index(name) for name in columns}
        rows, seen = [], {}
        for line, text in enumerate(handle, start=2):
            first = text.split(",", 1)[0].strip().strip('"')
            if first.isdigit() and not first.startswith(root) or not text.strip():
                continue
            values = next(csv.reader([text]))
            values += [""] * (len(header) - len(values))
            code, name = values[at["code"]].strip(), values[at["name"]].strip()
            if not code.isdigit():
                errors.append(RowError(file, line, "code", _("代码应为数字：%(c)s") % {"c": code}))
                continue
            if not name:
                errors.append(RowError(file, line, "name", _("名称为空")))
                continue
            if code in seen:
                errors.append(
                    RowError(
                        file,
                        line,
                        "code",
                        _("代码 %(c)s 与第 %(l)s 行重复") % {"c": code, "l": seen[code]},
                    )
                )
                continue
            seen[code] = line
            parent = values[at[parent_col]].strip() if parent_col else None
            rows.append(CellRow(code, name, kind, parent, {"line": line}))
    return rows


def generated_villages(townships: list[CellRow], per_township: int) -> list[CellRow]:
    """``per_township`` generated villages under each township, with 12-digit codes.

    Digits 10–12 follow the statistics bureau: 001–199 居委会 (communities, under 街道,
    whose own digits 7–9 are 001–099), 200–399 村委会 (villages).
    """
    if not 0 <= per_township <= 199:
        raise ValueError("villages per township must be between 0 and 199")
    rows = []
    for township in townships:
        street = int(township.code[-3:]) < 100
        names = village_names(township.code, per_township, communities=street)
        first = 1 if street else 201
        kind = CellKind.COMMUNITY if street else CellKind.VILLAGE
        for i, name in enumerate(names):
            rows.append(CellRow(f"{township.code}{first + i:03d}", name, kind, township.code))
    return rows


def import_divisions(csv_dir: Path, root: str, villages_per_township: int = 0, actor=None):
    """Read the subtree, add generated villages, create it all (one transaction, one audit).

    The root goes under its parent division when that is already in the grid. Returns the
    new cells' ids by code.
    """
    rows = read_divisions(csv_dir, root)
    root_row = next(r for r in rows if r.code == root)
    under = Cell.objects.filter(code=root_row.extra.get("division_parent") or "").first()
    townships = [r for r in rows if r.kind == CellKind.TOWNSHIP]
    rows += generated_villages(townships, villages_per_township)
    return create_cells(actor, rows, source=f"divisions:{root}", under=under)
