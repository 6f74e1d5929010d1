"""Hostile names and titles never run as script (issue 10, item 4).

Every name and title a user or an imported file can set — cells, people, the department, a
hazard, a warning and its relay, a disaster, a public report, inbox items — is given a
value that breaks out of a script element and out of HTML. Every page that shows one is
opened in Chromium, its map features hovered so that their tooltips open, and the test fails
if the script ran, a dialog opened, or the page reported a Content-Security-Policy
violation. Tooltips must show the hostile value as text.
"""

from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from qianshao.disasters import actions as disaster_actions
from qianshao.disasters.models import DisasterReport, DisasterType, Version
from qianshao.grid.models import Cell, Department, Domain, Person
from qianshao.hazards import actions as hazard_actions
from qianshao.hazards import public
from qianshao.hazards import sweep as supervision
from qianshao.hazards.models import Hazard, Note, PublicReport
from qianshao.notify.models import InboxItem, Message
from qianshao.testing import PASSWORD, build_cast
from qianshao.warnings import actions as warning_actions
from qianshao.warnings.models import Level, Warning, WarningType
from qianshao.warnings.permissions import needs_approval

# Longest first: a value takes the first that fits its field.
PAYLOADS = [
    '</script><script>window.__xss=1</script><img src=x onerror="window.__xss=1">',
    "</script><script>__xss=1</script><img src=x onerror=__xss=1>",
    "<img src=x onerror=__xss=1>",
]
MARK = "<img src=x onerror="  # what every payload shows when it is text

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ""}`);
});
"""
MAPS = "[data-map], [data-hazard-map], [data-board-map], [data-zero-map]"


def hostile(label: str, limit: int) -> str:
    return label + next(p for p in PAYLOADS if len(label) + len(p) <= limit)


@pytest.fixture
def world(transactional_db):
    """The cast, with a hazard, a warning relayed by the township, a disaster and a public
    report; then every name and title made hostile, as the admin or an import could."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.hazards.migrations.0002_defaults").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)
    cast = build_cast()
    village, township, county = (cast.users[u] for u in ("village", "township", "county"))

    hazard = hazard_actions.report(
        village,
        title="消防通道堵塞",
        description="通道堆放杂物",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
        lon=106.1,
        lat=24.1,
    )
    hazard = hazard_actions.accept(township, hazard, note="受理")
    supervision.supervise(hazard.pk, hazard.due_at + timedelta(hours=1))

    draft = warning_actions.draft(
        county,
        type=WarningType.objects.get(code="rainstorm"),
        level=Level.YELLOW,
        headline="暴雨黄色预警",
        text="预计降雨量将达50毫米以上。",
        instruction="转移危险区群众。",
        targets=[cast.township],
        valid_until=timezone.now() + timedelta(hours=12),
    )
    if needs_approval(draft):
        draft = warning_actions.approve(cast.users["admin"], draft, note="同意")
    warning = warning_actions.issue(county, draft)
    relay = warning_actions.relay(township, warning, targets=[cast.village], instruction="巡查")

    disaster = disaster_actions.report(
        village,
        type=DisasterType.FLOOD,
        started_at=timezone.now() - timedelta(hours=1),
        cell=cast.village,
        place="河边",
        figures={"affected": 10},
        note="洪水",
    )
    report = public.submit_report(
        text="路边有危险",
        cell=cast.township,
        anonymous=False,
        name="王五",
        phone="13912345678",
        address="路口",
        client_address="192.0.2.7",
    )

    for code, label in [("450901", "县"), ("450901100", "镇"), ("450901100201", "村")]:
        Cell.objects.filter(code=code).update(name=hostile(label, 64))
    for person in Person.objects.all():
        Person.objects.filter(pk=person.pk).update(name=hostile(person.name[:1], 32))
    Department.objects.update(name=hostile("局", 64))
    Hazard.objects.update(title=hostile("题", 100), description=hostile("述", 4000))
    Note.objects.update(text=hostile("注", 4000))
    Warning.objects.update(
        headline=hostile("警", 200),
        text=hostile("文", 4000),
        instruction=hostile("指", 4000),
        sender_name=hostile("发", 100),
    )
    DisasterReport.objects.update(place=hostile("地", 200))
    Version.objects.update(note=hostile("灾", 4000))
    PublicReport.objects.update(
        text=hostile("举", 2000), name=hostile("名", 32), address=hostile("址", 200)
    )
    InboxItem.objects.update(subject=hostile("信", 200), body=hostile("体", 4000))
    Message.objects.update(subject=hostile("信", 200), body=hostile("体", 4000))

    pages = {
        "county": [
            "/",
            "/grid/",
            "/grid/450901/",
            "/grid/450901100/",
            "/grid/450901100201/",
            "/grid/450901100201/card/",
            f"/people/{cast.people['village'].pk}/",
            f"/people/{cast.people['department'].pk}/",
            "/grid/search/?q=" + "村",
            "/hazards/",
            f"/hazards/{hazard.number}/",
            "/hazards/supervision/",
            "/hazards/stats/",
            "/hazards/monthly/",
            "/hazards/public/",
            f"/hazards/public/{report.tracking_code}/",
            "/warnings/",
            f"/warnings/{warning.number}/",
            f"/warnings/{warning.number}/board/",
            f"/warnings/{relay.number}/",
            f"/warnings/{relay.number}/board/",
            "/disasters/board/",
            "/disasters/",
            f"/disasters/{disaster.number}/",
            "/disasters/calendar/",
            "/disasters/completeness/",
            "/disasters/statistics/",
            "/inbox/",
            "/account/",
        ],
        "township": [
            "/",
            f"/warnings/{warning.number}/",
            "/disasters/board/",
            "/inbox/",
        ],
        "village": [
            "/",
            "/m/report/",
            "/m/mine/",
            "/m/tasks/",
            "/m/warnings/",
            f"/m/warnings/{warning.number}/",
            "/m/zero/",
            "/disasters/new/",
            "/inbox/",
        ],
        "department": ["/", "/hazards/"],
        "admin": [
            "/admin/grid/cell/",
            "/admin/grid/person/",
            "/admin/grid/department/",
            "/admin/hazards/hazard/",
            "/admin/hazards/publicreport/",
            "/admin/warnings/warning/",
            "/admin/disasters/disasterreport/",
            "/api/v1/docs",
        ],
        None: [f"/report/track/{report.tracking_code}/", "/report/"],
    }
    return cast, pages


def watch(page) -> list[str]:
    """Dialogs, CSP reports on the console and script errors of ``page``, as they happen."""
    seen = []
    page.add_init_script(WATCH)
    page.on("dialog", lambda d: (seen.append(f"dialog: {d.message}"), d.dismiss()))
    page.on(
        "console",
        lambda m: (
            seen.append(f"console: {m.text}") if "Content Security Policy" in m.text else None
        ),
    )
    return seen


def hover_map_features(page) -> list[str]:
    """Open every tooltip of the page's maps; the tooltips' text."""
    maps = page.locator(MAPS)
    for i in range(maps.count()):
        expect(maps.nth(i)).to_have_attribute("data-ready", "1")
    shapes = page.locator(".leaflet-interactive")
    for i in range(shapes.count()):
        shapes.nth(i).dispatch_event("mouseover")
    tips = page.locator(".leaflet-tooltip")
    return [tips.nth(i).inner_text() for i in range(tips.count())]


def assert_nothing_ran(page, seen: list[str]):
    state = page.evaluate("() => ({xss: window.__xss ?? null, csp: window.__csp ?? []})")
    assert state["xss"] is None, f"script ran on {page.url}"
    assert not state["csp"], (page.url, state["csp"])
    assert not seen, (page.url, seen)


@pytest.mark.browser
def test_hostile_names_and_titles_never_run_as_script(world, new_page, log_in):
    cast, pages = world
    tooltips_seen = []
    for username, paths in pages.items():
        page = new_page(viewport={"width": 1280, "height": 900})
        seen = watch(page)
        if username:
            log_in(page, username, PASSWORD)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (username, path, response.status)
            page.wait_for_load_state("networkidle")
            shown = page.evaluate("() => document.body.textContent")
            assert MARK in shown or path.startswith("/api/"), (
                f"{path} shows no hostile value: the test would prove nothing there"
            )
            assert_nothing_ran(page, seen)
            tips = hover_map_features(page)
            tooltips_seen += [(path, t) for t in tips]
            assert_nothing_ran(page, seen)
    hostile_tips = [(path, t) for path, t in tooltips_seen if MARK in t]
    assert len(hostile_tips) >= 5, tooltips_seen
    assert {path for path, _ in hostile_tips} >= {"/", "/grid/450901/", "/disasters/board/"}


@pytest.mark.browser
def test_the_watch_catches_a_script_that_runs(transactional_db, browser, live_server):
    """The checks above can fail: a page that does run an injected handler is caught. (Its own
    browser context: the shared page fixture would fail the test on the refusal it wants.)"""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        seen = watch(page)
        page.goto("/login/")
        page.evaluate(
            "() => { const i = document.createElement('img');"
            " i.setAttribute('onerror', 'window.__xss=1'); i.src = 'x';"
            " document.body.append(i); }"
        )
        page.wait_for_timeout(300)
        state = page.evaluate("() => ({xss: window.__xss ?? null, csp: window.__csp})")
    finally:
        context.close()
    # the policy stops the inline handler and reports it, as an event and on the console
    assert state["xss"] is None
    assert any("script-src" in v for v in state["csp"]), state
    assert any("Content Security Policy" in s for s in seen), seen
