"""`qianshao run` as a real process: a worker killed is logged and restarted while the web
server keeps answering; SIGTERM stops the supervisor and both children; gunicorn's control
socket is this instance's own, in the data dir."""

import os
import signal
import stat
import sys
import threading
import time
from pathlib import Path

import pytest

from qianshao.testing import Run, healthz, process_alive
from qianshao.web.management.commands.run import Child, Supervisor


@pytest.fixture
def run(tmp_path):
    started = Run(tmp_path)
    yield started
    started.kill_all()


class Watch(threading.Thread):
    """Asks /healthz every 50 ms until stopped; keeps what was not a 200."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.done, self.asked, self.failures = port, threading.Event(), 0, []

    def run(self):
        while not self.done.is_set():
            try:
                status = healthz(self.port)
                if status != 200:
                    self.failures.append(status)
            except OSError as exc:
                self.failures.append(repr(exc))
            self.asked += 1
            time.sleep(0.05)


def test_a_killed_worker_is_restarted_while_the_web_server_answers_and_sigterm_stops_all(run):
    run.wait_ready()
    first = run.wait_for_children()
    web, worker = first["web"], first["worker"]
    watch = Watch(run.port)
    watch.start()

    os.kill(worker, signal.SIGKILL)
    restarted = run.wait_for_children(worker=worker)["worker"]
    time.sleep(0.5)
    watch.done.set()
    watch.join()

    assert watch.asked > 10 and watch.failures == []
    assert run.children() == {"web": web, "worker": restarted}
    run.wait_for(rf"worker \(pid {worker}\) exited with -9 after \d+ s; restarting in 1 s")
    run.wait_for(rf"worker started \(pid {restarted}\)")

    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(timeout=20) == 0
    assert not process_alive(web) and not process_alive(restarted)


def test_the_control_socket_is_in_the_data_dir(run):
    run.wait_ready()
    control = run.data / "gunicorn.ctl"
    assert stat.S_ISSOCK(control.stat().st_mode)
    assert stat.S_IMODE(control.stat().st_mode) == 0o600
    assert not (run.home / ".gunicorn").exists()
    assert list(run.xdg.iterdir()) == []


def test_the_web_server_runs_with_two_malloc_arenas(run):
    """glibc gives each thread an arena that keeps what it freed: the web server's threads
    share two (MALLOC_ARENA_MAX), the worker keeps the environment it was given."""
    run.wait_ready()
    found = run.wait_for_children()

    def environment(pid: int) -> dict[str, str]:
        pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        return dict(p.decode().split("=", 1) for p in pairs if b"=" in p)

    assert environment(found["web"]).get("MALLOC_ARENA_MAX") == "2"
    assert "MALLOC_ARENA_MAX" not in environment(found["worker"])


def test_a_child_crashing_in_a_loop_waits_longer_each_time_and_never_stops_the_other():
    crasher = Child("crasher", [sys.executable, "-c", "raise SystemExit(3)"])
    steady = Child("steady", [sys.executable, "-c", "import time; time.sleep(30)"])
    supervisor = Supervisor([crasher, steady])
    crasher.start(), steady.start()
    try:
        waits = []
        for _ in range(8):
            crasher.process.wait()
            now = time.monotonic()
            supervisor.tick(now)
            waits.append(crasher.restart_at - now)
            supervisor.tick(crasher.restart_at)  # its time has come: started again
        assert waits == pytest.approx([1, 2, 4, 8, 16, 32, 60, 60])
        assert steady.process.poll() is None and steady.delay == 1

        crasher.process.wait()
        supervisor.tick(crasher.started + 61)  # it had stayed up a minute: healthy again
        assert crasher.restart_at - (crasher.started + 61) == pytest.approx(1)
    finally:
        steady.process.kill()
        steady.process.wait()
