"""The statements of an intake from a phone (its bearer token), pinned: the day's zero
report and a disaster's 初报, each idempotent on client_uuid (``intake.idempotent.submit``).

Each test warms the caches with one submission, then counts the statements of a second,
fresh one, and again after twenty more: the count is fixed, not growing with what is
stored. BEGIN and COMMIT are left out of the count (a backend issues them its own way);
everything else counts, a savepoint and its release too.
"""

import re
from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from qianshao.disasters.tests.test_api_disasters import (
    DISASTERS,
    MORNING,
    TODAY,
    ZERO,
    disaster,
    post,
    zero,
)

pytestmark = pytest.mark.django_db(transaction=True)


# Measured (the same on SQLite and PostgreSQL): 8 statements besides BEGIN and COMMIT; each
# is named in the test's docstring.
ZERO_REPORT_STATEMENTS = 8
# Measured (the same on SQLite and PostgreSQL): 10 statements besides BEGIN and COMMIT; each
# is named in the test's docstring.
DISASTER_REPORT_STATEMENTS = 10

BRACKETS = re.compile(r"\s*(BEGIN|COMMIT)\b", re.IGNORECASE)


def counted(captured: CaptureQueriesContext) -> list[str]:
    """The statements captured, less BEGIN and COMMIT."""
    return [q["sql"] for q in captured.captured_queries if not BRACKETS.match(q["sql"])]


def listing(captured: CaptureQueriesContext) -> str:
    """Every statement captured, brackets too, one a line (cut at 120 characters)."""
    return "\n".join(f"{n:3} {q['sql'][:120]}" for n, q in enumerate(captured.captured_queries, 1))


def phone(username: str) -> Client:
    """A client carrying a bearer token of ``username`` (issued as a phone logs in)."""
    from qianshao.testing import PASSWORD

    issued = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD},
        content_type="application/json",
    )
    assert issued.status_code in (200, 201), issued.content
    return Client(headers={"authorization": f"Bearer {issued.json()['token']}"})


def statements_of(send) -> tuple[object, CaptureQueriesContext]:
    """``send()``'s answer and the statements it took."""
    with CaptureQueriesContext(connection) as captured:
        response = send()
    return response, captured


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reseeded(transactional_db):
    """A transactional test's flush removed what data migrations seed: put it back."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)


def test_a_zero_report_from_a_phone_takes_a_fixed_few_statements(reseeded, cast, clock):
    """POST /api/v1/zero-reports by 一村's 网格员 with a bearer token. One per cell and day:
    the warm-up is yesterday's (filed late), the one counted today's (on time); the twenty
    more are the days before, and the last counted the day before those (late, the same
    statements). The statements:

    1. the token and its user (``accounts_apitoken`` joined to ``accounts_user``);
    2. the user's posts (``grid_roleassignment`` with person, cell, department: the scope,
       and the reporter's own cell, so the cell named needs no statement of its own);
       BEGIN (IMMEDIATE on SQLite);
    3. the claim of the UUID (``INSERT intake_submission … ON CONFLICT DO NOTHING``);
    4. the report (``INSERT disasters_zeroreport … ON CONFLICT (cell_id, day) DO NOTHING``:
       a second report of the day is skipped there and answered 409, no savepoint);
    5. the day's counters of the cell and its ancestors (one upsert of ``disasters_daytally``);
    6. the audit chain's head (``audit_audithead``, ``FOR UPDATE`` on PostgreSQL);
    7. the audit record (``INSERT audit_auditrecord``; a trigger moves the head);
    8. the claim's object (``UPDATE intake_submission``);
       COMMIT. The answer is made from the report in hand: no statement.
    """
    client = phone("village")

    def day(back: int) -> str:
        return str(TODAY - timedelta(days=back))

    assert post(client, ZERO, zero(day=day(1))).status_code == 201

    response, captured = statements_of(lambda: post(client, ZERO, zero()))
    assert response.status_code == 201, response.content
    assert response.json()["on_time"] is True
    assert len(counted(captured)) <= ZERO_REPORT_STATEMENTS, listing(captured)

    for back in range(2, 22):
        assert post(client, ZERO, zero(day=day(back))).status_code == 201
    response, again = statements_of(lambda: post(client, ZERO, zero(day=day(22))))
    assert response.status_code == 201, response.content
    assert len(counted(again)) <= ZERO_REPORT_STATEMENTS, listing(again)


def test_a_disaster_report_from_a_phone_takes_a_fixed_few_statements(reseeded, cast, clock):
    """POST /api/v1/disasters (初报, JSON without photos) by 一村's 网格员 with a bearer
    token. The statements:

    1. the token and its user (``accounts_apitoken`` joined to ``accounts_user``);
    2. the user's posts (``grid_roleassignment`` with person, cell, department: the scope,
       and the reporter's own cell, so the cell named needs no statement of its own);
       BEGIN (IMMEDIATE on SQLite);
    3. the claim of the UUID (``INSERT intake_submission … ON CONFLICT DO NOTHING``);
    4. the report (``INSERT disasters_disasterreport … ON CONFLICT (number) DO NOTHING``);
    5. the first version (``INSERT disasters_version``: a 初报's is the first, not counted);
    6. the audit chain's head (``audit_audithead``, ``FOR UPDATE`` on PostgreSQL);
    7. the audit record (``INSERT audit_auditrecord``; a trigger moves the head);
    8. the township's and the county's supervising people (one ``grid_roleassignment``
       read over the cell's lineage);
    9. the messages to them (one ``INSERT notify_message``);
    10. the claim's object (``UPDATE intake_submission``);
        COMMIT. The answer is made from the report, its version and photos in hand.
    """
    client = phone("village")
    assert post(client, DISASTERS, disaster()).status_code == 201

    response, captured = statements_of(lambda: post(client, DISASTERS, disaster()))
    assert response.status_code == 201, response.content
    assert len(counted(captured)) <= DISASTER_REPORT_STATEMENTS, listing(captured)

    for _ in range(20):
        assert post(client, DISASTERS, disaster()).status_code == 201
    response, again = statements_of(lambda: post(client, DISASTERS, disaster()))
    assert response.status_code == 201, response.content
    assert len(counted(again)) <= DISASTER_REPORT_STATEMENTS, listing(again)
