"""A disaster report as the origin of a record of another area (``lib.panels.origin``): an
incident opened from a disaster report is prefilled with its cell, place and figures' words,
and keeps "disasters.report:<number>"; the report's page lists what was opened from it
(``lib.panels.following``)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.disasters.access import visible_disasters
from qianshao.lib.panels import register_origin

KIND = "disasters.report"


def resolve(user, key: str, **extra) -> dict | None:
    number = str(key or "").strip().upper()
    if not (number.isascii() and number.isalnum() and len(number) <= 24):
        return None
    d = visible_disasters(user).select_related("cell").filter(number=number).first()
    if d is None:
        return None
    return {
        "label": _("灾情报告：%(t)s（%(n)s）") % {"t": d.get_type_display(), "n": d.number},
        "url": reverse("disaster", args=[d.number]),
        "cell": d.cell.code,
        "address": d.place,
        "title": f"{d.cell.name}{d.get_type_display()}",
        "description": _("受灾 %(a)s 人，死亡 %(d)s 人，失踪 %(m)s 人，紧急转移安置 %(r)s 人。")
        % {"a": d.affected, "d": d.dead, "m": d.missing, "r": d.relocated},
    }


register_origin(KIND, resolve)
