"""Access rules of the hazard reports (网格隐患统计表, 隐患月报表), merged into the grid's
tables by ``qianshao.testing.area_rule_modules``.

Each report names its cell in ``?cell=``: a cell outside the user's scope is a 404, and
without one the report is of the user's own scope root (the outsider's is B县).
"""

from qianshao.hazards.models import Tally

PAGE_RULES = {
    "hazards/stats/": "scoped",
    "hazards/stats.xlsx": "scoped",
    "hazards/monthly/": "scoped",
    "hazards/monthly.xlsx": "scoped",
}

A_COUNTY = ["450901", "450901100", "450901100201"]


def outsider_pages(cast) -> dict:
    """The outsider (B县) asks for A县's cells in every report: 404 each time."""
    month = "&month=2024-01"
    return {
        "hazards/stats/": [("get", f"/hazards/stats/?cell={c}", None, 404) for c in A_COUNTY],
        "hazards/stats.xlsx": [
            ("get", f"/hazards/stats.xlsx?cell={c}", None, 404) for c in A_COUNTY
        ],
        "hazards/monthly/": [
            ("get", f"/hazards/monthly/?cell={c}{month}", None, 404) for c in A_COUNTY
        ],
        "hazards/monthly.xlsx": [
            ("get", f"/hazards/monthly.xlsx?cell={c}{month}", None, 404) for c in A_COUNTY
        ],
    }


def state() -> list:
    """The reports only read; the counters they read must not move."""
    return list(Tally.objects.order_by("path", "status", "grade", "overdue").values_list())
