"""Access rules of the review's finding steps, merged into the grid's tables by
``qianshao.testing.area_rule_modules``: the outsider (B县) aims at a finding of an incident
of 一村 — completing or reopening it answers 404 and changes nothing."""

import uuid

from django.utils import timezone

from qianshao.incidents import actions, actions_response
from qianshao.incidents.models import Finding
from qianshao.incidents.tests.helpers import an_incident

PAGE_RULES = {"incidents/findings/<int:finding_id>/<str:name>/": "scoped"}

SAMPLE_KWARGS = {"finding_id": 1}


def outsider_pages(cast) -> dict:
    incident = an_incident(cast)
    actions.end(cast.users["county"], incident, text="处置完毕", decided_by="县长")
    finding = actions_response.add_finding(
        cast.users["county"], incident, text="x", owner="y", due_on=timezone.localdate()
    )
    return {
        "incidents/findings/<int:finding_id>/<str:name>/": [
            (
                "post",
                f"/incidents/findings/{finding.pk}/{name}/",
                {"client_uuid": uuid.uuid4(), "note": "越界"},
                404,
            )
            for name in ["complete", "reopen"]
        ]
    }


def state() -> tuple:
    return (list(Finding.objects.order_by("pk").values_list("pk", "status", "note")),)
