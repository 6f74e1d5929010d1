"""Anchors: the chain's head written outside the database (the log, the webhooks), and
`audit verify --anchor` proving that the chain still holds an earlier head — which catches
the one rewrite a chain cannot: the tail deleted and the head reset to match."""

import json
import re
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from qianshao.audit import anchor
from qianshao.audit.models import AuditHead, AuditRecord
from qianshao.audit.tests.test_chain import raw_delete
from qianshao.grid import actions
from qianshao.grid.models import Person
from qianshao.lib.fakegateway import FakeGateway
from qianshao.notify import delivery, tasks
from qianshao.notify.models import Channel, Message, Status, Webhook


def audit(*args) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue().strip()


def more_actions(cast, count=3):
    first = Person.objects.count()  # a fresh phone number each time
    for n in range(first, first + count):
        actions.create_person(None, name=f"后来{n}", phone=f"1370001{n:04d}", cell=cast.village)


def test_audit_anchor_prints_the_heads_seq_and_hash(chain_with_an_ended_term):
    head = AuditHead.objects.get(pk=1)
    assert audit("anchor") == f"audit anchor {head.last_seq}:{head.last_hash}"


@pytest.mark.parametrize("form", ["seq:hash", "hash"])
def test_verify_holds_an_earlier_anchor_of_an_intact_chain(chain_with_an_ended_term, cast, form):
    then = anchor.current()
    more_actions(cast)
    given = str(then) if form == "seq:hash" else then.hash

    out = audit("verify", "--anchor", given, "--anchor", str(anchor.current()))

    count = AuditRecord.objects.count()
    assert out == f"audit chain intact: {count} records, holding 2 anchors"


def delete_the_tail_and_reset_the_head(after_seq: int) -> None:
    """An attacker with database access: drop the triggers, delete every record after
    ``after_seq``, and point the head at the new last record."""
    raw_delete("seq > %s", [after_seq])
    last = AuditRecord.objects.get(seq=after_seq)
    AuditHead.objects.filter(pk=1).update(last_seq=last.seq, last_hash=last.hash)


def test_a_deleted_tail_with_a_reset_head_fails_an_earlier_anchor(chain_with_an_ended_term, cast):
    ended = chain_with_an_ended_term
    more_actions(cast)
    then = anchor.current()  # the anchor logged and sent yesterday
    delete_the_tail_and_reset_the_head(ended.seq)
    assert audit("verify").startswith("audit chain intact")  # the chain alone cannot tell

    with pytest.raises(CommandError) as caught:
        audit("verify", "--anchor", str(then))
    assert str(caught.value) == (
        f"audit chain does not hold its anchor: anchor {then}: record #{then.seq} is gone"
    )
    with pytest.raises(CommandError, match="no record has this hash any more"):
        audit("verify", "--anchor", then.hash)


def test_an_anchor_whose_place_holds_another_record_is_named(chain_with_an_ended_term, cast):
    ended = chain_with_an_ended_term
    more_actions(cast)
    then = anchor.current()
    delete_the_tail_and_reset_the_head(ended.seq)
    more_actions(cast, count=5)  # the chain grows past the anchor's place again

    with pytest.raises(CommandError) as caught:
        audit("verify", "--anchor", str(then))
    stored = AuditRecord.objects.get(seq=then.seq).hash
    assert f"record #{then.seq} now has hash {stored}" in str(caught.value)


def test_a_broken_chain_is_reported_before_its_anchors(chain_with_an_ended_term):
    then = anchor.current()
    raw_delete("seq = %s", [chain_with_an_ended_term.seq])
    with pytest.raises(CommandError, match=rf"BROKEN at record #{chain_with_an_ended_term.seq}"):
        audit("verify", "--anchor", str(then))


@pytest.mark.parametrize("given", ["12", "12:abc", "x:" + "a" * 64, "a" * 63, "5:" + "g" * 64])
def test_a_malformed_anchor_is_refused_naming_the_option(db, given):
    with pytest.raises(CommandError, match=r"^--anchor: an anchor is SEQ:HASH or HASH"):
        audit("verify", "--anchor", given)


@pytest.fixture
def gateway():
    """A real HTTP server on loopback that records what it is sent."""
    with FakeGateway() as fake:
        yield fake


@pytest.fixture
def anchor_hook(gateway, settings):
    settings.SMS_GATEWAY_URL = ""
    return Webhook.objects.create(name="市应急局存证", url=f"{gateway.url}anchors")


def test_the_daily_anchor_logs_the_head_and_sends_it_to_the_webhooks(
    chain_with_an_ended_term, anchor_hook, gateway, caplog
):
    caplog.set_level("INFO", logger="qianshao.audit")
    head = AuditHead.objects.get(pk=1)

    assert tasks.anchor_daily.call_local() == f"{head.last_seq}:{head.last_hash}"

    [line] = [r for r in caplog.records if r.name == "qianshao.audit"]
    assert (line.levelname, line.getMessage()) == (
        "INFO",
        f"audit anchor {head.last_seq}:{head.last_hash}",
    )
    message = Message.objects.get(event="audit.anchor")
    assert (message.channel, message.webhook) == (Channel.WEBHOOK, anchor_hook)
    assert delivery.deliver(message.pk) == Status.SENT
    [request] = gateway.requests
    body = json.loads(request.body)
    assert body["event"] == "audit.anchor"
    assert body["payload"] == {"seq": head.last_seq, "hash": head.last_hash}
    assert re.fullmatch(rf"审计链锚点 #{head.last_seq}", body["subject"])


def test_a_head_that_has_not_moved_is_logged_again_but_not_resent(
    chain_with_an_ended_term, anchor_hook, cast, caplog
):
    caplog.set_level("INFO", logger="qianshao.audit")
    tasks.anchor_daily.call_local()
    tasks.anchor_daily.call_local()
    assert Message.objects.filter(event="audit.anchor").count() == 1
    more_actions(cast, count=1)
    tasks.anchor_daily.call_local()
    assert Message.objects.filter(event="audit.anchor").count() == 2
    assert caplog.text.count("audit anchor ") == 3


def test_a_webhook_that_lists_other_events_gets_no_anchor(chain_with_an_ended_term, gateway):
    Webhook.objects.create(name="大屏", url=f"{gateway.url}screen", events=["grid.role_assigned"])
    tasks.anchor_daily.call_local()
    assert not Message.objects.filter(event="audit.anchor").exists()


def test_the_anchor_runs_once_a_day_after_midnight_in_china(settings):
    assert settings.HUEY["utc"]  # the consumer reads crontabs in UTC: 16:05 is 00:05 in China
    task = tasks.anchor_daily.s()
    runs = [
        (hour, minute)
        for hour in range(24)
        for minute in range(60)
        if task.validate_datetime(datetime(2026, 5, 1, hour, minute))
    ]
    assert runs == [(16, 5)]
