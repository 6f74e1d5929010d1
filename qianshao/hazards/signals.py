"""Hazards follow their cells: when a cell moves, the paths kept on hazards, public reports
and tallies move with it, and the old and new ancestors' tallies are corrected."""

from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.hazards.models import Hazard, PublicReport, Tally
from qianshao.hazards.tally import KEYS
from qianshao.lib.dbsql import add_to_counters


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    from django.db import connection

    def rewrite(model, field):
        model.objects.filter(tree.subtree_q(old_path, field)).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )

    totals = list(
        Tally.objects.filter(path=old_path, n__gt=0).values_list("status", "grade", "overdue", "n")
    )
    rewrite(Hazard, "cell_path")
    rewrite(PublicReport, "cell_path")
    rewrite(Tally, "path")
    old_above, new_above = set(tree.ancestor_paths(old_path)), set(tree.ancestor_paths(new_path))
    rows = [(p, s, g, o, -n) for p in old_above - new_above for s, g, o, n in totals]
    rows += [(p, s, g, o, n) for p in new_above - old_above for s, g, o, n in totals]
    add_to_counters(connection, Tally, KEYS, rows)
