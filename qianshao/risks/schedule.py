"""When a risk point's patrols are due (docs/adr/0024 "Patrols"): every grade's frequency
(``PatrolFrequency``), patrolled ``flood_factor`` times as often in the flood season for the
kinds marked for it (``PatrolRule``)."""

from datetime import datetime, timedelta

from django.utils import timezone

from qianshao.lib.settled import Settled
from qianshao.risks.models import PatrolFrequency, PatrolRule, RiskKind

# missed due times written for one point at once, by the sweep's run or a check-in
MAX_CATCH_UP = 400


def _rule() -> PatrolRule:
    return PatrolRule.objects.get_or_create(pk=1)[0]


def _frequencies() -> dict[str, int]:
    return dict(PatrolFrequency.objects.values_list("grade", "every_hours"))


# read once a minute per process, not on every check-in (``lib.settled``)
_RULE = Settled(_rule).forget_on(PatrolRule)
_FREQUENCIES = Settled(_frequencies).forget_on(PatrolFrequency)


def rule() -> PatrolRule:
    """The patrols' rule (one row, from the admin)."""
    return _RULE.get()


def frequencies() -> dict[str, int]:
    """Hours between patrols, by grade."""
    return _FREQUENCIES.get()


def in_flood_season(at: datetime, r: PatrolRule) -> bool:
    """Is ``at`` (local date) within the flood season ``flood_from``–``flood_to`` (month-day,
    inclusive; a season may run over the new year)?"""
    day = f"{timezone.localtime(at):%m-%d}"
    if r.flood_from <= r.flood_to:
        return r.flood_from <= day <= r.flood_to
    return day >= r.flood_from or day <= r.flood_to


def interval(
    grade: str,
    kind: RiskKind,
    at: datetime,
    *,
    r: PatrolRule | None = None,
    hours: dict[str, int] | None = None,
) -> timedelta:
    """The time from a patrol at ``at`` to the next one of a point of ``grade`` and ``kind``."""
    r = r or rule()
    # at least an hour: a frequency of nothing would make every moment a due time
    every = max((hours or frequencies()).get(grade, 24 * 30), 1)
    if kind.flood_season and r.flood_factor > 1 and in_flood_season(at, r):
        return timedelta(hours=every) / r.flood_factor
    return timedelta(hours=every)


def next_due(grade: str, kind: RiskKind, after: datetime, **known) -> datetime:
    """The due time of the patrol after one at ``after``."""
    return after + interval(grade, kind, after, **known)
