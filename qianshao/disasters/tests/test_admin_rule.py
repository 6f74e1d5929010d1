"""零报告规则 in the admin: one row, its kinds from the grid's kinds, read by the schedule
at once in this process, and each change one audit record."""

from datetime import time

import pytest
from django.test import Client

from qianshao.audit.models import AuditRecord
from qianshao.disasters import schedule
from qianshao.disasters.models import ReportingRule


@pytest.fixture
def admin_client(cast):
    client = Client()
    client.force_login(cast.users["admin"])
    return client


def test_the_county_sets_the_rule_and_the_schedule_follows(cast, admin_client):
    assert schedule.rule().deadline == time(16, 0)  # the default, without a row
    response = admin_client.post(
        "/admin/disasters/reportingrule/add/",
        {"deadline": "17:30", "kinds": ["village"], "escalate_minutes": "90", "start": ""},
    )
    assert response.status_code == 302, response.content.decode()
    rule = schedule.rule()
    assert (rule.deadline, rule.kinds, rule.escalate.seconds, rule.start) == (
        time(17, 30),
        ("village",),
        90 * 60,
        None,
    )
    record = AuditRecord.objects.get(action="admin.add")
    assert record.object_type.endswith("reportingrule")
    # one row: no second rule to contradict the first
    assert admin_client.get("/admin/disasters/reportingrule/add/").status_code == 403


@pytest.mark.parametrize(
    "changes, field",
    [
        pytest.param({"kinds": ["hamlet"]}, "kinds", id="an unknown kind of cell"),
        pytest.param({"escalate_minutes": "0"}, "escalate_minutes", id="no time to report"),
        pytest.param({"deadline": "25:00"}, "deadline", id="a deadline past midnight"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field(cast, admin_client, changes, field):
    data = {"deadline": "16:00", "kinds": ["village"], "escalate_minutes": "60", "start": ""}
    response = admin_client.post("/admin/disasters/reportingrule/add/", data | changes)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ReportingRule.objects.exists()
    assert not AuditRecord.objects.filter(action="admin.add").exists()
