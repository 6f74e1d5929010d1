"""The loop's steps in one table, for the hazard's page and the API alike: how each step's
action is called with the fields its form or body gave, once each front has resolved them
(the hazard merged into, the department, the assignee cell or department, the responsible
person, the photos read)."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Step

Fields = Mapping[str, Any]


def _note(action) -> Callable:
    return lambda user, hazard, f: action(user, hazard, note=f["note"])


def _with_photos(action) -> Callable:
    return lambda user, hazard, f: action(user, hazard, note=f["note"], photo_files=f["photos"])


def _assign(user, hazard: Hazard, f: Fields):
    return actions.assign(
        user,
        hazard,
        measures=f["measures"],
        responsible=f["responsible"],
        deadline=f["deadline"],
        contingency=f["contingency"],
        funds=f["funds"],
        assignee_cell=f["assignee_cell"],
        assignee_department=f["assignee_department"],
        note=f["note"],
    )


def _resubmit(user, hazard: Hazard, f: Fields):
    """Every field but the note optional: what is not given stays as first reported."""
    return actions.resubmit(
        user,
        hazard,
        description=f.get("description") or "",
        note=f.get("note") or "",
        title=f.get("title") or "",
        category=f.get("category"),
        grade=f.get("grade") or "",
        cell=f.get("cell"),
        lon=f.get("lon"),
        lat=f.get("lat"),
        address=f.get("address") or "",
        photo_files=f.get("photos") or (),
    )


STEPS: dict[str, Callable[[Any, Hazard, Fields], Hazard]] = {
    Step.ACCEPT: _note(actions.accept),
    Step.RETURN: lambda user, h, f: actions.return_report(user, h, reason=f["reason"]),
    Step.RESUBMIT: _resubmit,
    Step.MERGE: lambda user, h, f: actions.merge(user, h, into=f["into"], note=f["note"]),
    Step.ESCALATE: lambda user, h, f: actions.escalate(
        user, h, department=f["department"], note=f["note"]
    ),
    Step.ASSIGN: _assign,
    Step.START: _note(actions.start),
    Step.PROGRESS: _with_photos(actions.progress),
    Step.SUBMIT: _with_photos(actions.submit),
    Step.VERIFY: _note(actions.verify),
    Step.REJECT: lambda user, h, f: actions.reject(user, h, reason=f["reason"]),
    Step.CLOSE: _note(actions.close),
}


def take(user, hazard: Hazard, step: str, fields: Fields) -> Hazard:
    """Take ``step`` of ``hazard`` through its action (which checks everything)."""
    return STEPS[step](user, hazard, fields)
