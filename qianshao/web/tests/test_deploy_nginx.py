"""The deployment of docs/deploy.md, end to end: Debian's nginx, configured by the shipped
site template (deploy/nginx-qianshao.conf, only its ports, paths and certificate filled in)
with a self-signed certificate, in front of `qianshao run --no-demo` on loopback with
production settings (an https base address, secure cookies, the proxy trusted).

A client connecting from 127.0.0.2 — nginx reaches the platform from 127.0.0.1 — is sent
from http:// to https://, logs in over HTTPS (the session cookie Secure and HttpOnly), reports
a hazard with a photo of exactly the largest allowed size and sees it through the platform's
scoped photo view, while the media directory is no URL; a photo one byte larger is refused
by the platform naming it, and a body past nginx's limit is answered 413 by nginx. The
address the platform recorded for a failed login is the client's, 127.0.0.2, though the
client also sent an X-Forwarded-For of its own.

Starts real processes (marked ``processes``): `qianshao run` with its own data dir (and, on
PostgreSQL, a database of its own) and nginx, both ended by the fixtures.
"""

import html
import io
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPSConnection
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from qianshao.bench.management.commands.bench import _temporary_postgres
from qianshao.lib.photos import MAX_PHOTOS
from qianshao.testing import PASSWORD, Run, free_port

pytestmark = pytest.mark.processes

TEMPLATE = settings.BASE_DIR.parent / "deploy" / "nginx-qianshao.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CLIENT = "127.0.0.2"  # the whole of 127/8 is loopback: a client that is not nginx
UPLOAD_MAX_MB = 2
MB = 1024 * 1024


@pytest.fixture
def database():
    """The server's database: SQLite in its data dir, or a PostgreSQL database of its own
    when the suite runs on PostgreSQL."""
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        yield {}
        return
    url, drop = _temporary_postgres(settings.DATABASE_URL)
    try:
        yield {"DATABASE_URL": url}
    finally:
        drop()


@dataclass
class Site:
    run: Run
    http_port: int
    https_port: int
    cert: Path
    template: str


@pytest.fixture
def site(tmp_path, database):
    http_port, https_port = free_port(), free_port()
    while https_port == http_port:
        https_port = free_port()
    origin = f"https://localhost:{https_port}"
    (tmp_path / "platform").mkdir()
    run = Run(
        tmp_path / "platform",
        database
        | {
            "QIANSHAO_DEBUG": "0",
            "QIANSHAO_BASE_URL": origin,
            # as deploy/qianshao.env.example: the site, and loopback for a local monitor
            "QIANSHAO_ALLOWED_HOSTS": "localhost,127.0.0.1",
            # nginx passes Host without the port: this test's port is not 443
            "QIANSHAO_CSRF_TRUSTED_ORIGINS": origin,
            "QIANSHAO_TRUSTED_PROXIES": "127.0.0.1",
            "QIANSHAO_UPLOAD_MAX_MB": str(UPLOAD_MAX_MB),
        },
    )
    nginx = None
    try:
        run.wait_ready(timeout=300)
        shell(run, "from qianshao.testing import build_cast; build_cast()")
        cert, key = certificate(tmp_path)
        template = TEMPLATE.read_text()
        nginx = start_nginx(
            tmp_path / "nginx",
            template,
            {
                "server_name": "localhost",
                "http_port": str(http_port),
                "https_port": str(https_port),
                "ssl_certificate": str(cert),
                "ssl_certificate_key": str(key),
                "data_dir": str(run.data),
                "upstream": f"127.0.0.1:{run.port}",
                "log_dir": str(tmp_path / "nginx"),
            },
            https_port,
        )
        yield Site(run, http_port, https_port, cert, template)
    finally:
        if nginx is not None and nginx.poll() is None:
            nginx.send_signal(signal.SIGTERM)
            try:
                nginx.wait(timeout=15)
            except subprocess.TimeoutExpired:
                nginx.kill()
                nginx.wait()
        run.kill_all()


def shell(run: Run, code: str) -> str:
    """``code`` run by `qianshao shell` against the server's own data dir and database."""
    argv = [sys.executable, "-m", "qianshao", "shell", "--no-imports", "-c", code]
    done = subprocess.run(argv, env=run.env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    argv = ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    argv += ["-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"]
    argv += ["-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
    subprocess.run(argv, check=True, capture_output=True, timeout=60)
    return cert, key


def render(template: str, values: dict[str, str]) -> str:
    """The shipped template with its {{ placeholders }} filled in, every one of them."""
    rendered = re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], template)
    assert "{{" not in rendered
    return rendered


def start_nginx(prefix: Path, template: str, values: dict, port: int) -> subprocess.Popen:
    """nginx as the current user (root in CI), the rendered site included in a main
    configuration of this test's own, as Debian's nginx.conf includes sites-enabled."""
    prefix.mkdir()
    (prefix / "qianshao.conf").write_text(render(template, values))
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # a root master's workers would run as nobody, who cannot read this test's directories
    user = "user root root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 1;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "    include /etc/nginx/mime.types;\n"
        "    default_type application/octet-stream;\n"
        f"{temp}\n"
        f"    include {prefix / 'qianshao.conf'};\n"
        "}\n"
    )
    error_log = prefix / "error.log"
    argv = [NGINX, "-p", str(prefix), "-e", str(error_log), "-c", str(prefix / "nginx.conf")]
    argv += ["-g", f"daemon off; pid {prefix / 'nginx.pid'}; error_log {error_log};"]
    nginx = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    until = time.monotonic() + 30
    while time.monotonic() < until:
        if nginx.poll() is not None:
            raise AssertionError(f"nginx exited with {nginx.returncode}:\n{_read(error_log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return nginx
        except OSError:
            time.sleep(0.1)
    nginx.kill()
    raise AssertionError(f"nginx did not listen on {port}:\n{_read(error_log)}")


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class Answer:
    status: int
    headers: object
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


class Browser:
    """Requests to nginx from 127.0.0.2, keeping the cookies it is given as a browser does;
    the certificate is checked against the test's own."""

    def __init__(self, site: Site):
        self.site = site
        self.context = ssl.create_default_context(cafile=str(site.cert))
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[SimpleCookie] = []

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.site.https_port}"

    def connect(self, *, https: bool = True) -> HTTPConnection:
        source = (CLIENT, 0)
        if https:
            return HTTPSConnection(
                "127.0.0.1",
                self.site.https_port,
                context=self.context,
                source_address=source,
                timeout=60,
            )
        return HTTPConnection("127.0.0.1", self.site.http_port, source_address=source, timeout=60)

    def request(self, method, path, body=None, headers=None, *, https=True) -> Answer:
        port = self.site.https_port if https else self.site.http_port
        sent = {"Host": f"localhost:{port}"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent |= {"Origin": self.origin, "Referer": f"{self.origin}{path}"}
        connection = self.connect(https=https)
        try:
            connection.request(method, path, body, sent | (headers or {}))
            answer = connection.getresponse()
            found = Answer(answer.status, answer.headers, answer.read())
        finally:
            connection.close()
        for header in found.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            self.set_cookies.append(cookie)
            self.cookies |= {name: morsel.value for name, morsel in cookie.items()}
        return found

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post_form(self, path, fields: dict, headers=None) -> Answer:
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.request("POST", path, urlencode(fields), content | (headers or {}))

    def post_multipart(self, path, fields: dict) -> Answer:
        body = encode_multipart(BOUNDARY, fields)
        return self.request("POST", path, body, {"Content-Type": MULTIPART_CONTENT})

    def csrf_token(self, page: Answer) -> str:
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert found, page.text
        return html.unescape(found.group(1))

    def cookie(self, name: str):
        """The last Set-Cookie of ``name``, as a morsel with its attributes."""
        return [c[name] for c in self.set_cookies if name in c][-1]


def padded_jpeg(size: int) -> bytes:
    """A valid JPEG of exactly ``size`` bytes: a small photo with comment segments (COM,
    at most 65,535 bytes each) after its start-of-image marker."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (170, 90, 40)).save(out, "JPEG", quality=85)
    photo = out.getvalue()
    need, segments = size - len(photo), []
    while need > 0:
        take = min(need, 4 + 65533)
        if 0 < need - take < 4:  # leave a last segment room for its marker and length
            take -= 4
        segments.append(b"\xff\xfe" + (take - 2).to_bytes(2, "big") + b"q" * (take - 4))
        need -= take
    padded = photo[:2] + b"".join(segments) + photo[2:]
    assert len(padded) == size
    return padded


def report(browser: Browser, photo: bytes) -> Answer:
    page = browser.get("/m/report/")
    assert page.status == 200, page.text
    fields = {
        "csrfmiddlewaretoken": browser.csrf_token(page),
        "title": "厂房消防通道堵塞",
        "description": "通道堆放纸箱",
        "category": "industry_trade",
        "grade": "general",
        "cell": "450901100201",
        "client_uuid": str(uuid.uuid4()),
        "photos": SimpleUploadedFile("site.jpg", photo, content_type="image/jpeg"),
    }
    return browser.post_multipart("/m/report/", fields)


def test_behind_nginx_over_https_the_platform_sees_the_client(site):
    browser = Browser(site)

    # http:// is sent to https://
    plain = browser.get("/login/?next=/m/report/", https=False)
    assert plain.status == 301
    assert plain.headers["Location"] == "https://localhost/login/?next=/m/report/"

    # a failed login, with an X-Forwarded-For of the client's own: nginx overwrites it
    login = browser.get("/login/")
    assert login.status == 200 and login.headers["Server"].startswith("nginx")
    token = browser.csrf_token(login)
    assert browser.cookie("csrftoken")["secure"]
    wrong = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong-password"}
    failed = browser.post_form("/login/", wrong, {"X-Forwarded-For": "203.0.113.9"})
    assert failed.status == 200, failed.text

    # logged in over HTTPS: the session cookie is Secure and HttpOnly, HSTS is sent
    right = {"csrfmiddlewaretoken": token, "username": "village", "password": PASSWORD}
    logged_in = browser.post_form("/login/", right)
    assert logged_in.status == 302, logged_in.text
    session = browser.cookie("sessionid")
    assert session["secure"] and session["httponly"]
    assert logged_in.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    # a hazard with a photo of exactly the largest allowed size
    largest = UPLOAD_MAX_MB * MB
    filed = report(browser, padded_jpeg(largest))
    assert filed.status == 302, filed.text
    number = re.fullmatch(r"/hazards/(\w+)/", filed.headers["Location"]).group(1)
    hazard = browser.get(f"/api/v1/hazards/{number}")
    assert hazard.status == 200, hazard.text
    [photo] = json.loads(hazard.body)["photos"]
    shown = browser.get(photo["url"])
    assert shown.status == 200 and shown.headers["Content-Type"] == "image/jpeg"
    assert shown.headers["Cache-Control"].startswith("private")
    Image.open(io.BytesIO(shown.body)).verify()

    # the uploads are never a URL: only the scoped view above serves them
    stored = next(p for p in (site.run.data / "media").rglob("*") if p.is_file())
    exposed = browser.get(f"/media/{stored.relative_to(site.run.data / 'media')}")
    assert exposed.status == 404 and exposed.body != stored.read_bytes()

    # the static files come from the data dir through nginx: a file collected there after
    # the platform started (which it does not know of) is served
    (site.run.data / "static" / "deploy-probe.txt").write_text("static from nginx")
    probe = browser.get("/static/deploy-probe.txt")
    assert (probe.status, probe.text) == (200, "static from nginx")
    assert probe.headers["X-Content-Type-Options"] == "nosniff"
    assert browser.get("/static/dist/app.js").status == 200

    # one byte over the limit: the platform refuses the photo by name (no 500)
    over = report(browser, padded_jpeg(largest + 1))
    assert over.status == 400, over.text
    assert f"超过 {UPLOAD_MAX_MB} MB" in over.text

    # a body past nginx's own limit: 413 from nginx before the platform is asked
    limit = int(re.search(r"client_max_body_size (\d+)m;", site.template).group(1)) * MB
    assert limit == (MAX_PHOTOS * 10 + 1) * MB  # 9 photos at the default limit, the form
    connection = browser.connect()
    try:
        connection.putrequest("POST", "/m/report/", skip_host=True)
        connection.putheader("Host", f"localhost:{site.https_port}")
        connection.putheader("Content-Type", MULTIPART_CONTENT)
        connection.putheader("Content-Length", str(limit + 1))
        connection.endheaders()
        refused = connection.getresponse()
        assert refused.status == 413
    finally:
        connection.close()

    # the address the platform saw: the client's, not nginx's, nor the one it made up
    seen = shell(
        site.run,
        "from axes.models import AccessAttempt;"
        " print(list(AccessAttempt.objects.values_list('ip_address', flat=True)))",
    )
    assert seen.strip() == str([CLIENT]), seen
