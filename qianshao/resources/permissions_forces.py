"""Who may change the forces' records: the resources' rule (``permissions.change_refusal``:
a managing post at the record's cell or above), for every step of a team too."""

from qianshao.resources.permissions import change_refusal


def team_refusal(user, team, step: str):
    """Why ``user`` may not take ``step`` (出动, 收队, 停用, 恢复, 撤销) on ``team``, or None:
    the rule ``TEAM_FLOW`` applies after its table."""
    return change_refusal(user, team.cell_path)


def record_refusal(user, record) -> str | None:
    """Why ``user`` may not change ``record`` (a team's details or members, a certificate, an
    expert, a social force), or None."""
    return change_refusal(user, record.cell_path)
