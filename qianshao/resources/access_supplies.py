"""Getting supplies records for a user: only through scope, 404 for missing and not-yours
alike. A transfer is seen from either end: by who sees its source or its destination."""

from django.db.models import Q
from django.http import Http404

from qianshao.grid.scope import restrict, scope_of
from qianshao.resources.models import (
    Agreement,
    Batch,
    Capacity,
    Item,
    Point,
    Requisition,
    Transfer,
)


def visible_points(user):
    return restrict(Point.objects.all(), user)


def access_point(user, point_id) -> Point:
    found = visible_points(user).select_related("cell", "manager").filter(pk=point_id).first()
    if found is None:
        raise Http404(point_id)
    return found


def visible_batches(user):
    return restrict(Batch.objects.all(), user)


def access_batch(user, batch_id) -> Batch:
    found = visible_batches(user).select_related("item", "point").filter(pk=batch_id).first()
    if found is None:
        raise Http404(batch_id)
    return found


def visible_transfers(user):
    """Transfers whose source or destination the user sees."""
    scope = scope_of(user)
    if scope.everything:
        return Transfer.objects.all()
    if not scope.paths:
        return Transfer.objects.none()
    return Transfer.objects.filter(scope.q("source_path") | scope.q("destination_path"))


def access_transfer(user, transfer_id) -> Transfer:
    found = (
        visible_transfers(user)
        .select_related("source", "destination")
        .filter(pk=transfer_id)
        .first()
    )
    if found is None:
        raise Http404(transfer_id)
    return found


def visible_requisitions(user):
    return restrict(Requisition.objects.all(), user)


def access_requisition(user, requisition_id) -> Requisition:
    found = visible_requisitions(user).select_related("point").filter(pk=requisition_id).first()
    if found is None:
        raise Http404(requisition_id)
    return found


def visible_agreements(user):
    return restrict(Agreement.objects.all(), user)


def access_agreement(user, agreement_id) -> Agreement:
    found = visible_agreements(user).select_related("cell", "item").filter(pk=agreement_id).first()
    if found is None:
        raise Http404(agreement_id)
    return found


def visible_capacities(user):
    return restrict(Capacity.objects.all(), user)


def access_capacity(user, capacity_id) -> Capacity:
    found = visible_capacities(user).select_related("cell", "item").filter(pk=capacity_id).first()
    if found is None:
        raise Http404(capacity_id)
    return found


def item_by_code(code: str) -> Item | None:
    """A catalogue item (the catalogue is public to every user)."""
    return Item.objects.select_related("category").filter(code=(code or "").strip()).first()


def transfers_q(paths) -> Q:
    """Transfers from or to the subtrees of ``paths``."""
    from qianshao.grid import tree

    q = Q(pk__in=[])
    for path in paths:
        q |= tree.subtree_q(path, "source_path") | tree.subtree_q(path, "destination_path")
    return q
