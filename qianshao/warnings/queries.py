"""What the areas above may read and do with the warnings (docs/architecture.md: an area
reaches another only through its ``queries``): the warnings in force not fully answered,
and a warning drafted and issued for cells from another area's record."""

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid import tree
from qianshao.lib.errors import ActionError
from qianshao.warnings import actions
from qianshao.warnings.models import Delivery, Level, Status, Step, Warning, WarningType
from qianshao.warnings.permissions import approval_share, refusal

__all__ = ["levels", "types", "unanswered_in_force", "warn"]


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


def types() -> list[tuple[int, str]]:
    """The warning types one may issue, (id, name)."""
    return list(WarningType.objects.filter(active=True).order_by("pk").values_list("pk", "name"))


def levels() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Level.choices]


def warn(actor, *, cells, type_id, level: str, headline: str, text: str, hours: int = 24):
    """A warning for ``cells`` from another area's record (an incident's board): drafted and,
    when the actor may issue it without approval, issued — through the warnings' own
    actions, in the caller's transaction. A warning whose reach needs approval stays a draft
    awaiting it (submitted). Returns ``(number, issued)``; refusals name their field
    (``type``, ``level``, ``targets`` …)."""
    found = (
        WarningType.objects.filter(active=True, pk=type_id).first()
        if isinstance(type_id, int)
        else None
    )
    if found is None:
        raise ActionError(_("请选择预警类型"), "type")
    w = actions.draft(
        actor,
        type=found,
        level=level,
        headline=headline,
        text=text,
        targets=list(cells),
        valid_until=timezone.now() + timedelta(hours=hours),
    )
    approval = approval_share(w)
    if refusal(actor, w, Step.ISSUE, approval=approval) is None:
        actions.issue(actor, w)
        return w.number, True
    actions.submit(actor, w, issue_on_approval=True)
    return w.number, False
