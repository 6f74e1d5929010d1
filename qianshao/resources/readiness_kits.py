"""The kits part's figures for the readiness view (应急资源一张表) and the completeness table:
read from the tallies only (``kit_holders``, ``kit_complete`` keyed by standard code), one
indexed query for any number of cells.

Keys of each cell's figures:
- ``kits``: {standard code: {"name", "holders", "complete", "percent"}} for every standard —
  the duty's holders (active cards) under the cell, those whose kit is complete, and the
  share complete in whole percent (None with no holders);
- ``kit_holders``, ``kit_complete``, ``kit_percent``: the same over all standards.
"""

from qianshao.resources import tally
from qianshao.resources.actions_kits import COMPLETE, HOLDERS
from qianshao.resources.models import KitStandard


def percent(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` in whole percent, rounded down (a kit 99.6 % complete is not
    100 %); None when there is nothing to count."""
    return None if not whole else part * 100 // whole


def figures(paths: list[str], standards=None) -> dict[str, dict]:
    """The kit figures under each of ``paths``."""
    standards = list(KitStandard.objects.all()) if standards is None else standards
    counted = tally.read_many(list(paths), HOLDERS, COMPLETE)
    found = {}
    for path in paths:
        holders = counted[path].get(HOLDERS, {})
        complete = counted[path].get(COMPLETE, {})
        kits = {
            s.code: {
                "name": s.name,
                "holders": holders.get(s.code, 0),
                "complete": complete.get(s.code, 0),
                "percent": percent(complete.get(s.code, 0), holders.get(s.code, 0)),
            }
            for s in standards
        }
        total, done = sum(holders.values()), sum(complete.values())
        found[path] = {
            "kits": kits,
            "kit_holders": total,
            "kit_complete": done,
            "kit_percent": percent(done, total),
        }
    return found
