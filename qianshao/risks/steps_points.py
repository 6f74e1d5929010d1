"""A risk point's steps in one table, for its page and its API alike: 重新评级, 销号,
向社会公告 and its withdrawal (red points only), and its two measures lists."""

from collections.abc import Callable, Mapping
from typing import Any

from qianshao.risks import actions_points as actions
from qianshao.risks.models import RiskPoint

REGRADE = "regrade"
RETIRE = "retire"
PUBLISH = "publish"
UNPUBLISH = "unpublish"
MEASURES = "measures"


def _regrade(user, p: RiskPoint, f: Mapping[str, Any]):
    return actions.regrade(
        user,
        p,
        inputs=f.get("inputs"),
        grade=f.get("grade") or None,
        override_reason=f.get("override_reason") or "",
        note=f.get("note") or "",
    )


STEPS: dict[str, Callable[[Any, RiskPoint, Mapping[str, Any]], Any]] = {
    REGRADE: _regrade,
    RETIRE: lambda user, p, f: actions.retire(user, p, note=f.get("note") or ""),
    PUBLISH: lambda user, p, f: actions.edit_point(user, p, published=True),
    UNPUBLISH: lambda user, p, f: actions.edit_point(user, p, published=False),
    MEASURES: lambda user, p, f: actions.edit_point(user, p, measures=f.get("measures")),
}


def take(user, point: RiskPoint, step: str, fields: Mapping[str, Any]):
    """Take ``step`` of ``point`` through its action (which checks everything)."""
    return STEPS[step](user, point, fields)
