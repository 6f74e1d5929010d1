"""叫应 and relay through the API: each answer in order, a resend with its client UUID taken
once, a UUID spent on one delivery (or warning) refused on another, and what is not yours
refused naming why."""

import uuid

import pytest
from django.test import Client

from qianshao.audit.models import AuditRecord
from qianshao.notify.models import Message
from qianshao.warnings.models import Delivery, Warning

pytestmark = pytest.mark.django_db


def api_client(user) -> Client:
    client = Client()
    client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
    return client


def answer(client, delivery, body):
    return client.post(
        f"/api/v1/warnings/deliveries/{delivery.pk}/answer", body, content_type="application/json"
    )


def state(delivery) -> tuple:
    d = Delivery.objects.get(pk=delivery.pk)
    return d.answer, d.answered_at, d.note, d.evacuated


def test_a_villager_answers_received_acting_and_done_each_audited(cast, issued):
    w = issued()
    mine = Delivery.objects.get(warning=w, person=cast.people["village"])
    client = api_client(cast.users["village"])
    audited = AuditRecord.objects.count()

    got = answer(client, mine, {"answer": "received"})
    assert got.status_code == 200, got.content
    assert got.json()["answer"] == "received"
    got = answer(client, mine, {"answer": "acting", "note": "正在转移低洼处群众"})
    assert got.status_code == 200, got.content
    got = answer(client, mine, {"answer": "done", "evacuated": 12})
    assert got.status_code == 200, got.content

    d = Delivery.objects.get(pk=mine.pk)
    assert (d.answer, d.evacuated, d.answered_via) == ("done", 12, "api")
    assert AuditRecord.objects.count() == audited + 3


def test_a_resend_is_taken_once_and_the_uuid_is_refused_on_another_delivery(cast, issued):
    first_warning, second_warning = issued(), issued()
    first = Delivery.objects.get(warning=first_warning, person=cast.people["village"])
    second = Delivery.objects.get(warning=second_warning, person=cast.people["village"])
    client = api_client(cast.users["village"])
    body = {"client_uuid": str(uuid.uuid4()), "answer": "received"}

    assert answer(client, first, body).status_code == 200
    answered = state(first)
    again = answer(client, first, body)
    assert again.status_code == 200 and state(first) == answered

    before = state(second)
    refused = answer(client, second, body)
    assert refused.status_code == 409, refused.content
    assert refused.json()["field"] == "client_uuid"
    assert state(second) == before and before[1] is None  # still waiting: the chase goes on


def test_an_answer_to_a_delivery_of_someone_else_is_a_404_and_changes_nothing(cast, issued):
    w = issued()
    theirs = Delivery.objects.filter(warning=w).exclude(person=cast.people["village"]).first()
    before = state(theirs)
    refused = answer(api_client(cast.users["village"]), theirs, {"answer": "received"})
    assert refused.status_code == 404
    assert state(theirs) == before


def test_a_relay_resent_with_its_client_uuid_is_made_and_told_once(cast, issued):
    w = issued([cast.county])
    client = api_client(cast.users["township"])
    body = {
        "client_uuid": str(uuid.uuid4()),
        "targets": [cast.village.code],
        "instruction": "各村立即巡查山洪隐患点。",
    }
    made = client.post(f"/api/v1/warnings/{w.pk}/relay", body, content_type="application/json")
    assert made.status_code == 201, made.content
    told = Message.objects.filter(event="warnings.relay").count()
    assert told > 0

    again = client.post(f"/api/v1/warnings/{w.pk}/relay", body, content_type="application/json")
    assert again.status_code == 200, again.content
    assert again.json()["id"] == made.json()["id"]
    assert Warning.objects.filter(parent=w).count() == 1
    assert Message.objects.filter(event="warnings.relay").count() == told
