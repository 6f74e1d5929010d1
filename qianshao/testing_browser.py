"""Browser fixtures: Debian's Chromium driven by Playwright's sync API against ``live_server``.

Playwright cannot download its own browsers here, so the tests launch /usr/bin/chromium. A
missing Chromium fails the test with the command that installs it; it never skips.

One browser serves the whole session (Playwright's sync API allows one instance per thread):
the root conftest.py registers these fixtures for every test directory.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Debian's Chromium is needed for the browser tests and {CHROMIUM} is missing: "
            "apt-get install -y chromium",
            pytrace=False,
        )
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(**context_options)``: a page in a fresh browser context on the live server.

    Every page fails its test on a JavaScript error, a failed request for a static asset,
    anything the Content-Security-Policy refused, or a Permissions-Policy header Chromium
    cannot read (it reports both on the console).
    """
    contexts, problems = [], []

    def open_page(**options):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on(
            "console",
            lambda m: (
                problems.append(f"refused: {m.text}")
                if "Content Security Policy" in m.text or "Permissions-Policy" in m.text
                else None
            ),
        )
        page.on(
            "response",
            lambda r: (
                problems.append(f"{r.status} {r.url}")
                if "/static/" in r.url and r.status >= 400
                else None
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, problems


@pytest.fixture
def page(new_page):
    """A desktop-sized page."""
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone(new_page):
    """A phone-sized page (390x844, touch)."""
    return new_page(**PHONE)


@pytest.fixture
def log_in(live_server):
    """``log_in(page, username, password)``: log in through the form and land on the home page."""

    def submit(page, username, password):
        page.goto("/login/")
        page.get_by_label("用户名或手机号").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"{live_server.url}/")
        return page

    return submit


def assert_map_styled(the_map) -> None:
    """``the_map`` (a Playwright locator of a drawn Leaflet map) has Leaflet's stylesheet in
    force: without it the panes fall out of the map and its zoom buttons sit below it."""
    from playwright.sync_api import expect

    expect(the_map).to_have_attribute("data-ready", "1")
    pane = the_map.locator(".leaflet-map-pane")
    assert pane.evaluate("e => getComputedStyle(e).position") == "absolute"
    zoom, box = the_map.locator(".leaflet-control-zoom").bounding_box(), the_map.bounding_box()
    assert box["y"] <= zoom["y"] and zoom["y"] + zoom["height"] <= box["y"] + box["height"]
