"""Access rules of the health endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``: ``/readyz`` answers anyone (flags and problem keys
only); ``/metrics`` needs no login either but answers only the allowed addresses or the
bearer token (test_views.py)."""

PAGE_RULES = {
    "readyz": "public",
    "metrics": "public",
}
