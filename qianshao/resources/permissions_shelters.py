"""Who may take a shelter's steps: the resources' change rule (``permissions.change_refusal``)
at the shelter's cell — a managing post there or above. The rule its flow
(``models.SHELTER_FLOW``) applies after the table, and what its buttons ask."""

from qianshao.resources.permissions import change_refusal


def shelter_refusal(user, shelter, step: str):
    """Why ``user`` may not take ``step`` on ``shelter`` (None if they may)."""
    return change_refusal(user, shelter.cell_path)
