"""The receivers of the resources area, one module per part (imported at start by apps), and
the frame's own: the tallies follow a moved cell (``tally.move``), every part's figures at
once, and then the moved cells' norms are applied again; each part's receiver moves its
records' paths."""

from django.dispatch import receiver

from qianshao.grid.signals import cell_moved
from qianshao.resources import (  # noqa: F401
    counts_forces,
    signals_forces,
    signals_kits,
    signals_shelters,
    signals_supplies,
    tally,
)


@receiver(cell_moved)
def tallies_follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    tally.move(old_path, new_path)
    # then the cells that moved are judged by the norms where they now lie
    counts_forces.norms_follow_moved_cell(old_path, new_path)
