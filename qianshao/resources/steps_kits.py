"""A kit piece's steps in one table, for the card page and the API alike: how each step's
action is called with the fields its form or body gave."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.resources import actions_kits
from qianshao.resources.models import ItemCondition, ItemStep, KitItem

STEPS: dict[str, Callable[[Any, KitItem, Mapping[str, Any]], Any]] = {
    step: (
        lambda user, item, f, step=step: actions_kits.step(
            user,
            item,
            step,
            on=f.get("on"),
            condition=f.get("condition") or ItemCondition.NEW,
            note=f.get("note") or "",
        )
    )
    for step in (ItemStep.LOSE, ItemStep.DAMAGE, ItemStep.RETURN, ItemStep.REPLACE)
}


def take(user, item: KitItem, step: str, fields: Mapping[str, Any]) -> KitItem:
    """Take ``step`` of ``item`` through its action (which checks everything)."""
    return STEPS[step](user, item, fields)
