"""The receivers of the risks area (imported at start by apps): risk points and patrols
follow a moved cell (the paths kept on them), and so do their counters (``tally.move``)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.risks import tally
from qianshao.risks.models import Patrol, RiskPoint

PATHS = [(RiskPoint, "cell_path"), (Patrol, "cell_path")]


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    for model, field in PATHS:
        model.objects.filter(tree.subtree_q(old_path, field)).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )
    tally.move(old_path, new_path)
