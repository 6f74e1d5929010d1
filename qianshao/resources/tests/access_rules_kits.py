"""Access rules of the kit pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县: its completeness table, a kit card of 一村's
emergency officer, an issue to it, a step of one of its pieces — every request answers 404
and changes nothing. Lists answer, holding B县's rows only (their own tests).
"""

import uuid

from qianshao.grid.models import Duty, Role
from qianshao.intake.models import Submission
from qianshao.resources import actions_kits
from qianshao.resources.models import KitCard, KitItem, Tally
from qianshao.testing import appoint

PAGE_RULES = {
    "resources/kits/": "scoped",
    "resources/kits/cards/<int:card_id>/": "scoped",
    "resources/kits/cards/<int:card_id>/issue/": "scoped",
    "resources/kits/items/<int:item_id>/<str:step>/": "scoped",
}

API_RULES = {
    ("GET", "/api/v1/resources/kits"): "login",
    ("GET", "/api/v1/resources/kits/completeness"): "scoped",
    ("GET", "/api/v1/resources/kit-cards"): "scoped",
    ("GET", "/api/v1/resources/kit-cards/{card_id}"): "scoped",
    ("POST", "/api/v1/resources/kit-cards/{card_id}/items"): "scoped",
    ("POST", "/api/v1/resources/kit-cards/{card_id}/items/{item_id}/steps/{step}"): "scoped",
}

SAMPLE_KWARGS = {"card_id": 1, "item_id": 1}


def a_county_card(cast):
    """一村's emergency officer's card with one raincoat issued."""
    person = appoint(cast.village, Role.MEMBER, name="应急员", duties=[Duty.EMERGENCY_OFFICER])
    card = KitCard.objects.select_related("standard").get(person=person)
    line = card.standard.lines.get(name="雨衣")
    actions_kits.issue(cast.users["county"], card, line=line.pk)
    return card, line, KitItem.objects.get(card=card)


def outsider_pages(cast) -> dict:
    card, line, item = a_county_card(cast)
    form = {"client_uuid": uuid.uuid4()}
    return {
        "resources/kits/": [
            ("get", f"/resources/kits/?cell={code}", None, 404)
            for code in ["450901", "450901100201", "NOPE"]
        ],
        "resources/kits/cards/<int:card_id>/": [
            ("get", f"/resources/kits/cards/{card.pk}/", None, 404)
        ],
        "resources/kits/cards/<int:card_id>/issue/": [
            (
                "post",
                f"/resources/kits/cards/{card.pk}/issue/",
                form | {"line": line.pk, "quantity": 1, "issued_on": "2024-05-01"},
                404,
            )
        ],
        "resources/kits/items/<int:item_id>/<str:step>/": [
            ("post", f"/resources/kits/items/{item.pk}/{step}/", form, 404)
            for step in ["lose", "damage", "return", "replace"]
        ],
    }


def outsider_api(cast) -> dict:
    card, line, item = a_county_card(cast)
    base = f"/api/v1/resources/kit-cards/{card.pk}"
    return {
        ("GET", "/api/v1/resources/kits/completeness"): [
            ("/api/v1/resources/kits/completeness?cell=450901", None)
        ],
        ("GET", "/api/v1/resources/kit-cards"): [
            ("/api/v1/resources/kit-cards?cell=450901100201", None)
        ],
        ("GET", "/api/v1/resources/kit-cards/{card_id}"): [(base, None)],
        ("POST", "/api/v1/resources/kit-cards/{card_id}/items"): [
            (f"{base}/items", {"client_uuid": str(uuid.uuid4()), "line": line.pk})
        ],
        ("POST", "/api/v1/resources/kit-cards/{card_id}/items/{item_id}/steps/{step}"): [
            (f"{base}/items/{item.pk}/steps/{step}", {}) for step in ["lose", "replace"]
        ],
    }


def state() -> tuple:
    return (
        list(KitCard.objects.order_by("pk").values_list("pk", "complete", "missing", "active")),
        list(KitItem.objects.order_by("pk").values_list("pk", "status")),
        list(Tally.objects.order_by("pk").values_list("pk", "n")),
        Submission.objects.count(),
    )
