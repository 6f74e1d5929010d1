"""Receivers of the shelters part. Shelters, routes and households follow their cells: when
a cell moves, the paths kept on them move with it, and so do the shelters' counters under
the cell, the old and new ancestors' corrected (as disasters/signals.py does for its own).
Imported at start, which also registers the shelters' tally recounts (declared beside their
actions) before any ``tally.matches``."""

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.lib.dbsql import add_to_counters
from qianshao.resources import actions_shelters
from qianshao.resources.models import Household, Route, Shelter, Tally

FIGURES = actions_shelters.FIGURES


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    def rewrite(queryset, field):
        queryset.filter(tree.subtree_q(old_path, field)).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )

    totals = list(
        Tally.objects.filter(path=old_path, figure__in=FIGURES)
        .exclude(n=0)
        .values_list("figure", "key", "n")
    )
    for model in (Shelter, Route, Household):
        rewrite(model.objects.all(), "cell_path")
    rewrite(Tally.objects.filter(figure__in=FIGURES), "path")
    old_above, new_above = set(tree.ancestor_paths(old_path)), set(tree.ancestor_paths(new_path))
    rows = [(p, f, k, -n) for p in old_above - new_above for f, k, n in totals]
    rows += [(p, f, k, n) for p in new_above - old_above for f, k, n in totals]
    add_to_counters(connection, Tally._meta.db_table, ["path", "figure", "key"], rows)
