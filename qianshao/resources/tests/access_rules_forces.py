"""Access rules of the forces' pages and endpoints, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

The outsider (B县's dispatcher) aims at A县: its teams, a team's members and steps, its
experts and social forces, its compliance table; every request answers 404 and changes
nothing. Lists of the outsider's own scope answer, holding B县's rows only (their own tests).
"""

import uuid

from qianshao.grid.models import Person
from qianshao.intake.models import Submission
from qianshao.resources import actions_forces as actions
from qianshao.resources.models import Certificate, Expert, Member, SocialForce, Tally, Team

PAGE_RULES = {
    "resources/teams/": "scoped",
    "resources/teams/new/": "scoped",
    "resources/teams/<int:team_id>/": "scoped",
    "resources/teams/<int:team_id>/edit/": "scoped",
    "resources/teams/<int:team_id>/members/new/": "scoped",
    "resources/teams/<int:team_id>/certificates/new/": "scoped",
    "resources/teams/<int:team_id>/<str:step>/": "scoped",
    "resources/members/<int:member_id>/leave/": "scoped",
    "resources/compliance/": "scoped",
    "resources/experts/": "scoped",
    "resources/experts/new/": "scoped",
    "resources/experts/<int:expert_id>/edit/": "scoped",
    "resources/experts/<int:expert_id>/verify/": "scoped",
    "resources/social-forces/": "scoped",
    "resources/social-forces/new/": "scoped",
    "resources/social-forces/<int:force_id>/edit/": "scoped",
    "resources/teams.xlsx": "scoped",
    "resources/teams/import/": "scoped",
}

API_RULES = {
    ("GET", "/api/v1/resources/teams"): "scoped",
    ("POST", "/api/v1/resources/teams"): "scoped",
    ("GET", "/api/v1/resources/teams/{team_id}"): "scoped",
    ("PUT", "/api/v1/resources/teams/{team_id}"): "scoped",
    ("POST", "/api/v1/resources/teams/{team_id}/members"): "scoped",
    ("POST", "/api/v1/resources/members/{member_id}/leave"): "scoped",
    ("POST", "/api/v1/resources/teams/{team_id}/certificates"): "scoped",
    ("PUT", "/api/v1/resources/experts/{expert_id}"): "scoped",
    ("PUT", "/api/v1/resources/social-forces/{force_id}"): "scoped",
    ("POST", "/api/v1/resources/teams/{team_id}/steps/{step}"): "scoped",
    ("GET", "/api/v1/resources/experts"): "scoped",
    ("POST", "/api/v1/resources/experts"): "scoped",
    ("POST", "/api/v1/resources/experts/{expert_id}/verify"): "scoped",
    ("GET", "/api/v1/resources/social-forces"): "scoped",
    ("POST", "/api/v1/resources/social-forces"): "scoped",
    ("GET", "/api/v1/resources/compliance"): "scoped",
}

SAMPLE_KWARGS = {"team_id": 1, "member_id": 1, "expert_id": 1, "force_id": 1}


def county_forces(cast):
    """A team of 一村 with a member, an expert and a social force of A县 (made once)."""
    team = Team.objects.filter(cell=cast.village).first()
    if team is None:
        team = actions.create_team(
            None, cell=cast.village, name="一村先锋分队", kind="comprehensive"
        )
        actions.add_member(None, team, name="队员甲", phone="13955550001")
        actions.create_expert(
            None,
            cell=cast.county,
            name="黄工",
            field="地质",
            phone="12345",
            verified_on="2025-01-01",
        )
        actions.create_social_force(
            None,
            cell=cast.county,
            organisation="蓝天救援队",
            capability="搜救",
            size=20,
            contact="赵",
            phone="13955550002",
        )
    member = Member.objects.filter(team=team).first()
    return team, member, Expert.objects.first(), SocialForce.objects.first()


def outsider_pages(cast) -> dict:
    team, member, expert, force = county_forces(cast)
    form = {"client_uuid": uuid.uuid4()}
    t = f"/resources/teams/{team.pk}"
    team_form = form | {"name": "x", "kind": "flood", "cell": "450901100201"}
    return {
        "resources/teams/": [("get", "/resources/teams/?cell=450901", None, 404)],
        "resources/teams/new/": [("post", "/resources/teams/new/", team_form, 404)],
        "resources/teams/<int:team_id>/": [("get", f"{t}/", None, 404)],
        "resources/teams/<int:team_id>/edit/": [("post", f"{t}/edit/", team_form, 404)],
        "resources/teams/<int:team_id>/members/new/": [
            ("post", f"{t}/members/new/", form | {"name": "某", "phone": "13955550009"}, 404)
        ],
        "resources/teams/<int:team_id>/certificates/new/": [
            (
                "post",
                f"{t}/certificates/new/",
                form | {"person": member.person_id, "name": "证"},
                404,
            )
        ],
        "resources/teams/<int:team_id>/<str:step>/": [
            ("post", f"{t}/{step}/", form, 404) for step in ["dispatch", "disable", "revoke"]
        ],
        "resources/members/<int:member_id>/leave/": [
            ("post", f"/resources/members/{member.pk}/leave/", form, 404)
        ],
        "resources/compliance/": [("get", "/resources/compliance/?cell=450901", None, 404)],
        "resources/experts/": [("get", "/resources/experts/?cell=450901", None, 404)],
        "resources/experts/new/": [
            ("post", "/resources/experts/new/", form | {"cell": "450901", "name": "x"}, 404)
        ],
        "resources/experts/<int:expert_id>/edit/": [
            ("post", f"/resources/experts/{expert.pk}/edit/", form | {"name": "x"}, 404)
        ],
        "resources/experts/<int:expert_id>/verify/": [
            ("post", f"/resources/experts/{expert.pk}/verify/", form, 404)
        ],
        "resources/social-forces/": [("get", "/resources/social-forces/?cell=450901", None, 404)],
        "resources/social-forces/new/": [
            ("post", "/resources/social-forces/new/", form | {"cell": "450901"}, 404)
        ],
        "resources/social-forces/<int:force_id>/edit/": [
            ("post", f"/resources/social-forces/{force.pk}/edit/", form | {"size": "3"}, 404)
        ],
        "resources/teams.xlsx": [("get", "/resources/teams.xlsx?cell=450901", None, 404)],
        "resources/teams/import/": [
            ("get", "/resources/teams/import/?cell=450901", None, 404),
            ("post", "/resources/teams/import/?cell=450901", {}, 404),
        ],
    }


def outsider_api(cast) -> dict:
    team, member, expert, force = county_forces(cast)
    r = "/api/v1/resources"
    new_team = {
        "client_uuid": str(uuid.uuid4()),
        "cell": "450901100201",
        "name": "越界队",
        "kind": "flood",
    }
    return {
        ("GET", f"{r}/teams"): [(f"{r}/teams?cell=450901", None)],
        ("POST", f"{r}/teams"): [(f"{r}/teams", new_team)],
        ("GET", f"{r}/teams/{{team_id}}"): [(f"{r}/teams/{team.pk}", None)],
        ("PUT", f"{r}/teams/{{team_id}}"): [
            (f"{r}/teams/{team.pk}", {"name": "x", "kind": "flood"})
        ],
        ("POST", f"{r}/teams/{{team_id}}/members"): [
            (
                f"{r}/teams/{team.pk}/members",
                {"client_uuid": str(uuid.uuid4()), "name": "某", "phone": "13955550009"},
            )
        ],
        ("POST", f"{r}/members/{{member_id}}/leave"): [(f"{r}/members/{member.pk}/leave", {})],
        ("POST", f"{r}/teams/{{team_id}}/certificates"): [
            (
                f"{r}/teams/{team.pk}/certificates",
                {"client_uuid": str(uuid.uuid4()), "person": member.person_id, "name": "证"},
            )
        ],
        ("PUT", f"{r}/experts/{{expert_id}}"): [
            (f"{r}/experts/{expert.pk}", {"name": "x", "field": "y", "phone": "12345"})
        ],
        ("PUT", f"{r}/social-forces/{{force_id}}"): [
            (
                f"{r}/social-forces/{force.pk}",
                {
                    "organisation": "x",
                    "capability": "y",
                    "size": 3,
                    "contact": "z",
                    "phone": "12345",
                },
            )
        ],
        ("POST", f"{r}/teams/{{team_id}}/steps/{{step}}"): [
            (f"{r}/teams/{team.pk}/steps/dispatch", {}),
            (f"{r}/teams/{team.pk}/steps/revoke", {}),
        ],
        ("GET", f"{r}/experts"): [(f"{r}/experts?cell=450901", None)],
        ("POST", f"{r}/experts"): [
            (
                f"{r}/experts",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "cell": "450901",
                    "name": "x",
                    "field": "y",
                    "phone": "12345",
                    "verified_on": "2025-01-01",
                },
            )
        ],
        ("POST", f"{r}/experts/{{expert_id}}/verify"): [(f"{r}/experts/{expert.pk}/verify", {})],
        ("GET", f"{r}/social-forces"): [(f"{r}/social-forces?cell=450901", None)],
        ("POST", f"{r}/social-forces"): [
            (
                f"{r}/social-forces",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "cell": "450901",
                    "organisation": "x",
                    "capability": "y",
                    "size": 3,
                    "contact": "z",
                    "phone": "12345",
                },
            )
        ],
        ("GET", f"{r}/compliance"): [(f"{r}/compliance?cell=450901", None)],
    }


def state() -> tuple:
    return (
        list(Team.objects.order_by("pk").values_list("pk", "status", "members_n", "name")),
        list(Member.objects.order_by("pk").values_list("pk", "left")),
        Certificate.objects.count(),
        list(Expert.objects.order_by("pk").values_list("pk", "verified_on", "name")),
        list(SocialForce.objects.order_by("pk").values_list("pk", "size")),
        list(Tally.objects.order_by("pk").values_list("pk", "n")),
        Person.objects.count(),
        Submission.objects.count(),
    )
