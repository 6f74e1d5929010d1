"""move_cell: a cell and its whole subtree go under a new parent; scope follows."""

import pytest

from qianshao.accounts.actions import create_login
from qianshao.audit.models import AuditRecord
from qianshao.grid import actions
from qianshao.grid.access import visible_cells
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Role
from qianshao.lib.errors import ActionError, NotAllowed
from qianshao.testing import PASSWORD, appoint


def tree_state() -> dict[str, tuple]:
    return {c.code: (c.path, c.level, c.parent_id) for c in Cell.objects.all()}


def written() -> tuple[dict, int]:
    return tree_state(), AuditRecord.objects.count()


def add_cells(*rows: tuple[str, str, str, str | None]) -> None:
    actions.create_cells(None, [CellRow(*row) for row in rows], source="test")


def user_of(cell: Cell, username: str):
    return create_login(None, appoint(cell, Role.DISPATCHER), username=username, password=PASSWORD)


def test_move_cell_rewrites_paths_and_levels_of_the_whole_subtree(cast):
    add_cells(
        ("4599", "某市", CellKind.CITY, None),
        ("459901", "某县", CellKind.COUNTY, "4599"),
        ("450901100201001", "一组", CellKind.GROUP, "450901100201"),
        ("4509011000", "丁镇", CellKind.TOWNSHIP, "450901"),  # its code extends 甲镇's
    )
    before = tree_state()
    seq = AuditRecord.objects.order_by("-seq").first().seq

    moved = actions.move_cell(cast.users["admin"], cast.township, Cell.objects.get(code="459901"))

    after = tree_state()
    assert (moved.path, moved.level) == ("4599.459901.450901100.", 3)
    expected = {
        "450901100": ("4599.459901.450901100.", 3),
        "450901100201": ("4599.459901.450901100.450901100201.", 4),
        "450901100202": ("4599.459901.450901100.450901100202.", 4),
        "450901100201001": ("4599.459901.450901100.450901100201.450901100201001.", 5),
    }
    assert {code: after[code][:2] for code in expected} == expected
    assert after["450901100"][2] == Cell.objects.get(code="459901").pk
    for code in after.keys() - expected.keys():  # 丁镇 and everything else stays put
        assert after[code] == before[code]
    assert set(Cell.objects.subtree(moved.path).values_list("code", flat=True)) == set(expected)
    [record] = AuditRecord.objects.filter(seq__gt=seq)
    assert record.action == "grid.move_cell"
    assert (record.before["path"], record.after["path"]) == (
        "450901.450901100.",
        "4599.459901.450901100.",
    )
    assert (record.before["level"], record.after["level"]) == (2, 3)


def test_move_cell_lets_scope_follow_the_village(cast, client_for):
    yi = cast.cell("450901101")
    yi_user = user_of(yi, "yi")

    actions.move_cell(cast.users["county"], cast.village, yi)

    village = cast.cell(cast.village.code)
    assert village.path == f"{yi.path}{village.code}."
    assert village.parent == yi
    assert visible_cells(yi_user).filter(code=village.code).exists()
    fresh = type(cast.users["township"]).objects.get(pk=cast.users["township"].pk)
    assert not visible_cells(fresh).filter(code=village.code).exists()
    assert client_for(yi_user).get(f"/grid/{village.code}/").status_code == 200
    assert client_for(cast.users["township"]).get(f"/grid/{village.code}/").status_code == 404


def test_the_new_townships_dispatcher_manages_a_moved_village(cast):
    yi_user = user_of(cast.cell("450901101"), "yi")
    actions.move_cell(cast.users["county"], cast.village, cast.cell("450901101"))
    person = actions.create_person(None, name="新人", phone="13600000001", cell=cast.village)

    village = cast.cell(cast.village.code)
    actions.assign_role(yi_user, person=person, cell=village, role=Role.MEMBER)
    with pytest.raises(NotAllowed):
        actions.assign_role(
            type(cast.users["township"]).objects.get(username="township"),
            person=person,
            cell=village,
            role=Role.INFORMANT,
        )


@pytest.mark.parametrize(
    ("code", "parent", "field"),
    [
        ("450901", "450902100", "cell"),  # a root
        ("450901100", "450901100201", "parent"),  # under its own descendant
        ("450901100", "450901100", "parent"),  # under itself
        ("450901100201", "450901100", "parent"),  # where it already is
        ("450901100201", "450901", "parent"),  # a village under a county
        ("450901101", "450901100201", "parent"),  # a township under a village
    ],
)
def test_move_cell_refuses_impossible_moves(cast, code, parent, field):
    before = written()

    with pytest.raises(ActionError) as refused:
        actions.move_cell(cast.users["admin"], cast.cell(code), cast.cell(parent))

    assert (refused.value.status, refused.value.field) == (400, field)
    assert written() == before


@pytest.mark.parametrize(
    ("actor", "code", "parent", "field"),
    [
        ("township", "450901100201", "450901101", "parent"),  # manages the village only
        ("yi", "450901100201", "450901101", "cell"),  # manages the new parent only
        ("township", "450901100", "450901", "cell"),  # its own township
        ("village", "450901100201", "450901100", "cell"),
        ("department", "450901100201", "450901101", "cell"),
        ("county", "450901100201", "450902100", "parent"),  # into another county
        ("outsider", "450902100201", "450901100", "parent"),
    ],
)
def test_move_cell_needs_management_of_both_sides(cast, actor, code, parent, field):
    users = dict(cast.users, yi=user_of(cast.cell("450901101"), "yi"))
    before = written()

    with pytest.raises(NotAllowed) as refused:
        actions.move_cell(users[actor], cast.cell(code), cast.cell(parent))

    assert (refused.value.status, refused.value.field) == (403, field)
    assert written() == before


def test_a_park_may_take_a_community_but_not_a_village(cast):
    add_cells(
        ("450901400", "工业园", CellKind.PARK, "450901"),
        ("450901100001", "城东社区", CellKind.COMMUNITY, "450901100"),
    )
    park = cast.cell("450901400")

    moved = actions.move_cell(cast.users["county"], cast.cell("450901100001"), park)
    assert moved.parent == park
    with pytest.raises(ActionError):
        actions.move_cell(cast.users["county"], cast.village, park)
