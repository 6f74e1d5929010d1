"""The statements of a patrol's 打卡 from a phone (its bearer token), pinned: POST
/api/v1/risks/points/{id}/checkins, idempotent on client_uuid
(``intake.idempotent.submit``, kind ``risks.checkin``).

The test warms the caches with one check-in, then counts the statements of a second,
fresh one (of another point, due as the first was), and again after twenty more: the
count is fixed, not growing with what is stored. BEGIN and COMMIT are left out of
the count (a backend issues them its own way); everything else counts, savepoints too.
"""

import uuid
from datetime import timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps

from qianshao.disasters.tests.test_intake_queries import counted, listing, phone, statements_of
from qianshao.risks.tests.patrols_helpers import START, patrolled_point

pytestmark = pytest.mark.django_db(transaction=True)

# Measured (the same on SQLite and PostgreSQL): 10 statements besides BEGIN and COMMIT; each
# is named in the test's docstring.
CHECKIN_STATEMENTS = 10
POINTS = 23  # the warm-up, the one counted, twenty more, the one counted again


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test's flush removed what data migrations seed: put it back."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.risks.migrations.0001_initial").seed(apps, None)


def test_a_check_in_from_a_phone_takes_a_fixed_few_statements(cast):
    """正常 from 一村's 网格员 at the point, on time (80 h into an orange point's 84),
    without photos; each check-in of a point of its own. The statements:

    1. the token and its user (``accounts_apitoken`` joined to ``accounts_user``);
    2. the user's posts (``grid_roleassignment`` with person, cell, department: the scope);
    3. the point, within the scope (``risks_riskpoint`` with cell, kind, people);
       BEGIN (IMMEDIATE on SQLite);
    4. the claim of the UUID (``INSERT intake_submission … ON CONFLICT DO NOTHING``; a
       resend is known by it, answered 200);
    5. the point's next due time and last patrol (``UPDATE risks_riskpoint … WHERE`` it is
       still as read in 3: no second read, no lock held from before the transaction);
    6. the patrol (``INSERT risks_patrol``);
    7. the patrol counters of the cell and its ancestors (one upsert of ``risks_tally``);
    8. the audit chain's head (``audit_audithead``, ``FOR UPDATE`` on PostgreSQL);
    9. the audit record (``INSERT audit_auditrecord``; a trigger moves the head);
    10. the claim's object (``UPDATE intake_submission``);
        COMMIT. The answer is made from the patrol in hand: no statement.
    """
    with time_machine.travel(START, tick=False):
        points = [patrolled_point(cast, name=f"加油站{n}") for n in range(POINTS)]
    with time_machine.travel(START + timedelta(hours=80), tick=False):
        client = phone("village")

        def check_in(point):
            body = {"client_uuid": str(uuid.uuid4()), "result": "ok", "lon": 106.1, "lat": 24.1}
            url = f"/api/v1/risks/points/{point.pk}/checkins"
            return lambda: client.post(url, body, content_type="application/json")

        assert check_in(points[0])().status_code == 201

        response, captured = statements_of(check_in(points[1]))
        assert response.status_code == 201, response.content
        assert response.json()["outcome"] == "on_time" and not response.json()["far"]
        assert len(counted(captured)) <= CHECKIN_STATEMENTS, listing(captured)

        for point in points[2:-1]:
            assert check_in(point)().status_code == 201
        response, again = statements_of(check_in(points[-1]))
        assert response.status_code == 201, response.content
        assert response.json()["outcome"] == "on_time"
        assert len(counted(again)) <= CHECKIN_STATEMENTS, listing(again)
