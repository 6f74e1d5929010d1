"""The resources' tallies (docs/adr/0023): each figure counted under a record's cell path and
every ancestor path, in the transaction of the action that changes it, so that a province's
readiness is a handful of indexed rows however many teams and batches lie beneath it.

Each part declares how its figures are counted from its own rows (``recounts``); ``rebuild``
and ``matches`` use those, so a counter that drifts from the records is found and mended.
"""

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from qianshao.grid import tree
from qianshao.lib.dbsql import add_to_counters
from qianshao.resources.models import Tally

# figure -> a function giving {(record path, key): n} from the records themselves
_RECOUNTS: dict[str, Callable[[], Iterable[tuple[str, str, int]]]] = {}


def recounts(*figures: str):
    """Declare the function that counts ``figures`` from the records: it yields
    ``(figure, path, key, n)`` at each record's own path (the lineage is added here)."""

    def register(fn):
        for figure in figures:
            _RECOUNTS[figure] = fn
        return fn

    return register


def add(path: str, figure: str, n: int, key: str = "") -> None:
    """Move ``figure`` (split by ``key``) by ``n`` under ``path`` and its ancestors."""
    add_many([(path, figure, key, n)])


def add_many(moves: Iterable[tuple[str, str, str, int]]) -> None:
    """Move several figures at once: ``(path, figure, key, n)`` each, summed per counter."""
    summed: Counter = Counter()
    for path, figure, key, n in moves:
        if n:
            for p in tree.lineage(path):
                summed[(p, figure, key)] += n
    rows = [(*k, n) for k, n in sorted(summed.items()) if n]
    add_to_counters(connection, Tally._meta.db_table, ["path", "figure", "key"], rows)


def move(old_path: str, new_path: str) -> None:
    """A cell moved from ``old_path`` to ``new_path`` (``grid.signals.cell_moved``, in the
    move's transaction): every part's counters under it go with it, and what it held is
    taken from the ancestors it left and given to those it joined. One mover for all the
    parts' figures, so none is forgotten; the parts move only their records' paths."""
    totals = list(
        Tally.objects.filter(path=old_path).exclude(n=0).values_list("figure", "key", "n")
    )
    # the tallies' path has no byte order of its own (the frame's table): matched by prefix
    Tally.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
    )
    old_above, new_above = set(tree.ancestor_paths(old_path)), set(tree.ancestor_paths(new_path))
    rows = [(p, f, k, -n) for p in sorted(old_above - new_above) for f, k, n in totals]
    rows += [(p, f, k, n) for p in sorted(new_above - old_above) for f, k, n in totals]
    add_to_counters(connection, Tally._meta.db_table, ["path", "figure", "key"], rows)


def read(path: str, *figures: str) -> dict[str, dict[str, int]]:
    """The figures under ``path``: {figure: {key: n}} (a figure never counted is absent)."""
    found: dict[str, dict[str, int]] = {}
    for figure, key, n in Tally.objects.filter(path=path, figure__in=figures).values_list(
        "figure", "key", "n"
    ):
        found.setdefault(figure, {})[key] = n
    return found


def read_many(paths: list[str], *figures: str) -> dict[str, dict[str, dict[str, int]]]:
    """The figures under each of ``paths`` (a cell's children): {path: {figure: {key: n}}}."""
    found: dict[str, dict[str, dict[str, int]]] = {p: {} for p in paths}
    rows = Tally.objects.filter(path__in=paths, figure__in=figures).values_list(
        "path", "figure", "key", "n"
    )
    for path, figure, key, n in rows:
        found[path].setdefault(figure, {})[key] = n
    return found


def recount() -> dict[tuple[str, str, str], int]:
    """Every counter as the records say: {(path, figure, key): n}, zeros left out."""
    counts: Counter = Counter()
    for fn in {id(f): f for f in _RECOUNTS.values()}.values():
        for figure, path, key, n in fn():
            for p in tree.lineage(path):
                counts[(p, figure, key)] += n
    return {k: n for k, n in counts.items() if n}


def rebuild() -> int:
    """Recount every counter from the records; returns how many there are.

    The counters are locked against writers before the recount (PostgreSQL: the table in
    EXCLUSIVE mode, readers still read; SQLite: the transaction's write lock): an action
    that moves a counter while the recount runs would otherwise have its record missed by
    the recount and its move deleted with the old counters."""
    with transaction.atomic():
        _lock_counters()
        counts = recount()
        Tally.objects.all().delete()
        Tally.objects.bulk_create(
            [Tally(path=p, figure=f, key=k, n=n) for (p, f, k), n in counts.items()],
            batch_size=2000,
        )
    return len(counts)


def _lock_counters() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{Tally._meta.db_table}" IN EXCLUSIVE MODE')
    # SQLite: the transaction began IMMEDIATE (settings): it holds the one write lock


def matches() -> bool:
    """Do the kept counters equal a recount?"""
    kept = {
        (p, f, k): n
        for p, f, k, n in Tally.objects.exclude(n=0).values_list("path", "figure", "key", "n")
    }
    return kept == recount()
