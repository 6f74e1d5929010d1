"""A shelter's steps in one table, for its page and its API alike: the status steps of its
flow (开放, 启用, 停用, 关闭) and the occupancy figure while in use."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.resources import actions_shelters as actions
from qianshao.resources.models import Shelter, ShelterStep

OCCUPANCY = "occupancy"


def _status(step: str):
    return lambda user, s, f: actions.step_shelter(user, s, step, note=f.get("note", ""))


STEPS: dict[str, Callable[[Any, Shelter, Mapping[str, Any]], Any]] = {
    ShelterStep.OPEN: _status(ShelterStep.OPEN),
    ShelterStep.ACTIVATE: _status(ShelterStep.ACTIVATE),
    ShelterStep.DEACTIVATE: _status(ShelterStep.DEACTIVATE),
    ShelterStep.CLOSE: _status(ShelterStep.CLOSE),
    OCCUPANCY: lambda user, s, f: actions.set_occupancy(user, s, f.get("occupancy")),
}


def take(user, shelter: Shelter, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``shelter`` through its action (which checks everything)."""
    return STEPS[step](user, shelter, fields)
