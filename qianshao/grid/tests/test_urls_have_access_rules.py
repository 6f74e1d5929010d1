"""Every URL and every API operation has an access rule, written down here.

A new page or endpoint without an entry fails ``test_every_url_has_an_access_rule`` (or the
API twin) until someone decides who may use it (manage.get.gov ``tests/test_permissions.py``).
The rules are then checked for anonymous visitors here, and for the outsider — a user with
a post in another county — in ``test_pages_outsider.py`` and ``test_api_outsider.py``.

PUBLIC  anyone, logged in or not.
LOGIN   any logged-in user; shows only their own post, tree and inbox.
SCOPED  reaches cells, people or roles through the scope helpers: outside is a 404.
OWN     reaches the user's own inbox items only: another's is a 404.
ADMIN   the Django admin: staff only, through its own login.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from qianshao.api import api
from qianshao.testing import area_rule_modules

PUBLIC, LOGIN, SCOPED, OWN, ADMIN, API = "public", "login", "scoped", "own", "admin", "api"

PAGE_RULES = {
    "admin/": ADMIN,
    "login/": PUBLIC,
    "logout/": LOGIN,
    "healthz": PUBLIC,
    "favicon.ico": PUBLIC,
    "": LOGIN,
    "grid/": LOGIN,
    "grid/search/": SCOPED,
    "grid/contacts/": SCOPED,
    "grid/roster/": SCOPED,
    r"^grid/roster/template\.(?P<fmt>xlsx|csv)$": LOGIN,
    "grid/<str:code>/": SCOPED,
    "grid/<str:code>/children/": SCOPED,
    "grid/<str:code>/card/": SCOPED,
    "grid/<str:code>/assign/": SCOPED,
    "grid/<str:code>/move/": SCOPED,
    "assignments/<int:assignment_id>/end/": SCOPED,
    "people/<int:person_id>/": SCOPED,
    "people/<int:person_id>/login/": SCOPED,
    "c/<str:code>/": PUBLIC,  # a cell's public page, opened from its card's QR code
    "inbox/": OWN,
    "inbox/<int:item_id>/read/": OWN,
    "inbox/read-all/": OWN,
    # The API: its documents are public, its operations have rules in API_RULES.
    "api/v1/": PUBLIC,
    "api/v1/openapi.json": PUBLIC,
    "api/v1/docs": PUBLIC,
}

API_RULES = {
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): OWN,
    ("GET", "/api/v1/cells"): SCOPED,
    ("GET", "/api/v1/cells/{code}"): SCOPED,
    ("GET", "/api/v1/cells/{code}/counts"): SCOPED,
    ("POST", "/api/v1/cells/{code}/move"): SCOPED,
    ("GET", "/api/v1/people"): SCOPED,
    ("GET", "/api/v1/people/{person_id}"): SCOPED,
    ("GET", "/api/v1/assignments"): SCOPED,
    ("POST", "/api/v1/assignments"): SCOPED,
    ("POST", "/api/v1/assignments/{assignment_id}/end"): SCOPED,
    ("GET", "/api/v1/inbox"): OWN,
    ("GET", "/api/v1/inbox/kinds"): OWN,
    ("POST", "/api/v1/inbox/{item_id}/read"): OWN,
}

# Other areas write their rules next to their own tests (qianshao.testing.area_rule_modules).
for _area in area_rule_modules():
    PAGE_RULES.update(getattr(_area, "PAGE_RULES", {}))
    API_RULES.update(getattr(_area, "API_RULES", {}))

SAMPLE_KWARGS = {"code": "450901", "fmt": "csv"}
for _area in area_rule_modules():
    SAMPLE_KWARGS.update(getattr(_area, "SAMPLE_KWARGS", {}))
CONVERTER_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def page_routes() -> dict[str, URLPattern | None]:
    """Every route of the site: the admin as one, API operations as the API document has them."""
    routes: dict[str, URLPattern | None] = {}

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    routes[route] = None
                else:
                    walk(entry.url_patterns, route)
            elif not is_api_operation(route):
                routes[route] = entry

    walk(get_resolver().url_patterns)
    return routes


def is_api_operation(route: str) -> bool:
    if not route.startswith("api/v1/"):
        return False
    path = "/" + CONVERTER_RE.sub(r"{\2}", route)
    return any(p == path for _m, p in API_RULES) or path in api_paths()


def api_paths() -> set[str]:
    return set(api.get_openapi_schema()["paths"])


def api_operations() -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }


def sample_url(route: str, entry: URLPattern | None) -> str:
    """A concrete URL for ``route``: the cast's county for a code, 1 for an id."""
    if route.startswith("^"):
        kwargs = {key: SAMPLE_KWARGS[key] for key in entry.pattern.regex.groupindex}
        return reverse(entry.name, kwargs=kwargs)
    return "/" + CONVERTER_RE.sub(lambda m: str(SAMPLE_KWARGS.get(m.group(2), 1)), route)


def test_every_url_has_an_access_rule():
    routes = set(page_routes())
    assert sorted(routes - set(PAGE_RULES)) == [], "URLs without an access rule in PAGE_RULES"
    assert sorted(set(PAGE_RULES) - routes) == [], "rules for URLs that no longer exist"


def test_every_api_operation_has_an_access_rule():
    operations = api_operations()
    assert sorted(operations - set(API_RULES)) == [], "operations without a rule in API_RULES"
    assert sorted(set(API_RULES) - operations) == [], "rules for operations that no longer exist"


def test_the_api_document_asks_for_authentication_exactly_where_the_rules_say():
    schema = api.get_openapi_schema()
    open_ops = sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not operation.get("security")
    )
    assert open_ops == sorted(key for key, rule in API_RULES.items() if rule == PUBLIC)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page_from_every_page_but_the_public_ones(
    client,
):
    wrong = []
    for route, entry in page_routes().items():
        rule = PAGE_RULES[route]
        url = sample_url(route, entry)
        for method in ["get", "post"]:
            response = getattr(client, method)(url)
            location = response.get("Location", "")
            if rule in (LOGIN, SCOPED, OWN):
                ok = response.status_code == 302 and location.startswith(f"/login/?next={url}")
            elif rule == ADMIN:
                ok = response.status_code == 302 and location.startswith("/admin/login/")
            else:
                ok = response.status_code != 302 or not location.startswith("/login/")
            if not ok:
                wrong.append(f"{method.upper()} {url} ({rule}): {response.status_code} {location}")
    assert wrong == []


@pytest.mark.django_db
def test_the_public_pages_answer_anonymous_visitors(client):
    assert client.get("/login/").status_code == 200
    assert client.get("/healthz").content == b"ok"
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/api/v1/openapi.json").json()["info"]["title"].startswith("前哨")
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_every_api_operation_but_the_token_refuses_anonymous_callers_with_401(client):
    wrong = []
    for method, path in sorted(api_operations()):
        url = path.replace("{code}", "450901").replace("{", "").replace("}", "")
        url = re.sub(r"[a-z_]+_id", "1", url)
        for headers in [{}, {"authorization": "Bearer qs_not-a-token"}]:
            call = getattr(client, method.lower())
            response = call(url, {}, content_type="application/json", headers=headers)
            if API_RULES[(method, path)] == PUBLIC:
                ok = response.status_code != 401 or "detail" in response.json()
            else:
                ok = response.status_code == 401 and response.json() == {"detail": "Unauthorized"}
            if not ok:
                wrong.append(f"{method} {url} {headers}: {response.status_code}")
    assert wrong == []


@pytest.mark.django_db
def test_the_token_endpoint_refuses_wrong_credentials_with_401(cast, client):
    response = client.post(
        "/api/v1/auth/token",
        {"username": "county", "password": "wrong-password"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.django_db
def test_the_admin_refuses_users_who_are_not_staff(cast, client_for):
    client = client_for(cast.users["county"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    admin = client_for(cast.users["admin"])
    assert admin.get("/admin/").status_code == 200
