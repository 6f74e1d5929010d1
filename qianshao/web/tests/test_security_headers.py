"""Every HTML page carries a Content-Security-Policy without inline script, and the other
security headers (docs/adr/0016); no template holds a script, a style block or an event
handler attribute that the policy would have to allow."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from qianshao.accounts.tests.test_settings import load_settings

PAGES_ANONYMOUS = ["/login/", "/report/", "/report/track/", "/no-such-page/"]
PAGES = {
    "county": [
        "/",
        "/grid/",
        "/grid/450901/",
        "/grid/450901100/card/",
        "/hazards/",
        "/hazards/supervision/",
        "/hazards/stats/",
        "/hazards/monthly/",
        "/hazards/public/",
        "/warnings/",
        "/warnings/new/",
        "/disasters/board/",
        "/disasters/",
        "/disasters/calendar/",
        "/disasters/completeness/",
        "/inbox/",
        "/account/",
        "/grid/450902/",  # outside the county's scope: a 404 page
    ],
    "township": ["/"],
    "village": ["/", "/m/report/", "/m/warnings/", "/m/zero/", "/m/tasks/"],
    "department": ["/"],
    "admin": ["/admin/", "/admin/grid/cell/", "/api/v1/docs"],
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request['PATH_INFO']} has no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(response):
    path = response.request["PATH_INFO"]
    assert response["Content-Type"].startswith("text/html"), path
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"], path
    assert policy["script-src"] == ["'self'"], path
    assert policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'self'"], path
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["form-action"] == ["'self'"], path
    assert policy["style-src"] == ["'self'"], path
    assert set(policy["img-src"]) >= {"'self'", "data:"}, path
    features = dict(f.strip().split("=", 1) for f in response["Permissions-Policy"].split(","))
    assert features["geolocation"] == "(self)", path
    for off in ("camera", "microphone", "payment", "usb", "accelerometer", "browsing-topics"):
        assert features[off] == "()", (path, off)
    assert response["Referrer-Policy"] == "same-origin", path
    assert response["X-Content-Type-Options"] == "nosniff", path


@pytest.mark.django_db
def test_every_anonymous_page_carries_the_policy_and_the_headers(client):
    for path in PAGES_ANONYMOUS:
        assert_strict(client.get(path))


def test_every_signed_in_page_carries_the_policy_and_the_headers(cast, client_for):
    for username, paths in PAGES.items():
        client = client_for(cast.users[username])
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 404), (username, path, response.status_code)
            assert_strict(response)


def test_the_policy_lets_images_come_from_the_configured_tile_host(tmp_path):
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY)"
    tiles = "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"
    found = load_settings(tmp_path, code, QIANSHAO_MAP_TILE_URL=tiles)
    assert "'img-src': [\"'self'\", 'data:', 'https://*.tiles.example.gov.cn']" in found.stdout
    offline = load_settings(tmp_path, code)
    assert "'img-src': [\"'self'\", 'data:']" in offline.stdout, offline.stderr


def test_hsts_is_sent_only_when_cookies_are_secure(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)"
    secure = load_settings(tmp_path, code, QIANSHAO_SECURE_COOKIES="1")
    assert secure.returncode == 0, secure.stderr
    assert int(secure.stdout) == 365 * 24 * 3600
    plain = load_settings(tmp_path, code, QIANSHAO_SECURE_COOKIES="0")
    assert plain.returncode == 0, plain.stderr
    assert int(plain.stdout) == 0


def test_hsts_leaves_subdomains_alone_unless_asked(tmp_path):
    code = "from django.conf import settings; print(settings.SECURE_HSTS_INCLUDE_SUBDOMAINS)"
    found = load_settings(tmp_path, code, QIANSHAO_SECURE_COOKIES="1")
    assert found.stdout.strip() == "False", found.stderr
    asked = load_settings(
        tmp_path, code, QIANSHAO_SECURE_COOKIES="1", QIANSHAO_HSTS_INCLUDE_SUBDOMAINS="1"
    )
    assert asked.stdout.strip() == "True", asked.stderr


# ---- templates: nothing inline that the policy would have to allow -------------------------

TEMPLATE_DIRS = sorted(settings.BASE_DIR.glob("*/templates"))
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
# an on…= attribute inside a tag: onclick=, onerror = …
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def templates() -> list[Path]:
    found = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(found) > 50, TEMPLATE_DIRS
    return found


def inline_problems(text: str) -> list[str]:
    problems = []
    for attributes, body in SCRIPT.findall(text):
        if re.search(r"""type\s*=\s*["']application/json["']""", attributes):
            continue
        if body.strip() or "src=" not in attributes:
            problems.append(f"inline <script{attributes}>")
    if STYLE_BLOCK.search(text):
        problems.append("<style> block")
    problems += [f"event handler {m.group(0)[-20:]!r}" for m in HANDLER.finditer(text)]
    problems += [f"javascript: URL {m.group(0)!r}" for m in JAVASCRIPT_URL.finditer(text)]
    return problems


def test_the_scan_finds_what_it_looks_for():
    assert inline_problems("<script>alert(1)</script>")
    assert inline_problems('<img src=x onerror="x()">')
    assert inline_problems("<div\n  onclick='x()'>")
    assert inline_problems("<style>.a{}</style>")
    assert inline_problems('<a href="javascript:x()">')
    assert not inline_problems('<script type="application/json" id="d">{}</script>')
    assert not inline_problems('<script src="/static/dist/app.js" defer></script>')
    assert not inline_problems('<button data-on-click="x">one=1</button>')


def test_no_template_holds_inline_script_style_or_handlers():
    found = {}
    for path in templates():
        problems = inline_problems(path.read_text())
        if problems:
            found[str(path.relative_to(settings.BASE_DIR))] = problems
    assert not found, found


def test_no_template_marks_a_value_safe():
    """Values reach scripts through an escaped attribute (``as_json``), never ``|safe``
    (the QR codes are SVGs the server draws from a link: ``grid.card.qr_svg`` marks its
    own markup, so no template needs to)."""
    found = {}
    for path in templates():
        name = str(path.relative_to(settings.BASE_DIR))
        text = path.read_text()
        if re.search(r"\|\s*safe\b|{%\s*autoescape\s+off", text):
            found[name] = "|safe"
    assert not found, found
