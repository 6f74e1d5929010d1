"""What the areas above may read of the warnings (docs/architecture.md: an area reaches
another only through its ``queries``)."""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.warnings.models import Delivery, Status, Warning

__all__ = ["unanswered_in_force"]


def unanswered_in_force(cell, limit: int = 20) -> list[dict]:
    """What a duty handover of ``cell`` lists from the warnings (the incidents' 交接班): the
    warnings in force whose responsible people in the cell's subtree have not all answered
    (叫应) — each ``{"kind", "label", "n", "url"}``, ``n`` the people still silent."""
    silent = (
        Delivery.objects.filter(
            tree.subtree_q(cell.path, "cell_path"),
            warning__status=Status.ISSUED,
            answered_at__isnull=True,
        )
        .values("warning_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    )
    counts = {row["warning_id"]: row["n"] for row in silent}
    warnings = Warning.objects.filter(pk__in=counts).only("pk", "number", "headline")
    return [
        {
            "kind": "warnings.unanswered",
            "label": _("预警未全部叫应：%(h)s") % {"h": w.headline},
            "n": counts[w.pk],
            "url": reverse("warning", args=[w.number]),
        }
        for w in sorted(warnings, key=lambda w: -counts[w.pk])
    ]
