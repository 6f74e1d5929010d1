"""Every list is read along an index that serves its ordering (docs/adr/0026): the first page
of each API list, as the county sees it on the demo county, is planned without a sort of
the rows it pages over. SQLite: no ``USE TEMP B-TREE FOR ORDER BY`` once the scope is past
``keyset.FEW`` rows (made zero here, so that every scope counts as large). PostgreSQL plans
from its statistics, which a test's few rows do not make realistic: with sorts and
sequential scans priced out (``enable_sort``/``enable_seqscan`` off), a plan that still
sorts has no index to read the ordering from. The page's own query is the one with both
ORDER BY and LIMIT; the counts and look-ups around it are not checked here.
"""

import json
import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qianshao import demo
from qianshao.lib import keyset
from qianshao.notify.delivery import deliver_due

# (user, list) — every paginated list of the API that takes no id in its path
LISTS = [
    ("county", "/api/v1/hazards"),
    ("county", "/api/v1/hazards?status=open"),
    ("village", "/api/v1/inbox"),
    ("village", "/api/v1/warnings/deliveries"),
    ("township", "/api/v1/warnings/deliveries"),
    ("county", "/api/v1/incidents"),
    ("county", "/api/v1/zero-reports"),
    ("county", "/api/v1/disasters"),
    ("county", "/api/v1/risks/patrols"),
    ("county", "/api/v1/risks/points"),
    ("county", "/api/v1/resources/kit-cards"),
    ("county", "/api/v1/resources/teams"),
    ("county", "/api/v1/resources/experts"),
    ("county", "/api/v1/resources/social-forces"),
    ("county", "/api/v1/resources/shelters"),
    ("county", "/api/v1/resources/routes"),
    ("county", "/api/v1/resources/households"),
    ("county", "/api/v1/resources/points"),
    ("county", "/api/v1/cells"),
    ("county", "/api/v1/assignments"),
    ("county", "/api/v1/warnings"),
    ("township", "/api/v1/warnings"),
    ("county", "/api/v1/resources/transfers"),
    ("county", "/api/v1/resources/requisitions"),
    ("county", "/api/v1/people"),
    ("county", "/api/v1/hazards/supervisions"),
    ("county", "/api/v1/hazards/supervisions?answered=false"),
    ("team", "/api/v1/incidents/orders/mine"),
]

SORT_NODE = re.compile(r"^\s*(->\s*)?Sort\s+\(")  # a Sort node, not its "Sort Key"

BACKEND = "qianshao.accounts.backends.UsernameOrPhoneBackend"


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        demo.build()
        deliver_due()  # the in-app messages into the inboxes
        yield
        transaction.set_rollback(True)


def page_queries(username: str, url: str) -> list[tuple[str, list]]:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username), backend=BACKEND)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    if response.status_code != 200 or not response.json()["items"]:
        return [f"-- {response.status_code} {response.content[:200]!r}"]
    pages = [q["sql"] for q in captured.captured_queries]
    return [sql for sql in pages if " ORDER BY " in sql and " LIMIT " in sql]


def plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(row[-1] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def sorts(text: str) -> bool:
    """Does the plan sort the rows it pages over? An incremental sort (PostgreSQL) reads
    them in the index's order and sorts only the ties of its leading column (the rows of
    one cell, of one day), which a page bounds: it is not counted."""
    if connection.vendor == "sqlite":
        return "USE TEMP B-TREE FOR ORDER BY" in text
    return any(SORT_NODE.match(line) for line in text.splitlines())


@pytest.mark.django_db
def test_every_list_reads_its_page_along_an_index(built, monkeypatch):
    monkeypatch.setattr(keyset, "FEW", 0)
    sorted_pages = []
    for username, url in LISTS:
        found = page_queries(username, url)
        assert found, f"{url}: no page query captured"
        for sql in found:
            if sql.startswith("--"):
                sorted_pages.append(f"{username} {url}: no rows to page over {sql}")
                continue
            text = plan(sql)
            if sorts(text):
                sorted_pages.append(f"{username} {url}\n  {sql}\n  {text}")
    assert not sorted_pages, "\n\n".join(sorted_pages)


# Lists whose large scope SQLite walks in another way than their small one: through
# ``EXISTS`` or a relation (a scope on another table), or past either end's path
# (``SCOPE_ALSO``)
STEERED = [
    "/api/v1/hazards/supervisions?limit=2",
    "/api/v1/warnings?limit=3",
    "/api/v1/people?limit=50",
    "/api/v1/resources/transfers?limit=1",
    "/api/v1/resources/requisitions?limit=1",
]


def every_page(username: str, url: str) -> list:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username), backend=BACKEND)
    items, current = [], url
    while current:
        response = client.get(current)
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        items += body["items"]
        current = body["next"]
    return items


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["county", "township", "village"])
def test_a_walked_scope_lists_the_same_rows_in_the_same_order(built, monkeypatch, username):
    """Walked along the ordering (every scope large) or read by the scope first (every
    scope small), each list holds the same rows, in the same order, page after page, none
    twice. (PostgreSQL plans both from its statistics: there the two walks are alike.)"""
    for url in STEERED:
        monkeypatch.setattr(keyset, "FEW", 10**9)
        kept = every_page(username, url)
        monkeypatch.setattr(keyset, "FEW", 0)
        walked = every_page(username, url)
        assert walked == kept, url
        assert len({json.dumps(item, sort_keys=True) for item in walked}) == len(walked), url
        if username == "county":
            assert kept, f"{url}: nothing to list"
