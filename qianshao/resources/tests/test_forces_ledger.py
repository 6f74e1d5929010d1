"""队伍台账 and imports: the ledger lists a cell's teams and members (a member in two teams
shown with the other); an import writes teams and members through the actions, or — with
any error — reports every one by row and column and writes nothing. Also the map layer and
the admin's norm, whose change recounts the tallies."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from qianshao.grid.models import Person
from qianshao.lib.tabular import ImportFailed
from qianshao.resources import actions_forces as actions
from qianshao.resources import counts_forces as counts
from qianshao.resources import tally
from qianshao.resources.importers_forces import COLUMNS, import_teams
from qianshao.resources.layers_forces import LAYERS
from qianshao.resources.models import Member, Norm, Team

pytestmark = pytest.mark.django_db


def table(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS = [
    [
        "450901100201",
        "一村先锋分队",
        "综合性",
        "韦队长",
        "13920000000",
        "",
        "村委会",
        "队员甲",
        "13920000001",
        "",
        "巡查",
    ],
    [
        "450901100201",
        "一村先锋分队",
        "综合性",
        "",
        "",
        "",
        "",
        "队员乙",
        "13920000002",
        "副队长",
        "",
    ],
    [
        "450901100202",
        "二村先锋分队",
        "comprehensive",
        "",
        "",
        "",
        "",
        "队员甲",
        "13920000001",
        "",
        "",
    ],
]


def test_an_import_writes_teams_and_members(cast):
    done = import_teams(cast.users["township"], table(ROWS), "teams.xlsx")
    assert done == {"teams": 2, "members": 3}
    first = Team.objects.get(name="一村先锋分队")
    assert first.members_n == 3 and first.leader.name == "韦队长"  # the leader is a member
    assert Member.objects.filter(person__phone="13920000001", left=None).count() == 2
    assert tally.matches()


def test_an_import_with_errors_writes_nothing_and_names_each(cast):
    bad = [
        ROWS[0],
        ["450902100201", "四村队", "综合性", "", "", "", "", "", "", "", ""],  # outside
        ["450901100201", "一村先锋分队", "综合性", "", "", "", "", "队员丙", "123", "", ""],
        ["450901100201", "二队", "不存在", "", "", "", "", "", "", "", ""],
        ["450901100201", "一村先锋分队", "综合性", "", "", "", "", "队员甲", "13920000001", "", ""],
        ["450901100201", "三队", "防汛", "", "", "", "", "别名", "13920000001", "", ""],
    ]
    with pytest.raises(ImportFailed) as failed:
        import_teams(cast.users["township"], table(bad), "teams.xlsx")
    found = [(e.row, e.column) for e in failed.value.errors]
    assert found == [
        (3, "网格编码"),
        (4, "队员手机号"),
        (5, "队伍类型"),
        (6, "队员手机号"),  # 队员甲 twice in one team
        (7, "队员手机号"),  # row 2's number under another name
    ]
    assert (
        not Team.objects.exists() and not Person.objects.filter(phone__startswith="1392").exists()
    )
    assert tally.matches()


def test_a_member_of_a_village_may_not_import(cast):
    with pytest.raises(ImportFailed) as failed:
        import_teams(cast.users["village"], table(ROWS[:1]), "teams.xlsx")
    assert [(e.row, e.column) for e in failed.value.errors] == [(2, "网格编码")]


def test_the_import_page_lists_errors(cast, client_for):
    client = client_for(cast.users["township"])
    upload = io.BytesIO(table([["450901100201", "x", "nope"] + [""] * 8]))
    upload.name = "teams.xlsx"
    page = client.post("/resources/teams/import/?cell=450901100", {"file": upload})
    assert page.status_code == 400 and "第 2 行 队伍类型" in page.content.decode()
    upload = io.BytesIO(table(ROWS))
    upload.name = "teams.xlsx"
    assert (
        client.post("/resources/teams/import/?cell=450901100", {"file": upload}).status_code == 302
    )
    assert Team.objects.count() == 2


def test_the_ledger(cast, client_for):
    import_teams(None, table(ROWS), "teams.xlsx")
    response = client_for(cast.users["county"]).get("/resources/teams.xlsx?cell=450901100")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    teams = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert any(row[2] == "一村先锋分队" and row[6] == 3 for row in teams)
    members = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    jia = [row for row in members if row[2] == "队员甲"]
    assert len(jia) == 2 and {row[6] for row in jia} == {"一村先锋分队", "二村先锋分队"}


def test_the_teams_layer(cast):
    team = actions.create_team(
        None,
        cell=cast.village,
        name="一村先锋分队",
        kind="comprehensive",
        base_lon=106.1,
        base_lat=24.1,
    )
    actions.create_team(None, cell=cast.other_village, name="四村队", kind="comprehensive")
    [layer] = LAYERS
    assert layer.name == "resources.teams"
    features = layer.features(cast.users["township"], cast.township)
    assert [f["properties"]["id"] for f in features] == [team.pk]
    assert features[0]["geometry"]["coordinates"] == [106.1, 24.1]


def test_a_norm_changed_in_the_admin_recounts(cast, client_for):
    team = actions.create_team(None, cell=cast.village, name="队", kind="comprehensive")
    for i in range(5):
        actions.add_member(None, team, name=f"人{i}", phone=f"1393000000{i}")
    assert tally.read(cast.county.path, counts.MET) == {}
    norm = Norm.objects.get(cell_kind="village", within=None)
    client = client_for(cast.users["admin"])
    response = client.post(
        f"/admin/resources/norm/{norm.pk}/change/",
        {"cell_kind": "village", "minimum": "5", "team_kinds": ["comprehensive"], "within": ""},
    )
    assert response.status_code == 302, response.content[:500]
    assert tally.read(cast.county.path, counts.MET) == {counts.MET: {"village": 1}}
    assert tally.matches()
