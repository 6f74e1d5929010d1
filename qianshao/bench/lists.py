"""`qianshao bench lists`: the hazards list at a million rows, as the county, a township and a
village see it, against the same list at a hundredth of the rows, in the same run.

1. The largest county of ``--root`` with its townships and villages (the divisions), and three
   logins: the county's head, a township's head and a village's head.
2. ``--rows`` / 100 hazards bulk-written over the county's villages, statuses, categories and a
   year of months (set-up, not measured); the timings below; then the rest of ``--rows``
   written and the timings again.
3. The timings, each the median of ``--repeat`` requests through the whole stack (middleware,
   session, scope) in-process: the first API page of 20 unfiltered (``GET /api/v1/hazards``,
   as the phone asks; the measured village holds 0.5 % of the hazards so that its pages are
   full at both sizes), the 500th page reached through the cursor (or the last full one,
   where there are fewer), a filtered page (status + category + month; the first
   ``FILTER_FOUND`` hazards written are the village's and match it, so that this page too
   is full at both sizes), and the hazards page's HTML (``GET /hazards/``).
4. ``growth``: the median at ``--rows`` over the median at a hundredth, per figure; and the
   query plans of the first page: no temporary B-tree (SQLite) or sort node (PostgreSQL), no
   scan of the whole table.
"""

import json
import random
import statistics
import time
from collections import Counter
from datetime import timedelta
from http.client import HTTPConnection
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from qianshao.bench import figures
from qianshao.bench.bulk import indexes_built_after
from qianshao.bench.hazards import GROWN_STATUSES
from qianshao.bench.timing import median_ms, settle
from qianshao.grid.importers.divisions import import_divisions, read_divisions
from qianshao.grid.models import BASE_KINDS, Cell, CellKind, Domain, Person, Role, RoleAssignment
from qianshao.hazards import tally
from qianshao.hazards.models import Grade, Hazard, Source, Status
from qianshao.lib.dbsql import bulk_cache, insert_rows

DEEP = 500  # the page reached through the cursor
LIMIT = 20  # rows of an API page, as the phone asks for them (the web pages show 30)
# The measured village's share of the hazards, so that its pages are full at a hundredth of
# the rows too (growth then compares the table's size, not how full a page is).
VILLAGE_SHARE = 0.005
# Hazards of the measured village that the filter finds, among the first written, so that the
# filtered pages are full at a hundredth of the rows too (at 10,000 rows the filter finds
# fewer than one of a township's hazards); at the full size they are a few among thousands.
FILTER_FOUND = 2 * LIMIT
CHUNK = 50_000
SET_UP_CACHE_MB = 1024  # SQLite's page cache while the hazards are written (set-up, not timed)
FILTER_STATUS = Status.RECTIFYING
FILTER_CATEGORY = "fire"
TARGETS = {"first_page_ms": 30, "deep_page_ms": 30, "filtered_page_ms": 30, "html_page_ms": 60}


def run(out, *, csv_dir: Path, root: str, villages: int, repeat: int, **options):
    rows = options.get("rows") or 1_000_000
    county_code = _largest_county(csv_dir, root)
    out.write(
        f"qianshao bench lists — the hazards list of county {county_code} at {rows:,} rows "
        f"and at {rows // 100:,}, on {connection.vendor}"
    )
    took = time.perf_counter()
    import_divisions(Path(csv_dir), county_code, villages)
    world = World(Cell.objects.get(code=county_code))
    out.write(
        f"  set-up: {len(world.villages):,} villages and communities in "
        f"{len(world.townships)} townships ({time.perf_counter() - took:.1f} s)"
    )
    small = _timed(out, world, rows // 100, repeat)
    large = _timed(out, world, rows - rows // 100, repeat)
    _report(out, small, large, rows)
    _memory(out, world, large)


def _largest_county(csv_dir: Path, root: str) -> str:
    found = read_divisions(Path(csv_dir), root, villages=True)
    kinds = {r.code: r for r in found}
    counted = Counter()
    for row in found:
        if row.kind not in BASE_KINDS:
            continue
        parent = kinds.get(row.parent_code)
        while parent is not None and parent.kind != CellKind.COUNTY:
            parent = kinds.get(parent.parent_code)
        if parent is not None:
            counted[parent.code] += 1
    if not counted:
        counties = [r.code for r in found if r.kind == CellKind.COUNTY]
        return counties[0] if counties else root
    return counted.most_common(1)[0][0]


class World:
    """The county, its cells, three logins and the hazards written so far."""

    def __init__(self, county: Cell):
        self.rng = random.Random(f"bench-lists-{county.code}")
        self.now = timezone.now()
        self.county = county
        cells = list(Cell.objects.subtree(county.path).order_by("path"))
        self.villages = [c for c in cells if c.kind in BASE_KINDS]
        self.townships = [c for c in cells if c.kind == CellKind.TOWNSHIP]
        self.domains = {d.code: d.pk for d in Domain.objects.all()}
        self.written = 0
        village = self.village = self.villages[len(self.villages) // 2]
        township = next(t for t in self.townships if village.path.startswith(t.path))
        self.users = {
            "county": _login("bench-county", county),
            "township": _login("bench-township", township),
            "village": _login("bench-village", village),
        }
        self.month = timezone.localtime(self.now - timedelta(days=180)).replace(
            day=1, hour=0, minute=0, second=0, microsecond=0
        )

    def grow(self, n: int) -> float:
        """``n`` more hazards, written directly (COPY or multi-row inserts)."""
        fields = [f for f in Hazard._meta.concrete_fields if not f.primary_key]
        names = [f.attname for f in fields]
        put = {name: k for k, name in enumerate(names)}
        fixed = {
            "description": "巡查发现隐患。",
            "source": Source.PATROL,
            "address": "",
            "stopped_on_spot": False,
            "measures": "",
            "contingency": "",
            "overdue": False,
            "supervision_level": 0,
        }
        template = [fixed.get(name) for name in names]
        start = time.perf_counter()
        with indexes_built_after(Hazard):
            self._write(n, template, put, fields)
        self.written += n
        with transaction.atomic(), bulk_cache(connection):
            tally.rebuild()
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        settle()
        return time.perf_counter() - start

    def _write(self, n: int, template: list, put: dict, fields: list) -> None:
        adapt = connection.ops.adapt_datetimefield_value
        rng, statuses = self.rng, list(GROWN_STATUSES)
        weights = list(GROWN_STATUSES.values())  # a year of a province's work
        domains = list(self.domains.values())
        for first in range(self.written, self.written + n, CHUNK):
            last = min(first + CHUNK, self.written + n)
            picked = rng.choices(statuses, weights, k=last - first)
            rows = []
            for i, status in zip(range(first, last), picked, strict=True):
                category = domains[rng.randrange(len(domains))]
                if rng.random() < VILLAGE_SHARE:
                    cell = self.village
                else:
                    cell = self.villages[rng.randrange(len(self.villages))]
                reported = self.now - timedelta(seconds=rng.randrange(365 * 86400))
                if i < FILTER_FOUND:
                    cell, status, category = (
                        self.village,
                        FILTER_STATUS,
                        self.domains[FILTER_CATEGORY],
                    )
                    reported = self.month + timedelta(seconds=rng.randrange(28 * 86400))
                at = adapt(reported)
                row = template.copy()
                row[put["number"]] = f"YH{i:012d}"
                row[put["title"]] = f"{cell.name}隐患{i}"
                row[put["category_id"]] = category
                row[put["grade"]] = Grade.MAJOR if rng.random() < 0.05 else Grade.GENERAL
                row[put["status"]] = status
                row[put["cell_id"]] = cell.pk
                row[put["cell_path"]] = cell.path
                row[put["found_at"]] = row[put["reported_at"]] = row[put["updated_at"]] = at
                if status == Status.CLOSED:
                    row[put["closed_at"]] = adapt(reported + timedelta(days=3))
                rows.append(row)
            # in time order within a chunk, as a county files them: the rows of a page of
            # the list lie near one another in the table, as they do in service
            rows.sort(key=lambda row: row[put["reported_at"]])
            with transaction.atomic(), bulk_cache(connection, SET_UP_CACHE_MB):
                insert_rows(connection, Hazard._meta.db_table, [f.column for f in fields], rows)


def _login(username: str, cell: Cell):
    user = get_user_model().objects.create(username=username, password=make_password(None))
    person = Person.objects.create(name=username, phone=f"1390000{len(username):04d}", user=user)
    RoleAssignment.objects.create(
        person=person, cell=cell, role=Role.HEAD, start=timezone.localdate() - timedelta(days=1)
    )
    return user


def _timed(out, world: World, n: int, repeat: int) -> dict:
    took = world.grow(n)
    out.write(f"  {world.written:,} hazards written ({took:.1f} s with the tallies)")
    filtered = (
        f"limit={LIMIT}&status={FILTER_STATUS}&category={FILTER_CATEGORY}&month={world.month:%Y-%m}"
    )
    result = {}
    api = f"/api/v1/hazards?limit={LIMIT}"
    for role, user in world.users.items():
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        first = _get(client, api)
        # the 500th page, or the last full one where there are fewer (a full page at both
        # sizes, as the filtered one)
        deep_url, depth = _walk(client, api, min(DEEP, max(1, first["count"] // LIMIT)))
        numbers = [h["number"] for h in first["items"]]
        found = len(_get(client, f"/api/v1/hazards?{filtered}")["items"])
        figures_ = {
            "first_page_ms": median_ms(lambda c=client: _get(c, api), repeat),
            "deep_page_ms": median_ms(lambda c=client, u=deep_url: _get(c, u), repeat),
            "filtered_page_ms": median_ms(
                lambda c=client: _get(c, f"/api/v1/hazards?{filtered}"), repeat
            ),
            "html_page_ms": median_ms(lambda c=client: _get(c, "/hazards/", json_=False), repeat),
        }
        plans = _plans(client, api)
        result[role] = {
            "figures": figures_,
            "count": first["count"],
            "capped": first["count_capped"],
            "depth": depth,
            "plans": plans,
            "deep_url": deep_url,
            "numbers": numbers,
        }
        line = "  ".join(f"{k.removesuffix('_ms')} {v:6.1f} ms" for k, v in figures_.items())
        shown = f"{first['count']:,}{'+' if first['count_capped'] else ''}"
        out.write(f"    {role:9s} ({shown} rows, deep = page {depth}, {found} filtered): {line}")
    return result


def _get(client, url: str, json_: bool = True):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
    return json.loads(response.content) if json_ else response.content


def _walk(client, url: str, pages: int) -> tuple[str, int]:
    """The URL of page ``pages`` reached by following ``next`` (or of the last page)."""
    depth, current = 1, url
    while depth < pages:
        found = _get(client, current)["next"]
        if found is None:
            break
        current, depth = found, depth + 1
    return current, depth


def _plans(client, url: str) -> list[str]:
    """The query plans of the hazards SELECTs of one first page."""
    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    table = Hazard._meta.db_table
    plans = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if f'FROM "{table}"' not in sql or "LIMIT" not in sql:
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                plans.append("\n".join(row[-1] for row in cursor.fetchall()))
            else:
                cursor.execute(f"EXPLAIN {sql}")
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def _plan_is_clean(plan: str) -> bool:
    table = Hazard._meta.db_table
    if connection.vendor == "sqlite":
        whole = f"SCAN {table}\n" in plan + "\n" or plan.rstrip().endswith(f"SCAN {table}")
        return "TEMP B-TREE" not in plan and not whole
    return "Sort" not in plan and f"Seq Scan on {table}" not in plan


def _report(out, small: dict, large: dict, rows: int) -> None:
    out.write(f"  growth, the median at {rows:,} over the median at {rows // 100:,}:")
    worst: dict[str, float] = {}
    ok = True
    for role in large:
        growth = {
            k: large[role]["figures"][k] / max(small[role]["figures"][k], 1e-6)
            for k in large[role]["figures"]
        }
        out.write(
            f"    {role:9s} "
            + "  ".join(f"{k.removesuffix('_ms')} {v:4.2f}x" for k, v in growth.items())
        )
        for k, v in large[role]["figures"].items():
            worst[k] = max(worst.get(k, 0), v)
        worst["growth"] = max(worst.get("growth", 0), *growth.values())
        clean = all(_plan_is_clean(p) for p in large[role]["plans"])
        ok &= clean
        out.write(f"    {role:9s} first-page plans without a sort or a whole-table scan: {clean}")
        if not clean:
            for plan in large[role]["plans"]:
                out.write("      " + plan.replace("\n", "\n      "))
    for name, target in TARGETS.items():
        out.write(
            f"  worst {name}: {worst[name]:.1f} ms (target <= {target} ms): {worst[name] <= target}"
        )
    out.write(f"  worst growth: {worst['growth']:.2f} (target <= 2): {worst['growth'] <= 2}")
    for name, value in worst.items():
        figures.record(name, round(value, 2))
    figures.record("plans_clean", ok)


# --- a web worker's memory ------------------------------------------------------------------

READS = 1_000
MEMORY_TARGET_MB = 150


def _memory(out, world: World, large: dict) -> None:
    """One web worker of the real server (gunicorn, as `qianshao run` starts it, with one
    worker) over the million hazards: its resident memory once warm, and after ``READS``
    mixed reads by the three users — first, deep and filtered API pages, the hazards page
    and single hazards."""
    from qianshao.bench.http import _free_port, _start_server, _stop, _wait_ready

    urls = _reads(world, large)
    port, log = _free_port(), settings.DATA_DIR / "bench-lists-server.log"
    connection.close()  # the server reads from here on
    server = _start_server(port, log, workers=1)
    try:
        _wait_ready(port, server, log)
        worker = _worker_of(server.pid)
        http = HTTPConnection("127.0.0.1", port, timeout=60)
        for url, headers in urls[: len(urls) // 10]:  # warm: every kind of read once
            _fetch(http, url, headers)
        warm = _rss_mb(worker)
        took: dict[str, list[float]] = {}
        for i in range(READS):
            url, headers = urls[i % len(urls)]
            started = time.perf_counter()
            _fetch(http, url, headers)
            took.setdefault(url, []).append((time.perf_counter() - started) * 1000)
        after = _rss_mb(worker)
        http.close()
    finally:
        _stop(server)
    out.write(
        f"  one web worker's memory: {warm:.0f} MB warm, {after:.0f} MB after {READS:,} mixed "
        f"list and detail reads (target <= {MEMORY_TARGET_MB} MB): {after <= MEMORY_TARGET_MB}"
    )
    # a read that walks what it should not (a page at the scale of the table) shows here
    slowest, url = max((statistics.median(ms), url) for url, ms in took.items())
    out.write(f"  the slowest of those reads: {url} at {slowest:.1f} ms (median of its own)")
    figures.record("slowest_read_ms", round(slowest, 1))
    figures.record("rss_warm_mb", round(warm, 1))
    figures.record("rss_mb", round(after, 1))


def _reads(world: World, large: dict) -> list[tuple[str, dict]]:
    """The reads, round-robin over the users: (URL, headers) with the user's token or
    session."""
    from qianshao.accounts.actions import issue_token

    reads = []
    month = f"{world.month:%Y-%m}"
    for role, user in world.users.items():
        api = {"Authorization": f"Bearer {issue_token(user, name='bench lists')[0]}"}
        page = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={_session(user)}"}
        deep = large[role]["deep_url"].removeprefix("http://localhost")
        numbers = large[role]["numbers"]
        reads += [
            (f"/api/v1/hazards?limit={LIMIT}", api),
            (deep, api),
            (
                f"/api/v1/hazards?limit={LIMIT}&status={FILTER_STATUS}&category={FILTER_CATEGORY}"
                f"&month={month}",
                api,
            ),
            ("/hazards/", page),
            *[(f"/api/v1/hazards/{n}", api) for n in numbers[:4]],
            *[(f"/hazards/{n}/", page) for n in numbers[4:6]],
        ]
    return reads


def _session(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "qianshao.accounts.backends.UsernameOrPhoneBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _fetch(http: HTTPConnection, url: str, headers: dict) -> None:
    http.request("GET", url, headers={"Host": "localhost", **headers})
    response = http.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{url}: {response.status} {body[:300]!r}")


def _worker_of(master: int, timeout: float = 30) -> int:
    """The pid of the gunicorn master's one worker."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("the server started no worker")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
