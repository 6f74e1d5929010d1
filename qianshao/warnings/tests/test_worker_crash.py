"""Crash safety of the fan-out: the real worker (``qianshao run_huey``, its own process, the
test database and task queue) is killed with SIGKILL in the middle of sending a warning's
SMS to 301 recipients through a fake gateway on loopback; after a restart every recipient
has their SMS.

What "exactly once" means here. The outbox is at-least-once: a worker claims a message,
posts it, and only then marks it sent, so a message in flight at the moment of the kill
may have reached the gateway without the outbox knowing. It is posted again later with
the same ``id`` (the message's uuid), which is how a real SMS gateway drops duplicates.
So: counted by ``id`` every recipient gets exactly one SMS; counted by raw requests, at
most one extra per message that was in flight (at most one per worker thread).

The claim of a message in flight is released only when it is stale, older than two request
timeouts and a margin (``notify.delivery.stale_claim``, 50 s by default): a worker restarted
at once sends everything else at once, but what was in flight waits for its claim to go
stale. The test shows that wait with a worker whose timeout is long (what is left
``sending`` after the restart), then starts the worker as it would run a minute after the
claims went stale (its clock moved with time-machine, nothing else touched) to see the
rest.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from importlib import import_module
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from qianshao.grid.models import Role
from qianshao.lib.fakegateway import FakeGateway
from qianshao.notify.delivery import stale_claim
from qianshao.notify.models import Channel, InboxItem, Message, Status
from qianshao.testing import appoint
from qianshao.warnings import actions
from qianshao.warnings.models import Delivery, Level, WarningType

pytestmark = pytest.mark.django_db(transaction=True)

APPOINTED = 300  # 信息员 of 一村, on top of the cast's 网格员 there
THREADS = 2  # the worker's threads: at most this many messages in flight
KILL_AFTER = 60  # SMS the gateway has seen when the worker is killed
WAIT_SECONDS = 90  # a restarted worker sends at once (its first minute's sweep)

LATER = """
import sys
from datetime import UTC, datetime, timedelta

import time_machine

time_machine.travel(datetime.now(UTC) + timedelta(seconds={seconds}), tick=True).start()
from qianshao.__main__ import main

sys.argv = ["qianshao", "run_huey"]
main()
"""


@pytest.fixture(autouse=True)
def seeded(transactional_db):
    """A transactional test's flush removed what data migrations seed: put it back."""
    import_module("qianshao.grid.migrations.0002_domains").seed(apps, None)
    import_module("qianshao.warnings.migrations.0002_defaults").seed(apps, None)


@pytest.fixture
def queue():
    HUEY.flush()
    yield HUEY
    HUEY.flush()


@pytest.fixture
def gateway(settings):
    with FakeGateway() as fake:
        settings.SMS_GATEWAY_URL = f"{fake.url}sms/send"
        settings.SMS_GATEWAY_TOKEN = "gateway-token"
        yield fake


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    log: Path, *, later: timedelta | None = None, timeout: int | None = None
) -> subprocess.Popen:
    """The worker, as ``qianshao run_huey`` starts it; ``later``: its clock that far ahead;
    ``timeout``: its request timeout (``QIANSHAO_NOTIFY_TIMEOUT``), which sets how long
    claims stand."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "qianshao.settings",
        "DATABASE_URL": database_url(),
        "QIANSHAO_DATA_DIR": str(settings.DATA_DIR),
        "QIANSHAO_SMS_URL": settings.SMS_GATEWAY_URL,
        "QIANSHAO_SMS_TOKEN": settings.SMS_GATEWAY_TOKEN,
        "QIANSHAO_WORKER_THREADS": str(THREADS),
        "QIANSHAO_BASE_URL": "http://testserver",
    }
    if timeout is not None:
        env["QIANSHAO_NOTIFY_TIMEOUT"] = str(timeout)
    if settings.QUEUE_URL:
        env["QIANSHAO_QUEUE_URL"] = settings.QUEUE_URL
    else:
        env.pop("QIANSHAO_QUEUE_URL", None)
    if later is None:
        command = [sys.executable, "-m", "qianshao", "run_huey"]
    else:
        command = [sys.executable, "-c", LATER.format(seconds=later.total_seconds())]
    with log.open("ab") as out:
        return subprocess.Popen(
            command, env=env, cwd=settings.BASE_DIR.parent, stdout=out, stderr=subprocess.STDOUT
        )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)


def wait_until(condition, worker: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"{what}: not in time\n{log.read_text()}"
        time.sleep(0.2)


def by_status() -> dict[str, set[str]]:
    """The SMS of the outbox by status: {status: {uuid}}."""
    found: dict[str, set[str]] = {}
    sms = Message.objects.filter(channel=Channel.SMS, event="warnings.issue")
    for uuid, status in sms.values_list("uuid", "status"):
        found.setdefault(status, set()).add(str(uuid))
    return found


def ours(gateway: FakeGateway) -> list:
    """The gateway's requests for the warning's SMS. The worker runs its schedule too (the
    outbox sweep releases stale claims), and the minute's other sweeps may send SMS of
    their own at some hours of the day (the duty roster's gaps at :07): not this test's."""
    sms = Message.objects.filter(channel=Channel.SMS, event="warnings.issue")
    issued = {str(u) for u in sms.values_list("uuid", flat=True)}
    return [r for r in list(gateway.requests) if r.json["id"] in issued]


def posted(gateway: FakeGateway) -> Counter:
    """How often the gateway was sent each of the warning's messages (by ``id``)."""
    return Counter(r.json["id"] for r in ours(gateway))


def test_a_worker_killed_in_the_middle_of_a_fan_out_sends_every_sms_once_after_restart(
    cast, gateway, queue, tmp_path
):
    started = time.monotonic()
    appointed = [
        appoint(cast.village, Role.INFORMANT, name=f"信息员{i:03d}") for i in range(APPOINTED)
    ]
    assert time.monotonic() - started < 60, "appointing through the actions is too slow"
    rainstorm = WarningType.objects.get(code="rainstorm")
    draft = actions.draft(
        cast.users["county"],
        type=rainstorm,
        level=Level.YELLOW,
        headline="A县气象台发布暴雨黄色预警",
        text="预计未来6小时内降雨量将达50毫米以上。",
        targets=[cast.village],
        valid_until=timezone.now() + timedelta(hours=12),
    )
    w = actions.issue(cast.users["county"], draft)  # commits: its delivery task is queued
    phones = set(Delivery.objects.filter(warning=w).values_list("phone", flat=True))
    assert w.recipients == len(phones) == APPOINTED + 1  # and the cast's 网格员 of 一村
    assert {p.phone for p in appointed} < phones
    sms = Message.objects.filter(event="warnings.issue", channel=Channel.SMS)
    every = {str(u) for u in sms.values_list("uuid", flat=True)}
    assert len(every) == w.recipients
    assert queue.pending_count() >= 1

    log = tmp_path / "worker.log"
    worker = start_worker(log)
    try:
        # let some through, then keep the answers waiting: the worker hangs mid-request
        assert gateway.wait_for(KILL_AFTER, timeout=WAIT_SECONDS), log.read_text()
        gateway.hold()
        assert gateway.wait_for(len(gateway.requests) + 1, timeout=15), log.read_text()
        time.sleep(0.5)  # a second thread, if busy, reaches the gateway too
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        stop(worker)
        gateway.release()

    at_kill = by_status()
    seen_at_kill = posted(gateway)
    in_flight = at_kill.get(Status.SENDING, set())
    assert KILL_AFTER - THREADS <= len(at_kill.get(Status.SENT, ())) < len(every), "midway"
    assert at_kill.get(Status.PENDING), "some were never claimed by the killed worker"
    assert 1 <= len(in_flight) <= THREADS, at_kill
    assert at_kill.get(Status.SENT, set()) <= set(seen_at_kill), "sent means posted"
    assert max(seen_at_kill.values()) == 1

    # restarted at once (with a long timeout, so that claims stand for over ten minutes):
    # all but what was in flight goes out, each once
    worker = start_worker(log, timeout=300)
    try:
        wait_until(
            lambda: not Message.objects.filter(status=Status.PENDING).exists(),
            worker,
            log,
            "the restarted worker sends what was pending",
        )
        time.sleep(1)
    finally:
        stop(worker)
    now = by_status()
    assert now.get(Status.SENT, set()) == every - in_flight
    assert now.get(Status.SENDING, set()) == in_flight, (
        "what was in flight waits for its claim to go stale"
    )
    assert max(posted(gateway).values()) == 1, "nothing sent twice"

    # the worker as it runs once the claims are stale: the rest, with the same ids
    worker = start_worker(log, later=stale_claim() + timedelta(minutes=1))
    try:
        wait_until(
            lambda: not Message.objects.exclude(status=Status.SENT).exists(),
            worker,
            log,
            "the worker sends what was in flight",
        )
    finally:
        stop(worker)

    counted = posted(gateway)
    assert set(counted) == every, "every recipient's SMS reached the gateway"
    assert len(counted) == w.recipients, "counted by id: exactly once each"
    twice = {uuid for uuid, n in counted.items() if n > 1}
    assert twice <= in_flight and max(counted.values()) <= 2
    raw = sum(counted.values())
    assert raw == len(every) + len(twice) <= w.recipients + THREADS
    assert {r.json["to"] for r in ours(gateway)} == phones
    assert all(r.headers["Authorization"] == "Bearer gateway-token" for r in gateway.requests)
    others = {r.json["id"] for r in gateway.requests} - every  # the schedule's own, if any
    theirs = Message.objects.filter(uuid__in=others).exclude(event="warnings.issue")
    assert others == {str(u) for u in theirs.values_list("uuid", flat=True)}
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}
    inbox = InboxItem.objects.filter(user=cast.users["village"], message__event="warnings.issue")
    assert inbox.count() == 1
