"""Counts over subtrees, each one range scan whatever the size of the tree."""

from django.db.models import Count, Value
from django.db.models.functions import StrIndex, Substr

from qianshao.grid import tree
from qianshao.grid.models import Cell, CellKind, Role, RoleAssignment


def subtree_counts(cell: Cell) -> dict:
    """Cells below ``cell`` by kind, and active people and roles in its subtree."""
    by_kind = dict(
        Cell.objects.subtree(cell.path)
        .exclude(pk=cell.pk)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
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
    cells = (
        Cell.objects.subtree(cell.path)
        .exclude(pk=cell.pk)
        .annotate(child=child_code("path", cell.path))
        .values_list("child")
        .annotate(n=Count("id"))
        .order_by()
    )
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
