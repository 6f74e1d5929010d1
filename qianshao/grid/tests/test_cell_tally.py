"""The grid's cell counts (grid.tallies.CELLS): kept by create_cells and move_cell for every
ancestor path, equal to a recount. The migration that counts the cells already there is
walked in qianshao/tests/test_migrations_data.py."""

from qianshao.grid import actions, stats, tallies
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Tally


def add_cells(*rows) -> None:
    actions.create_cells(None, [CellRow(*row) for row in rows], source="test")


def counted_below(cell: Cell) -> dict[str, int]:
    """Cells in the subtree by kind, counted from the cells themselves."""
    found: dict[str, int] = {}
    for kind in Cell.objects.subtree(cell.path).values_list("kind", flat=True):
        found[kind] = found.get(kind, 0) + 1
    return found


def test_created_cells_are_counted_under_every_ancestor(cast):
    add_cells(
        ("450901100203", "新村", CellKind.VILLAGE, "450901100"),
        ("450901100203001", "一组", CellKind.GROUP, "450901100203"),
    )
    county = Cell.objects.get(code="450901")
    assert tallies.cells_by_kind(county.path) == {
        CellKind.COUNTY: 1,
        CellKind.TOWNSHIP: 2,
        CellKind.VILLAGE: 4,
        CellKind.GROUP: 1,
    }
    for cell in Cell.objects.all():
        assert tallies.cells_by_kind(cell.path) == counted_below(cell), cell.code
    assert tallies.CELLS.matches()


def test_a_moved_subtree_takes_its_counts_along(cast):
    add_cells(("4599", "某市", CellKind.CITY, None), ("459901", "某县", CellKind.COUNTY, "4599"))
    actions.move_cell(cast.users["admin"], cast.township, Cell.objects.get(code="459901"))

    assert tallies.cells_by_kind(Cell.objects.get(code="450901").path) == {
        CellKind.COUNTY: 1,
        CellKind.TOWNSHIP: 1,
        CellKind.VILLAGE: 1,
    }
    assert tallies.cells_by_kind(Cell.objects.get(code="4599").path) == {
        CellKind.CITY: 1,
        CellKind.COUNTY: 1,
        CellKind.TOWNSHIP: 1,
        CellKind.VILLAGE: 2,
    }
    assert not Tally.objects.filter(path__startswith="450901.450901100.").exists()
    assert tallies.CELLS.matches()


def test_subtree_and_child_counts_read_the_tallies_as_the_cells_are(cast):
    county = cast.county
    assert stats.subtree_counts(county)["by_kind"] == {CellKind.TOWNSHIP: 2, CellKind.VILLAGE: 3}
    assert stats.subtree_counts(county)["cells"] == 5
    children = stats.child_counts(county)
    assert {code: c["cells"] for code, c in children.items()} == {
        "450901100": 2,
        "450901101": 1,
    }
    assert stats.subtree_counts(cast.village)["cells"] == 0


def test_cells_created_under_several_cells_already_there_count_once_each(cast):
    """New cells under a county and under one of its townships at once, the county itself
    under a city: each ancestor counts each new cell once."""
    add_cells(
        ("4599", "某市", CellKind.CITY, None),
        ("459901", "某县", CellKind.COUNTY, "4599"),
        ("459901100", "某镇", CellKind.TOWNSHIP, "459901"),
    )
    add_cells(
        ("459901100201", "新村", CellKind.VILLAGE, "459901100"),
        ("459901101", "丁镇", CellKind.TOWNSHIP, "459901"),
        ("459901101201", "丁村", CellKind.VILLAGE, "459901101"),
    )
    assert tallies.cells_by_kind("4599.") == {
        CellKind.CITY: 1,
        CellKind.COUNTY: 1,
        CellKind.TOWNSHIP: 2,
        CellKind.VILLAGE: 2,
    }
    assert tallies.CELLS.matches()


def test_a_deep_import_in_any_parents_first_order_counts_and_links_each_cell(cast):
    """Four new levels under a township already there, rows interleaved (each parent before
    its children, not level by level): every counter equals a recount, and the ids returned
    are those written, each child under its parent's."""
    rows = [("450901100203", "新村", CellKind.VILLAGE, "450901100")]
    for g in range(1, 4):
        group = f"450901100203{g:03d}"
        rows.append((group, f"{g}组", CellKind.GROUP, "450901100203"))
    rows.insert(2, ("450901100204", "后村", CellKind.VILLAGE, "450901100"))
    rows.append(("450901100204001", "后村一组", CellKind.GROUP, "450901100204"))
    ids = actions.create_cells(None, [CellRow(*row) for row in rows], source="test")

    written = dict(Cell.objects.filter(code__in=ids).values_list("code", "id"))
    assert ids == written
    for code, _name, _kind, parent in rows:
        assert Cell.objects.get(code=code).parent.code == parent
    for cell in Cell.objects.all():
        assert tallies.cells_by_kind(cell.path) == counted_below(cell), cell.code
    assert tallies.CELLS.matches()
