"""Counters of hazards per cell subtree (docs/adr/0007).

Every change of a hazard's (status, grade, overdue) moves one unit from the old key to the
new one on the hazard's cell path and on every ancestor path, in the action's transaction.
Per-child counts then read the children's counters; ``rebuild`` recomputes them all.
"""

from collections import Counter, defaultdict

from django.db import connection, transaction
from django.db.models import Count

from qianshao.grid import tree
from qianshao.hazards.models import Hazard, Tally
from qianshao.lib.dbsql import add_to_counters

KEYS = ["path", "status", "grade", "overdue"]


def key_of(hazard: Hazard) -> tuple[str, str, bool]:
    return (hazard.status, hazard.grade, hazard.overdue)


def move(path: str, old: tuple | None, new: tuple | None) -> None:
    """Count one hazard under ``path`` as ``new`` instead of ``old`` (either may be None)."""
    move_all([(path, old, new)])


def move_all(moves) -> None:
    """Several ``move``s, (path, old, new) each, summed into one write: a counter is named
    once in it (PostgreSQL refuses a statement that updates one row twice)."""
    deltas: Counter = Counter()
    for path, old, new in moves:
        if old == new:
            continue
        for p in tree.lineage(path):
            if old is not None:
                deltas[(p, *old)] -= 1
            if new is not None:
                deltas[(p, *new)] += 1
    # in key order: concurrent writers lock the counters in one order, and never deadlock
    rows = [(*key, n) for key, n in sorted(deltas.items()) if n]
    add_to_counters(connection, Tally, KEYS, rows, summed=True)


def counts(paths: list[str]) -> dict[str, dict[tuple, int]]:
    """The counters of each of ``paths``: {path: {(status, grade, overdue): n}}."""
    found: dict[str, dict[tuple, int]] = {p: {} for p in paths}
    rows = Tally.objects.filter(path__in=paths, n__gt=0).values_list(*KEYS, "n")
    for path, status, grade, overdue, n in rows:
        found[path][(status, grade, overdue)] = n
    return found


def rebuild() -> int:
    """Recount every counter from the hazards themselves; returns the number of counters."""
    totals: dict[tuple, int] = defaultdict(int)
    grouped = (
        Hazard.objects.values_list("cell_path", "status", "grade", "overdue")
        .annotate(n=Count("id"))
        .order_by()
    )
    for path, status, grade, overdue, n in grouped.iterator():
        for p in tree.lineage(path):
            totals[(p, status, grade, overdue)] += n
    with transaction.atomic():
        Tally.objects.all().delete()
        Tally.objects.bulk_create(
            [
                Tally(path=p, status=s, grade=g, overdue=o, n=n)
                for (p, s, g, o), n in totals.items()
            ],
            batch_size=2000,
        )
    return len(totals)
