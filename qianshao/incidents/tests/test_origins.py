"""An incident opened from a hazard, a warning or a disaster report: the form prefilled from
it, the incident linking back, and the record's page listing the incident (both ways)."""

import uuid

import pytest
from django.utils import timezone

from qianshao.disasters.tests.access_rules_disasters import a_county_disaster
from qianshao.grid.models import Domain
from qianshao.hazards import actions as hazard_actions
from qianshao.incidents.models import Incident
from qianshao.warnings.tests.access_rules_warnings import county_warnings

pytestmark = pytest.mark.django_db


def a_hazard(cast):
    return hazard_actions.report(
        cast.users["village"],
        title="路口护栏缺失",
        description="一村路口护栏缺失，车辆易冲出",
        category=Domain.objects.get(code="industry_trade"),
        grade="general",
        cell=cast.village,
    )


def opened_from(client, ref: str, cell: str, **fields):
    page = client.get(f"/incidents/new/?origin={ref}").content.decode()
    answer = client.post(
        "/incidents/new/",
        {
            "client_uuid": str(uuid.uuid4()),
            "title": "由来源记录接报",
            "kind": "accident",
            "category": "road",
            "cell": cell,
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "summary": "事件经过",
            "origin": ref,
        }
        | fields,
    )
    assert answer.status_code == 302, answer.content.decode()[:500]
    return page, Incident.objects.get(origin=ref)


@pytest.mark.parametrize("kind", ["hazard", "warning", "disaster"])
def test_an_incident_opened_from_a_record_links_both_ways(cast, client_for, kind):
    if kind == "hazard":
        h = a_hazard(cast)
        ref, record_url, words = (
            f"hazards.hazard:{h.number}",
            f"/hazards/{h.number}/",
            "路口护栏缺失",
        )
    elif kind == "warning":
        w, _draft = county_warnings(cast)
        ref, record_url, words = (
            f"warnings.warning:{w.number}",
            f"/warnings/{w.number}/",
            "A县暴雨黄色预警",
        )
    else:
        _zero, d, _relief = a_county_disaster(cast)
        ref, record_url, words = (
            f"disasters.report:{d.number}",
            f"/disasters/{d.number}/",
            "受灾 12 人",
        )
    client = client_for(cast.users["county"])
    record = client.get(record_url).content.decode()
    assert f"/incidents/new/?origin={ref.replace(':', '%3A')}" in record  # 上报为突发事件
    page, incident = opened_from(client, ref, cast.village.code)
    assert words in page and 'data-testid="origin"' in page
    assert 'data-testid="origin"' in client.get(f"/incidents/{incident.pk}/").content.decode()
    record = client.get(record_url).content.decode()
    assert f"/incidents/{incident.pk}/" in record
    # the outsider neither opens one from it nor sees that it exists
    outsider = client_for(cast.users["outsider"])
    page = outsider.get(f"/incidents/new/?origin={ref}").content.decode()
    assert words not in page
