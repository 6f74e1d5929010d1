"""Who may change a duty holder's kit (docs/adr/0023 "Scope"): a managing post at the card's
cell or above it (``permissions.change_refusal``) — a village's 网格长 issues to its own
emergency officer, the township and county to any under them; departments and field members
only read. One rule for the item steps (``KITITEM_FLOW``), the issue form and the API."""

from django.utils.translation import gettext as _

from qianshao.resources.permissions import change_refusal


def card_refusal(user, card) -> str | None:
    """Why ``user`` may not issue to ``card``, or None if they may."""
    return change_refusal(user, card.cell_path)


def item_refusal(user, item, step: str):
    """Why ``user`` may not take ``step`` on ``item`` (报丢失, 报损坏, 收回, 更换), or None."""
    refused = change_refusal(user, item.card.cell_path)
    if refused is not None:
        return refused
    if step == "replace" and not item.card.active:
        return (_("该人员已不再担任此职责，不能更换"), "card")
    return None
