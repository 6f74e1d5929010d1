"""Counts over subtrees: cells from the grid's cell counts (``tallies.CELLS``), people by
one range scan whatever the size of the tree."""

from collections import Counter

from django.db.models import Count, Value
from django.db.models.functions import StrIndex, Substr

from qianshao.grid import tallies, tree
from qianshao.grid.models import Cell, CellKind, Role, RoleAssignment


def subtree_counts(cell: Cell) -> dict:
    """Cells below ``cell`` by kind, and active people and roles in its subtree."""
    below = Counter(tallies.cells_by_kind(cell.path))
    below[cell.kind] -= 1  # not itself
    by_kind = {kind: n for kind, n in below.items() if n > 0}
    active = RoleAssignment.objects.active().filter(tree.subtree_q(cell.path, "cell__path"))
    by_role = dict(active.values_list("role").annotate(n=Count("id")).order_by())
    return {
        "cells": sum(by_kind.values()),
        "by_kind": {kind: by_kind.get(kind, 0) for kind in CellKind.values if kind in by_kind},
        "people": active.values("person").distinct().count(),
        "by_role": {role: by_role.get(role, 0) for role in Role.values},
    }


def child_code(field: str, parent_path: str):
    """The code of the child of ``parent_path`` that a descendant's path runs through."""
    rest = Substr(field, len(parent_path) + 1)
    return Substr(rest, 1, StrIndex(rest, Value(tree.SEPARATOR)) - Value(1))


def child_counts(cell: Cell) -> dict[str, dict]:
    """Per child of ``cell``: cells below it and active people in its subtree, by child code."""
    children = dict(Cell.objects.filter(parent=cell).values_list("path", "code"))
    cells = [
        (children[path], sum(by_kind.values()))
        for path, by_kind in tallies.cells_by_kind_many(list(children)).items()
    ]
    people = (
        RoleAssignment.objects.active()
        .filter(tree.subtree_q(cell.path, "cell__path"))
        .exclude(cell=cell)
        .annotate(child=child_code("cell__path", cell.path))
        .values_list("child")
        .annotate(n=Count("person", distinct=True))
        .order_by()
    )
    result: dict[str, dict] = {}
    for code, n in cells:
        result.setdefault(code, {"cells": 0, "people": 0})["cells"] = n - 1
    for code, n in people:
        result.setdefault(code, {"cells": 0, "people": 0})["people"] = n
    return result
