"""Figures counted under the grid (docs/adr/0023, 0024): each figure kept under a record's
cell path and every ancestor path, in the transaction of the action that changes it, so
that a province's figures are a handful of indexed rows however many records lie beneath.

An area keeps its counters in a table of its own (a model on ``grid.models.TallyBase``:
``path``, ``figure``, ``key``, ``n``, unique on the first three) and one ``Tallies`` over
it: its parts declare how their figures are counted from their own rows (``recounts``);
``rebuild`` and ``matches`` use those, so a counter that drifts from the records is found
and mended; ``move`` follows a cell that moved. The grid keeps its own cell counts the
same way (``CELLS``, below).
"""

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr

from qianshao.grid import tree
from qianshao.grid.models import Cell, Tally
from qianshao.lib.dbsql import add_to_counters

KEYS = ["path", "figure", "key"]


class Tallies:
    """The counters of one area, kept in ``model``."""

    def __init__(self, model):
        self.model = model
        # figure -> a function yielding (figure, record path, key, n) from the records
        self._recounts: dict[str, Callable[[], Iterable[tuple[str, str, str, int]]]] = {}

    def recounts(self, *figures: str):
        """Declare the function that counts ``figures`` from the records: it yields
        ``(figure, path, key, n)`` at each record's own path (the lineage is added here)."""

        def register(fn):
            for figure in figures:
                self._recounts[figure] = fn
            return fn

        return register

    def add(self, path: str, figure: str, n: int, key: str = "") -> None:
        """Move ``figure`` (split by ``key``) by ``n`` under ``path`` and its ancestors."""
        self.add_many([(path, figure, key, n)])

    def add_many(self, moves: Iterable[tuple[str, str, str, int]]) -> None:
        """Move several figures at once: ``(path, figure, key, n)`` each, summed per
        counter."""
        summed: Counter = Counter()
        for path, figure, key, n in moves:
            if n:
                for p in tree.lineage(path):
                    summed[(p, figure, key)] += n
        rows = [(*k, n) for k, n in sorted(summed.items()) if n]
        add_to_counters(connection, self.model, KEYS, rows, summed=True)

    def move(self, old_path: str, new_path: str) -> None:
        """A cell moved from ``old_path`` to ``new_path`` (``grid.signals.cell_moved``, in
        the move's transaction): every counter under it goes with it, and what it held is
        taken from the ancestors it left and given to those it joined. One mover for all
        an area's figures, so none is forgotten; the parts move only their records' paths."""
        objects = self.model.objects
        totals = list(objects.filter(path=old_path).exclude(n=0).values_list("figure", "key", "n"))
        # the tallies' path has no byte order of its own: matched by prefix
        objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
        )
        old_above = set(tree.ancestor_paths(old_path))
        new_above = set(tree.ancestor_paths(new_path))
        rows = [(p, f, k, -n) for p in sorted(old_above - new_above) for f, k, n in totals]
        rows += [(p, f, k, n) for p in sorted(new_above - old_above) for f, k, n in totals]
        add_to_counters(connection, self.model, KEYS, rows)

    def read(self, path: str, *figures: str) -> dict[str, dict[str, int]]:
        """The figures under ``path``: {figure: {key: n}} (a figure never counted is
        absent)."""
        found: dict[str, dict[str, int]] = {}
        rows = self.model.objects.filter(path=path, figure__in=figures)
        for figure, key, n in rows.values_list("figure", "key", "n"):
            found.setdefault(figure, {})[key] = n
        return found

    def read_many(self, paths: list[str], *figures: str) -> dict[str, dict[str, dict[str, int]]]:
        """The figures under each of ``paths`` (a cell's children):
        {path: {figure: {key: n}}}."""
        found: dict[str, dict[str, dict[str, int]]] = {p: {} for p in paths}
        rows = self.model.objects.filter(path__in=paths, figure__in=figures).values_list(
            "path", "figure", "key", "n"
        )
        for path, figure, key, n in rows:
            found[path].setdefault(figure, {})[key] = n
        return found

    def recount(self) -> dict[tuple[str, str, str], int]:
        """Every counter as the records say: {(path, figure, key): n}, zeros left out."""
        counts: Counter = Counter()
        for fn in {id(f): f for f in self._recounts.values()}.values():
            for figure, path, key, n in fn():
                for p in tree.lineage(path):
                    counts[(p, figure, key)] += n
        return {k: n for k, n in counts.items() if n}

    def rebuild(self) -> int:
        """Recount every counter from the records; returns how many there are.

        The counters are locked against writers before the recount (PostgreSQL: the table
        in EXCLUSIVE mode, readers still read; SQLite: the transaction's write lock): an
        action that moves a counter while the recount runs would otherwise have its record
        missed by the recount and its move deleted with the old counters."""
        model = self.model
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            # SQLite: the transaction began IMMEDIATE (settings): it holds the write lock
            counts = self.recount()
            model.objects.all().delete()
            model.objects.bulk_create(
                [model(path=p, figure=f, key=k, n=n) for (p, f, k), n in counts.items()],
                batch_size=2000,
            )
        return len(counts)

    def matches(self) -> bool:
        """Do the kept counters equal a recount?"""
        kept = {
            (p, f, k): n
            for p, f, k, n in self.model.objects.exclude(n=0).values_list(
                "path", "figure", "key", "n"
            )
        }
        return kept == self.recount()


# --- the grid's own figures: cells by kind under every path ---------------------------

CELLS = Tallies(Tally)


@CELLS.recounts("cells")
def _recount_cells():
    for path, kind in Cell.objects.values_list("path", "kind").iterator(chunk_size=5000):
        yield "cells", path, kind, 1


def count_cells(planned: list[tuple[str, str]]) -> None:
    """Count new cells, ``(path, kind)`` each, under their paths and ancestors (in the
    creating action's transaction).

    Summed from the deepest cells up, each counter into its parent's, so that an import of
    a province is counted in one pass over its counters rather than a pass over each
    cell's lineage; the new cells under a cell already there are added up its lineage."""
    counts: Counter = Counter(planned)
    new = {path for path, _ in planned}
    by_depth: dict[int, list] = {}
    for key in counts:
        by_depth.setdefault(key[0].count(tree.SEPARATOR), []).append(key)
    under_old: Counter = Counter()
    for depth in sorted(by_depth, reverse=True):
        for path, kind in by_depth[depth]:
            parent = tree.parent_path(path)
            if parent and parent not in new:
                under_old[(parent, kind)] += counts[(path, kind)]
            elif parent:
                if (parent, kind) not in counts:
                    by_depth[depth - 1].append((parent, kind))
                counts[(parent, kind)] += counts[(path, kind)]
    for (path, kind), n in under_old.items():
        for ancestor in tree.lineage(path):
            counts[(ancestor, kind)] += n
    # in the order of the unique index: each row lands beside the one before
    rows = [(path, "cells", kind, n) for (path, kind), n in sorted(counts.items())]
    add_to_counters(connection, Tally, KEYS, rows, summed=True)


def cells_by_kind(path: str) -> dict[str, int]:
    """Cells under ``path`` (its own cell included) by kind."""
    return CELLS.read(path, "cells").get("cells", {})


def cells_by_kind_many(paths: list[str]) -> dict[str, dict[str, int]]:
    """``cells_by_kind`` of each of ``paths``, in one read."""
    found = CELLS.read_many(paths, "cells")
    return {path: figures.get("cells", {}) for path, figures in found.items()}
