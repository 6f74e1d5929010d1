"""A warning's messages, a chunk of deliveries at a time (``notify.fanout``): the issue (or
the chase, or the cancel) queues the first chunk's messages in its own transaction and the
worker the rest, each chunk once, resumed by the minute's sweep when the worker stopped.
The chunk is made two deliveries here, so that the township's warning (five recipients)
takes three."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from huey.contrib.djhuey import HUEY

from qianshao.grid.models import Role
from qianshao.notify import fanout
from qianshao.notify.models import FanOut, Message
from qianshao.notify.tasks import resume_fan_outs
from qianshao.testing import appoint
from qianshao.warnings import actions
from qianshao.warnings import sweep as chase
from qianshao.warnings.models import Answer, Channel, Delivery

GATEWAY = "http://127.0.0.1:9/sms"  # set, so SMS are queued; nothing here delivers them


@pytest.fixture
def small_chunks(monkeypatch, settings):
    monkeypatch.setattr(fanout, "CHUNK", 2)
    settings.SMS_GATEWAY_URL = GATEWAY


@pytest.fixture
def township_warning(cast, warn, small_chunks):
    """A warning to 甲镇 issued by the county: five recipients, three chunks."""
    for n in range(3):
        appoint(cast.village, Role.INFORMANT, name=f"一村信息员{n}")
    return actions.issue(cast.users["county"], warn([cast.township]))


def told(event: str, channel: str) -> Counter:
    """How many ``event`` messages each person was queued on ``channel``."""
    return Counter(
        Message.objects.filter(event=event, channel=channel).values_list("person_id", flat=True)
    )


def recipients(w) -> list[int]:
    return list(
        Delivery.objects.filter(warning=w).order_by("pk").values_list("person_id", flat=True)
    )


def finish_all() -> None:
    """The worker's task for every fan-out left (as it runs after the commit)."""
    for pk in FanOut.objects.values_list("pk", flat=True):
        fanout.continue_fan_out.call_local(pk)


def test_the_issue_queues_the_first_chunk_and_the_worker_the_rest(township_warning):
    w, everyone = township_warning, recipients(township_warning)
    assert len(everyone) == 5 and w.recipients == 5
    assert told("warnings.issue", "sms") == Counter(everyone[:2]), "the first chunk at once"
    [rest] = FanOut.objects.all()
    assert (rest.kind, rest.source_id) == ("warnings.issue", w.pk)

    assert fanout.continue_fan_out.call_local(rest.pk) == 2  # two chunks: two, then one

    assert told("warnings.issue", "sms") == Counter(everyone), "each once"
    assert not FanOut.objects.exists()
    assert fanout.continue_fan_out.call_local(rest.pk) == 0, "a second run writes nothing"
    assert told("warnings.issue", "sms") == Counter(everyone)


def test_the_rest_is_handed_to_the_worker_when_the_issue_commits(
    cast, warn, small_chunks, django_capture_on_commit_callbacks
):
    HUEY.flush()
    for n in range(3):
        appoint(cast.village, Role.INFORMANT, name=f"一村信息员{n}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.issue(cast.users["county"], warn([cast.township]))
    [rest] = FanOut.objects.all()
    tasks = [t for t in HUEY.pending() if t.name == "continue_fan_out"]
    HUEY.flush()
    assert [t.args for t in tasks] == [(rest.pk,)]


def test_the_sweep_finishes_a_fan_out_the_worker_left(township_warning):
    w, everyone = township_warning, recipients(township_warning)
    [rest] = FanOut.objects.all()
    fanout.write_chunk(rest.pk)  # the worker wrote one chunk, then stopped

    assert resume_fan_outs.call_local() == 0, "not stalled yet: the worker may be on it"
    with time_machine.travel(rest.created_at + fanout.STALLED + timedelta(seconds=1)):
        assert resume_fan_outs.call_local() == 1

    assert told("warnings.issue", "sms") == Counter(everyone)
    assert told("warnings.issue", "inapp") == Counter(
        Delivery.objects.filter(warning=w, person__user__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    assert not FanOut.objects.exists()


def test_the_resend_goes_in_chunks_to_those_still_silent_when_written(township_warning):
    w = township_warning
    finish_all()
    everyone = recipients(w)
    with time_machine.travel(w.answer_due_at, tick=False):
        assert chase.sweep() == 5
    assert told("warnings.resend", "sms") == Counter(everyone[:2])
    # the last recipient answers by their SMS link before the worker reaches their chunk
    last = Delivery.objects.get(warning=w, person_id=everyone[-1])
    actions.answer(None, last, answer=Answer.RECEIVED, via=Channel.LINK)

    finish_all()

    silent = everyone[:-1]
    assert told("warnings.resend", "sms") == Counter(silent)


def test_a_cancel_tells_every_recipient_in_chunks(cast, township_warning):
    w = township_warning
    finish_all()
    actions.cancel(cast.users["county"], w, reason="雨势减弱")
    assert sum(told("warnings.cancelled", "sms").values()) == 2
    finish_all()
    assert told("warnings.cancelled", "sms") == Counter(recipients(w))
    m = Message.objects.filter(event="warnings.cancelled").first()
    assert (m.subject, m.body) == (f"【预警解除】{w.headline}", "雨势减弱")
