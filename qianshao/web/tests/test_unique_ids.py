"""No element id appears twice on a page: a label's ``for``, a script's lookup and an
accessibility tool each find one element. The public report's staff page (its accept and
reject forms side by side) and, as a class, every page a quick crawl reaches from the main
pages of a county dispatcher and of a township dispatcher. On the same pages, every form
control a person fills in has a label naming it (its own ``<label>``, one whose ``for`` is
its id, or an ``aria-label``): a field known only by its placeholder is unnamed once typed
in, and to a screen reader always."""

from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from qianshao.disasters import actions as disasters
from qianshao.disasters.models import DisasterType
from qianshao.disasters.tests.access_rules_disasters import a_county_disaster
from qianshao.hazards import sweep as supervision
from qianshao.hazards.tests.access_rules_pages import hazard_at
from qianshao.hazards.tests.access_rules_public import rewarded, send
from qianshao.hazards.tests.conftest import jpeg
from qianshao.incidents import actions_duty, actions_orders
from qianshao.incidents.tests.duty_helpers import on_duty_now, staff
from qianshao.incidents.tests.helpers import a_team, an_incident
from qianshao.risks.tests.helpers import risk_point
from qianshao.warnings.tests.access_rules_warnings import county_warnings

MAX_PAGES = 80
SKIP = ("/api/", "/static/", "/media/", "/admin/", "/logout", "/w/")
SKIP_ENDS = (".xlsx", ".csv", ".xml", ".geojson", ".json", ".jpg", ".png", ".svg", ".ico")


UNNAMED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter = Counter()
        self.links: list[str] = []
        self.label_for: set[str] = set()
        self.in_label = 0
        self.controls: list[tuple[str, dict, bool]] = []  # (tag, attributes, inside a label)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids[value] += 1
            if tag == "a" and name == "href" and value:
                self.links.append(value)
        found = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if found.get("for"):
                self.label_for.add(found["for"])
        kind = (found.get("type") or "text").lower()
        if tag in ("input", "select", "textarea") and kind not in UNNAMED_TYPES:
            self.controls.append((tag, found, self.in_label > 0))

    def handle_endtag(self, tag):
        if tag == "label" and self.in_label:
            self.in_label -= 1

    def unlabelled(self) -> list[str]:
        """The controls no label names: ``tag name=…``."""
        return [
            f"{tag} name={found.get('name')}"
            for tag, found, inside in self.controls
            if not inside
            and found.get("id") not in self.label_for
            and not found.get("aria-label")
            and not found.get("aria-labelledby")
        ]


def read(html: str) -> _Ids:
    found = _Ids()
    found.feed(html)
    return found


def repeated(html: str) -> dict[str, int]:
    return {i: n for i, n in read(html).ids.items() if n > 1}


@pytest.mark.django_db
def test_the_public_reports_staff_page_has_each_id_once(cast, client_for):
    waiting, paid = send(cast), rewarded(cast)
    for who in ("township", "county"):
        client = client_for(cast.users[who])
        for report in (waiting, paid):
            page = client.get(f"/hazards/public/{report.tracking_code}/")
            assert page.status_code == 200
            html = page.content.decode()
            assert repeated(html) == {}, (who, report.status)
    html = client_for(cast.users["township"]).get(f"/hazards/public/{waiting.tracking_code}/")
    html = html.content.decode()
    assert 'data-testid="accept-form"' in html and 'data-testid="reject-form"' in html


def _crawl(client, start: list[str]) -> dict[str, _Ids]:
    """Every page reached from ``start`` by its links (within MAX_PAGES), read."""
    seen, todo, found = set(), list(start), {}
    while todo and len(seen) < MAX_PAGES:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = read(response.content.decode())
        found[url] = page
        for href in page.links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if parts.path.startswith(SKIP) or parts.path.endswith(SKIP_ENDS):
                continue
            if path not in seen:
                todo.append(path)
    return found


def _main_pages(cast) -> list[str]:
    accepted = hazard_at(cast, "accepted")
    returned = hazard_at(cast, "returned", cell=cast.cells["450901100202"])
    for title in ("督办一", "督办二"):  # two records the township answers: two answer forms
        late = hazard_at(cast, "accepted", title=title)
        supervision.supervise(late.pk, late.due_at + timedelta(hours=1))
    issued, draft = county_warnings(cast)
    _zero, disaster, _relief = a_county_disaster(cast)
    report = send(cast)
    point = risk_point(cast)
    incident = an_incident(cast)
    actions_orders.dispatch(cast.users["county"], incident, team=a_team(cast).pk, task="救援")
    lead, officer = staff(cast, cast.township, "镇长", "值班员")
    on_duty_now(cast, cast.township, lead, officer)
    actions_duty.log_duty(None, cast.township, kind="receive", text="来电")
    start = [
        "/",
        "/hazards/",
        f"/hazards/{accepted.number}/",
        f"/hazards/{returned.number}/",
        "/hazards/public/",
        f"/hazards/public/{report.tracking_code}/",
        "/warnings/",
        f"/warnings/{issued.number}/",
        f"/warnings/{issued.number}/board/",
        f"/warnings/{draft.number}/",
        "/disasters/",
        f"/disasters/{disaster.number}/",
        "/hazards/supervision/",
        "/m/",
        "/m/zero/",
        "/m/warnings/",
        f"/grid/{cast.county.code}/",
        f"/grid/{cast.township.code}/",
        f"/grid/{cast.village.code}/",
        "/resources/",
        "/resources/supplies/",
        "/resources/teams/",
        "/resources/shelters/",
        "/risks/",
        "/risks/points/",
        f"/risks/points/{point.pk}/",
        "/risks/patrols/",
        "/risks/patrols/today/",
        "/risks/lists/",
        "/incidents/",
        "/incidents/new/",
        f"/incidents/{incident.pk}/",
        "/incidents/duty/?cell=450901100",
        "/incidents/duty/roster/?cell=450901100",
    ]
    return start


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["county", "township", "village", "department"])
def test_every_page_a_crawl_reaches_has_each_id_once(cast, client_for, who):
    found = _crawl(client_for(cast.users[who]), _main_pages(cast))
    assert len(found) >= 20  # the main pages and the pages they link to were read
    twice = {url: {i: n for i, n in page.ids.items() if n > 1} for url, page in found.items()}
    assert {url: ids for url, ids in twice.items() if ids} == {}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["county", "township", "village"])
def test_every_control_a_crawl_reaches_has_a_label(cast, client_for, who):
    found = _crawl(client_for(cast.users[who]), _main_pages(cast))
    assert sum(len(page.controls) for page in found.values()) > 20  # forms were read
    unnamed = {url: page.unlabelled() for url, page in found.items()}
    assert {url: names for url, names in unnamed.items() if names} == {}


@pytest.mark.django_db
def test_the_zero_report_page_has_each_id_once_with_both_ways_of_filing(cast, client_for):
    disasters.report(
        cast.users["village"],
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(hours=1),
        cell=cast.village,
        figures={"affected": 3},
        photo_files=[("a.jpg", jpeg())],
    )
    html = client_for(cast.users["village"]).get("/m/zero/").content.decode()
    assert 'data-testid="zero-none"' in html and "报送：有灾情" in html  # both forms shown
    assert repeated(html) == {}
