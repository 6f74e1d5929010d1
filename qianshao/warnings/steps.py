"""A warning's steps in one table, for its page and its API alike: how each step's action
is called with the fields its form or body gave."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.warnings import actions
from qianshao.warnings.models import Step, Warning

STEPS: dict[str, Callable[[Any, Warning, Mapping[str, Any]], Warning]] = {
    Step.SUBMIT: lambda user, w, f: actions.submit(
        user, w, issue_on_approval=f.get("issue_on_approval", False)
    ),
    Step.RETURN: lambda user, w, f: actions.send_back(user, w, reason=f["reason"]),
    Step.APPROVE: lambda user, w, f: actions.approve(user, w, note=f["note"]),
    Step.ISSUE: lambda user, w, f: actions.issue(user, w),
    Step.CANCEL: lambda user, w, f: actions.cancel(user, w, reason=f["reason"]),
}


def take(user, warning: Warning, step: str, fields: Mapping[str, Any]) -> Warning:
    """Take ``step`` of ``warning`` through its action (which checks everything)."""
    return STEPS[step](user, warning, fields)
