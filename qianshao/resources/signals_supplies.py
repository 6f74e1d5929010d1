"""Receivers of the supplies part. Importing the ledger here registers how its figures are
recounted (``tally.recounts``) at start.

Supplies follow their cells: when a cell moves, the paths kept on points, batches,
movements, transfers, requisitions and reserves move with it (their counters move with every
part's in ``tally.move``, the frame's receiver in signals.py).
"""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.resources.models import (
    Agreement,
    Batch,
    Capacity,
    Movement,
    Point,
    Requisition,
    Transfer,
)

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

    for model, field in PATHS:
        rewrite(model.objects.all(), field)
    rewrite(Movement._base_manager.all(), "point_path")  # the card's heads keep their place
