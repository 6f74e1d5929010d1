"""End to end: `qianshao run` as a real process with the fake SMS gateway; the worker
beats, then hangs (SIGSTOP: alive to the supervisor, which does not restart it, and doing
nothing — the silent failure); within the heartbeat's limit `qianshao status` and `/readyz`
say so and the county's dispatcher gets the SMS, sent by the supervisor's own watch; the
worker resumes and the dispatcher is told it is fixed.

The heartbeat's limit is 70 s here (``QIANSHAO_HEARTBEAT_MAX_AGE``; 120 s by default, the
heartbeat comes every 60 s) and the watch runs every 2 s (30 s by default), so that the
test takes about two minutes."""

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

import pytest

from qianshao.lib.fakegateway import FakeGateway

MAX_AGE = 70
SETUP = """
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Role
from qianshao.testing import appoint
actions.create_cells(None, [CellRow("450901", "A县", CellKind.COUNTY, None)], source="e2e")
print(appoint(Cell.objects.get(code="450901"), Role.DISPATCHER, name="县调度员").phone)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def readyz(port: int) -> tuple[int, dict]:
    http = HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        http.request("GET", "/readyz")
        response = http.getresponse()
        return response.status, json.loads(response.read())
    finally:
        http.close()


@pytest.fixture
def gateway():
    with FakeGateway() as fake:
        yield fake


def test_a_hung_worker_is_reported_and_the_dispatcher_told_within_the_limit(tmp_path, gateway):
    data, port = tmp_path / "data", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANSHAO_")}
    env.pop("DATABASE_URL", None)
    env.pop("MALLOC_ARENA_MAX", None)
    env |= {
        "QIANSHAO_DATA_DIR": str(data),
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
        "QIANSHAO_SMS_URL": f"{gateway.url}sms/send",
        "QIANSHAO_BASE_URL": f"http://127.0.0.1:{port}",
        "QIANSHAO_HEARTBEAT_MAX_AGE": str(MAX_AGE),
        "QIANSHAO_HEALTH_CHECK_SECONDS": "2",
        "QIANSHAO_BACKUP_BEFORE_MIGRATE": "0",
    }
    qianshao = [sys.executable, "-m", "qianshao"]
    subprocess.run([*qianshao, "migrate", "-v0"], env=env, check=True)
    made = subprocess.run(
        [*qianshao, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True
    )
    phone = made.stdout.strip().splitlines()[-1]
    log = tmp_path / "run.log"
    with open(log, "wb") as sink:
        run = subprocess.Popen(
            [*qianshao, "run", "--no-demo", "--web-workers", "1", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker = None
    try:
        # the worker beats (Huey runs the periodic tasks at its start, then every minute)
        database = sqlite3.connect(data / "qianshao.sqlite3", timeout=20)
        until = time.monotonic() + 90
        while worker is None and time.monotonic() < until:
            assert run.poll() is None, log.read_text()
            row = database.execute(
                "SELECT detail FROM notify_jobrun WHERE name = 'qianshao.notify.jobs.heartbeat'"
            ).fetchone()
            worker = json.loads(row[0])["pid"] if row else None
            time.sleep(0.5)
        assert worker is not None, log.read_text()
        children = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
        assert str(worker) in children  # the supervisor's own child

        # all well (on a slow machine the platform may have been older than the limit
        # before the first beat: an alert that the beat has closed by now)
        until = time.monotonic() + 30
        while readyz(port)[0] != 200 and time.monotonic() < until:
            time.sleep(0.5)
        status, body = readyz(port)
        assert (status, body["ok"]) == (200, True), body
        time.sleep(3)  # a round of the watch after it
        before = len(gateway.requests)

        os.kill(worker, signal.SIGSTOP)  # hung: alive, silent
        stopped = time.monotonic()
        assert gateway.wait_for(before + 1, timeout=MAX_AGE + 15), log.read_text()
        told = time.monotonic() - stopped
        sms = gateway.requests[before].json
        assert sms["to"] == phone
        assert sms["text"].startswith("【前哨】运行告警：任务进程已停止：心跳已"), sms
        # the heartbeat came at most a minute before the stop: told within the limit and
        # a round of the watch after it
        assert told <= MAX_AGE + 5, told

        status, body = readyz(port)
        assert status == 503 and [p["key"] for p in body["problems"]] == ["heartbeat.stale"]
        shown = subprocess.run(
            [*qianshao, "status"], env=env, capture_output=True, text=True, timeout=60
        )
        assert shown.returncode == 1, shown.stdout + shown.stderr
        assert "[FAIL] heartbeat" in shown.stdout and "heartbeat.stale" in shown.stdout
        assert "alert opened: 任务进程已停止" in log.read_text()

        os.kill(worker, signal.SIGCONT)  # back: it beats at once, and the fix is told
        assert gateway.wait_for(before + 2, timeout=30), log.read_text()
        fixed = gateway.requests[before + 1].json["text"]
        assert fixed.startswith("【前哨】运行恢复：已恢复：任务进程已停止"), fixed
        status, body = readyz(port)
        assert status == 200, body
        time.sleep(3)
        assert len(gateway.requests) == before + 2  # told once each
    finally:
        if worker is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGCONT)
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
