"""The statements of a 叫应 from a phone (its bearer token), pinned: POST
/api/v1/warnings/deliveries/{id}/answer with a client_uuid, idempotent on it
(``intake.idempotent.submit``).

The test warms the caches with one answer, then counts the statements of a second, fresh
one (to another warning's delivery), and again after twenty more: the count is fixed, not
growing with what is stored. BEGIN and COMMIT are left out of
the count (a backend issues them its own way); everything else counts, savepoints too.
"""

import uuid
from importlib import import_module

import pytest
from django.apps import apps

from qianshao.disasters.tests.test_intake_queries import counted, listing, phone, statements_of
from qianshao.warnings.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

# Measured (the same on SQLite and PostgreSQL): 9 statements besides BEGIN and COMMIT; each
# is named in the test's docstring.
ANSWER_STATEMENTS = 9


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
    3. the delivery, the user's own (``warnings_delivery`` joined to person, warning, cell);
       BEGIN (IMMEDIATE on SQLite);
    4. the claim of the UUID (``INSERT intake_submission … ON CONFLICT DO NOTHING``);
    5. the answer (``UPDATE warnings_delivery … WHERE answer`` is still the one read: no
       second read, no lock held from before the transaction);
    6. its reply record (``INSERT warnings_reply``);
    7. the audit chain's head (``audit_audithead``, ``FOR UPDATE`` on PostgreSQL);
    8. the audit record (``INSERT audit_auditrecord``; a trigger moves the head);
    9. the claim's object (``UPDATE intake_submission``);
       COMMIT. The answer is made from the delivery in hand.
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
