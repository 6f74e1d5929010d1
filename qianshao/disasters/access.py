"""Getting zero reports and disaster reports for a user: only through scope, 404 for both
missing and not yours."""

from django.http import Http404

from qianshao.disasters.models import DisasterReport, Photo, ReliefApplication, ZeroReport
from qianshao.grid.scope import restrict


def visible_zero_reports(user):
    return restrict(ZeroReport.objects.all(), user)


def visible_disasters(user):
    return restrict(DisasterReport.objects.all(), user)


def access_disaster(user, number: str) -> DisasterReport:
    found = (
        visible_disasters(user)
        .select_related("cell", "reporter", "verified_by")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise Http404(number)
    return found


def access_photo(user, token: str) -> Photo:
    """A photo of a disaster report ``user`` sees; 404 for a missing one and another's."""
    found = Photo.objects.filter(
        token=token, version__report__in=visible_disasters(user).values("pk")
    ).first()
    if found is None:
        raise Http404(token)
    return found


def access_zero_report(user, report_id: int) -> ZeroReport:
    found = visible_zero_reports(user).select_related("cell").filter(pk=report_id).first()
    if found is None:
        raise Http404(report_id)
    return found


def visible_relief(user):
    return restrict(ReliefApplication.objects.all(), user)


def access_relief(user, relief_id: int) -> ReliefApplication:
    found = visible_relief(user).select_related("report__cell").filter(pk=relief_id).first()
    if found is None:
        raise Http404(relief_id)
    return found
