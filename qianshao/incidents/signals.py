"""The receivers of the incidents area (imported at start by apps): incidents, their
reports, relays and orders follow a moved cell (the paths kept on them), and so do their
counters (``tally.move``)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.incidents import tally
from qianshao.incidents.models import Incident, Order, Relay, Report

PATHS = [(Incident, "cell_path"), (Report, "cell_path"), (Relay, "cell_path"), (Order, "cell_path")]


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    for model, field in PATHS:
        model.objects.filter(tree.subtree_q(old_path, field)).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )
    tally.move(old_path, new_path)
