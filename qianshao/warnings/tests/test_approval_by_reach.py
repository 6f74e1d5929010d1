"""A second person approves a red or orange warning by what it reaches, not by how its
targets are spelt: the share of a county's villages and communities inside the targets'
subtrees (or holding a target), each county on its own, against the level's 审核阈值.

The grid: 大市 over 大县 (eight townships of 6, 5, 4, 4, 3, 3, 3 and 2 villages, each
village with one group, and a park with one community and one enterprise: 31 villages and
communities) and 小县 (one township of four villages)."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.accounts.actions import create_login
from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Role
from qianshao.lib.errors import NotAllowed
from qianshao.testing import appoint
from qianshao.warnings import actions, reach
from qianshao.warnings.models import Level, LevelRule, Status, WarningType

CITY, BIG, SMALL = "4521", "452101", "452102"
SIZES = [6, 5, 4, 4, 3, 3, 3, 2]
TOWNSHIPS = [f"{BIG}{100 + i}" for i in range(len(SIZES))]
PARK = f"{BIG}400"
PARK_COMMUNITY = f"{PARK}001"
SMALL_TOWNSHIP = f"{SMALL}100"
SMALL_VILLAGES = [f"{SMALL_TOWNSHIP}2{n:02d}" for n in range(1, 5)]


def villages_of(township: str, n: int) -> list[str]:
    return [f"{township}2{k:02d}" for k in range(1, n + 1)]


VILLAGES = [v for t, n in zip(TOWNSHIPS, SIZES, strict=True) for v in villages_of(t, n)]


def rows() -> list[CellRow]:
    found = [
        CellRow(CITY, "大市", CellKind.CITY, None),
        CellRow(BIG, "大县", CellKind.COUNTY, CITY),
        CellRow(SMALL, "小县", CellKind.COUNTY, CITY),
        CellRow(PARK, "大县工业园区", CellKind.PARK, BIG),
        CellRow(PARK_COMMUNITY, "园区社区", CellKind.COMMUNITY, PARK),
        CellRow(f"{PARK}101", "园区企业", CellKind.ENTERPRISE, PARK),
        CellRow(SMALL_TOWNSHIP, "小镇", CellKind.TOWNSHIP, SMALL),
        *(CellRow(v, f"小{v[-2:]}村", CellKind.VILLAGE, SMALL_TOWNSHIP) for v in SMALL_VILLAGES),
    ]
    for i, (township, n) in enumerate(zip(TOWNSHIPS, SIZES, strict=True)):
        found.append(CellRow(township, f"第{i + 1}镇", CellKind.TOWNSHIP, BIG))
        for village in villages_of(township, n):
            found.append(CellRow(village, f"{i + 1}镇{village[-2:]}村", CellKind.VILLAGE, township))
            found.append(CellRow(f"{village}01", f"{village[-2:]}村一组", CellKind.GROUP, village))
    return found


def login(cell_code: str, role: str, username: str):
    person = appoint(Cell.objects.get(code=cell_code), role, name=username)
    return create_login(None, person, username=username, password="reach-password-1")


@pytest.fixture
def grid(db, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # SMS on: who has no login is told
    grid_actions.create_cells(None, rows(), source="test-reach")
    first_villages = [villages_of(t, 1)[0] for t in TOWNSHIPS]
    for code in [*TOWNSHIPS, *first_villages, PARK, SMALL_TOWNSHIP, *SMALL_VILLAGES]:
        appoint(Cell.objects.get(code=code), Role.MEMBER, name=f"{code}网格员")
    return {
        "county": login(BIG, Role.DISPATCHER, "big-dispatcher"),
        "head": login(BIG, Role.HEAD, "big-head"),
        "city": login(CITY, Role.DISPATCHER, "city-dispatcher"),
    }


def cells(codes) -> list[Cell]:
    return list(Cell.objects.filter(code__in=codes))


def draft(user, codes, level=Level.RED):
    return actions.draft(
        user,
        type=WarningType.objects.get(code="rainstorm"),
        level=level,
        headline="暴雨红色预警",
        text="预计未来6小时内降雨量将达100毫米以上。",
        targets=cells(codes),
        valid_until=timezone.now() + timedelta(hours=12),
    )


# every spelling of "most of 大县" that the probe issued alone, and more
WIDE = {
    "the county": [BIG],
    "all townships without the park": TOWNSHIPS,
    "seven townships and the park, the largest left out": [*TOWNSHIPS[1:], PARK],
    "seven townships and the park, the smallest left out": [*TOWNSHIPS[:-1], PARK],
    "every village and community one by one": [*VILLAGES, PARK_COMMUNITY],
    "every village one by one": VILLAGES,
    "every group of every village one by one": [f"{v}01" for v in VILLAGES],
    "the four largest townships": TOWNSHIPS[:4],
    "half the villages and the park community": [*VILLAGES[:15], PARK_COMMUNITY],
}
NARROW = {
    "the largest township alone": TOWNSHIPS[:1],
    "the three smallest townships": TOWNSHIPS[-3:],
    "the park alone": [PARK],
    "fifteen villages one by one": VILLAGES[:15],
}


@pytest.mark.parametrize("level", [Level.RED, Level.ORANGE])
@pytest.mark.parametrize("how", list(WIDE))
def test_a_warning_reaching_half_a_county_or_more_needs_a_second_person_however_spelt(
    grid, how, level
):
    w = draft(grid["county"], WIDE[how], level)
    with pytest.raises(NotAllowed) as refused:
        actions.issue(grid["county"], w)
    assert "审核" in refused.value.message and "大县" in refused.value.message
    w.refresh_from_db()
    assert (w.status, w.recipients, w.deliveries.count()) == (Status.DRAFT, 0, 0)


@pytest.mark.parametrize("how", list(NARROW))
def test_a_warning_reaching_less_than_half_of_each_county_is_issued_alone(grid, how):
    w = actions.issue(grid["county"], draft(grid["county"], NARROW[how]))
    assert w.status == Status.ISSUED and w.approved_by is None


def test_once_someone_else_approved_it_the_wide_warning_is_issued(grid):
    w = draft(grid["county"], [*VILLAGES, PARK_COMMUNITY])
    with pytest.raises(NotAllowed):
        actions.approve(grid["county"], w)  # never its author
    actions.approve(grid["head"], w, note="同意")
    w = actions.issue(grid["county"], w)
    assert (w.status, w.approved_by) == (Status.ISSUED, grid["head"])


def test_a_yellow_warning_to_the_whole_county_needs_no_approval(grid):
    w = actions.issue(grid["county"], draft(grid["county"], TOWNSHIPS, Level.YELLOW))
    assert w.status == Status.ISSUED


def test_each_county_is_judged_on_its_own_share(grid):
    city = grid["city"]
    # 6 of 大县's 31 and 1 of 小县's 4: no county reaches half
    w = actions.issue(city, draft(city, [TOWNSHIPS[0], SMALL_VILLAGES[0]]))
    assert w.status == Status.ISSUED
    # 6 of 31 and 2 of 4: 8 of the 35 together, but half of 小县
    w = draft(city, [TOWNSHIPS[0], *SMALL_VILLAGES[:2]])
    with pytest.raises(NotAllowed) as refused:
        actions.issue(city, w)
    assert "小县" in refused.value.message
    with pytest.raises(NotAllowed):
        actions.issue(city, draft(city, [CITY]))


def test_the_shares_count_villages_and_communities_by_county(grid):
    shares = {
        s.county.code: (s.reached, s.total)
        for s in reach.shares(cells([TOWNSHIPS[0], PARK, f"{VILLAGES[-1]}01", SMALL_VILLAGES[0]]))
    }
    assert shares == {BIG: (6 + 1 + 1, 31), SMALL: (1, 4)}
    assert {s.county.code: (s.reached, s.total) for s in reach.shares(cells([CITY]))} == {
        BIG: (31, 31),
        SMALL: (4, 4),
    }


def test_judging_the_reach_reads_as_many_queries_for_one_village_as_for_all(grid):
    few, many = cells(VILLAGES[:1]), cells([*VILLAGES, *SMALL_VILLAGES, TOWNSHIPS[0], PARK])
    reach.shares(few)
    with CaptureQueriesContext(connection) as one:
        reach.shares(few)
    with CaptureQueriesContext(connection) as all_of_them:
        reach.shares(many)
    assert len(all_of_them) == len(one) <= 3


def test_the_check_runs_again_when_it_is_issued(grid):
    """A draft that needed no approval when written is judged by the rule in force when
    it is issued."""
    w = draft(grid["county"], TOWNSHIPS[:1])  # 6 of 31: under 50 %
    LevelRule.objects.filter(level=Level.RED).update(approval_threshold=15)
    with pytest.raises(NotAllowed):
        actions.issue(grid["county"], w)


def test_a_new_version_that_widens_the_targets_must_be_approved(grid):
    w = actions.issue(grid["county"], draft(grid["county"], TOWNSHIPS[:1]))
    wider = actions.revise(grid["county"], w, targets=cells(TOWNSHIPS))
    with pytest.raises(NotAllowed):
        actions.issue(grid["county"], wider)
    assert w.__class__.objects.get(pk=w.pk).status == Status.ISSUED


def api(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


@pytest.mark.parametrize("how", ["all townships without the park", "every village one by one"])
def test_the_api_refuses_to_issue_a_wide_warning_before_approval(grid, how):
    client = api(grid["county"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "type": "rainstorm",
        "level": "red",
        "headline": "暴雨红色预警",
        "text": "预计未来6小时内降雨量将达100毫米以上。",
        "targets": WIDE[how],
        "valid_until": (timezone.now() + timedelta(hours=12)).isoformat(),
    }
    drafted = client.post("/api/v1/warnings", body, content_type="application/json")
    assert drafted.status_code == 201, drafted.content
    assert "issue" not in drafted.json()["allowed_steps"]
    pk = drafted.json()["id"]
    refused = client.post(f"/api/v1/warnings/{pk}/issue", {}, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["field"] == "step" and "审核" in refused.json()["detail"]
    head = api(grid["head"])
    approved = head.post(f"/api/v1/warnings/{pk}/approve", {}, content_type="application/json")
    assert approved.status_code == 200, approved.content
    issued = client.post(f"/api/v1/warnings/{pk}/issue", {}, content_type="application/json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"


def test_the_page_says_why_and_refuses_to_issue_before_approval(grid):
    client = api(grid["county"])
    w = draft(grid["county"], [*TOWNSHIPS[1:], PARK])
    page = client.get(f"/warnings/{w.number}/").content.decode()
    assert "须经另一人审核" in page and "大县" in page
    response = client.post(f"/warnings/{w.number}/issue/", {"client_uuid": str(uuid.uuid4())})
    assert response.status_code == 403
    w.refresh_from_db()
    assert w.status == Status.DRAFT
