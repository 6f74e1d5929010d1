"""Day counters of zero reports per cell subtree (as hazards' tallies, docs/adr/0007).

Each zero report counts once under its cell's path and every ancestor path for its day,
in the filing action's transaction: a province's day is then one row to read, however many
villages it holds. ``rebuild`` recounts them all from the reports.
"""

from collections import Counter
from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Q

from qianshao.disasters.models import DayTally, ZeroReport
from qianshao.grid import tree
from qianshao.lib.dbsql import add_to_counters


def add(path: str, day: date, on_time: bool) -> None:
    """Count one report of ``day`` under ``path`` and its ancestors."""
    rows = [(p, day, 1, int(on_time)) for p in tree.lineage(path)]
    add_to_counters(connection, DayTally, ["path", "day"], rows, ("n", "on_time"))


def recount() -> dict[tuple[str, date], tuple[int, int]]:
    """The counters as the reports say: {(path, day): (received, on time)}."""
    received, on_time = Counter(), Counter()
    grouped = (
        ZeroReport.objects.values_list("cell_path", "day")
        .annotate(n=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
        .order_by()
    )
    for path, day, n, in_time in grouped.iterator():
        for p in tree.lineage(path):
            received[(p, day)] += n
            on_time[(p, day)] += in_time
    return {key: (n, on_time[key]) for key, n in received.items()}


def rebuild() -> int:
    """Recount every counter from the reports; returns how many there are."""
    counts = recount()
    with transaction.atomic():
        DayTally.objects.all().delete()
        DayTally.objects.bulk_create(
            [DayTally(path=p, day=d, n=n, on_time=t) for (p, d), (n, t) in counts.items()],
            batch_size=2000,
        )
    return len(counts)


def matches() -> bool:
    """Do the kept counters equal a recount?"""
    kept = {
        (p, d): (n, t)
        for p, d, n, t in DayTally.objects.filter(n__gt=0).values_list(
            "path", "day", "n", "on_time"
        )
    }
    return kept == recount()
