"""How long each step may take, and when supervision climbs: both configurable per grade
(admin: 环节时限, 督办规则), read through ``lib.settled``."""

from datetime import datetime, timedelta

from qianshao.hazards.models import Grade, Status, StepDeadline, SupervisionRung
from qianshao.lib.settled import Settled

# The defaults seeded by migration 0002 (hours).
DEFAULT_DEADLINES = {
    Grade.GENERAL: {
        Status.SUBMITTED: 24,
        Status.ACCEPTED: 24,
        Status.ESCALATED: 72,
        Status.ASSIGNED: 24,
        Status.RECTIFYING: 24 * 7,
        Status.VERIFYING: 48,
        Status.VERIFIED: 24,
    },
    Grade.MAJOR: {
        Status.SUBMITTED: 2,
        Status.ACCEPTED: 4,
        Status.ESCALATED: 24,
        Status.ASSIGNED: 12,
        Status.RECTIFYING: 24 * 30,
        Status.VERIFYING: 24,
        Status.VERIFIED: 24,
    },
}
# level: (hours after the step fell due, hours to answer)
DEFAULT_RUNGS = {
    Grade.GENERAL: {1: (0, 24), 2: (24, 48), 3: (72, 72), 4: (168, 72), 5: (336, 168)},
    Grade.MAJOR: {1: (0, 2), 2: (2, 12), 3: (12, 24), 4: (24, 48), 5: (48, 72)},
}


def _load() -> dict:
    return {
        "deadlines": {(d.grade, d.status): d.hours for d in StepDeadline.objects.all()},
        "rungs": {
            (r.grade, r.level): (r.after_hours, r.answer_hours)
            for r in SupervisionRung.objects.all()
        },
    }


_rules = Settled(_load).forget_on(StepDeadline, SupervisionRung)


def forget() -> None:
    """Drop the cache (rules written without signals, e.g. in tests)."""
    _rules.forget()


def due_for(grade: str, status: str, since: datetime, deadline: datetime | None = None):
    """When a hazard of ``grade`` entering ``status`` at ``since`` must leave it (or None).

    Rectification is due at the plan's own deadline (五落实·时限) when there is one.
    """
    if status == Status.RECTIFYING and deadline is not None:
        return deadline
    hours = _rules.get()["deadlines"].get((grade, status))
    if hours is None:
        hours = DEFAULT_DEADLINES.get(grade, {}).get(status)
    return None if hours is None else since + timedelta(hours=hours)


def rungs(grade: str) -> list[tuple[int, int, int]]:
    """The supervision ladder of ``grade``: (level, hours after due, hours to answer)."""
    table = {level: hours for (g, level), hours in _rules.get()["rungs"].items() if g == grade}
    table = table or DEFAULT_RUNGS[grade]
    return sorted((level, after, answer) for level, (after, answer) in table.items())
