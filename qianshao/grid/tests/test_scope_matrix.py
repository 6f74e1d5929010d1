"""The scope matrix on the demo county: every demo user × every page and endpoint that lists
or shows a cell or a person. Inside their scope they are served; outside they get 404 (or
403 for a step they may see but not take) and nothing changes — guessed ids included.

The demo (凌云县 451027) is built once for the module; a neighbouring county (乐业县 451028)
is added through the real actions so that the county-wide users have an outside too. What a
user should see is worked out here from codes alone (a cell is inside when its code starts
with the user's cell code; a person when one of their roles is in such a cell), not by the
scope helpers under test. Each test walks its table and collects every mismatch, so one run
names all of them.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import timezone

from qianshao import demo
from qianshao.audit.models import AuditRecord
from qianshao.disasters import actions as disaster_actions
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Domain, Person, Role, RoleAssignment
from qianshao.hazards import actions as hazard_actions
from qianshao.hazards import locate
from qianshao.testing import appoint
from qianshao.warnings import actions as warning_actions
from qianshao.warnings.models import Level, WarningType

BACKEND = "qianshao.accounts.backends.UsernameOrPhoneBackend"
# The cell whose subtree each demo user sees.
ROOTS = {
    "county": "451027",
    "township": "451027100",
    "village": "451027100201",
    "department": "451027",
}
NEIGHBOUR = [
    CellRow("451028", "乐业县", CellKind.COUNTY, None),
    CellRow("451028100", "同乐镇", CellKind.TOWNSHIP, "451028"),
    CellRow("451028100201", "火卖村", CellKind.VILLAGE, "451028100"),
]
# Cells every user is tried against: each level of the demo, a community, the park and an
# enterprise in it, another township, and the neighbouring county.
PROBES = [
    "451027",
    "451027100",
    "451027100001",
    "451027100201",
    "451027100202",
    "451027101",
    "451027101201",
    "451027400",
    "451027400001",
    "451028",
    "451028100",
    "451028100201",
]
LINK_RE = re.compile(r'(?:href="|"url": ")/(grid|people)/([0-9A-Z_]+)/')


@dataclass
class World:
    tokens: dict[str, str]
    cells: list[str]
    roles: list[tuple[int, int, str]]  # (assignment id, person id, cell code)

    def inside(self, username: str, code: str) -> bool:
        return code.startswith(ROOTS[username])

    def cells_of(self, username: str) -> set[str]:
        return {code for code in self.cells if self.inside(username, code)}

    def people_of(self, username: str) -> set[int]:
        return {person for _a, person, code in self.roles if self.inside(username, code)}

    def assignments_of(self, username: str) -> set[int]:
        return {a for a, _person, code in self.roles if self.inside(username, code)}

    def people_sample(self, username: str) -> list[int]:
        """Two people from each township (and each county's own level), inside and outside."""
        chosen: dict[tuple, list[int]] = {}
        for _a, person, code in self.roles:
            group = chosen.setdefault((code[:9], self.inside(username, code)), [])
            if len(group) < 2 and person not in group:
                group.append(person)
        return sorted({person for group in chosen.values() for person in group})

    def outside_by_cell(self, username: str) -> tuple[list[int], list[int]]:
        """For every cell outside the user's scope: the first role made there, and its
        person (unless the user sees that person through another role)."""
        people, assignments, seen = [], [], set()
        visible = self.people_of(username)
        for a, person, code in sorted(self.roles):
            if code in seen or self.inside(username, code) or person in visible:
                continue
            seen.add(code)
            people.append(person)
            assignments.append(a)
        return people, assignments

    def unused_ids(self, index: int) -> list[int]:
        taken = {row[index] for row in self.roles}
        return [0, max(taken) + 1, max(taken) + 1000]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo.build_grid()
        actions.create_cells(None, NEIGHBOUR, source="test:neighbour")
        cells = Cell.objects.filter(code__in=[row.code for row in NEIGHBOUR]).order_by("path")
        for cell, role in zip(cells, [Role.DISPATCHER, Role.DISPATCHER, Role.MEMBER], strict=True):
            appoint(cell, role, name=f"{cell.name}人")
            appoint(cell, Role.INFORMANT, name=f"{cell.name}信息员")
        tokens = {}
        for username in ROOTS:
            response = Client().post(
                "/api/v1/auth/token",
                {"username": username, "password": demo.PASSWORD},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
            tokens[username] = response.json()["token"]
        yield World(
            tokens=tokens,
            cells=list(Cell.objects.values_list("code", flat=True)),
            roles=list(RoleAssignment.objects.values_list("pk", "person_id", "cell__code")),
        )
        transaction.set_rollback(True)


def page_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username), backend=BACKEND)
    return client


def api_client(world: World, username: str, auth: str) -> Client:
    """A client calling the API with the user's bearer token, or with a login session."""
    if auth == "token":
        return Client(headers={"authorization": f"Bearer {world.tokens[username]}"})
    return page_client(username)


def leaks(world: World, username: str, html: str) -> list[str]:
    """Links (and map features) in a page that lead to cells or people outside the scope."""
    people = world.people_of(username)
    found = set()
    for kind, key in LINK_RE.findall(html):
        if kind == "grid" and not world.inside(username, key):
            found.add(f"/grid/{key}/")
        if kind == "people" and int(key) not in people:
            found.add(f"/people/{key}/")
    return sorted(found)


def every_item(client: Client, url: str, params: dict) -> tuple[int, list[dict]]:
    """All items of a paginated list, page by page; (status of the first page, items)."""
    items: list[dict] = []
    response = client.get(url, {**params, "limit": 200})
    while True:
        if response.status_code != 200:
            return response.status_code, items
        body = response.json()
        items += body["items"]
        if body["next"] is None:
            return 200, items
        response = client.get(body["next"])  # the cursor's URL keeps the filters


def grid_state() -> tuple:
    """Everything a refused write could have touched."""
    return (
        list(Cell.objects.order_by("code").values_list("code", "path", "level", "parent_id")),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", "end")),
        list(Person.objects.order_by("pk").values_list("pk", "user_id")),
        AuditRecord.objects.count(),
    )


class Mismatches(list):
    def check(self, label: str, got, expected) -> None:
        if got != expected:
            self.append(f"{label}: got {got!r}, expected {expected!r}")

    def report(self) -> str:
        return f"{len(self)} mismatches:\n" + "\n".join(self)


@pytest.mark.django_db
def test_each_demo_user_is_served_the_pages_inside_their_scope_and_refused_the_rest(world):
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        urls = {}
        for code in PROBES:
            for url in [f"/grid/{code}/", f"/grid/{code}/children/", f"/grid/{code}/card/"]:
                urls[url] = world.inside(username, code)
            urls[f"/grid/contacts/?cell={code}"] = world.inside(username, code)
        for person in world.people_sample(username):
            urls[f"/people/{person}/"] = person in world.people_of(username)
        for url in ["/", "/grid/", "/inbox/", "/inbox/?kind=chase", "/grid/contacts/"]:
            urls[url] = True
        for url, inside in urls.items():
            response = client.get(url)
            wrong.check(f"{username} GET {url}", response.status_code, 200 if inside else 404)
            if response.status_code == 200:
                html = response.content.decode()
                wrong.check(f"{username} GET {url} links outside", leaks(world, username, html), [])
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_the_tree_search_finds_only_cells_and_people_inside_the_scope(world):
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        for q in ["4510", "45102", "451028", "村", "镇", "乐业", "同乐", "火卖"]:
            html = client.get("/grid/search/", {"q": q}).content.decode()
            found = {key for kind, key in LINK_RE.findall(html) if kind == "grid"}
            outside = sorted(code for code in found if not world.inside(username, code))
            wrong.check(f"{username} search {q!r} outside results", outside, [])
            people = {int(key) for kind, key in LINK_RE.findall(html) if kind == "people"}
            outside = sorted(people - world.people_of(username))
            wrong.check(f"{username} search {q!r} people outside", outside, [])
        # people by name and by phone: the neighbouring county's are never found
        for name, phone in Person.objects.filter(
            assignments__cell__code__startswith="451028"
        ).values_list("name", "phone"):
            for q in [name, phone, phone[:7]]:
                html = client.get("/grid/search/", {"q": q}).content.decode()
                people = {int(key) for kind, key in LINK_RE.findall(html) if kind == "people"}
                outside = sorted(people - world.people_of(username))
                wrong.check(f"{username} search person {q!r} outside", outside, [])
                shown = phone in html.replace(f"“{q}”", "")  # the search echoes the query
                wrong.check(f"{username} search {q!r} shows the phone", shown, False)
        mine = Person.objects.filter(assignments__cell__code=ROOTS[username]).first()
        html = client.get("/grid/search/", {"q": mine.phone}).content.decode()
        wrong.check(f"{username} finds {mine.phone}", f"/people/{mine.pk}/" in html, True)
        own = Cell.objects.get(code=ROOTS[username])
        html = client.get("/grid/search/", {"q": own.name}).content.decode()
        wrong.check(f"{username} search {own.name!r} finds it", f"/grid/{own.code}/" in html, True)
    assert not wrong, wrong.report()


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["token", "session"])
def test_each_demo_user_reads_through_the_api_only_what_is_inside_their_scope(world, auth):
    wrong = Mismatches()
    for username in ROOTS:
        client = api_client(world, username, auth)
        who = f"{username} ({auth})"
        status, items = every_item(client, "/api/v1/cells", {})
        wrong.check(f"{who} top cells", [c["code"] for c in items], [ROOTS[username]])
        status, items = every_item(client, "/api/v1/cells", {"q": "4510"})
        wrong.check(f"{who} cells?q=4510", {c["code"] for c in items}, world.cells_of(username))
        status, items = every_item(client, "/api/v1/people", {})
        wrong.check(f"{who} people", {p["id"] for p in items}, world.people_of(username))
        status, items = every_item(client, "/api/v1/people", {"q": "1"})
        wrong.check(f"{who} people?q=1", {p["id"] for p in items}, world.people_of(username))
        status, items = every_item(client, "/api/v1/assignments", {"active": "false"})
        wrong.check(f"{who} assignments", {a["id"] for a in items}, world.assignments_of(username))
        for code in PROBES:
            expected = 200 if world.inside(username, code) else 404
            for url in [f"/api/v1/cells/{code}", f"/api/v1/cells/{code}/counts"]:
                wrong.check(f"{who} GET {url}", client.get(url).status_code, expected)
            for url, params, key in [
                ("/api/v1/cells", {"parent": code}, "code"),
                ("/api/v1/people", {"cell": code}, "id"),
                ("/api/v1/assignments", {"cell": code}, "cell"),
            ]:
                status, items = every_item(client, url, params)
                wrong.check(f"{who} GET {url}?{params}", status, expected)
                if key == "id":
                    outside = [p["id"] for p in items if p["id"] not in world.people_of(username)]
                else:
                    outside = [r[key] for r in items if not world.inside(username, r[key])]
                wrong.check(f"{who} GET {url}?{params} rows outside", outside, [])
        for person in world.people_sample(username):
            response = client.get(f"/api/v1/people/{person}")
            inside = person in world.people_of(username)
            wrong.check(f"{who} GET person {person}", response.status_code, 200 if inside else 404)
            if response.status_code == 200:
                cells = [a["cell"] for a in response.json()["assignments"]]
                outside = [code for code in cells if not world.inside(username, code)]
                wrong.check(f"{who} person {person} roles outside", outside, [])
    assert not wrong, wrong.report()


def refused_writes(world: World, username: str) -> list[tuple[str, dict | None, int]]:
    """(url, JSON body, expected status) of writes the user must be refused."""
    root = ROOTS[username]
    people, assignments = world.outside_by_cell(username)
    outside_cells = [code for code in PROBES if not world.inside(username, code)]
    inside_role = min(a for a, _p, code in world.roles if code == root)
    writes = []
    for code in outside_cells:
        new = {"name": "新任命", "phone": "13912345678"}
        body = {"client_uuid": str(uuid.uuid4()), "cell": code, "role": "member", "new_person": new}
        writes.append(("/api/v1/assignments", body, 404))
        writes.append((f"/api/v1/cells/{code}/move", {"parent": root}, 404))
        writes.append((f"/api/v1/cells/{root}/move", {"parent": code}, 404))
    for person in people[:5]:
        body = {"client_uuid": str(uuid.uuid4()), "cell": root, "role": "informant"}
        writes.append(("/api/v1/assignments", body | {"person_id": person}, 404))
    for assignment in assignments[:5]:
        writes.append((f"/api/v1/assignments/{assignment}/end", {}, 404))
    # Steps on objects the user can see but may not take.
    new = {"client_uuid": str(uuid.uuid4()), "cell": root, "role": "member"}
    new["new_person"] = {"name": "新任命", "phone": "13912345679"}
    forbidden = {
        "department": [
            ("/api/v1/cells/451027100201/move", {"parent": "451027101"}, 403),
            (f"/api/v1/assignments/{inside_role}/end", {}, 403),
            ("/api/v1/assignments", new, 403),
        ],
        "village": [
            ("/api/v1/cells/451027100201/move", {"parent": "451027100201"}, 403),
            (f"/api/v1/assignments/{inside_role}/end", {}, 403),
            ("/api/v1/assignments", new, 403),
        ],
        "township": [
            ("/api/v1/cells/451027100/move", {"parent": "451027100"}, 403),
            (f"/api/v1/assignments/{inside_role}/end", {}, 403),
        ],
        "county": [],
    }
    return writes + forbidden[username]


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["token", "session"])
def test_writes_against_objects_outside_the_scope_are_refused_and_change_nothing(world, auth):
    before = grid_state()
    wrong = Mismatches()
    for username in ROOTS:
        client = api_client(world, username, auth)
        for url, body, expected in refused_writes(world, username):
            response = client.post(url, body, content_type="application/json")
            wrong.check(f"{username} ({auth}) POST {url} {body}", response.status_code, expected)
    wrong.check("state after the refused writes", grid_state() == before, True)
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_page_forms_against_objects_outside_the_scope_are_refused_and_change_nothing(world):
    before = grid_state()
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        root = ROOTS[username]
        people, assignments = world.outside_by_cell(username)
        posts = []
        for code in [c for c in PROBES if not world.inside(username, c)]:
            assign = {"name": "新任命", "phone": "13912345678", "role": "member"}
            posts.append((f"/grid/{code}/assign/", assign | {"client_uuid": str(uuid.uuid4())}))
            posts.append((f"/grid/{code}/move/", {"parent": root}))
            posts.append((f"/grid/{root}/move/", {"parent": code}))
        for assignment in assignments[:5]:
            posts.append((f"/assignments/{assignment}/end/", {"reason": "guess"}))
        for person in people[:5]:
            posts.append((f"/people/{person}/login/", {"username": "guess", "password": "x" * 12}))
        for url, data in posts:
            response = client.post(url, data)
            wrong.check(f"{username} POST {url} {data}", response.status_code, 404)
    wrong.check("state after the refused forms", grid_state() == before, True)
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_guessed_ids_of_people_and_roles_outside_the_scope_are_not_found_anywhere(world):
    """Every cell outside the user's scope gives one person and one role to guess at; ids
    that were never used answer exactly as those do."""
    before = grid_state()
    wrong = Mismatches()
    for username in ROOTS:
        api = api_client(world, username, "token")
        page = page_client(username)
        people, assignments = world.outside_by_cell(username)
        for person in people + world.unused_ids(1):
            for client, url in [(api, f"/api/v1/people/{person}"), (page, f"/people/{person}/")]:
                wrong.check(f"{username} GET {url}", client.get(url).status_code, 404)
        for assignment in assignments + world.unused_ids(0):
            url = f"/api/v1/assignments/{assignment}/end"
            response = api.post(url, {}, content_type="application/json")
            wrong.check(f"{username} POST {url}", response.status_code, 404)
            url = f"/assignments/{assignment}/end/"
            wrong.check(f"{username} POST {url}", page.post(url, {}).status_code, 404)
        wrong.check(f"{username} had ids to guess", len(people) > 0 and len(assignments) > 0, True)
    wrong.check("state after guessing", grid_state() == before, True)
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_each_demo_user_sees_their_own_roster_jobs_and_no_one_elses(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qianshao.grid import roster_jobs

    wrong = Mismatches()
    jobs = {}
    for username in ROOTS:
        client = page_client(username)
        upload = SimpleUploadedFile("名册.csv", "网格编码,姓名,手机号,角色\n".encode())
        response = client.post("/grid/roster/", {"file": upload, "client_uuid": uuid.uuid4()})
        may = roster_jobs.may_import(get_user_model().objects.get(username=username))
        wrong.check(f"{username} POST /grid/roster/", response.status_code, 302 if may else 403)
        if response.status_code == 302:
            jobs[username] = response["Location"]
    wrong.check("uploaders", sorted(jobs), ["county", "township"])
    for username in ROOTS:
        client = page_client(username)
        for owner, url in jobs.items():
            for page in [url, f"{url}progress/"]:
                expected = 200 if owner == username else 404
                wrong.check(f"{username} GET {page}", client.get(page).status_code, expected)
    assert not wrong, wrong.report()


# The map's layers (web/maps.py): what each probed cell holds, and warnings in force to the
# whole county, to another township, and to the neighbouring county.
LAYERS = ["hazards.open", "warnings.active", "disasters.recent"]
# the resources' layers follow (tried on the resources below)
RESOURCE_LAYERS = ["resources.teams", "resources.points", "resources.shelters", "resources.routes"]
WARNED = ["451027", "451027101", "451028"]


def something_on_every_layer() -> None:
    """An open hazard with a point and a disaster of today in each probed cell, and the
    warnings of ``WARNED`` in force, through the actions (as the system)."""
    category = Domain.objects.get(code="industry_trade")
    for code in PROBES:
        cell = Cell.objects.get(code=code)
        hazard_actions.report(
            None,
            title=f"{cell.name}隐患",
            description="通道堵塞",
            category=category,
            cell=cell,
            lon=cell.centre_lon or 106.5,
            lat=cell.centre_lat or 24.5,
        )
        disaster_actions.report(
            None,
            type="flood",
            started_at=timezone.now() - timedelta(hours=1),
            cell=cell,
            figures={"affected": 1},
        )
    for code in WARNED:
        cell = Cell.objects.get(code=code)
        draft = warning_actions.draft(
            None,
            type=WarningType.objects.get(code="rainstorm"),
            level=Level.YELLOW,
            headline=f"{cell.name}暴雨预警",
            text="预计未来6小时内降雨量将达50毫米以上。",
            targets=[cell],
            valid_until=timezone.now() + timedelta(hours=6),
            cell=Cell.objects.get(code=code[:6]),
        )
        warning_actions.issue(None, draft)


def layer_cells(name: str, code: str) -> set[str]:
    """The cells whose features a layer of ``code`` should hold, worked out from codes: the
    probed cells inside it, or for warnings each warned cell inside it and the cell itself
    when a warned cell lies at or above it."""
    if name != "warnings.active":
        return {probe for probe in PROBES if probe.startswith(code)}
    inside = {warned for warned in WARNED if warned.startswith(code)}
    return inside | ({code} if any(code.startswith(warned) for warned in WARNED) else set())


@pytest.mark.django_db
def test_each_demo_user_gets_the_map_layers_of_the_cells_inside_their_scope_only(world):
    something_on_every_layer()
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        names = [layer["name"] for layer in client.get("/map/layers/").json()]
        wrong.check(f"{username} GET /map/layers/", names, LAYERS + RESOURCE_LAYERS + RISK_LAYERS)
        for name in LAYERS:
            url = f"/map/layers/{name}.geojson"
            response = client.get(url)
            cells = {f["properties"]["cell"] for f in response.json()["features"]}
            wrong.check(f"{username} GET {url}", cells, layer_cells(name, ROOTS[username]))
            for code in PROBES:
                label = f"{username} GET {url}?cell={code}"
                response = client.get(url, {"cell": code})
                inside = world.inside(username, code)
                wrong.check(label, response.status_code, 200 if inside else 404)
                if response.status_code != 200:
                    continue
                cells = {f["properties"]["cell"] for f in response.json()["features"]}
                outside = sorted(c for c in cells if not world.inside(username, c))
                wrong.check(f"{label} features outside", outside, [])
                wrong.check(f"{label} features' cells", cells, layer_cells(name, code))
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_each_demo_user_locates_a_point_only_in_the_cells_inside_their_scope(world):
    """The report form's 定位 (``/m/report/locate/``) at the centre of each probe: the cell
    holding it when that is inside the user's scope, else 404."""
    county = Cell.objects.get(code="451027")
    centres = Cell.objects.filter(code__in=PROBES, centre_lon__isnull=False)
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        for probe in centres:
            point = {"lon": probe.centre_lon, "lat": probe.centre_lat}
            holder = locate.locate(probe.centre_lon, probe.centre_lat, [county])
            inside = holder is not None and world.inside(username, holder.code)
            response = client.get("/m/report/locate/", point)
            label = f"{username} locate the centre of {probe.code}"
            wrong.check(label, response.status_code, 200 if inside else 404)
            if response.status_code == 200:
                wrong.check(f"{label}: cell", response.json()["cell"], holder.code)
    assert not wrong, wrong.report()


TARGET_BOX_RE = re.compile(r'name="targets" value="\d+" id="target-\d+" data-code="(\d+)"')
TARGET_MAP_RE = re.compile(r'data-target-map data-geojson="([^"]*)"')


@pytest.mark.django_db
def test_each_demo_user_is_offered_warning_targets_inside_their_scope_only(world):
    """The warning form's targets — the tree's boxes and the map's cells, new and on a
    draft's edit page: the user's own cell and two levels below it, nothing outside; who
    holds no issuing post (a village member, a department's) is refused the form (403)."""
    import html
    import json

    draft = warning_actions.draft(
        get_user_model().objects.get(username="county"),
        type=WarningType.objects.get(code="rainstorm"),
        level=Level.YELLOW,
        headline="泗城镇暴雨黄色预警",
        text="范围测试",
        targets=[Cell.objects.get(code="451027100")],
        valid_until=timezone.now() + timedelta(hours=6),
    )
    wrong = Mismatches()
    for username, root in ROOTS.items():
        client = page_client(username)
        for url in ["/warnings/new/", f"/warnings/{draft.number}/edit/"]:
            response = client.get(url)
            if username in ("village", "department"):  # the department sees the draft
                refused = 404 if (username, "edit" in url) == ("village", True) else 403
                wrong.check(f"{username} GET {url}", response.status_code, refused)
                continue
            if username == "township" and "edit" in url:  # the county's draft: not theirs
                wrong.check(f"{username} GET {url}", response.status_code, 404)
                continue
            page = response.content.decode()
            boxes = set(TARGET_BOX_RE.findall(page))
            depth = Cell.objects.get(code=root).level
            expected = set(
                Cell.objects.filter(code__startswith=root, level__lte=depth + 2).values_list(
                    "code", flat=True
                )
            )
            wrong.check(f"{username} GET {url} boxes", boxes, expected)
            shown = json.loads(html.unescape(TARGET_MAP_RE.search(page).group(1)))
            on_map = {f["properties"]["code"] for f in shown["features"]}
            wrong.check(f"{username} GET {url} map outside", sorted(on_map - boxes), [])
            wrong.check(f"{username} GET {url} map drawn", bool(on_map), True)
    assert not wrong, wrong.report()


# The resources area (issue 13): the demo county's forces, kits, supplies and shelters, and the
# neighbouring county's, both built through the parts' demo builders (the actions), then every
# page and endpoint that lists or shows them tried by every demo user.
RESOURCE_LISTS = [  # (page, API list or None, what its rows are)
    ("/resources/", None, None),
    ("/resources/teams/", "/api/v1/resources/teams", "team"),
    ("/resources/compliance/", None, None),
    ("/resources/experts/", "/api/v1/resources/experts", "expert"),
    ("/resources/social-forces/", "/api/v1/resources/social-forces", "social_force"),
    ("/resources/kits/", "/api/v1/resources/kit-cards", "card"),
    ("/resources/supplies/", "/api/v1/resources/points", "point"),
    ("/resources/supplies/transfers/", "/api/v1/resources/transfers", "transfer"),
    ("/resources/supplies/shortages/", None, None),
    ("/resources/shelters/", "/api/v1/resources/shelters", "shelter"),
    ("/resources/shelters/coverage/", None, None),
    ("/resources/households/", "/api/v1/resources/households", "household"),
    (None, "/api/v1/resources/routes", "route"),
]
# The reports of a cell through the API (one object each, of the cell given or your own).
RESOURCE_REPORTS = [
    "/api/v1/resources/readiness",
    "/api/v1/resources/compliance",
    "/api/v1/resources/kits/completeness",
    "/api/v1/resources/coverage",
    "/api/v1/resources/shortages",
]
# Each record's page and API detail.
RESOURCE_DETAILS = {
    "team": ["/resources/teams/{}/", "/api/v1/resources/teams/{}"],
    "card": ["/resources/kits/cards/{}/", "/api/v1/resources/kit-cards/{}"],
    "point": [
        "/resources/supplies/points/{}/",
        "/api/v1/resources/points/{}",
        "/api/v1/resources/points/{}/stock",
    ],
    "transfer": ["/resources/supplies/transfers/{}/", "/api/v1/resources/transfers/{}"],
    "shelter": ["/resources/shelters/{}/", "/api/v1/resources/shelters/{}"],
    "route": ["/resources/routes/{}/", "/api/v1/resources/routes/{}"],
    "household": ["/api/v1/resources/households/{}"],
}
RESOURCE_LINK_RE = re.compile(
    r"/resources/(teams|kits/cards|supplies/points|supplies/transfers|shelters|routes)/(\d+)/"
)
LINK_KINDS = {
    "teams": "team",
    "kits/cards": "card",
    "supplies/points": "point",
    "supplies/transfers": "transfer",
    "shelters": "shelter",
    "routes": "route",
}


@dataclass
class Stock:
    """Each resources record kind: id → the codes of the cells it belongs to (a transfer has
    two: its source's and its destination's)."""

    records: dict[str, dict[int, tuple[str, ...]]]

    def sees(self, world: World, username: str, kind: str, pk: int) -> bool:
        codes = self.records[kind].get(pk)
        if codes is None:
            return False
        root = ROOTS[username]
        if kind == "shelter":  # a village sends its people to the shelters above it too
            return any(code.startswith(root) or root.startswith(code) for code in codes)
        return any(world.inside(username, code) for code in codes)

    def of(self, world: World, username: str, kind: str, code: str | None = None) -> set[int]:
        """The records of ``kind`` the user should get in a list (of ``code``'s subtree)."""
        found = set()
        for pk, codes in self.records[kind].items():
            if not self.sees(world, username, kind, pk):
                continue
            if code is None or any(c.startswith(code) for c in codes):
                found.add(pk)
        return found

    def sample(self, world: World, username: str, kind: str) -> list[int]:
        """Two records of each township (and county level), inside and outside, and ids that
        were never used."""
        chosen: dict[tuple, list[int]] = {}
        for pk, codes in sorted(self.records[kind].items()):
            key = (codes[0][:9], self.sees(world, username, kind, pk))
            group = chosen.setdefault(key, [])
            if len(group) < 2:
                group.append(pk)
        taken = set(self.records[kind]) or {0}
        return sorted({pk for g in chosen.values() for pk in g} | {max(taken) + 1000})


@pytest.fixture(scope="module")
def stock(world, django_db_blocker):
    from qianshao.resources import demo as resources_demo
    from qianshao.resources.models import (
        Expert,
        Household,
        KitCard,
        KitStandard,
        Point,
        Route,
        Shelter,
        SocialForce,
        Team,
        Transfer,
    )

    with django_db_blocker.unblock(), transaction.atomic():
        # the neighbour's cells are placed (the demo's shelters need a centre)
        for i, code in enumerate(row.code for row in NEIGHBOUR):
            Cell.objects.filter(code=code).update(centre_lon=106.3 + i * 0.01, centre_lat=24.8)
        # a duty holder there, so that the neighbour has kit cards
        village = Cell.objects.get(code=NEIGHBOUR[-1].code)
        for duty in KitStandard.objects.values_list("duty", flat=True).distinct():
            appoint(village, Role.MEMBER, name=f"火卖村{duty}", duties=[duty])
        resources_demo.build("451027")
        resources_demo.build("451028")

        def codes(model, *fields):
            rows = model.objects.values_list("pk", *fields)
            return {pk: tuple(found) for pk, *found in rows}

        yield Stock(
            records={
                "team": codes(Team, "cell__code"),
                "expert": codes(Expert, "cell__code"),
                "social_force": codes(SocialForce, "cell__code"),
                "card": codes(KitCard, "cell__code"),
                "point": codes(Point, "cell__code"),
                "transfer": codes(Transfer, "source__cell__code", "destination__cell__code"),
                "shelter": codes(Shelter, "cell__code"),
                "route": codes(Route, "cell__code"),
                "household": codes(Household, "cell__code"),
            }
        )
        transaction.set_rollback(True)


def resource_leaks(world: World, stock: Stock, username: str, html: str) -> list[str]:
    """Links in a page to cells, people or resources records outside the scope."""
    found = set(leaks(world, username, html))
    for kind, pk in RESOURCE_LINK_RE.findall(html):
        if not stock.sees(world, username, LINK_KINDS[kind], int(pk)):
            found.add(f"/resources/{kind}/{pk}/")
    return sorted(found)


@pytest.mark.django_db
def test_the_neighbour_county_has_resources_of_every_kind(world, stock):
    """Otherwise the resources tests below would have nothing outside to refuse."""
    for kind, records in stock.records.items():
        outside = [pk for pk, codes in records.items() if codes[0].startswith("451028")]
        inside = [pk for pk, codes in records.items() if codes[0].startswith("451027")]
        assert outside and inside, kind


@pytest.mark.django_db
def test_each_demo_user_is_served_the_resources_pages_inside_their_scope_only(world, stock):
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        urls = {}
        for page, _api, _kind in RESOURCE_LISTS:
            if page is None:
                continue
            urls[page] = True
            for code in PROBES:
                urls[f"{page}?cell={code}"] = world.inside(username, code)
        for code in PROBES:
            urls[f"/resources/evacuation/{code}/"] = world.inside(username, code)
        for kind, templates in RESOURCE_DETAILS.items():
            for pk in stock.sample(world, username, kind):
                for template in templates:
                    if template.startswith("/resources/"):
                        urls[template.format(pk)] = stock.sees(world, username, kind, pk)
        for name in RESOURCE_LAYERS:  # the map's layers: features link to records and cells
            urls[f"/map/layers/{name}.geojson"] = True
            for code in PROBES:
                urls[f"/map/layers/{name}.geojson?cell={code}"] = world.inside(username, code)
        for url, inside in urls.items():
            response = client.get(url)
            wrong.check(f"{username} GET {url}", response.status_code, 200 if inside else 404)
            if response.status_code == 200:
                html = response.content.decode()
                found = resource_leaks(world, stock, username, html)
                wrong.check(f"{username} GET {url} links outside", found, [])
            if response.status_code == 200 and url.startswith("/map/"):
                cells = {f["properties"].get("cell") for f in response.json()["features"]}
                outside = sorted(c for c in cells - {None} if not world.inside(username, c))
                wrong.check(f"{username} GET {url} features outside", outside, [])
    assert not wrong, wrong.report()


def api_rows(client: Client, url: str, params: dict) -> tuple[int, list[dict]]:
    """A list's rows, paginated or not."""
    response = client.get(url, params)
    if response.status_code == 200 and isinstance(response.json(), list):
        return 200, response.json()
    return every_item(client, url, params)


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["token", "session"])
def test_each_demo_user_reads_the_resources_through_the_api_inside_their_scope_only(
    world, stock, auth
):
    wrong = Mismatches()
    for username in ROOTS:
        client = api_client(world, username, auth)
        who = f"{username} ({auth})"
        for _page, url, kind in RESOURCE_LISTS:
            if url is None:
                continue
            status, items = api_rows(client, url, {})
            wrong.check(f"{who} GET {url}", status, 200)
            got = {row["id"] for row in items}
            expected = stock.of(world, username, kind, ROOTS[username])
            if kind in ("shelter", "transfer"):  # those above or from outside, too
                expected = stock.of(world, username, kind)
            wrong.check(f"{who} GET {url} rows outside", sorted(got - expected), [])
            wrong.check(f"{who} GET {url} rows missing", sorted(expected - got), [])
            for code in PROBES:
                status, items = api_rows(client, url, {"cell": code})
                wrong.check(f"{who} GET {url}?cell={code}", status, _served(world, username, code))
                got = {row["id"] for row in items}
                outside = sorted(pk for pk in got if not stock.sees(world, username, kind, pk))
                wrong.check(f"{who} GET {url}?cell={code} rows outside", outside, [])
        for url in RESOURCE_REPORTS:
            wrong.check(f"{who} GET {url}", client.get(url).status_code, 200)
            for code in PROBES:
                status = client.get(url, {"cell": code}).status_code
                wrong.check(f"{who} GET {url}?cell={code}", status, _served(world, username, code))
        for kind, templates in RESOURCE_DETAILS.items():
            for pk in stock.sample(world, username, kind):
                expected = 200 if stock.sees(world, username, kind, pk) else 404
                for template in templates:
                    if template.startswith("/api/"):
                        url = template.format(pk)
                        wrong.check(f"{who} GET {url}", client.get(url).status_code, expected)
    assert not wrong, wrong.report()


def _served(world: World, username: str, code: str) -> int:
    return 200 if world.inside(username, code) else 404


def resources_state() -> tuple:
    """Everything a refused resources write could have touched."""
    from qianshao.resources.models import KitItem, Member, Movement, Route, Tally, Transfer

    return (
        AuditRecord.objects.count(),
        Member.objects.count(),
        KitItem.objects.count(),
        Movement._base_manager.count(),
        Transfer.objects.count(),
        Route.objects.count(),
        sorted(Tally.objects.values_list("path", "figure", "key", "n")),
    )


def neighbour(stock: Stock, kind: str) -> int:
    """The first record of ``kind`` in the neighbouring county (outside every demo user)."""
    return min(pk for pk, codes in stock.records[kind].items() if codes[0].startswith("451028"))


def refused_resources_writes(world: World, stock: Stock, username: str) -> list[tuple]:
    """(url, JSON body) of writes on the neighbour's records, or naming them from the user's
    own: each must be 404 as if they did not exist."""
    from qianshao.resources.models import KitItem, Member

    def uid() -> str:
        return str(uuid.uuid4())

    root = ROOTS[username]
    team, card, point = (
        neighbour(stock, "team"),
        neighbour(stock, "card"),
        neighbour(stock, "point"),
    )
    shelter, transfer = neighbour(stock, "shelter"), neighbour(stock, "transfer")
    expert, route = neighbour(stock, "expert"), neighbour(stock, "route")
    member = Member.objects.filter(team_id=team).order_by("pk").first()
    item = KitItem.objects.filter(card__cell__code__startswith="451028").order_by("pk").first()
    stranger = Person.objects.filter(assignments__cell__code__startswith="451028").first()
    line = {"type": "LineString", "coordinates": [[106.5, 24.3], [106.51, 24.31]]}
    writes = [
        (
            f"/api/v1/resources/teams/{team}/members",
            {"client_uuid": uid(), "name": "新队员", "phone": "13987654321"},
        ),
        (f"/api/v1/resources/teams/{team}/steps/dispatch", {"note": "guess"}),
        (
            f"/api/v1/resources/teams/{team}/certificates",
            {"client_uuid": uid(), "person": member.person_id, "name": "证"},
        ),
        (f"/api/v1/resources/members/{member.pk}/leave", {"note": "guess"}),
        (f"/api/v1/resources/experts/{expert}/verify", {}),
        (f"/api/v1/resources/kit-cards/{card}/items", {"client_uuid": uid(), "line": item.line_id}),
        (f"/api/v1/resources/kit-cards/{card}/items/{item.pk}/steps/lose", {}),
        (f"/api/v1/resources/points/{point}/minimums", {"item": "1999901", "quantity": "5"}),
        (
            "/api/v1/resources/movements",
            {
                "client_uuid": uid(),
                "kind": "receive",
                "point": point,
                "item": "1999901",
                "quantity": "5",
            },
        ),
        (f"/api/v1/resources/transfers/{transfer}/steps/receive", {}),
        (f"/api/v1/resources/shelters/{shelter}/steps/open", {"note": "guess"}),
        (f"/api/v1/resources/shelters/{shelter}/occupancy", {"occupancy": 5}),
        (
            "/api/v1/resources/routes",
            {"client_uuid": uid(), "cell": root, "origin": "屯", "shelter": shelter, "line": line},
        ),
        (
            "/api/v1/resources/households",
            {"client_uuid": uid(), "cell": root, "head": "户主", "members": 2, "shelter": shelter},
        ),
        (
            "/api/v1/resources/households",
            {"client_uuid": uid(), "cell": root, "head": "户主", "members": 2, "route": route},
        ),
        (
            "/api/v1/resources/households",
            {
                "client_uuid": uid(),
                "cell": root,
                "head": "户主",
                "members": 2,
                "cadre_person": stranger.pk,
            },
        ),
    ]
    own = [pk for pk, codes in stock.records["point"].items() if codes[0].startswith(root)]
    if own:  # a transfer from the user's own point to the neighbour's
        body = {"client_uuid": uid(), "source": min(own), "destination": point}
        writes.append(
            (
                "/api/v1/resources/transfers",
                body | {"lines": [{"item": "1999901", "quantity": "1"}]},
            )
        )
    return writes


@pytest.mark.django_db
def test_resources_writes_on_the_neighbours_records_are_not_found_and_change_nothing(world, stock):
    before = resources_state()
    wrong = Mismatches()
    for username in ROOTS:
        client = api_client(world, username, "token")
        for url, body in refused_resources_writes(world, stock, username):
            response = client.post(url, body, content_type="application/json")
            got = response.status_code
            detail = "" if got == 404 else response.content.decode()[:160]
            wrong.check(f"{username} POST {url} {body}", (got, detail), (404, ""))
    wrong.check("state after the refused writes", resources_state() == before, True)
    assert not wrong, wrong.report()


# --- The risks' ledger part (issue 14): the census import and the 风险隐患台账 ---------------
# One risk point at the centre of each probe cell of the base grid (both counties), named by
# its cell's code; every demo user asks for the ledger of every probe and imports a census
# naming every probe. Kept in one block so that the risks' other parts add theirs beside it.
RISK_LEDGER = "/risks/ledger.xlsx"
RISK_IMPORT = "/api/v1/risks/points/import"


@pytest.fixture(scope="module")
def risk_points(world, django_db_blocker):
    from qianshao.risks import actions_points
    from qianshao.risks.models import RiskKind

    with django_db_blocker.unblock(), transaction.atomic():
        for i, code in enumerate(row.code for row in NEIGHBOUR):
            Cell.objects.filter(code=code).update(centre_lon=106.3 + i * 0.01, centre_lat=24.8)
        kind = RiskKind.objects.get(code="landslide")
        made = {}
        for cell in Cell.objects.filter(code__in=PROBES).exclude(centre_lon=None):
            point = {"type": "Point", "coordinates": [cell.centre_lon, cell.centre_lat]}
            p = actions_points.create_point(
                None,
                cell=cell,
                kind=kind,
                geometry=point,
                inputs={"likelihood": 3, "severity": 3},
                name=f"风险点{cell.code}",
            )
            made[p.name] = cell.code
        yield made
        transaction.set_rollback(True)


def census(codes: list[str]):
    """A census naming each of ``codes`` and a row of an unknown kind: never written."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["所在网格编码", "风险点名称", "风险类型", "经度", "纬度", "可能性", "严重性"])
    for code in codes:
        sheet.append([code, f"普查{code}", "山洪", "106.5", "24.5", "2", "2"])
    sheet.append([codes[0], "无此类型", "火山", "106.5", "24.5", "2", "2"])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("census.xlsx", out.getvalue())


@pytest.mark.django_db
def test_each_demo_user_gets_the_risk_ledger_of_the_cells_inside_their_scope_only(
    world, risk_points
):
    import io

    from openpyxl import load_workbook

    assert {code[:6] for code in risk_points.values()} == {"451027", "451028"}
    wrong = Mismatches()
    kinds = dict(Cell.objects.filter(code__in=PROBES).values_list("code", "kind"))
    for username in ROOTS:
        client = page_client(username)
        for code in PROBES:
            response = client.get(RISK_LEDGER, {"cell": code})
            wide = kinds[code] in (CellKind.PROVINCE, CellKind.CITY, CellKind.COUNTY)
            expected = (400 if wide else 200) if world.inside(username, code) else 404
            wrong.check(f"{username} GET {RISK_LEDGER}?cell={code}", response.status_code, expected)
            if response.status_code != 200:
                continue
            book = load_workbook(io.BytesIO(response.content))
            names = {r[2] for r in book["风险台账"].iter_rows(min_row=4, values_only=True)}
            listed = {risk_points[n] for n in names if n in risk_points}
            should = {c for c in risk_points.values() if c.startswith(code)}
            wrong.check(f"{username} ledger of {code}", listed, should)
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_each_demo_users_census_import_is_refused_outside_their_scope_and_writes_nothing(
    world, risk_points
):
    from qianshao.risks.models import RiskPoint

    before = list(RiskPoint.objects.order_by("pk").values_list("pk", "name"))
    wrong = Mismatches()
    codes = sorted(risk_points.values())
    for username in ROOTS:
        client = api_client(world, username, "token")
        response = client.post(RISK_IMPORT, {"file": census(codes)})
        wrong.check(f"{username} POST {RISK_IMPORT}", response.status_code, 400)
        errors = response.json().get("errors", [])
        refused = {
            codes[e["row"] - 2]
            for e in errors
            if e["column"] == "所在网格编码" and e["row"] - 2 < len(codes)
        }
        outside = {c for c in codes if not world.inside(username, c)}
        wrong.check(f"{username} rows refused outside", refused >= outside, True)
        for code in PROBES:
            url = f"{RISK_IMPORT}?cell={code}"
            got = client.post(url, {"file": census(codes)}).status_code
            wrong.check(f"{username} POST {url}", got, 400 if world.inside(username, code) else 404)
    after = list(RiskPoint.objects.order_by("pk").values_list("pk", "name"))
    wrong.check("points after the refused imports", after == before, True)
    assert not wrong, wrong.report()


# --- The risks area's points (issue 14) -------------------------------------------------
# A red and an orange risk point in every probed cell of the demo county and of the
# neighbouring one, made through the action; then every page and endpoint of the points
# tried by every demo user: lists, a point's page, board and API, 三清单, and writes on the
# neighbour's points (404, nothing changed).
RISK_LISTS = ["/risks/points/", "/risks/points/new/", "/risks/lists/", "/risks/lists.xlsx"]
RISK_DETAILS = [
    "/risks/points/{}/",
    "/risks/points/{}/board/",
    "/risks/points/{}/edit/",
    "/risks/points/{}/regrade/",
    "/risks/points/{}/measures/",
]
RISK_API_DETAILS = ["/api/v1/risks/points/{}", "/api/v1/risks/points/{}/grades"]
RISK_LINK_RE = re.compile(r"/risks/points/(\d+)/")


@pytest.fixture(scope="module")
def graded_points(world, django_db_blocker):
    """Each risk point's id → the code of its cell."""
    from shapely.geometry import shape

    from qianshao.risks import actions_points
    from qianshao.risks.models import RiskKind, RiskPoint

    with django_db_blocker.unblock(), transaction.atomic():
        landslide = RiskKind.objects.get(code="landslide")
        hazchem = RiskKind.objects.get(code="hazchem")
        for code in PROBES:
            cell = Cell.objects.get(code=code)
            county = Cell.objects.get(code=code[:6])
            if county.boundary:
                inside = shape(county.boundary).representative_point()
                lon, lat = inside.x, inside.y
            else:
                lon, lat = 106.3, 24.8
            centre = _point(cell.centre_lon, cell.centre_lat)
            if (
                cell.centre_lon is not None
                and county.boundary
                and shape(county.boundary).covers(shape(centre))
            ):
                lon, lat = cell.centre_lon, cell.centre_lat
            for kind, inputs, name in [
                (landslide, {"likelihood": 5, "severity": 5}, "红"),
                (hazchem, {"L": 6, "E": 3, "C": 15}, "橙"),
            ]:
                actions_points.create_point(
                    None,
                    cell=cell,
                    kind=kind,
                    geometry=_point(lon, lat),
                    inputs=inputs,
                    name=f"{cell.name}{name}",
                    published=name == "红",
                )
        yield dict(RiskPoint.objects.values_list("pk", "cell__code"))
        transaction.set_rollback(True)


def _point(lon, lat) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


def risk_sample(world: World, points: dict[int, str], username: str) -> list[int]:
    """Two points of each township (and county level), inside and outside, and an unused id."""
    chosen: dict[tuple, list[int]] = {}
    for pk, code in sorted(points.items()):
        group = chosen.setdefault((code[:9], world.inside(username, code)), [])
        if len(group) < 2:
            group.append(pk)
    return sorted({pk for g in chosen.values() for pk in g} | {max(points) + 1000})


@pytest.mark.django_db
def test_each_demo_user_is_served_the_risk_points_pages_inside_their_scope_only(
    world, graded_points
):
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        urls = {}
        for page in RISK_LISTS:
            urls[page] = True
            for code in PROBES:
                urls[f"{page}?cell={code}"] = world.inside(username, code)
        for pk in risk_sample(world, graded_points, username):
            inside = pk in graded_points and world.inside(username, graded_points[pk])
            for template in RISK_DETAILS:
                urls[template.format(pk)] = inside
        for url, inside in urls.items():
            response = client.get(url)
            wrong.check(f"{username} GET {url}", response.status_code, 200 if inside else 404)
            if response.status_code == 200 and not url.startswith("/risks/lists.xlsx"):
                html = response.content.decode()
                outside = sorted(
                    int(pk)
                    for pk in RISK_LINK_RE.findall(html)
                    if not world.inside(username, graded_points.get(int(pk), "-"))
                )
                wrong.check(f"{username} GET {url} points outside", outside, [])
                wrong.check(f"{username} GET {url} links outside", leaks(world, username, html), [])
    assert not wrong, wrong.report()


def every_risk_point(client: Client, params: dict) -> tuple[int, list[dict]]:
    """Every item of the points' keyset pages."""
    return every_item(client, "/api/v1/risks/points", params)


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["token", "session"])
def test_each_demo_user_reads_the_risk_points_through_the_api_inside_their_scope_only(
    world, graded_points, auth
):
    wrong = Mismatches()
    for username in ROOTS:
        client = api_client(world, username, auth)
        who = f"{username} ({auth})"
        status, items = every_risk_point(client, {})
        wrong.check(f"{who} GET points", status, 200)
        expected = {pk for pk, code in graded_points.items() if world.inside(username, code)}
        got = {row["id"] for row in items}
        wrong.check(f"{who} GET points rows outside", sorted(got - expected), [])
        wrong.check(f"{who} GET points rows missing", sorted(expected - got), [])
        for code in PROBES:
            status, items = every_risk_point(client, {"cell": code})
            wrong.check(f"{who} GET points?cell={code}", status, _served(world, username, code))
            outside = sorted(
                row["id"] for row in items if not world.inside(username, graded_points[row["id"]])
            )
            wrong.check(f"{who} GET points?cell={code} rows outside", outside, [])
        for pk in risk_sample(world, graded_points, username):
            inside = pk in graded_points and world.inside(username, graded_points[pk])
            for template in RISK_API_DETAILS:
                url = template.format(pk)
                wrong.check(f"{who} GET {url}", client.get(url).status_code, 200 if inside else 404)
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_risk_point_writes_on_the_neighbours_points_are_not_found_and_change_nothing(
    world, graded_points
):
    from qianshao.risks.models import GradeRecord, Measure, RiskPoint

    def risks_state():
        return (
            sorted(RiskPoint.objects.values_list("pk", "name", "grade", "status", "published")),
            GradeRecord.objects.count(),
            Measure.objects.count(),
            AuditRecord.objects.count(),
        )

    neighbour_point = min(pk for pk, code in graded_points.items() if code.startswith("451028"))
    stranger = Person.objects.filter(assignments__cell__code__startswith="451028").first()
    before = risks_state()
    wrong = Mismatches()
    base = f"/api/v1/risks/points/{neighbour_point}"
    for username in ROOTS:
        client = api_client(world, username, "token")
        writes = [
            ("patch", base, {"name": "越界"}),
            ("post", f"{base}/regrade", {"inputs": {"likelihood": 1, "severity": 1}}),
            ("post", f"{base}/retire", {"note": "越界"}),
            ("put", f"{base}/measures", {"measures": [{"list": "control", "what": "越界"}]}),
            (
                "post",
                "/api/v1/risks/points",
                {
                    "client_uuid": str(uuid.uuid4()),
                    "cell": ROOTS[username],
                    "name": "越界",
                    "kind": "landslide",
                    "geometry": _point(106.3, 24.8),
                    "inputs": {"likelihood": 1, "severity": 1},
                    "responsible": stranger.pk,
                },
            ),
        ]
        for method, url, body in writes:
            response = getattr(client, method)(url, body, content_type="application/json")
            got = response.status_code
            detail = "" if got == 404 else response.content.decode()[:160]
            wrong.check(f"{username} {method.upper()} {url}", (got, detail), (404, ""))
        page = page_client(username)
        for step in ["retire", "publish", "unpublish"]:
            url = f"/risks/points/{neighbour_point}/step/{step}/"
            got = page.post(url, {"client_uuid": str(uuid.uuid4()), "note": "越界"}).status_code
            wrong.check(f"{username} POST {url}", got, 404)
    wrong.check("state after the refused writes", risks_state() == before, True)
    assert not wrong, wrong.report()


# --- The risks' patrols (issue 14): a risk point in each probe cell of a village or above,
# each with a patrol (written through the action, as the system), and every demo user ×
# the patrols' pages and endpoints: inside served, outside 404, a check-in outside refused
# as not found (the department's member, inside, refused with 403) and nothing changed.

PATROL_CELLS = ["451027100", "451027100201", "451027100202", "451027101201", "451028100201"]


@pytest.fixture
def patrolled(world):
    from qianshao.risks import actions_patrols, actions_points
    from qianshao.risks.models import RiskKind

    kind = RiskKind.objects.get(code="hazchem")
    found = {}
    for code in PATROL_CELLS:
        cell = Cell.objects.get(code=code)
        county = Cell.objects.get(code=code[:6])
        lon = cell.centre_lon or county.centre_lon or 106.5
        lat = cell.centre_lat or county.centre_lat or 24.3
        p = actions_points.create_point(
            None,
            cell=cell,
            kind=kind,
            geometry={"type": "Point", "coordinates": [lon, lat]},
            inputs={"L": 6, "E": 3, "C": 15},
            name=f"{cell.name}加油站",
        )
        patrol = actions_patrols.check_in(None, p, result="ok", lon=lon, lat=lat)
        found[code] = (p, patrol)
    return found


def patrols_state() -> tuple:
    from qianshao.risks.models import Patrol, RiskPoint

    return (
        list(Patrol.objects.order_by("pk").values_list("pk", "due_at", "hazard_id")),
        list(RiskPoint.objects.order_by("pk").values_list("pk", "next_due_at")),
        AuditRecord.objects.count(),
    )


@pytest.mark.django_db
def test_each_demo_user_sees_and_checks_in_the_patrols_inside_their_scope_only(world, patrolled):
    wrong = Mismatches()
    before = patrols_state()
    for username in ROOTS:
        page = page_client(username)
        api = api_client(world, username, "token")
        for code in PROBES:
            expected = 200 if world.inside(username, code) else 404
            for url in [f"/risks/patrols/?cell={code}"]:
                wrong.check(f"{username} GET {url}", page.get(url).status_code, expected)
            for url in [f"/api/v1/risks/patrols/stats?cell={code}"]:
                wrong.check(f"{username} GET {url}", api.get(url).status_code, expected)
            status, items = every_item(api, "/api/v1/risks/patrols", {"cell": code})
            wrong.check(f"{username} GET patrols?cell={code}", status, expected)
        status, items = every_item(api, "/api/v1/risks/patrols", {})
        codes = {
            code
            for code, (_p, patrol) in patrolled.items()
            if patrol.pk in {i["id"] for i in items}
        }
        wrong.check(
            f"{username} patrols listed",
            codes,
            {c for c in PATROL_CELLS if world.inside(username, c)},
        )
        for code, (p, patrol) in patrolled.items():
            inside = world.inside(username, code)
            expected = 200 if inside else 404
            for url in [f"/risks/patrols/{patrol.pk}/", f"/risks/points/{p.pk}/checkin/"]:
                wrong.check(f"{username} GET {url}", page.get(url).status_code, expected)
            url = f"/api/v1/risks/patrols/{patrol.pk}"
            wrong.check(f"{username} GET {url}", api.get(url).status_code, expected)
            if inside and username != "department":
                continue  # may check in: not tried here (it would change the state)
            body = {"client_uuid": str(uuid.uuid4()), "result": "ok"}
            url = f"/api/v1/risks/points/{p.pk}/checkins"
            response = api.post(url, body, content_type="application/json")
            wrong.check(f"{username} POST {url}", response.status_code, 403 if inside else 404)
        wrong.check(f"{username} GET today", page.get("/risks/patrols/today/").status_code, 200)
        wrong.check(f"{username} GET today API", api.get("/api/v1/risks/patrols/today").json(), [])
    wrong.check("state after the refused check-ins", patrols_state() == before, True)
    assert not wrong, wrong.report()


# --- The risks area (issue 14): the 四色图 ------------------------------------------------
# The demo county's risk points (qianshao.risks.demo_points) and two in the neighbouring
# county; each demo user × the 四色图 page, its endpoint and the two layers, for every probed
# cell: served inside, 404 outside, and nothing of the outside in what is served (the
# children's codes, the points' ids).
RISK_LAYERS = ["risks.points", "risks.cells"]
RISK_POINT_RE = re.compile(r"/risks/points/(\d+)/")
RISK_ROW_RE = re.compile(r'<tr data-code="(\d+)"')
RISK_CODE_RE = re.compile(r'(?:"|&quot;)code(?:"|&quot;): (?:"|&quot;)(\d+)')


@pytest.fixture(scope="module")
def map_points(world, django_db_blocker):
    from qianshao.risks import actions_points, demo_points
    from qianshao.risks.models import RiskKind, RiskPoint

    with django_db_blocker.unblock(), transaction.atomic():
        demo_points.build(timezone.now())
        for code in ["451028100", "451028100201"]:
            actions_points.create_point(
                None,
                cell=Cell.objects.get(code=code),
                kind=RiskKind.objects.get(code="landslide"),
                geometry={"type": "Point", "coordinates": [106.3, 24.8]},
                inputs={"likelihood": 4, "severity": 5},
                name="火卖村后山滑坡",
            )
        yield dict(RiskPoint.objects.values_list("pk", "cell__code"))
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_each_demo_user_gets_the_fourcolour_map_of_the_cells_inside_their_scope_only(
    world, map_points
):
    assert any(c.startswith("451028") for c in map_points.values())
    assert any(c.startswith("451027100201") for c in map_points.values())
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        api = api_client(world, username, "token")
        urls = {"/risks/": True}
        for code in PROBES:
            inside = world.inside(username, code)
            urls[f"/risks/?cell={code}"] = inside
            urls[f"/risks/?cell={code}&industry=化工"] = inside
            for name in RISK_LAYERS:
                urls[f"/map/layers/{name}.geojson?cell={code}"] = inside
        for url, inside in urls.items():
            response = client.get(url)
            wrong.check(f"{username} GET {url}", response.status_code, 200 if inside else 404)
            if response.status_code != 200:
                continue
            html = response.content.decode()
            wrong.check(f"{username} GET {url} links outside", leaks(world, username, html), [])
            points = {int(pk) for pk in RISK_POINT_RE.findall(html)}
            outside = sorted(p for p in points if not world.inside(username, map_points[p]))
            wrong.check(f"{username} GET {url} points outside", outside, [])
            codes = set(RISK_ROW_RE.findall(html)) | set(RISK_CODE_RE.findall(html))
            wrong.check(
                f"{username} GET {url} cells outside",
                sorted(c for c in codes if not world.inside(username, c)),
                [],
            )
        for code in PROBES:
            url = f"/api/v1/risks/fourcolour?cell={code}"
            response = api.get(url)
            wrong.check(
                f"{username} GET {url}", response.status_code, _served(world, username, code)
            )
            if response.status_code == 200:
                body = response.json()
                codes = [body["cell"]["code"], *(c["code"] for c in body["children"])]
                outside = [c for c in codes if not world.inside(username, c)]
                wrong.check(f"{username} GET {url} rows outside", outside, [])
    assert not wrong, wrong.report()


# --- The incidents area (issue 15): incidents and the duty desk ----------------------------
# Incidents at each level of the demo county — a village of each of two townships, a
# township, the county — and at a village of the neighbouring county, each passed up a level
# (its relays), with a command-log entry and an order to a team; teams left standing by (the
# candidates); rosters with a shift on duty now at the townships and counties of both, a
# handover, duty log entries and a spot check from each county — all through the actions.
# Every demo user × every page and endpoint that lists or shows them: served inside, 404
# outside, and nothing of the outside in what is served. No demo user leads a team or is on a
# shift (the fixture checks), so that the exceptions of incidents.access (a team's leader
# sees the orders to their team) and views_duty.spot_page (the people on duty at a level
# checked see the check) do not apply: what each sees is worked out from codes alone.
INCIDENT_CELLS = ["451027100201", "451027101201", "451027100", "451027", "451028100201"]
# the cell of the team each incident's order goes to: a county team to a village, a
# township's team to the county
ORDER_TEAMS = {
    "451027100201": "451027",
    "451027101201": "451027101",
    "451027100": "451027100",
    "451027": "451027100",
    "451028100201": "451028100",
}
STANDBY_TEAMS = ["451027", "451027100", "451027101", "451028", "451028100"]
DUTY_CELLS = ["451027", "451027100", "451027101", "451028", "451028100"]
DUTY_LOG_CELLS = [*DUTY_CELLS, "451027100201", "451028100201"]
SPOT_CELLS = ["451027", "451028"]
INCIDENT_LINK_RE = re.compile(r"/incidents/(\d+)/")
ORDER_LINK_RE = re.compile(r"/incidents/orders/(\d+)/")
SPOT_LINK_RE = re.compile(r"/incidents/duty/spot/(\d+)/")
CELL_PARAM_RE = re.compile(r"[?&]cell=([0-9A-Z_]+)")
COMMANDER_RE = re.compile(r'<select name="person" id="commander-person">(.*?)</select>', re.S)
OPTION_RE = re.compile(r'<option value="(\d+)"')


@dataclass
class Happenings:
    """What the incidents fixture made: each record's id → the code of the cell that decides
    who sees it (an order's: its incident's; a spot check's: the cell checking)."""

    incidents: dict[int, str]
    orders: dict[int, str]
    spots: dict[int, str]
    relays: dict[int, str]  # the incident's cell
    shifts: dict[int, str]
    handovers: dict[int, str]
    answers: dict[int, str]  # a spot answer's id → the cell answering

    def of(self, world: World, username: str, kind: str) -> set[int]:
        return {pk for pk, code in getattr(self, kind).items() if world.inside(username, code)}

    def tried(self, kind: str) -> list[int]:
        """Every record of ``kind`` and an id never used."""
        made = getattr(self, kind)
        return sorted(made) + [max(made) + 1000]


def _place(code: str) -> tuple[float, float]:
    cell = Cell.objects.get(code=code)
    county = Cell.objects.get(code=code[:6])
    return (
        cell.centre_lon or county.centre_lon or 106.3,
        cell.centre_lat or county.centre_lat or 24.8,
    )


def _on_duty_now(cell: Cell, leader: Person, a: Person, b: Person):
    """Today's shift of ``cell``, under way, with ``leader`` and ``a``, and the shift after it
    with ``b``: planned through the action."""
    from qianshao.incidents.tests.duty_helpers import on_duty_now

    return on_duty_now(None, cell, leader, a, following=b)


@pytest.fixture(scope="module")
def happenings(world, django_db_blocker):
    from qianshao.accounts.actions import create_login
    from qianshao.incidents import actions as incident_actions
    from qianshao.incidents import actions_duty, actions_orders
    from qianshao.incidents.models import Incident, Order, Relay, Shift, SpotAnswer
    from qianshao.resources import actions_forces

    with django_db_blocker.unblock(), transaction.atomic():
        admin = get_user_model().objects.get(username="admin")
        phones = iter(range(13700000001, 13700001000))

        def team(code: str, name: str):
            lon, lat = _place(code)
            return actions_forces.create_team(
                None,
                cell=Cell.objects.get(code=code),
                name=name,
                kind="comprehensive",
                base_lon=lon + 0.01,
                base_lat=lat,
                leader_name=f"{name}队长",
                leader_phone=str(next(phones)),
            )

        incidents, orders, relays = {}, {}, {}
        for n, code in enumerate(INCIDENT_CELLS):
            cell = Cell.objects.get(code=code)
            lon, lat = _place(code)
            incident = incident_actions.open_incident(
                admin,
                title=f"{cell.name}路口两车相撞",
                kind="accident",
                category="road",
                cell=cell,
                occurred_at=timezone.now() - timedelta(minutes=30),
                summary="两辆小车相撞，一人受伤。",
                place=f"{cell.name}路口",
                lon=lon,
                lat=lat,
                figures={"injured": 1},
            )
            first = Relay.objects.filter(incident=incident).order_by("pk").first()
            incident_actions.pass_up(admin, first, note="已电话报告")
            incident_actions.write_log(admin, incident, kind="decision", text="启动现场处置")
            sent = team(ORDER_TEAMS[code], f"救援{n}队")
            order = actions_orders.dispatch(admin, incident, team=sent.pk, task="赶赴现场救援")
            incidents[incident.pk] = code
            orders[order.pk] = code
            for relay in Relay.objects.filter(incident=incident):
                relays[relay.pk] = code
        for n, code in enumerate(STANDBY_TEAMS):
            team(code, f"待命{n}队")

        shifts, handovers, officers = {}, {}, {}
        for code in DUTY_CELLS:
            cell = Cell.objects.get(code=code)
            leader, a, b = (
                appoint(cell, Role.MEMBER, name=f"{cell.name}{post}")
                for post in ["带班", "值班员", "接班员"]
            )
            shift = _on_duty_now(cell, leader, a, b)
            officers[code] = create_login(None, a, username=f"duty{code}", password=demo.PASSWORD)
            handover = actions_duty.write_handover(officers[code], shift, text="交班：无待办事项。")
            shifts[shift.pk] = code
            handovers[handover.pk] = code
        for code in DUTY_LOG_CELLS:
            cell = Cell.objects.get(code=code)
            actor = officers.get(code, admin)
            here = Incident.objects.filter(cell=cell).first()  # linked from the entry
            entry = actions_duty.log_duty(actor, cell, kind="receive", text="群众来电报告险情")
            actions_duty.log_duty(
                actor, cell, kind="follow", text="已立案处置", follows=entry.pk, incident=here
            )
        spots, answers = {}, {}
        for code in SPOT_CELLS:
            check = actions_duty.spot_check(admin, Cell.objects.get(code=code), note="查岗")
            spots[check.pk] = code
            for answer in SpotAnswer.objects.filter(spot=check).select_related("cell"):
                answers[answer.pk] = answer.cell.code  # left to answer: on the desks
        # the exceptions do not apply: no demo user leads a team or is on a shift
        demo_people = set(
            Person.objects.filter(user__username__in=ROOTS).values_list("pk", flat=True)
        )
        leaders = set(Order.objects.values_list("team__leader_id", flat=True))
        on_duty = {p for s in Shift.objects.all() for p in s.person_ids()}
        assert not demo_people & (leaders | on_duty)
        yield Happenings(
            incidents=incidents,
            orders=orders,
            spots=spots,
            relays=relays,
            shifts=shifts,
            handovers=handovers,
            answers=answers,
        )
        transaction.set_rollback(True)


def people_inside(world: World, username: str) -> set[int]:
    """The people the user sees, read now (the fixture appointed some since the world was
    made): those with a role in a cell inside the scope."""
    rows = RoleAssignment.objects.values_list("person_id", "cell__code")
    return {person for person, code in rows if world.inside(username, code)}


def incident_leaks(world: World, happened: Happenings, username: str, page: str) -> list[str]:
    """Links in a page (its map's data included) to cells — a page's or a list's ``?cell=``
    — people, incidents, orders, spot checks or risk points outside the scope, and people
    outside it offered as the on-scene commander."""
    import html as html_text

    from qianshao.risks.models import RiskPoint

    text = html_text.unescape(page)
    people = people_inside(world, username)
    found = set()
    for kind, key in LINK_RE.findall(text):
        if kind == "grid" and not world.inside(username, key):
            found.add(f"/grid/{key}/")
        if kind == "people" and int(key) not in people:
            found.add(f"/people/{key}/")
    for code in CELL_PARAM_RE.findall(text):
        if not world.inside(username, code):
            found.add(f"?cell={code}")
    for pattern, kind, url in [
        (INCIDENT_LINK_RE, "incidents", "/incidents/{}/"),
        (ORDER_LINK_RE, "orders", "/incidents/orders/{}/"),
        (SPOT_LINK_RE, "spots", "/incidents/duty/spot/{}/"),
    ]:
        seen = happened.of(world, username, kind)
        found |= {url.format(pk) for pk in pattern.findall(text) if int(pk) not in seen}
    points = dict(RiskPoint.objects.values_list("pk", "cell__code"))
    for pk in RISK_LINK_RE.findall(text):
        if not world.inside(username, points.get(int(pk), "-")):
            found.add(f"/risks/points/{pk}/")
    for select in COMMANDER_RE.findall(page):
        offered = {int(pk) for pk in OPTION_RE.findall(select)}
        found |= {f"commander option {pk}" for pk in offered - people}
    return sorted(found)


INCIDENT_PAGES = [
    "/incidents/{}/",
    "/incidents/{}/board/",
    "/incidents/{}/sitrep/",
    "/incidents/{}/sitrep.docx",
]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.django_db
def test_each_demo_user_is_served_the_incidents_and_duty_pages_inside_their_scope_only(
    world, happenings
):
    wrong = Mismatches()
    for username in ROOTS:
        client = page_client(username)
        urls = {"/incidents/?status=all": True, "/incidents/orders/": True}
        for page in ["/incidents/", "/incidents/duty/", "/incidents/duty/roster/"]:
            urls[page] = True
            for code in PROBES:
                urls[f"{page}?cell={code}"] = world.inside(username, code)
        for code in PROBES:
            urls[f"/incidents/?cell={code}&status=all"] = world.inside(username, code)
        for pk in happenings.tried("incidents"):
            seen = pk in happenings.of(world, username, "incidents")
            for template in INCIDENT_PAGES:
                urls[template.format(pk)] = seen
        for pk in happenings.tried("orders"):
            urls[f"/incidents/orders/{pk}/"] = pk in happenings.of(world, username, "orders")
        for pk in happenings.tried("spots"):
            urls[f"/incidents/duty/spot/{pk}/"] = pk in happenings.of(world, username, "spots")
        for url, inside in urls.items():
            response = client.get(url)
            wrong.check(f"{username} GET {url}", response.status_code, 200 if inside else 404)
            if response.status_code != 200:
                continue
            if url.endswith(".docx"):
                wrong.check(f"{username} GET {url} type", response["Content-Type"], DOCX)
                continue
            found = incident_leaks(world, happenings, username, response.content.decode())
            wrong.check(f"{username} GET {url} links outside", found, [])
        # each list holds every incident of its cell inside the scope, and none else
        for code in [ROOTS[username], *PROBES]:
            if not world.inside(username, code):
                continue
            for status in ["open", "all"]:
                url = f"/incidents/?cell={code}&status={status}"
                listed = {
                    int(pk) for pk in INCIDENT_LINK_RE.findall(client.get(url).content.decode())
                }
                expected = {
                    pk
                    for pk in happenings.of(world, username, "incidents")
                    if happenings.incidents[pk].startswith(code)
                }
                wrong.check(f"{username} GET {url} incidents", listed, expected)
    assert not wrong, wrong.report()


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["token", "session"])
def test_each_demo_user_reads_the_incidents_through_the_api_inside_their_scope_only(
    world, happenings, auth
):
    from qianshao.resources.models import Team

    teams = dict(Team.objects.values_list("pk", "cell__code"))
    wrong = Mismatches()
    for username in ROOTS:
        client = api_client(world, username, auth)
        who = f"{username} ({auth})"
        seen = happenings.of(world, username, "incidents")
        for params in [{}, {"status": "all"}]:
            status, items = every_item(client, "/api/v1/incidents", params)
            wrong.check(
                f"{who} GET incidents {params}", (status, {i["id"] for i in items}), (200, seen)
            )
        for code in PROBES:
            params = {"cell": code, "status": "all"}
            status, items = every_item(client, "/api/v1/incidents", params)
            wrong.check(f"{who} GET incidents {params}", status, _served(world, username, code))
            under = {pk for pk in seen if happenings.incidents[pk].startswith(code)}
            got = {i["id"] for i in items}
            wrong.check(
                f"{who} GET incidents {params} rows", got, under if status == 200 else set()
            )
        orders = happenings.of(world, username, "orders")
        for pk in happenings.tried("incidents"):
            expected = 200 if pk in seen else 404
            base = f"/api/v1/incidents/{pk}"
            for url in [base, f"{base}/log", f"{base}/candidates"]:
                response = client.get(url)
                wrong.check(f"{who} GET {url}", response.status_code, expected)
                if response.status_code != 200:
                    continue
                body = response.json()
                if url == base:
                    wrong.check(f"{who} GET {url} cell", world.inside(username, body["cell"]), True)
                    shown = {o["id"] for o in body["orders"]}
                    wrong.check(f"{who} GET {url} orders outside", sorted(shown - orders), [])
                elif url.endswith("/log"):
                    wrong.check(f"{who} GET {url} entries", len(body["items"]) >= 3, True)
                else:
                    outside = [t["id"] for t in body if not world.inside(username, teams[t["id"]])]
                    wrong.check(f"{who} GET {url} teams outside", outside, [])
        for pk in happenings.tried("orders"):
            url = f"/api/v1/incidents/orders/{pk}"
            response = client.get(url)
            wrong.check(f"{who} GET {url}", response.status_code, 200 if pk in orders else 404)
            if response.status_code == 200:
                scene = response.json()["scene"]["cell"]
                wrong.check(f"{who} GET {url} scene", world.inside(username, scene), True)
        status, items = every_item(client, "/api/v1/incidents/orders/mine", {})
        wrong.check(f"{who} GET orders/mine", (status, items), (200, []))
    assert not wrong, wrong.report()


def incidents_state() -> tuple:
    """Everything a refused incidents or duty write could have touched."""
    from qianshao.incidents.models import (
        DutyEntry,
        Handover,
        Incident,
        LogEntry,
        Order,
        Relay,
        Report,
        Shift,
        SpotAnswer,
        SpotCheck,
        Swap,
    )
    from qianshao.intake.models import Submission

    return (
        sorted(Incident.objects.values_list("pk", "status", "level", "grade", "commander_id")),
        Report.objects.count(),
        sorted(Relay.objects.values_list("pk", "passed_at")),
        sorted(Order.objects.values_list("pk", "status")),
        LogEntry.objects.count(),
        sorted(Shift.objects.values_list("pk", "leader_id", "post_a_id", "confirmed_at")),
        sorted(Handover.objects.values_list("pk", "accepted_at")),
        SpotCheck.objects.count(),
        sorted(SpotAnswer.objects.values_list("pk", "answered_at")),
        DutyEntry.objects.count(),
        Swap.objects.count(),
        Submission.objects.count(),
        AuditRecord.objects.count(),
    )


def first_of(records: dict[int, str], code: str) -> int:
    return min(pk for pk, c in records.items() if c == code)


@pytest.mark.django_db
def test_incidents_and_duty_writes_outside_the_scope_are_not_found_and_change_nothing(
    world, happenings
):
    """The neighbour's incident, relay, order, shift, handover, spot answer and cells: 404 for
    every demo user; a step on what they see but may not take: 403. Nothing changes."""
    h = happenings
    incident, order = first_of(h.incidents, "451028100201"), first_of(h.orders, "451028100201")
    relay = max(pk for pk, c in h.relays.items() if c == "451028100201")  # not passed yet
    shift, handover = first_of(h.shifts, "451028100"), first_of(h.handovers, "451028100")
    answer = first_of(h.answers, "451028100")
    village = first_of(h.incidents, "451027100201")
    village_order = first_of(h.orders, "451027100201")
    month = f"{timezone.localdate():%Y-%m}"
    api_writes = [
        (f"/api/v1/incidents/{incident}/steps/log", {"kind": "note", "text": "越界"}),
        (f"/api/v1/incidents/{incident}/steps/report", {"text": "越界"}),
        (f"/api/v1/incidents/{incident}/steps/respond", {"level": "4", "decided_by": "越界"}),
        (f"/api/v1/incidents/relays/{relay}/pass", {"note": "越界"}),
        (f"/api/v1/incidents/orders/{order}/steps/receive", {"note": "越界"}),
        (f"/api/v1/incidents/orders/{order}/steps/recall", {"note": "越界"}),
        (
            "/api/v1/incidents",
            {
                "client_uuid": str(uuid.uuid4()),
                "title": "越界",
                "kind": "accident",
                "category": "road",
                "cell": "451028100201",
                "occurred_at": timezone.now().isoformat(),
                "summary": "越界",
            },
        ),
    ]

    def form(**fields) -> dict:
        return {"client_uuid": str(uuid.uuid4())} | fields

    page_writes = [
        (f"/incidents/{incident}/log/", form(kind="note", text="越界")),
        (f"/incidents/{incident}/respond/", form(level="4", decided_by="越界")),
        (f"/incidents/relays/{relay}/pass/", form(note="越界")),
        (f"/incidents/orders/{order}/receive/", form(note="越界")),
        (f"/incidents/duty/shifts/{shift}/confirm/", form()),
        (f"/incidents/duty/shifts/{shift}/handover/", form(text="越界")),
        (f"/incidents/duty/handovers/{handover}/accept/", form()),
        (f"/incidents/duty/spot/answers/{answer}/answer/", form()),
        ("/incidents/duty/log/", form(cell="451028100", kind="receive", text="越界")),
        ("/incidents/duty/spot/", form(cell="451028", note="越界")),
        ("/incidents/duty/roster/copy/", form(cell="451028100", month=month)),
    ]
    # seen but not theirs to take (the village's member and the department's, who hold no
    # managing post): the village's incident is commanded from a township up, its order
    # answered by its team's leader or for them by whoever commands
    forbidden = [
        (f"/api/v1/incidents/{village}/steps/respond", {"level": "4", "decided_by": "越界"}),
        (f"/api/v1/incidents/{village}/steps/log", {"kind": "note", "text": "越界"}),
        (f"/api/v1/incidents/orders/{village_order}/steps/receive", {"note": "越界"}),
        (f"/api/v1/incidents/orders/{village_order}/steps/recall", {"note": "越界"}),
    ]
    before = incidents_state()
    wrong = Mismatches()
    for username in ROOTS:
        api = api_client(world, username, "token")
        for url, body in api_writes:
            response = api.post(url, body, content_type="application/json")
            got = response.status_code
            detail = "" if got == 404 else response.content.decode()[:160]
            wrong.check(f"{username} POST {url}", (got, detail), (404, ""))
        if username in ("village", "department"):
            for url, body in forbidden:
                got = api.post(url, body, content_type="application/json").status_code
                wrong.check(f"{username} POST {url}", got, 403)
        page = page_client(username)
        for url, data in page_writes:
            wrong.check(f"{username} POST {url}", page.post(url, data).status_code, 404)
        for pk, code in h.shifts.items():
            # seen, but they are on no shift and (the village's member, the department's)
            # hold no managing post to confirm it for those who are
            if username in ("village", "department") and world.inside(username, code):
                url = f"/incidents/duty/shifts/{pk}/confirm/"
                wrong.check(f"{username} POST {url}", page.post(url, form()).status_code, 403)
    wrong.check("state after the refused writes", incidents_state() == before, True)
    assert not wrong, wrong.report()


@pytest.mark.django_db
def test_the_alerts_banner_and_the_status_table_show_to_the_county_and_the_administrator(world):
    """An open alert (ops.alerts) is on the pages of the top cell's dispatcher and the
    superuser only; the health report on the superuser's home page only."""
    from qianshao.ops.models import Alert

    Alert.objects.create(
        key="heartbeat.stale",
        source="heartbeat",
        message="任务进程已停止",
        opened_at=timezone.now(),
    )
    wrong = Mismatches()
    for username in [*ROOTS, "admin"]:
        for url in ["/", "/grid/"]:
            html = page_client(username).get(url).content.decode()
            shown = 'data-testid="ops-alerts"' in html and "运行告警：任务进程已停止" in html
            wrong.check(f"{username} GET {url} banner", shown, username in ("county", "admin"))
            status = 'data-testid="ops-status"' in html
            wrong.check(f"{username} GET {url} status", status, username == "admin" and url == "/")
    assert not wrong, wrong.report()
