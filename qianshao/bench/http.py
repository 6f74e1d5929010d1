"""`qianshao bench http`: sustained POST /api/v1/hazards from concurrent clients against the
real server — gunicorn, started as `qianshao run` starts it — on a free loopback port, for a
bounded time, in the fresh temporary database of `qianshao bench` holding the demo county.

Each client holds a bearer token of a demo user and reports hazards in that user's scope,
half as JSON with a base64 photo naming the cell, half as multipart/form-data with a photo
file and a point (the cell found by point-in-polygon) — or, with ``--body json``, all as
JSON without a photo naming the cell — each with a new client_uuid; one
request in ten (the 3rd, 13th, …) resends the previous report instead, which must answer 200
with the same number. Every response is checked, and afterwards the database must hold
exactly one hazard per new report. The baseline is the same clients on GET /healthz,
measured in the same run. Prints requests per second and p50/p99 latency of both and their
ratio; fails (non-zero exit) on any error.
"""

import io
import json
import math
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from base64 import b64encode
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

from qianshao.bench import figures

USERS = ["village", "township", "county", "department"]
RESEND_EVERY = 10


@dataclass
class Seen:
    """What one client saw: latencies of the timed requests, and every error."""

    latencies: list[float] = field(default_factory=list)
    created: int = 0
    resent: int = 0
    errors: list[str] = field(default_factory=list)


def run(out, *, seconds: float = 20, clients: int = 8, body: str = "photos", **_):
    if seconds <= 0 or clients <= 0:
        raise CommandError("--seconds and --clients must be positive")
    figures.name(f"http-{body}")
    out.write(
        f"qianshao bench http — {clients} clients for {seconds:g} s, "
        f"{'JSON reports' if body == 'json' else 'reports with a photo'}, on {connection.vendor}"
    )
    port, log = _free_port(), settings.DATA_DIR / "bench-http-server.log"
    server = _start_server(port, log)  # it boots while the demo county is built
    reporters = []
    try:
        reporters = _reporters(out, clients, photos=body == "photos")
        _wait_ready(port, server, log)
        for reporter in reporters:  # warm every worker's imports and caches, untimed
            reporter.connect(port)
            reporter.warm()
        base, base_took = _load(reporters, max(1.0, seconds / 4), lambda r, s: r.healthz(s))
        load, took = _load(reporters, seconds, lambda r, s: r.report(s))
    finally:
        for reporter in reporters:
            reporter.close()
        _stop(server)
    _print(out, base, base_took, load, took)
    problems = [e for t in [*base, *load] for e in t.errors] + _check_database(load)
    figures.record("errors", len(problems))
    for problem in problems[:20]:
        out.write(f"  ERROR {problem}")
    if problems:
        raise CommandError(f"bench http: {len(problems)} errors")


def _reporters(out, clients: int, *, photos: bool) -> list["_Reporter"]:
    """The demo county, and one reporter per client with a demo user's token and places."""
    from qianshao import demo

    built = time.perf_counter()
    demo.build_grid()
    out.write(f"  demo county built in {time.perf_counter() - built:.1f} s")
    users = [USERS[i % len(USERS)] for i in range(clients)]
    places, tokens, photo = _places(set(users)), _tokens(set(users)), _photo()
    connection.close()  # the server's processes write from here on
    return [
        _Reporter(tokens[u], places[u], photo if photos else None, i) for i, u in enumerate(users)
    ]


# --- the clients ------------------------------------------------------------------------


class _Reporter:
    """One client: a connection of its own, a token, and the places it may report from."""

    def __init__(self, token: str, places: list, photo: bytes, seed: int):
        self.token, self.places, self.photo = token, places, photo
        self.random = random.Random(seed)
        self.previous: tuple[str, bytes, str] | None = None
        self.sent = 0
        self.http: HTTPConnection | None = None

    def connect(self, port: int) -> None:
        self.http = HTTPConnection("127.0.0.1", port, timeout=60)

    def close(self) -> None:
        if self.http is not None:
            self.http.close()

    def warm(self) -> None:
        seen = Seen()
        self.healthz(seen)
        self.report(seen)
        if seen.errors:
            raise CommandError(f"warm-up failed: {seen.errors[0]}")
        self.previous = None

    def healthz(self, seen: Seen) -> None:
        status, body = self._send("GET", "/healthz", b"", "text/plain", seen)
        if status != 200 or body != b"ok":
            seen.errors.append(f"GET /healthz → {status} {body[:200]!r}")

    def report(self, seen: Seen) -> None:
        self.sent += 1
        if self.previous is not None and self.sent % RESEND_EVERY == 3:
            kind, body, number = self.previous
            status, answer = self._send("POST", "/api/v1/hazards", body, kind, seen)
            if status != 200 or _number(answer) != number:
                seen.errors.append(f"resend → {status} {answer[:300]!r}, expected 200 {number}")
            seen.resent += 1
            return
        kind, body = self._body(uuid.uuid4())
        status, answer = self._send("POST", "/api/v1/hazards", body, kind, seen)
        number = _number(answer)
        if status != 201 or number is None:
            seen.errors.append(f"POST /api/v1/hazards → {status} {answer[:300]!r}")
            return
        seen.created += 1
        self.previous = (kind, body, number)

    def _body(self, client_uuid: uuid.UUID) -> tuple[str, bytes]:
        code, lon, lat = self.random.choice(self.places)
        fields = {
            "client_uuid": str(client_uuid),
            "title": "压测隐患：消防通道堵塞",
            "description": "通道堆放杂物，影响疏散。",
            "category": self.random.choice(["fire", "industry_trade", "gas", "rural_houses"]),
            "grade": "general",
            "address": "压测地址",
        }
        if self.photo is None:  # --body json: a JSON report without a photo
            fields |= {"cell": code}
            return "application/json", json.dumps(fields).encode()
        if self.sent % 2:
            fields |= {"cell": code, "photos": [{"name": "a.jpg", "data": _b64(self.photo)}]}
            return "application/json", json.dumps(fields).encode()
        fields |= {"lon": str(lon), "lat": str(lat)}
        return _multipart(fields, [("a.jpg", self.photo)])

    def _send(self, method, url, body, kind, seen) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": kind}
        start = time.perf_counter()
        try:
            self.http.request(method, url, body=body or None, headers=headers)
            response = self.http.getresponse()
            answer = response.read()
        except OSError as exc:
            self.http.close()
            seen.errors.append(f"{method} {url}: {exc!r}")
            return 0, b""
        seen.latencies.append(time.perf_counter() - start)
        return response.status, answer


def _load(reporters: list[_Reporter], seconds: float, request) -> tuple[list[Seen], float]:
    """Every client sends ``request`` back to back until the time is up; what each saw, and
    the seconds until the last answer came."""
    seen = [Seen() for _ in reporters]
    start = threading.Barrier(len(reporters) + 1)
    deadline = [0.0]

    def client(reporter, mine):
        reporter.close()  # a fresh connection, kept alive for the whole phase
        start.wait()
        while time.perf_counter() < deadline[0]:
            request(reporter, mine)

    pairs = zip(reporters, seen, strict=True)
    threads = [threading.Thread(target=client, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return seen, time.perf_counter() - began


# --- the figures ------------------------------------------------------------------------


def _figures(seen: list[Seen], seconds: float) -> tuple[int, float, float, float]:
    latencies = sorted(x for t in seen for x in t.latencies)
    if not latencies:
        return 0, 0.0, 0.0, 0.0
    return (
        len(latencies),
        len(latencies) / seconds,
        _percentile(latencies, 50) * 1000,
        _percentile(latencies, 99) * 1000,
    )


def _percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank percentile of sorted ``ordered``."""
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _print(out, base, base_seconds, load, seconds) -> None:
    n0, rate0, p50_0, p99_0 = _figures(base, base_seconds)
    n, rate, p50, p99 = _figures(load, seconds)
    created = sum(t.created for t in load)
    resent = sum(t.resent for t in load)
    errors = sum(len(t.errors) for t in [*base, *load])
    out.write(
        f"  baseline GET /healthz: {n0:,} requests in {base_seconds:.1f} s = {rate0:,.0f} req/s;"
        f" p50 {p50_0:.1f} ms, p99 {p99_0:.1f} ms"
    )
    out.write(
        f"  POST /api/v1/hazards: {n:,} requests in {seconds:.1f} s = {rate:,.1f} req/s;"
        f" p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        f"  ({created:,} hazards filed, {resent:,} resends answered 200)"
    )
    figures.record("req_per_s", round(rate, 1))
    figures.record("p50_ms", round(p50, 1))
    figures.record("p99_ms", round(p99, 1))
    if rate0 and p50_0:
        out.write(
            f"  ratio to baseline: throughput {rate / rate0:.3f}x ({rate0 / max(rate, 1e-9):.0f}x"
            f" fewer), p99 latency {p99 / p99_0:.0f}x"
        )
    out.write(f"  errors: {errors}")
    figures.record("errors", errors)


def _check_database(load: list[Seen]) -> list[str]:
    """Exactly one hazard per new report: the resends made none."""
    from qianshao.hazards.models import Hazard

    connection.close()
    made = Hazard.objects.filter(address="压测地址").count()
    expected = sum(t.created for t in load) + len(load)  # and one warm-up report each
    if made != expected:
        return [f"{made} hazards in the database, expected {expected}"]
    return []


# --- setting up -------------------------------------------------------------------------


def _places(users: set[str]) -> dict[str, list[tuple[str, float, float]]]:
    """Per demo user: the villages in their scope, each as (code, lon, lat inside it)."""
    from django.contrib.auth import get_user_model
    from shapely.geometry import shape

    from qianshao.grid.models import Cell, CellKind
    from qianshao.grid.scope import restrict
    from qianshao.hazards.locate import locate

    places = {}
    for username in users:
        user = get_user_model().objects.get(username=username)
        cells = restrict(Cell.objects.filter(kind=CellKind.VILLAGE), user).exclude(boundary=None)
        found = []
        for cell in cells.order_by("code")[:200]:
            point = shape(cell.boundary).representative_point()
            if locate(point.x, point.y, [cell]) is not None:
                found.append((cell.code, round(point.x, 6), round(point.y, 6)))
        if not found:
            raise CommandError(f"demo user {username} has no village with a boundary")
        places[username] = found
    return places


def _photo() -> bytes:
    """A phone-like small photo (640×480, some texture so that JPEG has work to do)."""
    from PIL import Image

    rng = random.Random(7)
    image = Image.new("RGB", (640, 480), (120, 130, 110))
    pixels = image.load()
    for _ in range(20000):
        x, y = rng.randrange(640), rng.randrange(480)
        pixels[x, y] = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int, log: Path, workers: int | None = None) -> subprocess.Popen:
    """gunicorn as `qianshao run` starts it (gthread workers, its numbers of workers and
    threads), on loopback."""
    from qianshao.web.management.commands.run import web_env, web_threads, web_workers

    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "qianshao.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers or web_workers()),
        "--threads",
        str(web_threads()),
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
        "--no-control-socket",  # nothing here steers it at run time
    ]
    with open(log, "wb") as sink:
        return subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=web_env())


def _wait_ready(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if server.poll() is not None:
            raise CommandError(f"the server exited with {server.returncode}:\n{_tail(log)}")
        try:
            http = HTTPConnection("127.0.0.1", port, timeout=5)
            http.request("GET", "/healthz")
            if http.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise CommandError(f"the server did not answer within {timeout:g} s:\n{_tail(log)}")


def _tokens(users: set[str]) -> dict[str, str]:
    """Bearer tokens through the action that POST /api/v1/auth/token uses (password hashing
    is not what this measures)."""
    from django.contrib.auth import get_user_model

    from qianshao.accounts.actions import issue_token

    found = get_user_model().objects.filter(username__in=users)
    return {user.username: issue_token(user, name="bench http")[0] for user in found}


def _stop(server: subprocess.Popen) -> None:
    """Quick shutdown (SIGQUIT): by now no request is in flight."""
    if server.poll() is None:
        server.send_signal(signal.SIGQUIT)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-2000:]
    except OSError:
        return ""


# --- small helpers ----------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return b64encode(data).decode()


def _number(answer: bytes) -> str | None:
    try:
        return json.loads(answer).get("number")
    except (ValueError, AttributeError):
        return None


def _multipart(fields: dict, files: list[tuple[str, bytes]]) -> tuple[str, bytes]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photos";'
            f' filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)
