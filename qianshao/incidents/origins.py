"""A duty log entry as the origin of an incident (``lib.panels.origin``): the incident form
opened from an entry (立案) is prefilled with its cell and words, the incident keeps
"incidents.duty:<id>" and its page links back, and the duty log records what followed — an
entry 跟 linking the incident, written in the incident's transaction."""

from django.urls import reverse
from django.utils.translation import gettext as _

from qianshao.grid.scope import restrict
from qianshao.incidents import actions_duty, actions_response
from qianshao.incidents.models import DutyEntry, EntryKind, Finding, Incident
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


FINDING = "incidents.finding"


def resolve_finding(user, key: str, **extra) -> dict | None:
    """A finding of a review as the origin of a hazard (回头看): the hazard report form is
    prefilled with the incident's cell and place and the finding's words; the finding is
    linked to the hazard reported, in its transaction."""
    text = str(key or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    finding = (
        restrict(Finding.objects.all(), user)
        .select_related("incident__cell")
        .filter(pk=int(text))
        .first()
    )
    if finding is None:
        return None
    incident = finding.incident
    return {
        "label": _("总结评估：%(t)s") % {"t": finding.text[:30]},
        "url": reverse("incident", args=[incident.pk]) + f"#finding-{finding.pk}",
        "cell": incident.cell.code,
        "lon": incident.lon,
        "lat": incident.lat,
        "address": incident.place,
        "title": finding.text[:60],
        "description": _("%(incident)s总结评估发现：%(text)s")
        % {"incident": incident.title, "text": finding.text},
        "photos": [],
        "on_reported": lambda hazard_id: actions_response.link_hazard(finding.pk, hazard_id),
    }


register_origin(KIND, resolve)
register_origin(FINDING, resolve_finding)
