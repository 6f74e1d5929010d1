"""The test cast: a small named grid built through the real actions (healthchecks' hc/test.py).

Two counties so that there is always an outside:

    A县 450901 ─┬─ 甲镇 450901100 ─┬─ 一村 450901100201
                │                   └─ 二村 450901100202
                └─ 乙镇 450901101 ─── 三村 450901101201
    B县 450902 ─── 丙镇 450902100 ─── 四村 450902100201

People with logins: county (A县 调度员), township (甲镇 调度员), village (一村 网格员),
department (A县 应急管理局 网格员), outsider (B县 调度员), and admin (superuser).
"""

import html as html_text
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import parse_qsl

from django.contrib.auth import get_user_model
from shapely.geometry import box, mapping

from qianshao.accounts.actions import create_login
from qianshao.grid import actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind, Department, Domain, Person, Role

PASSWORD = "cast-password-1"
START = date(2024, 1, 1)

# code, name, kind, parent, (min lon, min lat, max lon, max lat)
GRID = [
    ("450901", "A县", CellKind.COUNTY, None, (106.0, 24.0, 106.4, 24.4)),
    ("450901100", "甲镇", CellKind.TOWNSHIP, "450901", (106.0, 24.0, 106.2, 24.4)),
    ("450901101", "乙镇", CellKind.TOWNSHIP, "450901", (106.2, 24.0, 106.4, 24.4)),
    ("450901100201", "一村", CellKind.VILLAGE, "450901100", (106.0, 24.0, 106.2, 24.2)),
    ("450901100202", "二村", CellKind.VILLAGE, "450901100", (106.0, 24.2, 106.2, 24.4)),
    ("450901101201", "三村", CellKind.VILLAGE, "450901101", (106.2, 24.0, 106.4, 24.4)),
    ("450902", "B县", CellKind.COUNTY, None, (107.0, 24.0, 107.4, 24.4)),
    ("450902100", "丙镇", CellKind.TOWNSHIP, "450902", (107.0, 24.0, 107.4, 24.4)),
    ("450902100201", "四村", CellKind.VILLAGE, "450902100", (107.0, 24.0, 107.4, 24.4)),
]


@dataclass
class Cast:
    cells: dict[str, Cell]
    department: Department
    users: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)

    def cell(self, code: str) -> Cell:
        return Cell.objects.get(code=code)

    @property
    def county(self) -> Cell:
        return self.cells["450901"]

    @property
    def township(self) -> Cell:
        return self.cells["450901100"]

    @property
    def village(self) -> Cell:
        return self.cells["450901100201"]

    @property
    def other_county(self) -> Cell:
        return self.cells["450902"]

    @property
    def other_village(self) -> Cell:
        return self.cells["450902100201"]


def build_cast() -> Cast:
    rows = []
    for code, name, kind, parent, bounds in GRID:
        shape = box(*bounds)
        rows.append(
            CellRow(
                code,
                name,
                kind,
                parent,
                {
                    "boundary": mapping(shape),
                    "centre_lon": shape.centroid.x,
                    "centre_lat": shape.centroid.y,
                    "population": 1000,
                    "risks": "山洪\n地质灾害",
                },
            )
        )
    ids = actions.create_cells(None, rows, source="test-cast")
    cells = {c.code: c for c in Cell.objects.filter(pk__in=ids.values())}
    department = actions.create_department(
        None,
        cell=cells["450901"],
        code="YJGLJ",
        name="A县应急管理局",
        domains=list(Domain.objects.filter(code__in=["industry_trade", "hazardous_chemicals"])),
        is_emergency_office=True,
    )
    cast = Cast(cells=cells, department=department)
    for username, code, role, dept in [
        ("county", "450901", Role.DISPATCHER, None),
        ("township", "450901100", Role.DISPATCHER, None),
        ("village", "450901100201", Role.MEMBER, None),
        ("department", "450901", Role.MEMBER, department),
        ("outsider", "450902", Role.DISPATCHER, None),
    ]:
        person = appoint(cells[code], role, name=f"{username}人", department=dept)
        cast.people[username] = person
        cast.users[username] = create_login(None, person, username=username, password=PASSWORD)
        person.refresh_from_db()
    cast.users["admin"] = get_user_model().objects.create_superuser("admin", password=PASSWORD)
    return cast


_phone_counter = [13800000000]


def appoint(
    cell: Cell,
    role: str,
    *,
    name: str = "张三",
    department=None,
    duties=(),
    actor=None,
    start=START,
    end=None,
) -> Person:
    """A new person appointed to ``role`` in ``cell`` (through the actions)."""
    _phone_counter[0] += 1
    person = actions.create_person(actor, name=name, phone=str(_phone_counter[0]), cell=cell)
    actions.assign_role(
        actor,
        person=person,
        cell=cell,
        role=role,
        department=department,
        duties=duties,
        start=start,
        end=end,
        notify=False,
    )
    return person


def area_rule_modules() -> list:
    """The access rules of each area: ``qianshao/<app>/tests/access_rules*.py``.

    Each may define PAGE_RULES and API_RULES (merged into the tables of
    ``grid/tests/test_urls_have_access_rules.py``), ``outsider_pages(cast)`` and
    ``outsider_api(cast)`` (merged into the outsider tests' requests), and ``state()`` (a
    snapshot that the outsider's requests must leave unchanged).
    """
    import importlib
    import pkgutil

    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("qianshao."):
            continue
        try:
            package = importlib.import_module(f"{config.name}.tests")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("access_rules"):
                modules.append(importlib.import_module(f"{package.__name__}.{info.name}"))
    return modules


NEXT_LINK = re.compile(r'href="\?([^"]*)" data-testid="next"')


def next_page(html: str) -> dict | None:
    """The query of a page's 下一页 link (``_pages.html``), or None on the last page."""
    found = NEXT_LINK.search(html)
    return dict(parse_qsl(html_text.unescape(found.group(1)))) if found else None


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(port: int) -> int:
    http = HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        http.request("GET", "/healthz")
        return http.getresponse().status
    finally:
        http.close()


class Run:
    """`qianshao run --no-demo` in ``tmp_path``: its own data dir, home and runtime dir, and
    none of this process's QIANSHAO_ settings or database (SQLite in its data dir);
    ``env_more`` adds to its environment (a database of its own, the settings of a deployment)."""

    def __init__(self, tmp_path: Path, env_more: dict[str, str] | None = None):
        self.data, self.home, self.xdg = (tmp_path / n for n in ("data", "home", "xdg"))
        for path in (self.home, self.xdg):
            path.mkdir()
        self.port, self.log = free_port(), tmp_path / "run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("QIANSHAO_")}
        env.pop("MALLOC_ARENA_MAX", None)  # the web server sets its own
        env.pop("DATABASE_URL", None)
        env |= {
            "QIANSHAO_DATA_DIR": str(self.data),
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.xdg),
            "PYTHONUNBUFFERED": "1",
        }
        self.env = env | (env_more or {})
        argv = [sys.executable, "-m", "qianshao", "run", "--no-demo", "--web-workers", "1"]
        with open(self.log, "wb") as sink:
            self.process = subprocess.Popen(
                [*argv, "--port", str(self.port)],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match:
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            found = re.search(pattern, self.text())
            if found:
                return found
            assert self.process.poll() is None, self.text()
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} in:\n{self.text()}")

    def wait_ready(self, timeout: float = 180) -> None:
        """Until /healthz answers: after the migrations of a fresh database (past a minute
        on a busy machine)."""
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            assert self.process.poll() is None, self.text()
            try:
                if healthz(self.port) == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"/healthz never answered:\n{self.text()}")

    def children(self) -> dict[str, int]:
        """The supervisor's live children by what they run: web (gunicorn), worker (huey)."""
        pid = self.process.pid
        found = {}
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if process_alive(int(child)):
                found["web" if b"gunicorn" in argv else "worker"] = int(child)
        return found

    def wait_for_children(self, timeout: float = 10, **not_these: int) -> dict[str, int]:
        """Both children, once neither is one of ``not_these`` (name=old pid)."""
        until = time.monotonic() + timeout
        while time.monotonic() < until:
            assert self.process.poll() is None, self.text()
            found = self.children()
            if len(found) == 2 and all(found[k] != v for k, v in not_these.items()):
                return found
            time.sleep(0.1)
        raise AssertionError(f"children {self.children()} after {timeout} s:\n{self.text()}")

    def kill_all(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def sqlite_statistics_at(table: str, known: dict[str, str], rows: int = 1_000_000) -> None:
    """ANALYZE, then the planner's statistics of ``table`` as ANALYZE writes them at
    ``rows`` rows (SQLite): ``known`` gives an index's (its ``sqlite_stat1`` line after
    the row count), every other full index reads as a column left NULL in every row (one
    value of ``rows`` rows); a partial index keeps its own, its rows being the few that
    hold a value. For tests of the plans a table of a million rows gets."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s", [table]
        )
        for name, sql in cursor.fetchall():
            if sql and " WHERE " in sql:
                continue
            cursor.execute("DELETE FROM sqlite_stat1 WHERE idx = %s", [name])
            stat = f"{rows} {known.get(name, rows)}"
            cursor.execute(
                "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (%s, %s, %s)", [table, name, stat]
            )
        cursor.execute("ANALYZE sqlite_schema")  # the planner reads the statistics again


def query_plan(sql: str) -> str:
    """SQLite's plan of ``sql`` (a statement as CaptureQueriesContext records it), its
    lines joined by " | "."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return " | ".join(row[-1] for row in cursor.fetchall())
