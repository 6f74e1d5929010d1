"""What a relay (转发) covers. A relay writes deliveries only for the people in its targets
who did not already hold one of its parent; the others answer the parent. So a relay's
board counts its own deliveries and those of its parent inside its targets
(``covered``), and the recipient of a parent's delivery inside a relay's targets is shown
that relay's added instructions with the relaying cell's name (``reaching``)."""

from django.db.models import Q

from qianshao.grid import tree
from qianshao.warnings.models import Delivery, Source, Warning


def covered(warning: Warning) -> Q:
    """The deliveries ``warning``'s board counts, as a filter on ``Delivery``: its own,
    and for a relay also its parent's inside the relay's targets (nobody holds both)."""
    own = Q(warning_id=warning.pk)
    if warning.parent_id is None:
        return own
    within = Q(pk__in=[])
    for path in warning.targets.values_list("cell_path", flat=True):
        within |= tree.subtree_q(path, "cell_path")
    return own | (Q(warning_id=warning.parent_id) & within)


def reaching(delivery: Delivery) -> list[Warning]:
    """The relays of the delivery's warning whose targets hold its recipient's cell, in
    the order they were relayed, with their cells: their instructions are the recipient's
    too."""
    return list(
        Warning.objects.filter(
            parent_id=delivery.warning_id,
            source=Source.RELAY,
            targets__cell_path__in=tree.lineage(delivery.cell_path),
        )
        .exclude(instruction="")
        .select_related("cell")
        .distinct()
        .order_by("issued_at", "pk")
    )
