"""Getting public reports and rewards for staff: only through scope, 404 for both missing and
not yours. (The public follows a report by its tracking code: ``public.find_report``.)"""

from django.http import Http404

from qianshao.grid.scope import restrict
from qianshao.hazards.models import PublicReport, Reward


def visible_public_reports(user):
    return restrict(PublicReport.objects.all(), user)


def visible_rewards(user):
    return restrict(Reward.objects.all(), user)


def access_public_report(user, code: str) -> PublicReport:
    public = (
        visible_public_reports(user)
        .select_related("cell", "hazard", "reward", "reward__decided_by")
        .filter(tracking_code=code)
        .first()
    )
    if public is None:
        raise Http404(code)
    return public
