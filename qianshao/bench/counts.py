"""What a benchmark imported: the cells under its root by kind, for the benchmarks' output
(the villages and communities are the data's, so their number depends on the root)."""

from django.db.models import Count

from qianshao.grid.models import Cell, CellKind


def header(root: str, villages: int) -> str:
    """How the benchmark's grid is made, for its first line."""
    return (
        f"division {root} with its villages and communities from the divisions data "
        f"({villages} generated per township the data has none for)"
    )


def by_kind(root: str) -> str:
    """The cells under ``root`` by kind, e.g. ``省 1, 市 11, …, 社区 4,743, 村 17,337``."""
    top = Cell.objects.get(code=root)
    counts = dict(
        Cell.objects.subtree(top.path).values_list("kind").annotate(n=Count("id")).order_by()
    )
    return ", ".join(f"{kind.label} {counts[kind]:,}" for kind in CellKind if kind in counts)
