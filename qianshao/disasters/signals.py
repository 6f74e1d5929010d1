"""Reports follow their cells: when a cell moves, the paths kept on zero reports, disaster
reports and day counters move with it, and the old and new ancestors' counters are
corrected (as hazards', hazards/signals.py)."""

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.dispatch import receiver

from qianshao.disasters.models import DayTally, DisasterReport, ZeroReport
from qianshao.grid import tree
from qianshao.grid.signals import cell_moved
from qianshao.lib.dbsql import add_to_counters


@receiver(cell_moved)
def follow_moved_cell(sender, old_path: str, new_path: str, **kwargs):
    def rewrite(model, field):
        model.objects.filter(tree.subtree_q(old_path, field)).update(
            **{field: Concat(Value(new_path), Substr(field, len(old_path) + 1))}
        )

    totals = list(
        DayTally.objects.filter(path=old_path, n__gt=0).values_list("day", "n", "on_time")
    )
    rewrite(ZeroReport, "cell_path")
    rewrite(DisasterReport, "cell_path")
    rewrite(DayTally, "path")
    old_above, new_above = set(tree.ancestor_paths(old_path)), set(tree.ancestor_paths(new_path))
    rows = [(p, d, -n, -t) for p in old_above - new_above for d, n, t in totals]
    rows += [(p, d, n, t) for p in new_above - old_above for d, n, t in totals]
    add_to_counters(connection, DayTally, ["path", "day"], rows, ("n", "on_time"))
