"""create_cells: many cells in one transaction, all or nothing, every problem listed."""

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind
from qianshao.lib.errors import NotAllowed
from qianshao.lib.tabular import ImportFailed

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.0, 24.0], [106.1, 24.0], [106.1, 24.1], [106.0, 24.1], [106.0, 24.0]]],
}


def written() -> tuple[int, int]:
    return Cell.objects.count(), AuditRecord.objects.count()


def last_seq() -> int:
    return AuditRecord.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_create_cells_builds_a_tree_with_parents_resolved_across_levels(db):
    rows = [
        CellRow("45", "广西", CellKind.PROVINCE, None),
        CellRow("4510", "百色市", CellKind.CITY, "45"),
        CellRow("451027", "凌云县", CellKind.COUNTY, "4510"),
        CellRow(
            "451027100",
            "泗城镇",
            CellKind.TOWNSHIP,
            "451027",
            {"boundary": SQUARE, "population": 42000, "risks": "山洪\n滑坡", "vintage": 2023},
        ),
        CellRow("451027100201", "那洪村", CellKind.VILLAGE, "451027100"),
        CellRow("451027100001", "城东社区", CellKind.COMMUNITY, "451027100"),
        CellRow("451027100201001", "一组", CellKind.GROUP, "451027100201"),
    ]

    actions.create_cells(None, rows, source="test")

    cells = {c.code: c for c in Cell.objects.all()}
    assert set(cells) == {row.code for row in rows}
    for row in rows:
        cell = cells[row.code]
        parent = cells.get(row.parent_code)
        assert cell.parent == parent
        assert (cell.name, cell.kind) == (row.name, row.kind)
        assert cell.level == (parent.level + 1 if parent else 1)
        assert cell.path == (parent.path if parent else "") + row.code + "."
    assert cells["451027100201001"].path == "45.4510.451027.451027100.451027100201.451027100201001."
    township = cells["451027100"]
    assert (township.boundary, township.population, township.vintage) == (SQUARE, 42000, 2023)
    assert township.risk_list() == ["山洪", "滑坡"]
    assert set(Cell.objects.subtree(township.path).values_list("code", flat=True)) == {
        "451027100",
        "451027100201",
        "451027100001",
        "451027100201001",
    }


def test_create_cells_writes_one_audit_record_for_the_whole_batch(db):
    seq = last_seq()
    rows = [
        CellRow("451027", "凌云县", CellKind.COUNTY, None),
        CellRow("451027100", "泗城镇", CellKind.TOWNSHIP, "451027"),
        CellRow("451027101", "逻楼镇", CellKind.TOWNSHIP, "451027"),
    ]

    actions.create_cells(None, rows, source="divisions:451027")

    [record] = AuditRecord.objects.filter(seq__gt=seq)
    assert record.action == "grid.create_cells"
    assert record.after["source"] == "divisions:451027"
    assert record.after["count"] == 3
    assert record.after["by_kind"] == {"county": 1, "township": 2}


def test_create_cells_attaches_rows_to_parents_already_in_the_grid(cast):
    rows = [
        CellRow("450901100203", "三队村", CellKind.VILLAGE, "450901100"),
        CellRow("450901101202", "四队村", CellKind.VILLAGE, "450901101"),
    ]

    actions.create_cells(None, rows, source="test")

    for row in rows:
        cell = Cell.objects.get(code=row.code)
        parent = Cell.objects.get(code=row.parent_code)
        assert (cell.parent, cell.level, cell.path) == (parent, 3, f"{parent.path}{row.code}.")


def test_create_cells_puts_rows_without_a_parent_under_the_given_cell(cast):
    rows = [
        CellRow("450901102", "丁镇", CellKind.TOWNSHIP, None),
        CellRow("450901102201", "丁一村", CellKind.VILLAGE, "450901102"),
    ]

    actions.create_cells(cast.users["county"], rows, source="test", under=cast.county)

    township = Cell.objects.get(code="450901102")
    assert (township.parent, township.path) == (cast.county, "450901.450901102.")
    assert Cell.objects.get(code="450901102201").path == "450901.450901102.450901102201."


def test_create_cells_refuses_the_whole_batch_listing_every_problem(cast):
    rows = [
        CellRow("451027", "凌云县", CellKind.COUNTY, None),  # 1: fine
        CellRow("451027100", "泗城镇", CellKind.TOWNSHIP, "451027"),  # 2: fine
        CellRow("451027100", "泗城镇", CellKind.TOWNSHIP, "451027"),  # 3: repeated
        CellRow("450901100201", "一村", CellKind.VILLAGE, "451027100"),  # 4: already there
        CellRow("451027101201", "无主村", CellKind.VILLAGE, "451027101"),  # 5: unknown parent
        CellRow("451027-100", "坏码镇", CellKind.TOWNSHIP, "451027"),  # 6: invalid code
        CellRow("451027100202", "错级村", CellKind.VILLAGE, "451027"),  # 7: village under county
        CellRow("451027100203", "怪村", "hamlet", "451027100"),  # 8: unknown kind
        CellRow("451027102", "逻楼镇", CellKind.TOWNSHIP, "451027", {"line": 41}),  # 9: says line
        CellRow("451027102", "逻楼镇", CellKind.TOWNSHIP, "451027", {"line": 42}),
    ]
    before = written()

    with pytest.raises(ImportFailed) as refused:
        actions.create_cells(None, rows, source="test.csv")

    errors = refused.value.errors
    assert [(e.file, e.row) for e in errors] == [
        ("test.csv", 3),
        ("test.csv", 4),
        ("test.csv", 5),
        ("test.csv", 6),
        ("test.csv", 7),
        ("test.csv", 8),
        ("test.csv", 42),
    ]
    reasons = [e.reason for e in errors]
    assert "451027100" in reasons[0] and "重复" in reasons[0]
    assert "450901100201" in reasons[1] and "已存在" in reasons[1]
    assert "451027101" in reasons[2]
    assert "451027-100" in reasons[3]
    assert "县" in reasons[4] and "村" in reasons[4]
    assert "hamlet" in reasons[5]
    assert "451027102" in reasons[6]
    assert written() == before


def test_create_cells_refuses_roots_to_anyone_but_an_administrator(cast):
    rows = [CellRow("450903", "C县", CellKind.COUNTY, None)]
    before = written()

    with pytest.raises(NotAllowed):
        actions.create_cells(cast.users["county"], rows, source="test")
    assert written() == before

    actions.create_cells(cast.users["admin"], rows, source="test")
    assert Cell.objects.get(code="450903").level == 1


def test_create_cells_lets_a_township_add_villages_under_itself_only(cast):
    village = [CellRow("450901100209", "九村", CellKind.VILLAGE, None)]
    before = written()

    with pytest.raises(NotAllowed):
        actions.create_cells(
            cast.users["township"], village, source="test", under=cast.cell("450901101")
        )
    assert written() == before

    actions.create_cells(cast.users["township"], village, source="test", under=cast.township)
    assert Cell.objects.get(code="450901100209").parent == cast.township


def test_create_cells_refuses_rows_naming_a_parent_outside_the_actors_reach(cast):
    rows = [
        CellRow("450901100209", "九村", CellKind.VILLAGE, None),
        CellRow("450902100209", "外县村", CellKind.VILLAGE, "450902100"),
        CellRow("450999100209", "无此村", CellKind.VILLAGE, "450999100"),
    ]
    before = written()

    with pytest.raises(ImportFailed) as refused:
        actions.create_cells(cast.users["township"], rows, source="test", under=cast.township)

    outside, missing = refused.value.errors
    assert (outside.row, missing.row) == (2, 3)
    assert "450902100" in outside.reason
    # the same words as for a parent that does not exist: nothing leaks about other counties
    assert outside.reason.replace("450902100", "?") == missing.reason.replace("450999100", "?")
    assert written() == before


@pytest.mark.parametrize("code", ["451027100\n", "", "1" * 21, "４５１０２７", "451027 100"])
def test_create_cells_refuses_a_code_with_anything_but_its_alphabet(cast, code):
    before = written()

    with pytest.raises(ImportFailed) as refused:
        actions.create_cells(None, [CellRow(code, "坏码镇", CellKind.COUNTY, None)], source="x")

    [error] = refused.value.errors
    assert (error.row, error.column) == (1, "code") and "不合法" in error.reason
    assert written() == before
