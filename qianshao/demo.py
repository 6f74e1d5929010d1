"""The demo county, whole, above every area: the grid and its people (qianshao.grid.demo),
the demo logins, the hazards' history, the warnings with their 叫应 history, and a month of
zero reports and disasters, the resources (forces, kits, supplies, shelters), the risk
points (qianshao.risks.demo_points) and three weeks of their patrols, two of which found
hazards now in the loop (qianshao.risks.demo_patrols), and the duty desk's rosters and three
incidents (qianshao.incidents.demo). Nothing below imports it; the `demo` and `run`
commands do."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.audit.chain import append as audit
from qianshao.disasters import demo as disasters_demo
from qianshao.grid import demo as grid_demo
from qianshao.grid.models import Cell, Domain, Role, RoleAssignment
from qianshao.hazards import actions as hazard_actions
from qianshao.hazards import demo as hazards_demo
from qianshao.incidents import demo as incidents_demo
from qianshao.resources import demo as resources_demo
from qianshao.risks import demo_patrols
from qianshao.risks import demo_points as risks_demo
from qianshao.warnings import demo as warnings_demo

COUNTY = grid_demo.COUNTY
PASSWORD = "qianshao-demo"
DEMO_USERS = {
    "county": "县应急办调度员（一级网格调度员）",
    "leader": "常务副县长（县应急委常务副主任，审核预警）",
    "township": "泗城镇分管应急工作领导（二级网格调度员）",
    "village": "{village}网格员",
    "department": "县自然资源局网格员",
    "team": "泗城镇应急救援中队队长（接收调派指令）",
    "admin": "系统管理员（Django 管理后台）",
}


VILLAGE = "451027100201"  # the village login's cell


def logins() -> list[tuple[str, str]]:
    """Each demo login and who it is, the village's name read from the grid (for the start
    banner and the demo command)."""
    cells = {c.code: c.name for c in Cell.objects.filter(code__in=[VILLAGE, VILLAGE[:9]])}
    village = cells.get(VILLAGE[:9], "") + cells.get(VILLAGE, "")
    return [(user, what.format(village=village)) for user, what in DEMO_USERS.items()]


def build_grid() -> grid_demo.Built:
    """The demo county's grid and people, and the demo logins."""
    built = grid_demo.build()
    _logins(Cell.objects.get(code=COUNTY))
    return built


def build() -> dict:
    grid = build_grid()
    hazards = hazards_demo.build()
    warnings = warnings_demo.build()
    zero_reports = disasters_demo.build()
    resources = resources_demo.build(COUNTY)
    risks = risks_demo.build(timezone.now())
    patrols = demo_patrols.build(timezone.now(), COUNTY, report=_patrol_hazard)
    incidents = incidents_demo.build(timezone.now(), COUNTY)
    return {
        "cells": grid.cells,
        "people": grid.people,
        "hazards": hazards,
        "warnings": warnings,
        "zero_reports": zero_reports,
        "resources": resources,
        "risks": risks,
        "patrols": patrols,
        "incidents": incidents,
    }


# a risk point's kind → the hazard category its 发现隐患 is reported under
PATROL_DOMAINS = {
    "flash_flood": "mountain_torrents",
    "landslide": "geological",
    "collapse": "geological",
    "debris_flow": "geological",
    "waterlogging": "flood_drought",
    "reservoir": "flood_drought",
    "forest_fire": "forest_fire",
    "hazchem": "hazardous_chemicals",
    "mine": "mines",
    "construction": "construction",
    "gas": "gas",
    "self_built": "rural_houses",
    "fireworks": "fireworks",
}


def _patrol_hazard(user, patrol) -> int:
    """A hazard found on a demo patrol, reported through the hazards' action as the phone's
    form would (its origin the risk point), for the patrols' demo."""
    point = patrol.point
    code = PATROL_DOMAINS.get(point.kind.code, "other")
    hazard = hazard_actions.report(
        user,
        title=f"巡查发现隐患：{point.name}",
        description=patrol.note or f"巡查{point.name}时发现隐患。",
        category=Domain.objects.get(code=code),
        lon=point.lon,
        lat=point.lat,
        origin=f"risks.point:{point.pk}",
    )
    return hazard.pk


def _logins(county: Cell) -> None:
    """A login for one person of each kind, and the administrator."""
    active = RoleAssignment.objects.select_related("person")
    picks = {
        "county": active.filter(cell=county, role=Role.DISPATCHER, department__isnull=True),
        "leader": active.filter(cell=county, role=Role.DEPUTY, department__isnull=True),
        "township": active.filter(cell__code="451027100", role=Role.DISPATCHER),
        "village": active.filter(cell__code=VILLAGE, role=Role.MEMBER),
        "department": active.filter(cell=county, role=Role.MEMBER, department__code="ZRZYJ"),
    }
    for username, assignments in picks.items():
        person = assignments.order_by("pk").first().person
        create_login(None, person, username=username, password=PASSWORD)
    with transaction.atomic():
        admin = get_user_model().objects.create_superuser("admin", password=PASSWORD)
        audit(actor=None, action="accounts.create_superuser", obj=admin, label="admin")
