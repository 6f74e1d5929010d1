"""我的任务 is the permission rule read as a query: ``permissions.task_q`` finds exactly the
hazards on which ``allowed_steps`` offers the user a step, in every state — the escalated
hazard its department has handed to a village included, for its department and no other."""

from datetime import timedelta

import pytest
from django.utils import timezone

from qianshao.hazards import actions
from qianshao.hazards.access import visible_hazards
from qianshao.hazards.models import Hazard, Status
from qianshao.hazards.permissions import allowed_steps, task_q
from qianshao.hazards.tests.access_rules_pages import PATH_TO, hazard_at
from qianshao.hazards.tests.conftest import jpeg
from qianshao.hazards.tests.test_api_steps import api_client

pytestmark = pytest.mark.django_db


def handed_to_village(cast, department, user, status: str) -> Hazard:
    """An escalated hazard its department assigns to 一村, taken on to ``status``."""
    h = hazard_at(cast, "accepted")
    h = actions.escalate(cast.users["township"], h, department=department)
    h = actions.assign(
        user,
        h,
        measures="清理",
        responsible=cast.people["village"],
        deadline=timezone.now() + timedelta(days=2),
        contingency="警示",
        assignee_cell=cast.village,
    )
    village = cast.users["village"]
    if status != Status.ASSIGNED:
        h = actions.start(village, h)
    if status in (Status.VERIFYING, Status.VERIFIED):
        h = actions.submit(village, h, photo_files=[("after.jpg", jpeg())])
    if status == Status.VERIFIED:
        h = actions.verify(user, h)
    return h


@pytest.fixture
def every_case(cast, housing):
    made = [hazard_at(cast, status) for status in PATH_TO]
    made.append(hazard_at(cast, "verifying", grade="major"))
    made.append(hazard_at(cast, "submitted", cell=cast.cell("450901101201")))
    made.append(actions.escalate(cast.users["township"], hazard_at(cast, "accepted")))
    for status in [Status.ASSIGNED, Status.RECTIFYING, Status.VERIFYING, Status.VERIFIED]:
        made.append(handed_to_village(cast, cast.department, cast.users["department"], status))
        made.append(handed_to_village(cast, housing[0], housing[1], status))
    return made


def tasks_by_rule(user) -> set[str]:
    return {h.number for h in visible_hazards(user).select_related("responsible", "cell")
            if allowed_steps(user, h)}  # fmt: skip


@pytest.mark.parametrize(
    "name", ["county", "township", "village", "department", "outsider", "admin", "housing"]
)
def test_the_task_query_finds_exactly_the_hazards_with_a_step_for_the_user(
    cast, housing, every_case, name
):
    user = housing[1] if name == "housing" else cast.users[name]
    found = set(visible_hazards(user).filter(task_q(user)).values_list("number", flat=True))
    assert found == tasks_by_rule(user)


def test_the_department_sees_the_village_submission_it_must_check_and_no_other(
    cast, client_for, housing
):
    ours = handed_to_village(cast, cast.department, cast.users["department"], Status.VERIFYING)
    theirs = handed_to_village(cast, housing[0], housing[1], Status.VERIFYING)
    department = cast.users["department"]
    assert "verify" in allowed_steps(department, ours)
    assert allowed_steps(department, theirs) == []
    html = client_for(department).get("/m/tasks/").content.decode()
    assert ours.number in html and theirs.number not in html
    listed = api_client(department).get("/api/v1/hazards", {"tasks": "true"}).json()["items"]
    assert [h["number"] for h in listed] == [ours.number]
    listed = api_client(housing[1]).get("/api/v1/hazards", {"tasks": "true"}).json()["items"]
    assert [h["number"] for h in listed] == [theirs.number]
