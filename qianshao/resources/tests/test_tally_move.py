"""The tallies follow a moved cell (``tally.move``, one receiver for every part's figures):
a village with a team, its members and an expert moved to another township through the
grid's move action leaves the counters equal to a recount, and the readiness of the
township it left and of the one it joined both change."""

from datetime import date

import pytest

from qianshao.grid import actions as grid_actions
from qianshao.resources import actions_forces as actions
from qianshao.resources import counts_forces as counts
from qianshao.resources import readiness, sweep_forces, tally
from qianshao.resources.models import TeamKind

pytestmark = pytest.mark.django_db


def forces_line(county, code: str) -> tuple:
    """A township's forces in the county's readiness table: teams, members, cells meeting
    their norm, experts, experts overdue."""
    table = readiness.table(county)
    line = next(line for line in table.children if line.cell.code == code)
    row = line.forces
    return (
        row.teams,
        row.members,
        row.met_below,
        line.experts["experts"],
        line.experts["experts_overdue"],
    )


def test_the_forces_counters_follow_a_village_moved_to_another_township(cast):
    county_user = cast.users["county"]
    team = actions.create_team(
        county_user, cell=cast.village, name="先锋分队", kind=TeamKind.COMPREHENSIVE
    )
    for i in range(10):  # the village's norm: 10 members
        actions.add_member(county_user, team, name=f"队员{i}", phone=f"1391234{i:04d}")
    actions.create_expert(
        county_user,
        cell=cast.village,
        name="黄工",
        field="地质灾害",
        phone="0776-1234567",
        verified_on=date(2020, 1, 1),
    )
    sweep_forces.sweep()  # the expert is overdue
    jia, yi = cast.cell("450901100"), cast.cell("450901101")
    assert tally.read(jia.path, counts.EXPERTS_OVERDUE) == {counts.EXPERTS_OVERDUE: {"": 1}}
    jia_before, yi_before = forces_line(cast.county, jia.code), forces_line(cast.county, yi.code)
    assert jia_before[:3] == (1, 10, 1) and yi_before == (0, 0, 0, 0, 0)

    grid_actions.move_cell(cast.users["admin"], cast.village, yi)

    assert tally.matches()
    assert forces_line(cast.county, jia.code) == (0, 0, 0, jia_before[3] - 1, jia_before[4] - 1)
    assert forces_line(cast.county, yi.code) == (1, 10, 1, 1, 1)
    moved = cast.cell(cast.village.code)
    assert moved.path.startswith(yi.path)
    assert tally.read(moved.path, counts.TEAMS, counts.MEMBERS, counts.MET, counts.EXPERTS) == {
        counts.TEAMS: {TeamKind.COMPREHENSIVE: 1},
        counts.MEMBERS: {TeamKind.COMPREHENSIVE: 10},
        counts.MET: {moved.kind: 1},
        counts.EXPERTS: {"": 1},
    }
