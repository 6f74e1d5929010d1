"""A warning as the origin of a record of another area (``lib.panels.origin``): an incident
opened from a warning (the flood it warned of came) is prefilled with its issuing cell and
words, and keeps "warnings.warning:<number>"; the warning's page lists what was opened from
it (``lib.panels.following``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.lib.panels import register_origin
from qianshao.warnings.access import visible_warnings

KIND = "warnings.warning"


def resolve(user, key: str, **extra) -> dict | None:
    number = str(key or "").strip().upper()
    if not (number.isascii() and number.isalnum() and len(number) <= 24):
        return None
    w = visible_warnings(user).select_related("cell").filter(number=number).first()
    if w is None:
        return None
    return {
        "label": _("预警：%(t)s（%(n)s）") % {"t": w.headline, "n": w.number},
        "url": reverse("warning", args=[w.number]),
        "cell": w.cell.code if w.cell_id else "",
        "title": w.headline,
        "description": w.text,
    }


register_origin(KIND, resolve)
