"""Getting the forces' records for a user: only through scope, 404 for missing and not yours
alike."""

from django.http import Http404

from qianshao.grid.scope import restrict
from qianshao.resources.models import Certificate, Expert, Member, SocialForce, Team


def visible_teams(user):
    return restrict(Team.objects.all(), user)


def visible_members(user):
    return restrict(Member.objects.all(), user)


def visible_certificates(user):
    return restrict(Certificate.objects.all(), user)


def visible_experts(user):
    return restrict(Expert.objects.all(), user)


def visible_social_forces(user):
    return restrict(SocialForce.objects.all(), user)


def _one(queryset, pk):
    try:
        found = queryset.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise Http404(pk)
    return found


def access_team(user, team_id) -> Team:
    return _one(visible_teams(user).select_related("cell", "leader"), team_id)


def access_member(user, member_id) -> Member:
    return _one(visible_members(user).select_related("team", "person"), member_id)


def access_certificate(user, certificate_id) -> Certificate:
    return _one(visible_certificates(user).select_related("person"), certificate_id)


def access_expert(user, expert_id) -> Expert:
    return _one(visible_experts(user).select_related("cell", "keeper"), expert_id)


def access_social_force(user, force_id) -> SocialForce:
    return _one(visible_social_forces(user).select_related("cell"), force_id)
