"""Two requests at once, through the API, in two threads with their own connections: a double
click on a step is one 200 and one 409; a report resent while the first is still being filed
is one 201 and one 200 with the same hazard."""

import threading
import time
import uuid

import pytest
from django.db import connection

from qianshao.audit.models import AuditRecord
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Status
from qianshao.hazards.tests.test_api_steps import api_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseeded")]


def at_once(requests) -> list:
    """Run each request in its own thread, released together; their responses in order."""
    barrier = threading.Barrier(len(requests))
    responses = [None] * len(requests)

    def run(i, request):
        try:
            barrier.wait()
            responses[i] = request()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@pytest.fixture
def slow_audit(monkeypatch):
    """Each step holds its transaction a little longer, so that the second click arrives
    while the first is still inside it."""
    original = actions.audit

    def slow(**kwargs):
        time.sleep(0.3)
        return original(**kwargs)

    monkeypatch.setattr(actions, "audit", slow)


def test_a_concurrent_double_click_is_one_200_and_one_409(cast, category, slow_audit):
    hazard = actions.report(
        cast.users["village"], title="t", description="d", category=category, cell=cast.village
    )
    clients = [api_client(cast.users["township"]) for _ in range(2)]
    url = f"/api/v1/hazards/{hazard.number}/accept"
    responses = at_once(
        [lambda c=c: c.post(url, {}, content_type="application/json") for c in clients]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert refused.json()["field"] == "step"
    assert Hazard.objects.get(pk=hazard.pk).status == Status.ACCEPTED
    assert AuditRecord.objects.filter(action="hazards.accept").count() == 1


def test_a_report_resent_while_the_first_is_filed_is_one_hazard(cast, slow_audit):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "title": "厂房消防通道堵塞",
        "description": "通道堆放杂物",
        "category": "industry_trade",
        "cell": "450901100201",
    }
    clients = [api_client(cast.users["village"]) for _ in range(2)]
    responses = at_once(
        [
            lambda c=c: c.post("/api/v1/hazards", body, content_type="application/json")
            for c in clients
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 201], [r.content for r in responses]
    assert responses[0].json()["number"] == responses[1].json()["number"]
    assert Hazard.objects.count() == 1
