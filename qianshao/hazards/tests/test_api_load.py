"""The HTTP load test, briefly: `qianshao bench http` for 3 s with 2 clients, end to end —
a fresh database with the demo county, the real server on loopback, reports with photos (or
JSON alone) and resends — on the database the suite runs on. It must finish without an
error and write its figures."""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from qianshao.testing import process_alive


def _argv(*more: str) -> list[str]:
    argv = [sys.executable, "-m", "qianshao", "bench", "http", *more]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    return argv


@pytest.mark.parametrize("body", ["photos", "json"])
def test_the_http_load_test_runs_without_an_error_and_prints_its_figures(body, tmp_path):
    argv = _argv("--seconds", "3", "--clients", "2", "--body", body)
    argv += ["--json", str(tmp_path / "http.json")]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"baseline GET /healthz: [\d,]+ requests in [\d.]+ s = [\d,]+ req/s", out), out
    load = re.search(
        r"POST /api/v1/hazards: ([\d,]+) requests in [\d.]+ s = [\d,.]+ req/s; p50 [\d.]+ ms, "
        r"p99 [\d.]+ ms  \(([\d,]+) hazards filed, ([\d,]+) resends answered 200\)",
        out,
    )
    assert load, out
    requests, filed, resent = (int(g.replace(",", "")) for g in load.groups())
    assert requests == filed + resent
    assert filed > 0 and resent > 0
    assert "ratio to baseline: throughput" in out
    assert "errors: 0" in out
    written = json.loads((tmp_path / "http.json").read_text())
    assert written["bench"] == f"http-{body}"
    assert written["figures"]["errors"] == 0
    assert written["figures"]["req_per_s"] > 0
    assert 0 < written["figures"]["p50_ms"] <= written["figures"]["p99_ms"]


def _descendants(root: int) -> dict[int, str]:
    """Every living process below ``root``, with its command line."""
    parent_of, command = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # it ended meanwhile
            continue
        parent_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parent_of.items():
            if parent == pid and child not in found:
                found[child] = command[child].decode(errors="replace")
                frontier.append(child)
    return found


def test_a_bench_stopped_half_way_leaves_no_server_behind():
    """TERM to `qianshao bench http` while its server runs: the bench, its server and the
    server's workers are all gone when it has exited."""
    bench = subprocess.Popen(
        _argv("--seconds", "60", "--clients", "1"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        until, below = time.monotonic() + 120, {}
        while time.monotonic() < until:
            below = _descendants(bench.pid)
            if sum("gunicorn" in command for command in below.values()) >= 2:  # and a worker
                break
            assert bench.poll() is None, "the bench ended before its server started"
            time.sleep(0.2)
        servers = [pid for pid, command in below.items() if "gunicorn" in command]
        assert len(servers) >= 2, below

        bench.send_signal(signal.SIGTERM)
        assert bench.wait(timeout=30) != 0

        until = time.monotonic() + 5
        while time.monotonic() < until and any(process_alive(pid) for pid in below):
            time.sleep(0.1)
        assert not [pid for pid in below if process_alive(pid)], below
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
        for pid in below:  # what the bench left behind, if it did
            if process_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
