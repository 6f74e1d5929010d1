"""The real worker: `qianshao run_huey` in its own process delivers what an action queued.

The consumer reads the same task queue as this process (settings.HUEY: a SQLite file in the
data directory, or Redis when QIANSHAO_QUEUE_URL is set) and the test database.
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from qianshao.notify.models import Channel, InboxItem, Message, Status

WAIT_SECONDS = 30


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(gateway, log: Path) -> subprocess.Popen:
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "qianshao.settings",
        "DATABASE_URL": database_url(),
        "QIANSHAO_DATA_DIR": str(settings.DATA_DIR),
        "QIANSHAO_SMS_URL": settings.SMS_GATEWAY_URL,
        "QIANSHAO_SMS_TOKEN": settings.SMS_GATEWAY_TOKEN,
        "QIANSHAO_BASE_URL": "http://testserver",
    }
    if settings.QUEUE_URL:
        env["QIANSHAO_QUEUE_URL"] = settings.QUEUE_URL
    else:
        env.pop("QIANSHAO_QUEUE_URL", None)
    with log.open("wb") as out:
        return subprocess.Popen(
            # without the schedule: the minute's sweeps (a roster-gap SMS at :07, say) are not
            # this test's, and would reach the gateway at some hours of the day
            [sys.executable, "-m", "qianshao", "run_huey", "--no-periodic"],
            env=env,
            cwd=settings.BASE_DIR.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)


def wait_until(condition, worker, log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert worker.poll() is None, f"the worker exited:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"nothing delivered in time:\n{log.read_text()}"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("worker_first", [True, False], ids=["running", "started-later"])
def test_the_worker_delivers_what_an_action_queued(
    appointee, appoint_informant, sms_gateway, empty_queue, tmp_path, worker_first
):
    log = tmp_path / "worker.log"
    worker = start_worker(sms_gateway, log) if worker_first else None
    try:
        appoint_informant(appointee)  # on commit: a deliver_messages task on the queue
        assert Message.objects.filter(status=Status.PENDING).count() == 2
        if worker is None:
            assert empty_queue.pending_count() == 1  # waiting for a worker: nothing is lost
            worker = start_worker(sms_gateway, log)

        def delivered():
            return (
                sms_gateway.requests
                and InboxItem.objects.filter(user=appointee.user).exists()
                and not Message.objects.exclude(status=Status.SENT).exists()
            )

        wait_until(delivered, worker, log)
    finally:
        if worker is not None:
            stop(worker)

    [request] = sms_gateway.requests
    sms = Message.objects.get(channel=Channel.SMS)
    assert request.json["id"] == str(sms.uuid)
    assert request.json["to"] == appointee.phone
    assert request.headers["Authorization"] == "Bearer gateway-token"
    assert InboxItem.objects.get().subject == "您已被任命为一村信息员"
    assert empty_queue.pending_count() == 0
