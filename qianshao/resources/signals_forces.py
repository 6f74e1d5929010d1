"""Receivers of the forces part. Importing the figures' recounts registers them with
``tally`` at start.

The forces follow their cells: when a cell moves, the paths kept on teams, certificates,
experts and social forces move with it (as disasters/signals.py does for its reports). The
tallies' own rows are the frame's to move (one receiver for every part's figures, in
``tally``'s module), not this part's.
"""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.resources import counts_forces  # noqa: F401
from qianshao.resources.models import Certificate, Expert, SocialForce, Team


@receiver(cell_moved)
def forces_follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    for model in (Team, Certificate, Expert, SocialForce):
        model.objects.filter(tree.subtree_q(old_path, "cell_path")).update(
            cell_path=Concat(Value(new_path), Substr("cell_path", len(old_path) + 1))
        )
