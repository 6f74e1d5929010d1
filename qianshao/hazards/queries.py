"""Hazard queries shared by pages, the API, the home pages and the benchmark."""

from qianshao.hazards import tally
from qianshao.hazards.permissions import task_q
from qianshao.hazards.views import summarise

__all__ = ["hazard_summary", "task_q"]


def hazard_summary(cell) -> dict:
    """发现, 未销号, 超时, 重大未销号 in the cell's subtree, from its tally (one query)."""
    return summarise(tally.counts([cell.path])[cell.path])
