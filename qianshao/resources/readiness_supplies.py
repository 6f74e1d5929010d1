"""The supplies' figures for the readiness view (应急资源一张表), read from the tallies: one
indexed read for every cell asked, however many batches lie beneath.

For each cell path, ``figures(paths)[path]`` holds:

- ``points``: storage points in the subtree; ``points_by_kind``: {county, township,
  village: n};
- ``batches``: batches holding something; ``batches_by_class``: {class digit: n} (stock by
  class, in batches: quantities of different units do not add up);
- ``near90``, ``near30``, ``expired``: batches holding something in each expiry band
  (near-expiry batches are ``near90`` + ``near30``);
- ``short``: minimums not met; ``short_by_class``: {class digit: n};
- ``in_transit``: transfers sent from the subtree and not yet received or recalled.
"""

from collections import Counter

from qianshao.resources import ledger_supplies as ledger
from qianshao.resources import tally
from qianshao.resources.models import Band

KEYS = [
    "points",
    "points_by_kind",
    "batches",
    "batches_by_class",
    "near90",
    "near30",
    "expired",
    "short",
    "short_by_class",
    "in_transit",
]


def figures(paths: list[str]) -> dict[str, dict]:
    """The supplies' figures under each of ``paths`` (see the module's docstring)."""
    read = tally.read_many(paths, ledger.POINTS, ledger.BATCHES, ledger.SHORT, ledger.IN_TRANSIT)
    found = {}
    for path in paths:
        kept = read[path]
        points = {k: n for k, n in kept.get(ledger.POINTS, {}).items() if n}
        by_class, by_band = Counter(), Counter()
        for key, n in kept.get(ledger.BATCHES, {}).items():
            klass, band = key.split(".", 1)
            by_class[klass] += n
            by_band[band] += n
        short = {k: n for k, n in kept.get(ledger.SHORT, {}).items() if n}
        found[path] = {
            "points": sum(points.values()),
            "points_by_kind": points,
            "batches": sum(by_class.values()),
            "batches_by_class": {k: n for k, n in sorted(by_class.items()) if n},
            "near90": by_band[Band.NEAR90],
            "near30": by_band[Band.NEAR30],
            "expired": by_band[Band.EXPIRED],
            "short": sum(short.values()),
            "short_by_class": dict(sorted(short.items())),
            "in_transit": sum(kept.get(ledger.IN_TRANSIT, {}).values()),
        }
    return found
