"""A hazard as the origin of a record of another area (``lib.panels.origin``): an incident
opened from a hazard (a hazard that turned into an accident) is prefilled with its cell,
place and words, and keeps "hazards.hazard:<number>"; the hazard's page lists what was
opened from it (``lib.panels.following``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.hazards.access import visible_hazards
from qianshao.lib.panels import register_origin

KIND = "hazards.hazard"


def resolve(user, key: str, **extra) -> dict | None:
    number = str(key or "").strip().upper()
    if not (number.isascii() and number.isalnum() and len(number) <= 24):
        return None
    h = visible_hazards(user).select_related("cell").filter(number=number).first()
    if h is None:
        return None
    return {
        "label": _("隐患：%(t)s（%(n)s）") % {"t": h.title, "n": h.number},
        "url": reverse("hazard", args=[h.number]),
        "cell": h.cell.code,
        "lon": h.lon,
        "lat": h.lat,
        "address": h.address,
        "title": h.title,
        "description": h.description,
    }


register_origin(KIND, resolve)
