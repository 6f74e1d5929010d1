"""Access rules of the incidents' pages, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县: its list, the receiving form for 一村, an
incident of 一村 with each of its steps, its level's passing up, an order of a team of 甲镇
and its answers — every request answers 404 and changes nothing. 我的调派 is the user's own
(the orders to the teams they lead).
"""

import uuid

from qianshao.incidents import actions_orders
from qianshao.incidents.models import Incident, LogEntry, Order, Relay, Report, Tally
from qianshao.incidents.tests.helpers import a_team, an_incident
from qianshao.intake.models import Submission
from qianshao.resources.models import Team

PAGE_RULES = {
    "incidents/": "scoped",
    "incidents/new/": "scoped",
    "incidents/timeliness/": "scoped",
    "incidents/<int:incident_id>/": "scoped",
    "incidents/<int:incident_id>/board/": "scoped",
    "incidents/<int:incident_id>/sitrep/": "scoped",
    "incidents/<int:incident_id>/sitrep.docx": "scoped",
    "incidents/<int:incident_id>/<str:name>/": "scoped",
    "incidents/relays/<int:relay_id>/pass/": "scoped",
    "incidents/orders/": "own",
    "incidents/orders/<int:order_id>/": "scoped",
    "incidents/orders/<int:order_id>/<str:name>/": "scoped",
}

API_RULES = {
    ("GET", "/api/v1/incidents"): "scoped",
    ("POST", "/api/v1/incidents"): "scoped",
    ("GET", "/api/v1/incidents/{incident_id}"): "scoped",
    ("POST", "/api/v1/incidents/{incident_id}/steps/{step}"): "scoped",
    ("GET", "/api/v1/incidents/{incident_id}/log"): "scoped",
    ("GET", "/api/v1/incidents/{incident_id}/candidates"): "scoped",
    ("POST", "/api/v1/incidents/relays/{relay_id}/pass"): "scoped",
    ("GET", "/api/v1/incidents/orders/mine"): "own",
    ("GET", "/api/v1/incidents/orders/{order_id}"): "scoped",
    ("POST", "/api/v1/incidents/orders/{order_id}/steps/{step}"): "scoped",
}

SAMPLE_KWARGS = {"incident_id": 1, "relay_id": 1, "order_id": 1}


def an_order(cast):
    incident = an_incident(cast)
    team = a_team(cast)
    order = actions_orders.dispatch(cast.users["county"], incident, team=team.pk, task="救援")
    return incident, order


def outsider_pages(cast) -> dict:
    incident, order = an_order(cast)
    relay = Relay.objects.get(incident=incident)
    form = {"client_uuid": uuid.uuid4()}
    base = f"/incidents/{incident.pk}"
    return {
        "incidents/": [
            ("get", f"/incidents/?cell={code}", None, 404) for code in ["450901", "450901100201"]
        ],
        "incidents/new/": [
            ("get", "/incidents/new/?cell=450901100201", None, 404),
            (
                "post",
                "/incidents/new/",
                form
                | {
                    "title": "x",
                    "kind": "accident",
                    "category": "road",
                    "cell": "450901100201",
                    "occurred_at": "2026-12-01T10:00",
                    "summary": "x",
                },
                404,
            ),
        ],
        "incidents/timeliness/": [
            ("get", f"/incidents/timeliness/?cell={code}", None, 404)
            for code in ["450901", "450901100201"]
        ],
        "incidents/<int:incident_id>/": [("get", f"{base}/", None, 404)],
        "incidents/<int:incident_id>/board/": [("get", f"{base}/board/", None, 404)],
        "incidents/<int:incident_id>/sitrep/": [("get", f"{base}/sitrep/", None, 404)],
        "incidents/<int:incident_id>/sitrep.docx": [("get", f"{base}/sitrep.docx", None, 404)],
        "incidents/<int:incident_id>/<str:name>/": [
            ("post", f"{base}/{name}/", form | fields, 404)
            for name, fields in [
                ("report", {"text": "x", "dead": 1}),
                ("grade", {"grade": "1", "reason": "x"}),
                ("respond", {"level": "4", "decided_by": "x"}),
                ("raise", {"level": "1", "decided_by": "x"}),
                ("end", {"text": "x", "decided_by": "x"}),
                ("log", {"kind": "note", "text": "x"}),
                ("dispatch", {"team": order.team_id, "task": "x"}),
                ("commander", {}),
                ("supplies", {"point": "1", "item-1": "1", "quantity-1": "1"}),
                ("evacuate", {"cell": "450901100201", "people": "5"}),
                ("warn", {"type": "1", "level": "blue", "headline": "x", "text": "x"}),
                ("close", {"review": "x"}),
                ("finding", {"text": "x", "owner": "y", "due_on": "2026-12-31"}),
            ]
        ],
        "incidents/relays/<int:relay_id>/pass/": [
            ("post", f"/incidents/relays/{relay.pk}/pass/", form, 404)
        ],
        "incidents/orders/": [],  # content, not a status: test_pages (none of A县's)
        "incidents/orders/<int:order_id>/": [("get", f"/incidents/orders/{order.pk}/", None, 404)],
        "incidents/orders/<int:order_id>/<str:name>/": [
            ("post", f"/incidents/orders/{order.pk}/{name}/", form, 404)
            for name in ["receive", "arrive", "release", "recall"]
        ],
    }


def outsider_api(cast) -> dict:
    incident, order = an_order(cast)
    relay = Relay.objects.get(incident=incident)
    base = f"/api/v1/incidents/{incident.pk}"
    receive = {
        "client_uuid": str(uuid.uuid4()),
        "title": "x",
        "kind": "accident",
        "category": "road",
        "cell": "450901100201",
        "occurred_at": "2026-01-01T10:00:00+08:00",
        "summary": "x",
    }
    return {
        ("GET", "/api/v1/incidents"): [
            (f"/api/v1/incidents?cell={code}&status=all", None)
            for code in ["450901", "450901100201"]
        ],
        ("POST", "/api/v1/incidents"): [("/api/v1/incidents", receive)],
        ("GET", "/api/v1/incidents/{incident_id}"): [(base, None)],
        ("POST", "/api/v1/incidents/{incident_id}/steps/{step}"): [
            (f"{base}/steps/{step}", {"client_uuid": str(uuid.uuid4())} | fields)
            for step, fields in [
                ("report", {"text": "x", "figures": {"dead": 1}}),
                ("grade", {"grade": "1", "reason": "x"}),
                ("respond", {"level": "4", "decided_by": "x"}),
                ("raise", {"level": "1", "decided_by": "x"}),
                ("lower", {"level": "4", "decided_by": "x"}),
                ("end", {"text": "x", "decided_by": "x"}),
                ("commander", {"person": cast.people["outsider"].pk}),
                ("log", {"kind": "note", "text": "x"}),
                ("dispatch", {"team": order.team_id, "task": "x"}),
            ]
        ],
        ("GET", "/api/v1/incidents/{incident_id}/log"): [(f"{base}/log", None)],
        ("GET", "/api/v1/incidents/{incident_id}/candidates"): [(f"{base}/candidates", None)],
        ("POST", "/api/v1/incidents/relays/{relay_id}/pass"): [
            (f"/api/v1/incidents/relays/{relay.pk}/pass", {"note": "x"})
        ],
        # the user's own (the orders to the teams they lead): none of A县's, test_api
        ("GET", "/api/v1/incidents/orders/mine"): [],
        ("GET", "/api/v1/incidents/orders/{order_id}"): [
            (f"/api/v1/incidents/orders/{order.pk}", None)
        ],
        ("POST", "/api/v1/incidents/orders/{order_id}/steps/{step}"): [
            (f"/api/v1/incidents/orders/{order.pk}/steps/{step}", {"note": "x"})
            for step in ["receive", "arrive", "complete", "release", "recall"]
        ],
    }


def state() -> tuple:
    return (
        list(Incident.objects.order_by("pk").values_list("pk", "status", "level", "grade", "dead")),
        Report.objects.count(),
        list(Relay.objects.order_by("pk").values_list("pk", "passed_at")),
        list(Order.objects.order_by("pk").values_list("pk", "status")),
        LogEntry.objects.count(),
        list(Team.objects.order_by("pk").values_list("pk", "status")),
        list(Tally.objects.order_by("pk").values_list("pk", "n")),
        Submission.objects.count(),
    )
