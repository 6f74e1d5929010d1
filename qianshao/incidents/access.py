"""Getting incidents for a user: only through scope, 404 for both missing and not yours
(ADR 6). A team's leader sees the orders given to their team (and the incident they were
sent to) wherever it is: the order reaches them."""

from django.db.models import Q
from django.http import Http404

from qianshao.grid.scope import restrict
from qianshao.incidents.models import Incident, Order
from qianshao.resources import queries as resources


def visible_incidents(user):
    return restrict(Incident.objects.all(), user)


def access_incident(user, incident_id: int) -> Incident:
    found = visible_incidents(user).select_related("cell", "commander").filter(pk=incident_id)
    found = found.first()
    if found is None:
        raise Http404(incident_id)
    return found


def my_orders(user):
    """The orders to the teams ``user`` leads. The teams are read first, so that the
    orders of one team are read along its index (``LEADER_ORDERING``) with no sort."""
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return Order.objects.none()
    return Order.objects.filter(team_id__in=resources.teams_led(person.pk))


def visible_orders(user):
    """The orders of the incidents ``user`` sees, and those to the teams they lead."""
    seen = restrict(Order.objects.all(), user)
    person = getattr(user, "person", None) if user.is_authenticated else None
    if person is None:
        return seen
    return Order.objects.filter(Q(pk__in=seen.values("pk")) | Q(team__leader=person))


def access_order(user, order_id: int) -> Order:
    found = visible_orders(user).select_related("incident", "team").filter(pk=order_id).first()
    if found is None:
        raise Http404(order_id)
    return found
