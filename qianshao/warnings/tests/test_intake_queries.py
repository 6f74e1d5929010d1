"""The statements of a 叫应 from a phone (its bearer token), pinned: POST
/api/v1/warnings/deliveries/{id}/answer with a client_uuid, idempotent on it
(``intake.idempotent.submit``).

The test warms the caches with one answer, then counts the statements of a second, fresh
one (to another warning's delivery), and again after twenty more: the count is fixed, not
growing with what is stored. BEGIN, COMMIT, SAVEPOINT and RELEASE are left out of the
count (a backend issues them its own way); everything else counts.
"""

import uuid
from importlib import import_module

import pytest
from django.apps import apps

from qianshao.disasters.tests.test_intake_queries import counted, listing, phone, statements_of
from qianshao.warnings.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

# Measured (the same on SQLite and PostgreSQL): 16 statements, 12 of them counted; each is
# named in the test's docstring.
ANSWER_STATEMENTS = 12


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test's flush removed what data migrations seed: put it back."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)


def test_an_answer_from_a_phone_takes_a_fixed_few_statements(cast, issued):
    """已收到 from 一村's 网格员, to a warning for 一村 issued by the county, each answer
    to a warning of its own. The statements:

    1. the token and its user (``accounts_apitoken`` joined to ``accounts_user``);
    2. the user's posts (``grid_roleassignment`` with person, cell, department: the scope);
    3. the delivery, the user's own (``warnings_delivery`` joined to person and warning);
       BEGIN (IMMEDIATE on SQLite);
    4. the claim of the UUID (``INSERT intake_submission … ON CONFLICT DO NOTHING``);
       SAVEPOINT (the answer's own transaction);
    5. the delivery again, locked (``FOR UPDATE OF warnings_delivery`` on PostgreSQL);
    6. the answer (``UPDATE warnings_delivery``);
    7. its reply record (``INSERT warnings_reply``);
    8. the audit chain's head (``audit_audithead``, ``FOR UPDATE`` on PostgreSQL);
    9. the audit record (``INSERT audit_auditrecord``; a trigger moves the head);
       RELEASE SAVEPOINT;
    10. the claim's object (``UPDATE intake_submission``);
        COMMIT;
    11. the delivery read back for the answer (as 3);
    12. its cell (``grid_cell`` by id: the answer's cell code).
    """
    client = phone("village")
    person = cast.people["village"]

    def answer_fresh():
        mine = Delivery.objects.get(warning=issued([cast.village]), person=person)
        body = {"client_uuid": str(uuid.uuid4()), "answer": "received"}
        url = f"/api/v1/warnings/deliveries/{mine.pk}/answer"
        return lambda: client.post(url, body, content_type="application/json")

    assert answer_fresh()().status_code == 200

    response, captured = statements_of(answer_fresh())
    assert response.status_code == 200, response.content
    assert response.json()["answer"] == "received"
    assert len(counted(captured)) <= ANSWER_STATEMENTS, listing(captured)

    for _ in range(20):
        assert answer_fresh()().status_code == 200
    response, again = statements_of(answer_fresh())
    assert response.status_code == 200, response.content
    assert len(counted(again)) <= ANSWER_STATEMENTS, listing(again)
