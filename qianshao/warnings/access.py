"""Getting warnings for a user: only through scope, 404 for both missing and not yours.

A warning reaches a user when one of its targets lies within their cells or above them
(a warning for the county reaches each village in it): ``restrict(..., reaching=True)``.
Deliveries are seen by the cell of their recipient, like any record of a cell.
"""

from django.db.models import Q, Subquery
from django.http import Http404
from django.utils import timezone

from qianshao.grid import tree
from qianshao.grid.models import Person
from qianshao.grid.scope import restrict, scope_of
from qianshao.warnings.models import PENDING, Delivery, Status, Warning

UNPUBLISHED = PENDING  # drafts, submitted and approved ones


def visible_warnings(user):
    """Warnings that reach the user's cells; drafts only to those over the drafting cell
    (a village does not see the county's unapproved drafts)."""
    found = restrict(Warning.objects.all(), user, reaching=True)
    scope = scope_of(user)
    if scope.everything:
        return found
    return found.filter(~Q(status__in=UNPUBLISHED) | scope.q("cell_path"))


def reaching(warnings, cell):
    """``warnings`` that reach ``cell``: a target at it, above it or inside it."""
    inside = tree.subtree_q(cell.path, "targets__cell_path")
    above = Q(targets__cell_path__in=tree.lineage(cell.path))
    return warnings.filter(pk__in=Warning.objects.filter(inside | above).values("pk"))


def access_warning(user, number: str) -> Warning:
    warning = (
        visible_warnings(user)
        .select_related("type", "cell", "parent", "replaces", "created_by", "approved_by")
        .filter(number=number)
        .first()
    )
    if warning is None:
        raise Http404(number)
    return warning


def access_warning_by_id(user, warning_id: int) -> Warning:
    warning = visible_warnings(user).select_related("type", "cell").filter(pk=warning_id).first()
    if warning is None:
        raise Http404(warning_id)
    return warning


def visible_deliveries(user):
    return restrict(Delivery.objects.all(), user)


def my_deliveries(user):
    """The deliveries addressed to ``user`` themselves: their person's, named by a scalar
    subquery so that the list walks the person's index in its order (``delivery_listed``)
    instead of joining the person and sorting."""
    if not getattr(user, "is_authenticated", False):
        return Delivery.objects.none()
    person = Person.objects.filter(user=user).values("pk")[:1]
    return Delivery.objects.filter(person_id=Subquery(person))


def access_my_delivery(user, delivery_id: int) -> Delivery:
    delivery = (
        my_deliveries(user)
        .select_related("warning", "person", "cell")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise Http404(delivery_id)
    return delivery


def waiting_for(user):
    """The deliveries of warnings in force that ``user`` has not answered yet."""
    return my_deliveries(user).filter(
        answered_at__isnull=True,
        warning__status=Status.ISSUED,
        warning__valid_until__gt=timezone.now(),
    )


def active_warnings(user, limit: int = 5):
    """Warnings in force that reach ``user``'s cells, newest first."""
    found = visible_warnings(user).filter(status=Status.ISSUED, valid_until__gt=timezone.now())
    return found.select_related("type").order_by("-issued_at")[:limit]
