"""A duty log entry as the origin of an incident (``lib.panels.origin``): the incident form
opened from an entry (立案) is prefilled with its cell and words, the incident keeps
"incidents.duty:<id>" and its page links back, and the duty log records what followed — an
entry 跟 linking the incident, written in the incident's transaction."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.grid.scope import restrict
from qianshao.incidents import actions_duty
from qianshao.incidents.models import DutyEntry, EntryKind, Incident
from qianshao.lib.panels import register_origin

KIND = "incidents.duty"


def ref(entry) -> str:
    return f"{KIND}:{entry.pk}"


def resolve(user, key: str, **extra) -> dict | None:
    text = str(key or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    entry = (
        restrict(DutyEntry.objects.all(), user).select_related("cell").filter(pk=int(text)).first()
    )
    if entry is None:
        return None

    def on_reported(incident_id: int) -> None:
        actions_duty.log_duty(
            user,
            entry.cell,
            kind=EntryKind.FOLLOW,
            text=_("已立案为突发事件"),
            follows=entry.pk,
            incident=Incident.objects.get(pk=incident_id),
            checked=False,
        )

    return {
        "label": _("值班日志：%(t)s") % {"t": entry.text[:30]},
        "url": reverse("duty-desk") + f"?cell={entry.cell.code}#entry-{entry.pk}",
        "cell": entry.cell.code,
        "title": entry.text[:30],
        "description": entry.text,
        "on_reported": on_reported,
    }


register_origin(KIND, resolve)
