"""The outsider (B县's dispatcher) against every page that reaches the cast's county A县.

Every route ruled SCOPED or OWN in ``test_urls_have_access_rules`` has at least one request
here; each is refused (404, or a 400 naming the problem for an upload) and changes nothing.
"""

import io
import uuid

import pytest

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions, tasks
from qianshao.grid.models import Cell, ImportJob, Person, Role, RoleAssignment
from qianshao.grid.tests.test_urls_have_access_rules import OWN, PAGE_RULES, SCOPED
from qianshao.notify.delivery import deliver_due
from qianshao.notify.models import InboxItem
from qianshao.testing import appoint, area_rule_modules


def inbox_item_for(person) -> InboxItem:
    """A real in-app message to ``person``: an appointment, delivered."""
    person = Person.objects.get(pk=person.pk)  # the cast's copy predates the login
    actions.assign_role(None, person=person, cell=person.assignments.first().cell, role="informant")
    deliver_due()
    return InboxItem.objects.filter(user=person.user).latest("id")


def state() -> tuple:
    return tuple(area.state() for area in area_rule_modules() if hasattr(area, "state")) + (
        list(Cell.objects.order_by("code").values_list("code", "path", "parent_id")),
        list(RoleAssignment.objects.order_by("pk").values_list("pk", "end")),
        list(Person.objects.order_by("pk").values_list("pk", "user_id")),
        list(InboxItem.objects.order_by("pk").values_list("pk", "read_at")),
        AuditRecord.objects.count(),
    )


def roster_upload(code: str):
    csv = f"网格编码,姓名,手机号,角色\n{code},越界人,13912340000,网格员\n".encode()
    upload = io.BytesIO(csv)
    upload.name = "roster.csv"
    return {"file": upload, "client_uuid": str(uuid.uuid4())}


def outsider_requests(cast) -> dict[str, list[tuple[str, str, dict | None, int]]]:
    """Per route: (method, url, data, expected status) aimed at A县 from B县."""
    village = cast.people["village"]
    stranger = appoint(cast.village, Role.MEMBER, name="无账号")
    role = village.assignments.get()
    county_item = inbox_item_for(cast.people["county"])
    assign = {"name": "越界", "phone": "13912340001", "role": "member"}
    return {
        "grid/search/": [],  # checked by its own test: results, not a status
        "grid/contacts/": [
            ("get", f"/grid/contacts/?cell={code}", None, 404)
            for code in ["450901", "450901100201", "NOPE"]
        ],
        "grid/roster/": [],  # a job: test_the_outsider_roster_upload_names_the_cell_…
        "grid/<str:code>/": [
            ("get", f"/grid/{code}/", None, 404)
            for code in ["450901", "450901100", "450901100201", "NOPE"]
        ],
        "grid/<str:code>/children/": [("get", "/grid/450901/children/", None, 404)],
        "grid/<str:code>/card/": [("get", "/grid/450901100201/card/", None, 404)],
        "grid/<str:code>/assign/": [
            ("post", "/grid/450901100201/assign/", assign | {"client_uuid": uuid.uuid4()}, 404)
        ],
        "grid/<str:code>/move/": [
            ("post", "/grid/450901100201/move/", {"parent": "450902100"}, 404),
            ("post", "/grid/450902100201/move/", {"parent": "450901100"}, 404),
        ],
        "assignments/<int:assignment_id>/end/": [
            ("post", f"/assignments/{role.pk}/end/", {"reason": "越界"}, 404)
        ],
        "people/<int:person_id>/": [
            ("get", f"/people/{village.pk}/", None, 404),
            ("get", f"/people/{stranger.pk}/", None, 404),
        ],
        "people/<int:person_id>/login/": [
            ("post", f"/people/{stranger.pk}/login/", {"username": "x", "password": "p" * 12}, 404)
        ],
        "inbox/": [],  # checked by its own test: content, not a status
        "inbox/<int:item_id>/read/": [("post", f"/inbox/{county_item.pk}/read/", None, 404)],
        "inbox/read-all/": [("post", "/inbox/read-all/", None, 302)],
    }


@pytest.mark.django_db
def test_every_scoped_page_is_refused_to_the_outsider_and_nothing_changes(cast, client_for):
    requests = outsider_requests(cast)
    for area in area_rule_modules():
        if hasattr(area, "outsider_pages"):
            requests |= area.outsider_pages(cast)
    guarded = sorted(route for route, rule in PAGE_RULES.items() if rule in (SCOPED, OWN))
    assert sorted(requests) == guarded, "every scoped page needs an outsider request here"
    client = client_for(cast.users["outsider"])
    before = state()
    wrong = []
    for route, calls in requests.items():
        for method, url, data, expected in calls:
            response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
            if response.status_code != expected:
                wrong.append(f"{route}: {method.upper()} {url} → {response.status_code}")
    assert wrong == []
    assert state() == before


@pytest.mark.django_db
def test_the_outsider_roster_upload_names_the_cell_outside_their_scope(cast, client_for):
    client = client_for(cast.users["outsider"])
    before = state()
    response = client.post("/grid/roster/", roster_upload(cast.village.code))
    assert response.status_code == 302
    job = ImportJob.objects.get(user=cast.users["outsider"])
    tasks.run_roster_job.call_local(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "不在您的管辖范围内" in page
    assert not Person.objects.filter(phone="13912340000").exists()
    assert state()[-4:] == before[-4:]  # cells, roles, people, audit records


@pytest.mark.django_db
def test_the_outsider_tree_search_and_home_show_nothing_of_the_other_county(cast, client_for):
    client = client_for(cast.users["outsider"])
    pages = [
        client.get("/").content.decode(),
        client.get("/grid/").content.decode(),
        client.get("/grid/search/", {"q": "4509"}).content.decode(),
        client.get("/grid/search/", {"q": "A县"}).content.decode(),
        client.get("/grid/search/", {"q": "村"}).content.decode(),
    ]
    for html in pages:
        assert "/grid/450901" not in html
        assert "A县" not in html.replace("“A县”", "")  # the search echoes the query
    assert "/grid/450902100201/" in pages[4]


@pytest.mark.django_db
def test_the_outsider_inbox_holds_only_their_own_messages(cast, client_for):
    theirs = inbox_item_for(cast.people["outsider"])
    county_item = inbox_item_for(cast.people["county"])
    client = client_for(cast.users["outsider"])
    html = client.get("/inbox/").content.decode()
    assert f"/inbox/{theirs.pk}/read/" in html
    assert f"/inbox/{county_item.pk}/read/" not in html
    client.post("/inbox/read-all/")
    theirs.refresh_from_db()
    county_item.refresh_from_db()
    assert theirs.read_at is not None
    assert county_item.read_at is None
