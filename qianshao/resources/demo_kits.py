"""Kits in the demo county (凌云县): the grid demo appoints a 专职应急员 in every village and
community and two or three 防汛巡查员, so each already has a card (the grid's receiver); here
their kits are issued, partly, through the actions — most complete, some short of a line or
three, some not yet issued, a raincoat lost in the last flood and replaced, a helmet damaged
and waiting (docs/adr/0023 "Demo": kits partly issued). The demo's own village shows an
officer short of two pieces."""

import random
from datetime import timedelta

from django.utils import timezone

from qianshao.grid import tree
from qianshao.resources import actions_kits
from qianshao.resources.models import ItemStatus, KitCard, KitItem

DEMO_VILLAGE = "451027100201"
COMPLETE, PARTLY = 0.5, 0.3  # the shares of complete and partly issued kits; the rest: none


def build(county) -> int:
    """Issue the county's kits; returns how many cards were issued to."""
    rng = random.Random("kits:" + county.code)
    today = timezone.localdate()
    cards = list(
        KitCard.objects.filter(tree.subtree_q(county.path, "cell_path"), active=True)
        .select_related("standard", "cell")
        .order_by("cell_path", "standard_id", "person_id")
    )
    issued = 0
    for card in cards:
        lines = list(card.standard.lines.all())
        draw = rng.random()
        if card.cell.code == DEMO_VILLAGE and card.standard.code == "nine_ones":
            given = lines[:-2]  # the demo village's officer: 应急通讯录 and 灾情登记本 to come
        elif draw < COMPLETE:
            given = lines
        elif draw < COMPLETE + PARTLY:
            given = rng.sample(lines, k=len(lines) - rng.randint(1, min(3, len(lines) - 1)))
        else:
            continue
        on = today - timedelta(days=rng.randint(60, 400))
        quantities = {line.pk: line.quantity for line in given}
        actions_kits.issue_lines(None, card, quantities, issued_on=on, condition="new")
        issued += 1
    _mishaps(cards, rng, today)
    return issued


def _mishaps(cards, rng, today) -> None:
    """A raincoat lost in the last flood and replaced; a helmet damaged, not yet replaced."""
    pieces = KitItem.objects.filter(card__in=[c.pk for c in cards], status=ItemStatus.IN_USE)
    raincoat = pieces.filter(line__name="雨衣").order_by("id").first()
    if raincoat is not None:
        lost = actions_kits.step(
            None, raincoat, "lose", on=today - timedelta(days=12), note="山洪抢险中遗失"
        )
        actions_kits.step(None, lost, "replace", on=today - timedelta(days=5), condition="new")
    helmet = pieces.filter(line__name="头盔").order_by("-id").first()
    if helmet is not None:
        actions_kits.step(None, helmet, "damage", on=today - timedelta(days=3), note="巡堤时摔裂")
