"""A disaster report's steps in one table, for its page and its API alike: how each step's
action is called with the fields its form or body gave (the figures as a dict, the photos
read)."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.disasters import actions
from qianshao.disasters.models import DisasterReport

FOLLOW_UP, VERIFY, RELIEF = "follow-up", "verify", "relief"

STEPS: dict[str, Callable[[Any, DisasterReport, Mapping[str, Any]], Any]] = {
    FOLLOW_UP: lambda user, d, f: actions.follow_up(
        user, d, figures=f["figures"], note=f["note"], photo_files=f["photos"]
    ),
    VERIFY: lambda user, d, f: actions.verify(user, d, figures=f["figures"], note=f["note"]),
    RELIEF: lambda user, d, f: actions.apply_relief(
        user,
        d,
        kind=f["kind"],
        households=f["households"],
        people=f["people"],
        amount=f["amount"],
        note=f["note"],
    ),
}


def take(user, disaster: DisasterReport, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``disaster`` through its action (which checks everything)."""
    return STEPS[step](user, disaster, fields)
