"""Access rules of the 四色图's page, endpoint and layers, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) asks for A县's cells on the page and the endpoint (with a red
point in 一村): every request answers 404 and changes nothing. The two layers' outsider
requests are in test_fourcolour.py (the layers' route belongs to web's rules).
"""

from qianshao.risks.models import RiskPoint
from qianshao.risks.tests.helpers import risk_point

PAGE_RULES = {
    "risks/": "scoped",
}

API_RULES = {
    ("GET", "/api/v1/risks/fourcolour"): "scoped",
}

A_CELLS = ["450901", "450901100", "450901100201"]


def outsider_pages(cast) -> dict:
    risk_point(cast, inputs={"L": 10, "E": 6, "C": 15})
    return {
        "risks/": [
            ("get", f"/risks/?cell={code}{q}", None, 404)
            for code in A_CELLS
            for q in ["", "&kind=hazchem", "&industry=化工"]
        ],
    }


def outsider_api(cast) -> dict:
    risk_point(cast, inputs={"L": 10, "E": 6, "C": 15})
    return {
        ("GET", "/api/v1/risks/fourcolour"): [
            (f"/api/v1/risks/fourcolour?cell={code}{q}", None)
            for code in A_CELLS
            for q in ["", "&industry=化工"]
        ],
    }


def state() -> tuple:
    return (list(RiskPoint.objects.order_by("pk").values_list("pk", "name", "grade", "status")),)
