"""Receivers of the supplies part. Importing the ledger here registers how its figures are
recounted (``tally.recounts``) at start.

Supplies follow their cells: when a cell moves, the paths kept on points, batches,
movements, transfers, requisitions and reserves move with it, and so do the supplies'
counters — the moved subtree's rows renamed, the old and new ancestors' corrected (as
hazards/signals.py does for its own). Only this part's figures: each part moves its own.
"""

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.lib.dbsql import add_to_counters
from qianshao.resources import ledger_supplies
from qianshao.resources.models import (
    Agreement,
    Batch,
    Capacity,
    Movement,
    Point,
    Requisition,
    Tally,
    Transfer,
)

FIGURES = [
    ledger_supplies.POINTS,
    ledger_supplies.BATCHES,
    ledger_supplies.SHORT,
    ledger_supplies.IN_TRANSIT,
]
PATHS = [
    (Point, "cell_path"),
    (Batch, "point_path"),
    (Requisition, "point_path"),
    (Transfer, "source_path"),
    (Transfer, "destination_path"),
    (Agreement, "cell_path"),
    (Capacity, "cell_path"),
]


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
    for model, field in PATHS:
        rewrite(model.objects.all(), field)
    rewrite(Movement._base_manager.all(), "point_path")  # the card's heads keep their place
    # the tallies' path has no byte order of its own (the frame's table): matched by prefix
    Tally.objects.filter(figure__in=FIGURES, path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    old_above, new_above = set(tree.ancestor_paths(old_path)), set(tree.ancestor_paths(new_path))
    rows = [(p, f, k, -n) for p in old_above - new_above for f, k, n in totals]
    rows += [(p, f, k, n) for p in new_above - old_above for f, k, n in totals]
    add_to_counters(connection, Tally._meta.db_table, ["path", "figure", "key"], rows)
