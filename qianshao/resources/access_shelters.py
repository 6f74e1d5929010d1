"""Getting shelters, routes and households for a user: only through scope, 404 for missing
and not yours alike."""

from django.http import Http404

from qianshao.grid.scope import restrict
from qianshao.resources.models import Household, Route, Shelter


def visible_shelters(user):
    """The shelters in the user's subtrees, and those of the cells above them: a village
    sends its people to its township's shelter."""
    return restrict(Shelter.objects.all(), user, reaching=True)


def visible_routes(user):
    return restrict(Route.objects.all(), user)


def visible_households(user):
    return restrict(Household.objects.all(), user)


def access_shelter(user, shelter_id: int) -> Shelter:
    found = visible_shelters(user).select_related("cell", "manager").filter(pk=shelter_id).first()
    if found is None:
        raise Http404(shelter_id)
    return found


def access_route(user, route_id: int) -> Route:
    found = visible_routes(user).select_related("cell", "shelter").filter(pk=route_id).first()
    if found is None:
        raise Http404(route_id)
    return found


def access_household(user, household_id: int) -> Household:
    found = (
        visible_households(user)
        .select_related("cell", "shelter", "route", "cadre")
        .filter(pk=household_id)
        .first()
    )
    if found is None:
        raise Http404(household_id)
    return found
