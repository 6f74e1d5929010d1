"""Getting kit cards and items for a user: only through scope, 404 for both missing and not
yours (ADR 6)."""

from django.http import Http404

from qianshao.grid.scope import restrict
from qianshao.resources.models import KitCard, KitItem


def visible_cards(user):
    return restrict(KitCard.objects.all(), user)


def access_card(user, card_id: int) -> KitCard:
    found = (
        visible_cards(user).select_related("person", "standard", "cell").filter(pk=card_id).first()
    )
    if found is None:
        raise Http404(card_id)
    return found


def access_item(user, item_id: int) -> KitItem:
    found = (
        KitItem.objects.filter(card__in=visible_cards(user).values("pk"), pk=item_id)
        .select_related("card", "line")
        .first()
    )
    if found is None:
        raise Http404(item_id)
    return found
