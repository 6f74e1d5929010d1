"""Receivers of the shelters part. Shelters, routes and households follow their cells: when
a cell moves, the paths kept on them move with it (their counters move with every part's in
``tally.move``, the frame's receiver in signals.py).
Imported at start, which also registers the shelters' tally recounts (declared beside their
actions) before any ``tally.matches``."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.resources.models import Household, Route, Shelter


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    """The shelters', routes' and households' paths under the moved cell follow it (its
    tallies: ``tally.move``)."""
    for model in (Shelter, Route, Household):
        model.objects.filter(tree.subtree_q(old_path, "cell_path")).update(
            cell_path=Concat(Value(new_path), Substr("cell_path", len(old_path) + 1))
        )
