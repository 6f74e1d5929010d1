"""What the resources area contributes to the pages that show everything at once: for now
the figures another area shows beside its own — a warning's board shows, next to the people
each cell reported evacuated, how many its transfer lists hold (``listed_people``)."""

from qianshao.lib.panels import Panel, register
from qianshao.resources import tally


def listed_people(paths: list[str]) -> dict[str, int]:
    """转移避险清单 people under each of ``paths``, from the tallies (one indexed query)."""
    read = tally.read_many(paths, "listed_people")
    return {path: read[path].get("listed_people", {}).get("", 0) for path in paths}


register(Panel("resources", figures={"listed_people": listed_people}))
