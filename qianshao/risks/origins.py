"""A risk point as the origin of a hazard (``lib.panels.origin``): the hazard report form
opened from a 发现隐患 check-in is prefilled with the point's cell, place and the patrol's
photos, the hazard keeps "risks.point:<id>" and its page links back here; the patrol is
linked to the hazard reported (``actions_patrols.link_hazard``, in the report's
transaction)."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from qianshao.lib.panels import register_origin
from qianshao.risks import actions_patrols
from qianshao.risks.access import visible_patrols, visible_points
from qianshao.risks.models import Result

KIND = "risks.point"
PATROL = "risks.patrol"  # a 发现隐患 patrol itself (the API's ``origin``): linked on report


def ref(point) -> str:
    return f"{KIND}:{point.pk}"


def _point_url(point) -> str:
    try:
        return reverse("risks-point", args=[point.pk])
    except NoReverseMatch:  # the points' pages are another part's
        return reverse("risks-checkin", args=[point.pk])


def _id(text) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def resolve(user, key: str, patrol=None, **extra) -> dict | None:
    """The point ``key`` as ``user`` sees it (None when missing or not theirs); with
    ``patrol`` (an id of one of its 发现隐患 patrols) its photos and its link."""
    point_id = _id(key)
    if point_id is None:
        return None
    point = visible_points(user).select_related("cell", "kind").filter(pk=point_id).first()
    if point is None:
        return None
    found = {
        "label": _("风险点：%(n)s") % {"n": point.name},
        "url": _point_url(point),
        "cell": point.cell.code,
        "lon": point.lon,
        "lat": point.lat,
        "address": point.address or point.name,
        "title": _("巡查发现隐患：%(n)s") % {"n": point.name},
        "photos": [],
    }
    patrol_id = _id(patrol)
    if patrol_id is None:
        return found
    p = (
        visible_patrols(user)
        .filter(pk=patrol_id, point_id=point.pk, result=Result.HAZARD, hazard__isnull=True)
        .prefetch_related("photos")
        .first()
    )
    if p is None:
        return found
    found["description"] = p.note
    found["photos"] = [photo.image for photo in p.photos.all()]
    found["patrol"] = p.pk

    def on_reported(hazard_id: int) -> None:
        actions_patrols.link_hazard(user, p, hazard_id)

    found["on_reported"] = on_reported
    return found


def resolve_patrol(user, key: str, **extra) -> dict | None:
    """The 发现隐患 patrol ``key`` as ``user`` sees it (None when missing, not theirs, or of
    another result): its point's prefill, the link back to the patrol, and its linking."""
    patrol_id = _id(key)
    if patrol_id is None:
        return None
    p = visible_patrols(user).filter(pk=patrol_id, result=Result.HAZARD).first()
    if p is None:
        return None
    found = resolve(user, str(p.point_id), patrol=p.pk)
    if found is None:
        return None
    found["label"] = _("巡查记录：%(n)s") % {"n": found["label"]}
    found["url"] = reverse("risks-patrol", args=[p.pk])
    return found


register_origin(KIND, resolve)
register_origin(PATROL, resolve_patrol)
