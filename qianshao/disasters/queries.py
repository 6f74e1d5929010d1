"""What the areas above may read of the disasters (docs/architecture.md: an area reaches
another only through its ``queries``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.disasters import schedule, stats

__all__ = ["zero_reports_missing_today"]


def zero_reports_missing_today(cell) -> list[dict]:
    """What a duty handover of ``cell`` lists from the daily zero reports (the incidents'
    交接班): today's reports of its subtree not yet in (待报 before the deadline, 未报
    after it) — ``{"kind", "label", "n", "url"}``, empty when all are in."""
    day = schedule.today()
    c = stats.completeness(cell, day)[day]
    waiting = c.pending + c.missing
    if not waiting:
        return []
    return [
        {
            "kind": "disasters.zero_missing",
            "label": str(_("今日零报告未报")),
            "n": waiting,
            "url": f"{reverse('zero-calendar')}?cell={cell.code}",
        }
    ]
