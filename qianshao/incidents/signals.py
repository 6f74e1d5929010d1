"""The receivers of the incidents area (imported at start by apps): every record that keeps
a cell's path — incidents and all they move, the duty desk's — follows a moved cell, and so
do the counters (``tally.move``)."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.incidents import tally
from qianshao.incidents.models import (
    DutyEntry,
    Evacuation,
    Finding,
    Handover,
    Incident,
    Order,
    Relay,
    Report,
    Shift,
    SpotAnswer,
    SpotCheck,
    Supply,
    Swap,
)

# every record of the area that keeps a cell's path (a test checks none is left out)
PATHS = [
    (model, "cell_path")
    for model in (
        Incident,
        Report,
        Relay,
        Order,
        Supply,
        Evacuation,
        Finding,
        Shift,
        Swap,
        SpotCheck,
        SpotAnswer,
        Handover,
        DutyEntry,
    )
]


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    for model, field in PATHS:
        model.objects.filter(tree.subtree_q(old_path, field)).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )
    tally.move(old_path, new_path)
