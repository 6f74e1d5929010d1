"""The forces part's figures (docs/adr/0023 "Roll-ups"): which norm applies to a cell, whether
the cell meets it, and how every figure is recounted from the rows (``tally.recounts``).

Figures, each on the record's cell path and every ancestor path:

- ``teams`` by team kind: teams not revoked;
- ``members`` by team kind: current memberships (not left) of teams not revoked — a person in
  two teams counts twice, as two memberships;
- ``met`` by cell kind: cells that meet their norm — one counted team at the cell itself with
  at least the norm's minimum of members (ADR 23's choice: teams do not add up);
- ``experts``, ``experts_overdue``: experts, and those not verified within 12 months (moved by
  the sweep's claimed steps and by 核实).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from qianshao.grid import tree
from qianshao.grid.models import Cell
from qianshao.resources import tally
from qianshao.resources.models import Expert, Member, Norm, Team, TeamStatus

TEAMS, MEMBERS, MET = "teams", "members", "met"
EXPERTS, EXPERTS_OVERDUE = "experts", "experts_overdue"


def year_before(day: date) -> date:
    """The same day a year earlier (28 February for a 29 February): an expert verified
    before it was not verified within 12 months."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Rule:
    """The norm that applies to one cell: the minimum and the team kinds counted."""

    minimum: int
    kinds: tuple[str, ...]


def all_norms() -> list[Norm]:
    """Every norm, with its subtree's path (a handful of rows: read once per action)."""
    return list(
        Norm.objects.select_related("within").only(
            "cell_kind", "minimum", "team_kinds", "within__path"
        )
    )


def rule_for(
    kind: str, path: str, norms: list[Norm] | None = None, *, undo: tuple[str, str] | None = None
) -> Rule | None:
    """The norm for a cell of ``kind`` at ``path``: the one of its kind whose subtree is the
    deepest holding it, else the kind's default (no ``within``); None when there is none.
    ``undo``: (new path, old path) of a cell just moved — the norms' subtrees as they were
    before it moved, for a ``path`` as it was."""
    best, depth = None, -1
    for norm in all_norms() if norms is None else norms:
        if norm.cell_kind != kind:
            continue
        within = norm.within.path if norm.within_id else ""
        if undo and within.startswith(undo[0]):
            within = undo[1] + within[len(undo[0]) :]
        if within and not tree.is_within(path, within):
            continue
        if len(within) > depth:
            best, depth = norm, len(within)
    if best is None:
        return None
    return Rule(best.minimum, tuple(best.counted_kinds()))


def norm_kinds(norms: list[Norm] | None = None) -> set[str]:
    """The cell kinds some norm applies to: the cells expected to meet one."""
    return {n.cell_kind for n in (all_norms() if norms is None else norms)}


def meets(cell: Cell, norms: list[Norm] | None = None) -> bool:
    """Does ``cell`` meet its norm now: one counted team at the cell itself with at least
    the minimum of members? (One indexed read on (cell_path, kind).)"""
    rule = rule_for(cell.kind, cell.path, norms)
    if rule is None:
        return False
    return (
        Team.objects.filter(cell_path=cell.path, kind__in=rule.kinds, members_n__gte=rule.minimum)
        .exclude(status=TeamStatus.REVOKED)
        .exists()
    )


def move_met(cell: Cell, before: bool) -> None:
    """Move ``met`` for ``cell`` when the action just done changed whether it meets its norm
    (``before``: whether it met it before). Called in the action's transaction, with the
    cell's row locked (``lock_cell``) so that two actions at one cell count once."""
    after = meets(cell)
    if after != before:
        tally.add(cell.path, MET, 1 if after else -1, key=cell.kind)


def lock_cell(cell_id: int) -> Cell:
    """Lock the cell's row for the action: actions on teams of one cell queue there, so each
    sees whether the cell met its norm before it."""
    return Cell.objects.select_for_update().only("id", "path", "kind").get(pk=cell_id)


def norms_follow_moved_cell(old_path: str, new_path: str) -> None:
    """A cell moved from ``old_path`` to ``new_path`` (its counters already moved with it):
    the cells under it that have teams are judged again by the norm where they now lie —
    a norm limited to a subtree may apply before the move and not after, or the reverse."""
    norms = all_norms()
    if not any(n.within_id for n in norms):
        return  # every norm applies everywhere: a move changes no cell's rule
    best: dict[str, dict[str, int]] = defaultdict(dict)
    teams = Team.objects.filter(tree.subtree_q(new_path, "cell_path")).exclude(
        status=TeamStatus.REVOKED
    )
    for path, kind, n in teams.values_list("cell_path", "kind", "members_n"):
        best[path][kind] = max(best[path].get(kind, 0), n)

    def met(kind: str, path: str, held: dict[str, int], undo=None) -> bool:
        rule = rule_for(kind, path, norms, undo=undo)
        return bool(rule) and any(held.get(k, 0) >= rule.minimum for k in rule.kinds)

    moves = []
    undo = (new_path, old_path)  # a norm within the moved subtree moved with it
    for path, cell_kind in Cell.objects.filter(path__in=list(best)).values_list("path", "kind"):
        before = met(cell_kind, old_path + path[len(new_path) :], best[path], undo)
        after = met(cell_kind, path, best[path])
        if before != after:
            moves.append((path, MET, cell_kind, 1 if after else -1))
    tally.add_many(moves)


@tally.recounts(TEAMS, MEMBERS, MET)
def recount_teams():
    """Teams and memberships by team kind, and the cells meeting their norm, from the rows."""
    norms = all_norms()
    best: dict[str, dict[str, int]] = defaultdict(dict)  # path -> {kind: most members}
    teams = Team.objects.exclude(status=TeamStatus.REVOKED)
    for path, kind, n in teams.values_list("cell_path", "kind", "members_n").iterator():
        yield TEAMS, path, kind, 1
        best[path][kind] = max(best[path].get(kind, 0), n)
    members = Member.objects.filter(left=None).exclude(team__status=TeamStatus.REVOKED)
    for path, kind in members.values_list("team__cell_path", "team__kind").iterator():
        yield MEMBERS, path, kind, 1
    cells = Cell.objects.filter(path__in=list(best)).values_list("path", "kind")
    for path, cell_kind in cells.iterator():
        rule = rule_for(cell_kind, path, norms)
        if rule and any(best[path].get(k, 0) >= rule.minimum for k in rule.kinds):
            yield MET, path, cell_kind, 1


@tally.recounts(EXPERTS, EXPERTS_OVERDUE)
def recount_experts():
    for path, overdue in Expert.objects.values_list("cell_path", "overdue").iterator():
        yield EXPERTS, path, "", 1
        if overdue:
            yield EXPERTS_OVERDUE, path, "", 1
