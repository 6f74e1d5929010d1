"""An incident's steps in one table, for its page and the API alike: each step's form and
how its action is called with the fields the form or the body gave (``figures`` already
gathered)."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.incidents import actions, actions_orders, actions_response, forms
from qianshao.incidents.models import Incident

Step = Callable[[Any, Incident, Mapping[str, Any]], Any]


def _figures(f) -> dict:
    return f.get("figures") or {}


STEPS: dict[str, tuple[type, Step]] = {
    "report": (
        forms.ReportForm,
        lambda u, i, f: actions.report(u, i, text=f.get("text") or "", figures=_figures(f)),
    ),
    "grade": (
        forms.GradeForm,
        lambda u, i, f: actions.set_grade(
            u, i, grade=f.get("grade") or "", reason=f.get("reason") or ""
        ),
    ),
    "respond": (
        forms.ResponseForm,
        lambda u, i, f: actions.respond(
            u,
            i,
            level=f.get("level") or "",
            decided_by=f.get("decided_by") or "",
            note=f.get("note") or "",
        ),
    ),
    "raise": (
        forms.ResponseForm,
        lambda u, i, f: actions.raise_level(
            u,
            i,
            level=f.get("level") or "",
            decided_by=f.get("decided_by") or "",
            note=f.get("note") or "",
        ),
    ),
    "lower": (
        forms.ResponseForm,
        lambda u, i, f: actions.lower_level(
            u,
            i,
            level=f.get("level") or "",
            decided_by=f.get("decided_by") or "",
            note=f.get("note") or "",
        ),
    ),
    "end": (
        forms.EndForm,
        lambda u, i, f: actions.end(
            u,
            i,
            text=f.get("text") or "",
            decided_by=f.get("decided_by") or "",
            figures=_figures(f),
        ),
    ),
    "commander": (
        forms.CommanderForm,
        lambda u, i, f: actions.appoint_commander(u, i, person=f.get("person")),
    ),
    "log": (
        forms.LogForm,
        lambda u, i, f: actions.write_log(
            u, i, kind=f.get("kind") or "", text=f.get("text") or "", corrects=f.get("corrects")
        ),
    ),
    "dispatch": (
        forms.DispatchForm,
        lambda u, i, f: actions_orders.dispatch(u, i, team=f.get("team"), task=f.get("task") or ""),
    ),
    "supplies": (
        forms.SuppliesForm,
        lambda u, i, f: actions_response.send_supplies(
            u, i, point=f.get("point"), lines=f.get("lines") or [], note=f.get("note") or ""
        ),
    ),
    "evacuate": (
        forms.EvacuateForm,
        lambda u, i, f: actions_response.evacuate(
            u,
            i,
            cell=f.get("cell"),
            shelter=f.get("shelter"),
            people=f.get("people"),
            households=list(f.get("households") or []),
            note=f.get("note") or "",
        ),
    ),
    "close": (
        forms.CloseForm,
        lambda u, i, f: actions_response.close(u, i, review=f.get("review") or ""),
    ),
    "finding": (
        forms.FindingForm,
        lambda u, i, f: actions_response.add_finding(
            u, i, text=f.get("text") or "", owner=f.get("owner") or "", due_on=f.get("due_on")
        ),
    ),
    "warn": (
        forms.WarnForm,
        lambda u, i, f: actions_response.warn(
            u,
            i,
            type_id=f.get("type"),
            level=f.get("level") or "",
            headline=f.get("headline") or "",
            text=f.get("text") or "",
        ),
    ),
}

# the steps whose ``cell`` is a Cell the page or the API found by its code
CELL_STEPS = ("evacuate",)


def take(user, incident: Incident, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``incident`` through its action (which checks everything)."""
    return STEPS[step][1](user, incident, fields)
