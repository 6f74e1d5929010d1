"""The steps of a transfer and of a requisition in one table, for their pages and their API
alike: how each step's action is called with the fields its form or body gave."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.resources import actions_supplies as actions

RECEIVE, RECALL = "receive", "recall"
RETURN, COMPENSATE = "return", "compensate"

TRANSFER_STEPS: dict[str, Callable[[Any, Any, Mapping[str, Any]], Any]] = {
    RECEIVE: lambda user, t, f: actions.receive_transfer(user, t),
    RECALL: lambda user, t, f: actions.recall_transfer(user, t, reason=f.get("reason") or ""),
}

REQUISITION_STEPS: dict[str, Callable[[Any, Any, Mapping[str, Any]], Any]] = {
    RETURN: lambda user, r, f: actions.return_requisition(user, r),
    COMPENSATE: lambda user, r, f: actions.compensate(
        user, r, amount=f.get("amount"), note=f.get("note") or ""
    ),
}


def take_transfer(user, transfer, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``transfer`` through its action (which checks everything)."""
    return TRANSFER_STEPS[step](user, transfer, fields)


def take_requisition(user, requisition, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``requisition`` through its action."""
    return REQUISITION_STEPS[step](user, requisition, fields)
