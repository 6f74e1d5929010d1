"""What the resources area contributes to the pages: its link in the top bar (应急资源, the
readiness view and every page of the area), its layers of the map (teams, storage points,
shelters, routes), the kind of its notices in the inbox, and the figures another area shows
beside its own — a warning's board shows, next to the people each cell reported evacuated,
how many its transfer lists hold (``listed_people``)."""

from django.utils.translation import gettext_lazy as _

from qianshao.lib.panels import InboxKind, NavEntry, Panel, register
from qianshao.resources import layers_forces, layers_shelters, layers_supplies, tally


def listed_people(paths: list[str]) -> dict[str, int]:
    """转移避险清单 people under each of ``paths``, from the tallies (one indexed query)."""
    read = tally.read_many(paths, "listed_people")
    return {path: read[path].get("listed_people", {}).get("", 0) for path in paths}


# the pages that light the link: the readiness view, and every page of the area's parts
NAV = (
    NavEntry(
        _("应急资源"),
        "resources",
        60,
        frozenset(
            {
                "kit-completeness",
                "kit-card",
                "supplies-points",
                "supplies-point",
                "supplies-point-new",
                "supplies-transfers",
                "supplies-transfer",
                "supplies-shortages",
            }
        ),
        prefix="resources",
    ),
)
LAYERS = (*layers_forces.LAYERS, *layers_supplies.LAYERS, *layers_shelters.LAYERS)
INBOX = (("resources", InboxKind("resources", _("应急资源"), 60)),)

register(
    Panel(
        "resources",
        nav=NAV,
        layers=LAYERS,
        inbox=INBOX,
        figures={"listed_people": listed_people},
    )
)
