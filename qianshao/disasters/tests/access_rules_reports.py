"""Access rules of the 灾情报送 reports (零报告报送情况统计表, 自然灾害情况统计表), merged into
the grid's tables by ``qianshao.testing.area_rule_modules``.

Each report names its cell in ``?cell=``: a cell outside the user's scope is a 404 (before
any date is read), and without one the report is of the user's own scope root (the
outsider's is B县). What the reports read — zero reports, day counters, disaster reports —
is in ``access_rules_disasters.state``, which the outsider's requests must leave unchanged.
"""

PAGE_RULES = {
    "disasters/completeness/": "scoped",
    "disasters/completeness.xlsx": "scoped",
    "disasters/statistics/": "scoped",
    "disasters/statistics.xlsx": "scoped",
}

A_COUNTY = ["450901", "450901100", "450901100201"]


def outsider_pages(cast) -> dict:
    """The outsider (B县) asks for A县's cells in every report, by day and by period (a bad
    date too, which must not reveal that the cell exists): 404 each time."""
    queries = ["", "&day=2024-01-02", "&from=2024-01-01&to=2024-01-31", "&day=2024-02-30"]
    return {
        route: [
            ("get", f"/{route}?cell={code}{query}", None, 404)
            for code in A_COUNTY
            for query in queries
        ]
        for route in PAGE_RULES
    }
