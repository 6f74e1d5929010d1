"""The resources of the demo county (凌云县), each part through its actions (issue 13's Demo
item): the forces and their norms, the kits of the duty holders, the storage points with their
stock, the shelters with routes and transfer lists. Called by ``qianshao.demo``."""

from qianshao.grid.models import Cell
from qianshao.resources import (
    demo_flow,
    demo_forces,
    demo_kits,
    demo_shelters,
    demo_supplies,
    tally,
)


def build(code: str) -> str:
    """Build the county's resources; returns what was built, in a few words."""
    county = Cell.objects.get(code=code)
    demo_forces.build(county)
    demo_kits.build(county)
    demo_supplies.build(county)
    demo_flow.build(county)  # kits bound to the catalogue, the village's point
    demo_shelters.build(county)
    figures = ("teams", "members", "kit_holders", "supplies_points", "shelters", "households")
    found = tally.read(county.path, *figures)
    teams, members, holders, points, shelters, households = (
        sum(found.get(f, {}).values()) for f in figures
    )
    return (
        f"{teams} teams of {members} members, {holders} kit holders, {points} storage points, "
        f"{shelters} shelters, {households} households on transfer lists"
    )
