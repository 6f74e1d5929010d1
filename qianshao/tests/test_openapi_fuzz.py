"""The OpenAPI fuzz: schemathesis generates requests for every operation of the app's own
OpenAPI document — its coverage phase (boundary values, wrong types, missing and extra
fields, each parameter at its edges) and a few random ones, valid and invalid — sends them
in-process to the WSGI app as the county's dispatcher and as the village's member, each
with a bearer token, and no answer may be a 5xx (schemathesis's ``not_a_server_error``).

Bounded so that it runs in every ``make test``: derandomized (the same requests every run),
no shrinking, a few random examples per operation, and an overall time budget past which
the remaining requests are not sent (their number is printed).
"""

import time

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.pytest.lazy import get_all_tests

from qianshao.accounts.actions import issue_token
from qianshao.wsgi import application

TIME_BUDGET = 25  # seconds per user: the suite's fuzz stays well under a minute


def in_test(environ, start_response):
    """The WSGI app as Django's test client runs it: the end of a request does not close
    the test's database connection (whose transaction holds the cast)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, start_response)
        body = b"".join(response)
        response.close()
        return [body]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(params=["county", "village"])
def user(request, cast):
    return cast.users[request.param]


@pytest.fixture
def openapi(user):
    loaded = schemathesis.openapi.from_dict(Client().get("/api/v1/openapi.json").json())
    loaded.app = in_test  # in-process: requests go straight to the WSGI app
    return loaded


@pytest.fixture
def bearer(user):
    """Fresh headers for each request: a generated DELETE /auth/token revokes the token it
    is sent with, and every later request would only meet the 401."""

    def headers():
        raw, _token = issue_token(user, name="fuzz")
        return {"Authorization": f"Bearer {raw}"}

    return headers


@pytest.fixture
def budget():
    """Seconds left of TIME_BUDGET, and the requests left unsent once it is spent."""
    state = {"until": time.monotonic() + TIME_BUDGET, "unsent": 0}
    yield state
    print(f"fuzz: {state['unsent']} requests not sent for time")


FUZZ = settings(
    max_examples=3,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # coverage cases are explicit; no shrinking
    suppress_health_check=list(HealthCheck),
)


def test_no_generated_request_gets_a_server_error(openapi, bearer, budget):
    def send(case):
        if time.monotonic() > budget["until"]:
            budget["unsent"] += 1
            return
        case.call_and_validate(headers=bearer(), checks=[not_a_server_error])

    # schemathesis's own builder of one Hypothesis test per operation (what its pytest
    # plugin runs as subtests; the plugin itself does not run under pytest 9 yet)
    tests = [
        r.ok()
        for r in get_all_tests(schema=openapi, test_func=send, settings=FUZZ, given_kwargs=None)
    ]
    assert len(tests) > 40
    failures = []
    for operation, test in tests:
        try:
            test()
        except* AssertionError as group:
            failures.append(f"{operation.label}: {group.exceptions[0]}")
    assert failures == []
