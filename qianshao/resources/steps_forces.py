"""A team's steps in one table, for its page and its API alike: how each step's action is
called with the fields its form or body gave."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.resources import actions_forces as actions
from qianshao.resources.models import Team, TeamStep

STEPS: dict[str, Callable[[Any, Team, Mapping[str, Any]], Any]] = {
    step: (lambda s: lambda user, team, f: actions.team_step(user, team, s, note=f["note"]))(step)
    for step in (
        TeamStep.DISPATCH,
        TeamStep.RETURN,
        TeamStep.DISABLE,
        TeamStep.RESTORE,
        TeamStep.REVOKE,
    )
}


def take(user, team: Team, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``team`` through its action (which checks everything)."""
    return STEPS[step](user, team, fields)
