# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""Supplies sent, people evacuated and the review: through the resources' own actions,
refused by field when wrong, nothing half-written."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.hazards.models import Hazard
from qianshao.incidents import actions, actions_response
from qianshao.incidents.models import Evacuee, FindingStatus, IncidentStatus, LogEntry, Supply
from qianshao.incidents.tests.helpers import an_incident
from qianshao.lib.errors import ActionError, Conflict, NotAllowed, NotFound
from qianshao.resources import actions_supplies
from qianshao.resources.models import Holding
from qianshao.resources.tests.shelters_helpers import household, shelter
from qianshao.resources.tests.supplies_fixtures import items, points  # noqa: F401

pytestmark = pytest.mark.django_db


def stocked(points, items):
    actions_supplies.receive(None, points["township"], item=items["tent"], quantity=20)
    return points["township"]


def test_supplies_go_out_through_the_ledger(cast, points, items):
    point = stocked(points, items)
    incident = an_incident(cast)
    county = cast.users["county"]
    supply = actions_response.send_supplies(
        county, incident, point=point.pk, lines=[(items["tent"].pk, "5")], note="安置群众"
    )
    assert Holding.objects.get(point=point, item=items["tent"]).quantity == Decimal(15)
    assert supply.lines == [["帐篷", "5", "顶"]]
    assert LogEntry.objects.filter(
        incident=incident, kind="dispatch", text__contains="帐篷5顶"
    ).exists()
    assert AuditRecord.objects.filter(action="incidents.supplies").count() == 1
    # beyond stock: refused naming the point, nothing written
    with pytest.raises(Conflict) as short:
        actions_response.send_supplies(
            county, incident, point=point.pk, lines=[(items["tent"].pk, "16")]
        )
    assert short.value.field == "point"
    with pytest.raises(ActionError) as wrong:
        actions_response.send_supplies(
            county, incident, point=point.pk, lines=[(items["tent"].pk, "-1")]
        )
    assert wrong.value.field == "lines.1.quantity"
    with pytest.raises(NotFound):
        actions_response.send_supplies(
            county, incident, point=points["other"].pk, lines=[(items["tent"].pk, "1")]
        )
    with pytest.raises(NotAllowed):
        actions_response.send_supplies(
            cast.users["village"], incident, point=point.pk, lines=[(items["tent"].pk, "1")]
        )
    assert Supply.objects.count() == 1
    assert Holding.objects.get(point=point, item=items["tent"]).quantity == Decimal(15)


def test_people_move_to_a_shelter_and_the_list_is_ticked(cast):
    incident = an_incident(cast)
    s = shelter(cast)
    first = household(cast, members=4)
    second = household(cast, members=3, head="韦二")
    county = cast.users["county"]
    actions_response.evacuate(
        county, incident, cell=cast.village, shelter=s.pk, households=[first.pk, second.pk]
    )
    s.refresh_from_db()
    incident.refresh_from_db()
    assert s.status == "in_use" and s.occupancy == 7
    assert (incident.evacuated, incident.sheltered) == (7, 7)
    with pytest.raises(Conflict) as again:
        actions_response.evacuate(county, incident, cell=cast.village, households=[first.pk])
    assert again.value.field == "households"
    actions_response.evacuate(county, incident, cell=cast.village, people=5)  # 投亲靠友
    incident.refresh_from_db()
    assert (incident.evacuated, incident.sheltered) == (12, 7)
    assert Evacuee.objects.filter(incident=incident).count() == 2
    with pytest.raises(ActionError) as wrong:
        actions_response.evacuate(county, incident, cell=cast.village, people=0)
    assert wrong.value.field == "people"
    with pytest.raises(NotFound):
        actions_response.evacuate(county, incident, cell=cast.other_village, people=1)


def test_the_review_closes_and_findings_are_tracked(cast):
    incident = an_incident(cast)
    county = cast.users["county"]
    with pytest.raises(Conflict):
        actions_response.add_finding(
            county, incident, text="x", owner="y", due_on=timezone.localdate()
        )
    actions.end(county, incident, text="处置完毕", decided_by="县长")
    finding = actions_response.add_finding(
        county,
        incident,
        text="路口缺少减速带",
        owner="县交通运输局",
        due_on=timezone.localdate() + timedelta(days=30),
    )
    assert finding.status == FindingStatus.OPEN
    with pytest.raises(ActionError) as wrong:
        actions_response.finding_step(county, finding, "complete")
    assert wrong.value.field == "note"
    actions_response.finding_step(county, finding, "complete", note="已安装")
    finding.refresh_from_db()
    assert finding.status == FindingStatus.DONE and finding.done_at
    actions_response.close(county, incident, review="响应及时，路口设施不足。")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.review


def test_a_finding_reported_as_a_hazard_is_linked(cast, client_for):
    incident = an_incident(cast)
    county = cast.users["county"]
    actions.end(county, incident, text="处置完毕", decided_by="县长")
    finding = actions_response.add_finding(
        county, incident, text="路口缺少减速带", owner="县交通运输局", due_on=timezone.localdate()
    )
    client = client_for(county)
    ref = f"incidents.finding:{finding.pk}"
    page = client.get(f"/m/report/?origin={ref}").content.decode()
    assert "路口缺少减速带" in page
    answer = client.post(
        f"/m/report/?origin={ref}",
        {
            "client_uuid": str(uuid.uuid4()),
            "title": "路口缺少减速带",
            "description": "回头看发现",
            "category": "industry_trade",
            "grade": "general",
            "cell": cast.village.code,
        },
    )
    assert answer.status_code == 302
    hazard = Hazard.objects.get()
    finding.refresh_from_db()
    assert finding.hazard == hazard and hazard.origin == ref
