"""`qianshao run`: migrate, load the demo on an empty database, start the web server and the
worker, and keep both up: a child that dies without a shutdown having been asked for is
logged and restarted after a backoff; SIGTERM or SIGINT stops both and exits."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from qianshao import demo
from qianshao.grid.models import Cell
from qianshao.ops import alerts, backup, health, restore, upgrade

log = logging.getLogger("qianshao.run")

FIRST_DELAY = 1.0  # seconds before the first restart of a child that died
MAX_DELAY = 60.0  # the delay doubles up to this
STEADY = 60.0  # a child up this long is healthy again: its next restart waits FIRST_DELAY
STOP_WAIT = 15.0  # seconds the children get to stop before they are killed


class Command(BaseCommand):
    help = "Start the whole platform: migrations, demo county if empty, gunicorn and the worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("QIANSHAO_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("QIANSHAO_PORT", "8000"))
        )
        parser.add_argument("--web-workers", type=int, default=web_workers())
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help="do not load the demo county into an empty database",
        )

    def handle(self, *args, host, port, web_workers, no_demo, **options):
        self._migrate()
        call_command("collectstatic", interactive=False, verbosity=0)
        loaded_demo = False
        if not no_demo and not Cell.objects.exists():
            self.stdout.write("empty database: creating the demo county 凌云县 …")
            try:
                demo.build()
            except RuntimeError as exc:  # e.g. node_modules not installed
                raise CommandError(str(exc)) from exc
            loaded_demo = True
        supervisor = Supervisor(
            [
                Child("web", gunicorn_argv(host, port, web_workers), env=web_env()),
                Child(
                    "worker",
                    [sys.executable, "-m", "qianshao", "run_huey"],
                    on_death=health.record_worker_exit,
                ),
            ]
        )
        supervisor.start()
        watcher = Watcher(settings.HEALTH_CHECK_SECONDS)
        watcher.start()
        self._banner(host, port, loaded_demo or not no_demo)
        code = supervisor.run()
        watcher.done.set()
        sys.exit(code)

    def _migrate(self) -> None:
        """Migrate, after a backup when there is something to migrate and data to keep
        (QIANSHAO_BACKUP_BEFORE_MIGRATE); never on a half-restored database."""
        if restore.marker().exists():
            raise CommandError(
                f"a restore was interrupted ({restore.marker()} is there): the database may"
                " be half restored. Run `qianshao restore ARCHIVE --force` again; it removes"
                " the marker when it has finished"
            )
        pending = upgrade.pending()
        if pending and settings.BACKUP_BEFORE_MIGRATE and upgrade.has_data():
            self.stdout.write(f"{len(pending)} migrations to apply: taking a backup first …")
            try:
                result = backup.take()
            except backup.BackupError as exc:
                raise CommandError(
                    f"the backup before migrating failed, nothing was migrated: {exc}. "
                    "Free the space or set QIANSHAO_BACKUP_DIR; QIANSHAO_BACKUP_BEFORE_MIGRATE=0"
                    " migrates without a backup"
                ) from exc
            self.stdout.write(f"  backup written: {result.path}")
        call_command("migrate", interactive=False, verbosity=0)

    def _banner(self, host, port, demo_logins):
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        lines = [
            "",
            f"前哨 Qianshao is running at http://{shown}:{port}/",
            f"  data directory: {settings.DATA_DIR}",
            f"  database: {connection.vendor}",
            f"  queue: {settings.HUEY['huey_class']}",
        ]
        if demo_logins and Cell.objects.filter(code=demo.COUNTY).exists():
            lines.append(f"  demo logins (password {demo.PASSWORD}):")
            lines += [f"    {u:<11} {what}" for u, what in demo.logins()]
        lines.append("  stop with Ctrl-C")
        self.stdout.write("\n".join(lines) + "\n")
        self.stdout.flush()


def web_env() -> dict:
    """The web server's environment: glibc's malloc limited to two arenas (it makes one per
    thread by default, each keeping what its thread freed — SQLite's page cache of every
    request — so a threaded worker's memory grows far past what it uses)."""
    return {**os.environ, "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}


def web_workers() -> int:
    """gunicorn's worker processes: ``QIANSHAO_WEB_WORKERS``, or one per core and one more."""
    return int(os.environ.get("QIANSHAO_WEB_WORKERS") or (os.cpu_count() or 1) + 1)


def web_threads() -> int:
    """Threads per worker process: ``QIANSHAO_WEB_THREADS``, 2 by default. More threads share
    one interpreter lock: on two cores, 2 workers of 4 threads answered 171 JSON reports a
    second (p99 150 ms) where 3 workers of 2 answered 217 (p99 93 ms); a transaction's
    holder waits less for its own process's other threads (docs/performance.md)."""
    return int(os.environ.get("QIANSHAO_WEB_THREADS") or 2)


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    """The web server's command line. Its control socket is this instance's own, in the
    data dir (gunicorn's default, in the home directory, is shared by every instance). No
    access log of gunicorn's own: the platform writes one line per request, with its
    request id (lib/requestlog.py)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "qianshao.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(web_threads()),
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
        "--control-socket",
        str(settings.DATA_DIR / "gunicorn.ctl"),
        # the proxies whose X-Forwarded-Proto gunicorn believes: the platform's own
        # (QIANSHAO_TRUSTED_PROXIES, lib/proxy.py), not gunicorn's default of localhost
        "--forwarded-allow-ips",
        ",".join(str(network) for network in settings.TRUSTED_PROXIES),
    ]


class Watcher(threading.Thread):
    """The health watch (``ops.alerts``: alerts opened, closed and told by SMS from here,
    since the worker may be what stopped) every ``QIANSHAO_HEALTH_CHECK_SECONDS``, in a
    thread of its own: the supervisor's tick never waits for it, and whatever it meets is
    logged and tried again next round."""

    def __init__(self, every: float):
        super().__init__(name="health-watch", daemon=True)
        self.every, self.done = every, threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            alerts.watch_safely()


@dataclass
class Child:
    """One supervised process: its command line, the running process, and when to restart
    it after it died (``delay`` doubles with each quick death)."""

    name: str
    argv: list[str]
    env: dict | None = None  # None: this process's own
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = field(default=None)
    on_death: Callable[[int, int], None] | None = None  # (pid, exit code), after the log

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, env=self.env)
        self.started, self.restart_at = time.monotonic(), None
        log.info("%s started (pid %s)", self.name, self.process.pid)

    def due(self, now: float) -> bool:
        """Dead, and its restart's time has come."""
        return self.process is None and self.restart_at is not None and now >= self.restart_at

    def died(self, now: float) -> None:
        """Log the death and schedule the restart."""
        up = now - self.started
        if up >= STEADY:
            self.delay = FIRST_DELAY
        log.warning(
            "%s (pid %s) exited with %s after %.0f s; restarting in %.0f s",
            self.name,
            self.process.pid,
            self.process.returncode,
            up,
            self.delay,
        )
        pid, code = self.process.pid, self.process.returncode
        self.process, self.restart_at = None, now + self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)
        if self.on_death:
            try:
                self.on_death(pid, code)
            except Exception:  # the supervisor goes on whatever the record meets
                log.exception("could not record the death of %s", self.name)


class Supervisor:
    """Keeps its children running until SIGTERM or SIGINT, then stops them all."""

    def __init__(self, children: list[Child]):
        self.children = children
        self.stopping = False

    def start(self) -> None:
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)
        for child in self.children:
            child.start()

    def _stop(self, signum, frame) -> None:
        if not self.stopping:
            log.info("%s received: stopping", signal.Signals(signum).name)
        self.stopping = True

    def run(self) -> int:
        while not self.stopping:
            self.tick(time.monotonic())
            time.sleep(0.2)
        self.stop()
        return 0

    def tick(self, now: float) -> None:
        for child in self.children:
            if self.stopping:
                return
            if child.process is not None and child.process.poll() is not None:
                child.died(now)
            elif child.due(now):
                child.start()

    def stop(self) -> None:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_WAIT
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
