"""预警级别规则 in the admin: who receives each level is chosen from the known roles, at
least one; a rule naming no role, or one that does not exist, is refused (it would reach
nobody)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from qianshao.audit.models import AuditRecord
from qianshao.warnings import rules
from qianshao.warnings.models import Level, LevelRule


@pytest.fixture
def admin_client(cast):
    client = Client()
    client.force_login(cast.users["admin"])
    return client


def rule_form(rule: LevelRule, **changes) -> dict:
    return {
        "level": rule.level,
        "roles": list(rule.roles),
        "answer_minutes": str(rule.answer_minutes),
        "escalate_minutes": str(rule.escalate_minutes),
        "second_approval": "on" if rule.second_approval else "",
        "approval_threshold": str(rule.approval_threshold),
    } | changes


def test_the_county_chooses_the_roles_of_a_level_and_the_rules_follow(cast, admin_client):
    blue = LevelRule.objects.get(level=Level.BLUE)
    url = f"/admin/warnings/levelrule/{blue.pk}/change/"
    response = admin_client.post(url, rule_form(blue, roles=["head", "member"]))
    assert response.status_code == 302, response.content.decode()
    blue.refresh_from_db()
    assert blue.roles == ["head", "member"]
    assert rules.rule(Level.BLUE).roles == ("head", "member")
    assert AuditRecord.objects.filter(action="admin.change").count() == 1


@pytest.mark.parametrize(
    "roles",
    [
        pytest.param([], id="no role"),
        pytest.param(["boss"], id="an unknown role"),
        pytest.param(["head", "Member"], id="a misspelt role"),
    ],
)
def test_the_admin_refuses_roles_that_reach_nobody(cast, admin_client, roles):
    blue = LevelRule.objects.get(level=Level.BLUE)
    before = list(blue.roles)
    url = f"/admin/warnings/levelrule/{blue.pk}/change/"
    response = admin_client.post(url, rule_form(blue, roles=roles))
    assert response.status_code == 200
    assert "roles" in response.context["adminform"].form.errors
    blue.refresh_from_db()
    assert blue.roles == before
    assert not AuditRecord.objects.filter(action="admin.change").exists()


@pytest.mark.parametrize(
    "roles, reason",
    [
        pytest.param("member", "接收角色须为非空的角色编码列表", id="a bare string"),
        pytest.param([], "接收角色须为非空的角色编码列表", id="an empty list"),
        pytest.param({"head": True}, "接收角色须为非空的角色编码列表", id="an object"),
        pytest.param(["head", 3], "接收角色须为非空的角色编码列表", id="a number"),
        pytest.param(["head", "boss"], "未知的角色编码：boss", id="an unknown code"),
    ],
)
def test_the_model_refuses_roles_that_are_not_a_list_of_known_codes(db, roles, reason):
    rule = LevelRule(level=Level.BLUE, roles=roles, answer_minutes=60, escalate_minutes=60)
    with pytest.raises(ValidationError) as refused:
        rule.clean()
    assert reason in refused.value.message_dict["roles"][0]


def test_the_model_takes_known_role_codes(db):
    LevelRule(
        level=Level.BLUE, roles=["head", "informant"], answer_minutes=1, escalate_minutes=1
    ).clean()


def test_the_county_sets_the_share_at_which_a_level_needs_approval(cast, admin_client):
    red = LevelRule.objects.get(level=Level.RED)
    assert (red.second_approval, red.approval_threshold) == (True, 50)
    url = f"/admin/warnings/levelrule/{red.pk}/change/"
    response = admin_client.post(url, rule_form(red, approval_threshold="30"))
    assert response.status_code == 302, response.content.decode()
    assert rules.rule(Level.RED).approval_threshold == 30


@pytest.mark.parametrize("threshold", ["0", "101", "-5", "abc", "", "50.5"])
def test_the_admin_refuses_a_threshold_outside_1_to_100(cast, admin_client, threshold):
    red = LevelRule.objects.get(level=Level.RED)
    url = f"/admin/warnings/levelrule/{red.pk}/change/"
    response = admin_client.post(url, rule_form(red, approval_threshold=threshold))
    assert response.status_code == 200
    assert "approval_threshold" in response.context["adminform"].form.errors
    red.refresh_from_db()
    assert red.approval_threshold == 50
    assert not AuditRecord.objects.filter(action="admin.change").exists()
