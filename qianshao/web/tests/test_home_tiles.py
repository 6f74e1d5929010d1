"""The phone home's tiles lead only to pages with something for the user: 网格树 when their
cell has cells below it, 零报告 when they file one; every tile shown opens for them."""

import re

from django.urls import reverse

from qianshao.accounts.actions import create_login
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Role
from qianshao.testing import appoint

TILE_RE = re.compile(r'<a class="tile[^"]*" href="([^"]+)"')


def tiles(client) -> list[str]:
    """Where the home page's tiles lead."""
    return TILE_RE.findall(client.get("/").content.decode())


def enterprise_member(cast):
    """A member of an enterprise of 甲镇: a field post that files no zero report."""
    ids = actions.create_cells(
        None,
        [CellRow("450901100401", "甲镇化工厂", CellKind.ENTERPRISE, "450901100")],
        source="test",
    )
    person = appoint(Cell.objects.get(pk=ids["450901100401"]), Role.MEMBER, name="企业网格员")
    return create_login(None, person, username="enterprise", password="p" * 12)


def test_a_village_without_cells_below_gets_no_grid_tree_tile(cast, client_for):
    found = tiles(client_for(cast.users["village"]))
    assert reverse("tree") not in found
    assert reverse("zero") in found


def test_a_village_with_groups_below_gets_the_grid_tree_tile(cast, client_for):
    group = CellRow("450901100201001", "一组", CellKind.GROUP, "450901100201")
    actions.create_cells(None, [group], source="test")
    assert reverse("tree") in tiles(client_for(cast.users["village"]))


def test_an_enterprise_member_who_files_no_zero_report_gets_no_zero_report_tile(cast, client_for):
    found = tiles(client_for(enterprise_member(cast)))
    assert reverse("zero") not in found
    assert reverse("hazard-report") in found


def test_every_tile_a_field_member_is_shown_opens_for_them(cast, client_for):
    for user in [cast.users["village"], enterprise_member(cast)]:
        client = client_for(user)
        found = tiles(client)
        assert len(found) >= 9
        for href in found:
            assert client.get(href).status_code == 200, (user.username, href)
