"""Access rules of the supplies pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县: its points, their stock and cards, a movement
at its point, a transfer from it or its receipt, a requisition and its steps, its reserves
and shortages: every request answers 404 and changes nothing. The catalogue is everyone's
(LOGIN). Lists of one's own cell answer, holding B县's rows only (test_supplies_pages).
"""

import io
import uuid

from qianshao.intake.models import Submission
from qianshao.resources import actions_supplies as actions
from qianshao.resources.models import (
    Agreement,
    Batch,
    Capacity,
    Category,
    Holding,
    Item,
    Line,
    Minimum,
    Movement,
    Point,
    Requisition,
    Transfer,
)
from qianshao.resources.tests.supplies_fixtures import days

BASE = "/api/v1/resources"

PAGE_RULES = {
    "resources/supplies/": "scoped",
    "resources/supplies/points/new/": "scoped",
    "resources/supplies/points/<int:point_id>/": "scoped",
    "resources/supplies/points/<int:point_id>/<str:kind>/": "scoped",
    "resources/supplies/points/<int:point_id>/ledger.xlsx": "scoped",
    "resources/supplies/points/<int:point_id>/card.xlsx": "scoped",
    "resources/supplies/transfers/": "scoped",
    "resources/supplies/transfers/<int:transfer_id>/": "scoped",
    "resources/supplies/transfers/<int:transfer_id>/<str:step>/": "scoped",
    "resources/supplies/shortages/": "scoped",
    "resources/supplies/ledger.xlsx": "scoped",
    # the catalogue is one for everyone: its upload page answers 403 to whoever may not
    # keep it (catalogue_refusal), its templates are blank workbooks
    "resources/supplies/catalogue/import/": "login",
    "resources/supplies/templates/<str:which>.xlsx": "login",
    "resources/supplies/points/<int:point_id>/import/": "scoped",
    "resources/supplies/requisitions/": "scoped",
    "resources/supplies/requisitions/new/": "scoped",
    "resources/supplies/requisitions/<int:requisition_id>/": "scoped",
    "resources/supplies/requisitions/<int:requisition_id>/<str:step>/": "scoped",
    "resources/supplies/agreements/": "scoped",
    "resources/supplies/agreements/new/": "scoped",
    "resources/supplies/agreements/<int:agreement_id>/": "scoped",
    "resources/supplies/capacities/": "scoped",
    "resources/supplies/capacities/new/": "scoped",
    "resources/supplies/capacities/<int:capacity_id>/": "scoped",
}

API_RULES = {
    ("GET", f"{BASE}/catalogue"): "login",
    ("GET", f"{BASE}/points"): "scoped",
    ("POST", f"{BASE}/points"): "scoped",
    ("GET", f"{BASE}/points/{{point_id}}"): "scoped",
    ("GET", f"{BASE}/points/{{point_id}}/stock"): "scoped",
    ("GET", f"{BASE}/points/{{point_id}}/card"): "scoped",
    ("POST", f"{BASE}/points/{{point_id}}/minimums"): "scoped",
    ("POST", f"{BASE}/movements"): "scoped",
    ("GET", f"{BASE}/transfers"): "scoped",
    ("POST", f"{BASE}/transfers"): "scoped",
    ("GET", f"{BASE}/transfers/{{transfer_id}}"): "scoped",
    ("POST", f"{BASE}/transfers/{{transfer_id}}/steps/{{step}}"): "scoped",
    ("GET", f"{BASE}/requisitions"): "scoped",
    ("POST", f"{BASE}/requisitions"): "scoped",
    ("POST", f"{BASE}/requisitions/{{requisition_id}}/steps/{{step}}"): "scoped",
    ("GET", f"{BASE}/agreements"): "scoped",
    ("POST", f"{BASE}/agreements"): "scoped",
    ("GET", f"{BASE}/capacities"): "scoped",
    ("POST", f"{BASE}/capacities"): "scoped",
    ("GET", f"{BASE}/shortages"): "scoped",
}

SAMPLE_KWARGS = {
    "point_id": 1,
    "transfer_id": 1,
    "kind": "receive",
    "requisition_id": 1,
    "agreement_id": 1,
    "capacity_id": 1,
    "which": "stock",
}


def stock_upload() -> dict:
    """An opening-stock file of one good row (a fresh file for each request)."""
    upload = io.BytesIO("物资代码,数量\n1999901,5\n".encode())
    upload.name = "stock.csv"
    return {"file": upload}


def outsider_pages(cast) -> dict:
    s = a_county_stock(cast)
    cp, tid, rid = s["county"].pk, s["transfer"].pk, s["requisition"].pk
    aid, capid = s["agreement"].pk, s["capacity"].pk
    form = {"client_uuid": uuid.uuid4()}
    point = f"/resources/supplies/points/{cp}"
    sup = "/resources/supplies"
    agreement = form | {
        "supplier": "越界",
        "item": "1999901",
        "quantity": "1",
        "starts": str(days(0)),
        "ends": str(days(9)),
    }
    capacity = form | {"enterprise": "越界", "item": "1999901", "per_day": "1"}
    requisition = form | {
        "point": str(s["township"].pk),
        "owner": "越界",
        "value": "1",
        "note": "越界",
        "item_1": "1999901",
        "quantity_1": "1",
    }
    return {
        "resources/supplies/ledger.xlsx": [
            ("get", f"{sup}/ledger.xlsx?cell={code}", None, 404) for code in ["450901", "450901100"]
        ],
        "resources/supplies/points/<int:point_id>/import/": [
            ("get", f"{point}/import/", None, 404),
            ("post", f"{point}/import/", stock_upload(), 404),
        ],
        "resources/supplies/requisitions/": [
            ("get", f"{sup}/requisitions/?cell=450901100", None, 404)
        ],
        "resources/supplies/requisitions/new/": [
            ("get", f"{sup}/requisitions/new/?point={s['township'].pk}", None, 404),
            ("get", f"{sup}/requisitions/new/?cell=450901", None, 404),
            # offers B县's points only: a point of A县 is no choice
            ("post", f"{sup}/requisitions/new/", requisition, 400),
        ],
        "resources/supplies/requisitions/<int:requisition_id>/": [
            ("get", f"{sup}/requisitions/{rid}/", None, 404)
        ],
        "resources/supplies/requisitions/<int:requisition_id>/<str:step>/": [
            ("post", f"{sup}/requisitions/{rid}/return/", form, 404),
            ("post", f"{sup}/requisitions/{rid}/compensate/", form | {"compensation": "1"}, 404),
        ],
        "resources/supplies/agreements/": [("get", f"{sup}/agreements/?cell=450901", None, 404)],
        "resources/supplies/agreements/new/": [
            ("get", f"{sup}/agreements/new/?cell=450901", None, 404),
            ("post", f"{sup}/agreements/new/?cell=450901", agreement, 404),
        ],
        "resources/supplies/agreements/<int:agreement_id>/": [
            ("get", f"{sup}/agreements/{aid}/", None, 404),
            ("post", f"{sup}/agreements/{aid}/", agreement, 404),
        ],
        "resources/supplies/capacities/": [("get", f"{sup}/capacities/?cell=450901", None, 404)],
        "resources/supplies/capacities/new/": [
            ("get", f"{sup}/capacities/new/?cell=450901100", None, 404),
            ("post", f"{sup}/capacities/new/?cell=450901100", capacity, 404),
        ],
        "resources/supplies/capacities/<int:capacity_id>/": [
            ("get", f"{sup}/capacities/{capid}/", None, 404),
            ("post", f"{sup}/capacities/{capid}/", capacity, 404),
        ],
        "resources/supplies/": [
            ("get", f"/resources/supplies/?cell={code}", None, 404)
            for code in ["450901", "450901100"]
        ],
        "resources/supplies/points/new/": [  # offers B县's cells only: a cell of A县 is no choice
            (
                "post",
                "/resources/supplies/points/new/",
                form | {"cell": "450901", "name": "越界"},
                400,
            )
        ],
        "resources/supplies/points/<int:point_id>/": [
            ("get", f"{point}/", None, 404),
            ("get", f"{point}/?item=1999901", None, 404),
        ],
        "resources/supplies/points/<int:point_id>/<str:kind>/": [
            (
                "post",
                f"{point}/issue/",
                form | {"item": "1999901", "quantity": "1", "purpose": "越界"},
                404,
            ),
            (
                "post",
                f"{point}/write_off/",
                form | {"batch": s["batch"].pk, "quantity": "1", "reason": "lost"},
                404,
            ),
            ("post", f"{point}/minimum/", form | {"item": "1999901", "quantity": "9"}, 404),
        ],
        "resources/supplies/points/<int:point_id>/ledger.xlsx": [
            ("get", f"{point}/ledger.xlsx", None, 404)
        ],
        "resources/supplies/points/<int:point_id>/card.xlsx": [
            ("get", f"{point}/card.xlsx?item=1999901", None, 404)
        ],
        "resources/supplies/transfers/": [
            ("get", "/resources/supplies/transfers/?cell=450901", None, 404)
        ],
        "resources/supplies/transfers/<int:transfer_id>/": [
            ("get", f"/resources/supplies/transfers/{tid}/", None, 404)
        ],
        "resources/supplies/transfers/<int:transfer_id>/<str:step>/": [
            ("post", f"/resources/supplies/transfers/{tid}/{step}/", form, 404)
            for step in ["receive", "recall"]
        ],
        "resources/supplies/shortages/": [
            ("get", "/resources/supplies/shortages/?cell=450901", None, 404)
        ],
    }


def a_county_stock(cast) -> dict:
    """A县's supplies: rice at the county's point, a transfer in transit to 甲镇, a
    requisition at 甲镇 and the outsider's own point in B县."""
    cat = Category.objects.get(code="19999")
    rice, _ = Item.objects.get_or_create(
        code="1999901", defaults={"name": "大米", "unit": "kg", "category": cat}
    )
    county = actions.create_point(None, cell=cast.county, name="A县物资库")
    township = actions.create_point(None, cell=cast.township, name="甲镇储备点")
    other = actions.create_point(None, cell=cast.other_county, name="B县物资库")
    actions.receive(None, county, item=rice, quantity=50, expires=days(200), lot="A1")
    actions.receive(None, other, item=rice, quantity=5, expires=days(200), lot="B1")
    transfer = actions.dispatch(None, county, township, lines=[(rice, 5, None, None)])
    req = actions.requisition(
        None, township, owner="某厂", lines=[(rice, 2, None, None)], value="100"
    )
    agreement = actions.add_agreement(
        None,
        cell=cast.county,
        supplier="某超市",
        item=rice,
        quantity=10,
        starts=days(0),
        ends=days(20),
    )
    capacity = actions.add_capacity(
        None, cell=cast.township, enterprise="某厂", item=rice, per_day=3
    )
    return {
        "agreement": agreement,
        "capacity": capacity,
        "rice": rice,
        "county": county,
        "township": township,
        "other": other,
        "transfer": transfer,
        "requisition": req,
        "batch": Batch.objects.get(point=county),
    }


def outsider_api(cast) -> dict:
    s = a_county_stock(cast)
    cp, tp, tid, rid = s["county"].pk, s["township"].pk, s["transfer"].pk, s["requisition"].pk
    other = s["other"].pk

    def uid():
        return str(uuid.uuid4())

    return {
        ("GET", f"{BASE}/points"): [(f"{BASE}/points?cell=450901", None)],
        ("POST", f"{BASE}/points"): [
            (f"{BASE}/points", {"client_uuid": uid(), "cell": "450901100", "name": "越界"})
        ],
        ("GET", f"{BASE}/points/{{point_id}}"): [(f"{BASE}/points/{cp}", None)],
        ("GET", f"{BASE}/points/{{point_id}}/stock"): [(f"{BASE}/points/{cp}/stock", None)],
        ("GET", f"{BASE}/points/{{point_id}}/card"): [
            (f"{BASE}/points/{cp}/card?item=1999901", None)
        ],
        ("POST", f"{BASE}/points/{{point_id}}/minimums"): [
            (f"{BASE}/points/{cp}/minimums", {"item": "1999901", "quantity": 100})
        ],
        ("POST", f"{BASE}/movements"): [
            (
                f"{BASE}/movements",
                {
                    "client_uuid": uid(),
                    "kind": "issue",
                    "point": cp,
                    "item": "1999901",
                    "quantity": 1,
                    "purpose": "越界",
                },
            ),
            (
                f"{BASE}/movements",
                {
                    "client_uuid": uid(),
                    "kind": "write_off",
                    "point": cp,
                    "batch": s["batch"].pk,
                    "quantity": 1,
                    "reason": "lost",
                },
            ),
        ],
        ("GET", f"{BASE}/transfers"): [(f"{BASE}/transfers?cell=450901100", None)],
        ("POST", f"{BASE}/transfers"): [
            (
                f"{BASE}/transfers",
                {
                    "client_uuid": uid(),
                    "source": cp,
                    "destination": other,
                    "lines": [{"item": "1999901", "quantity": 1}],
                },
            ),
            (  # from their own point to one of A县's: not theirs to reach
                f"{BASE}/transfers",
                {
                    "client_uuid": uid(),
                    "source": other,
                    "destination": tp,
                    "lines": [{"item": "1999901", "quantity": 1}],
                },
            ),
        ],
        ("GET", f"{BASE}/transfers/{{transfer_id}}"): [(f"{BASE}/transfers/{tid}", None)],
        ("POST", f"{BASE}/transfers/{{transfer_id}}/steps/{{step}}"): [
            (f"{BASE}/transfers/{tid}/steps/receive", {}),
            (f"{BASE}/transfers/{tid}/steps/recall", {}),
        ],
        ("GET", f"{BASE}/requisitions"): [(f"{BASE}/requisitions?cell=450901", None)],
        ("POST", f"{BASE}/requisitions"): [
            (
                f"{BASE}/requisitions",
                {
                    "client_uuid": uid(),
                    "point": tp,
                    "owner": "x",
                    "value": "1",
                    "lines": [{"item": "1999901", "quantity": 1}],
                },
            )
        ],
        ("POST", f"{BASE}/requisitions/{{requisition_id}}/steps/{{step}}"): [
            (f"{BASE}/requisitions/{rid}/steps/return", {}),
            (f"{BASE}/requisitions/{rid}/steps/compensate", {"amount": "1"}),
        ],
        ("GET", f"{BASE}/agreements"): [(f"{BASE}/agreements?cell=450901", None)],
        ("POST", f"{BASE}/agreements"): [
            (
                f"{BASE}/agreements",
                {
                    "client_uuid": uid(),
                    "cell": "450901",
                    "supplier": "x",
                    "item": "1999901",
                    "quantity": 1,
                    "starts": str(days(0)),
                    "ends": str(days(9)),
                },
            )
        ],
        ("GET", f"{BASE}/capacities"): [(f"{BASE}/capacities?cell=450901", None)],
        ("POST", f"{BASE}/capacities"): [
            (
                f"{BASE}/capacities",
                {
                    "client_uuid": uid(),
                    "cell": "450901",
                    "enterprise": "x",
                    "item": "1999901",
                    "per_day": 1,
                },
            )
        ],
        ("GET", f"{BASE}/shortages"): [(f"{BASE}/shortages?cell=450901", None)],
    }


def state() -> tuple:
    return (
        list(Point.objects.order_by("pk").values_list("pk", "name")),
        list(Batch.objects.order_by("pk").values_list("pk", "quantity")),
        list(Holding.objects.order_by("pk").values_list("pk", "quantity", "in_transit_out")),
        list(Minimum.objects.order_by("pk").values_list("pk", "quantity", "short")),
        Movement.objects.count(),
        Line.objects.count(),
        list(Transfer.objects.order_by("pk").values_list("pk", "status")),
        list(Requisition.objects.order_by("pk").values_list("pk", "status", "compensation")),
        list(Agreement.objects.order_by("pk").values_list("pk", "supplier", "quantity", "ends")),
        list(Capacity.objects.order_by("pk").values_list("pk", "enterprise", "per_day")),
        Category.objects.count(),
        Item.objects.count(),
        Submission.objects.count(),
    )
