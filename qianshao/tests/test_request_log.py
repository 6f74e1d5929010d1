"""One line per request with its id; the id on the answer, on the request's errors and on the
500 page; no secret of a one-tap link in the log; JSON lines when asked (lib/requestlog.py,
docs/adr/0031). The lines are read from the console handler settings.LOGGING configures."""

import io
import json
import logging
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

from qianshao import urls as project_urls
from qianshao.lib import requestlog
from qianshao.warnings import links


def _boom(request, **kwargs):
    raise RuntimeError("boom")


urlpatterns = [
    path("boom/", _boom),
    path("w/<str:token>/boom", _boom),  # a one-tap link's path that fails
    *project_urls.urlpatterns,
]
handler500 = project_urls.handler500


@pytest.fixture
def json_console(console):
    """The console handler with the JSON formatter of ``QIANSHAO_LOG_FORMAT=json``."""
    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    previous = handler.formatter
    handler.setFormatter(requestlog.JsonFormatter())
    try:
        yield console
    finally:
        handler.setFormatter(previous)


def request_lines(buffer: io.StringIO) -> list[str]:
    return [line for line in buffer.getvalue().splitlines() if " qianshao.request " in line]


def test_every_answer_carries_a_new_request_id(client, db):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert requestlog.SANE.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_incoming_id_is_kept(client, db):
    nginx = "6f1c0e2ab3d94e5f8a7b6c5d4e3f2a1b"  # $request_id: 32 hex digits
    assert client.get("/healthz", HTTP_X_REQUEST_ID=nginx)["X-Request-ID"] == nginx
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-20261206-0001")["X-Request-ID"] == (
        "lb-20261206-0001"
    )


@pytest.mark.parametrize(
    "incoming",
    [
        "short",
        "x" * 65,
        "has space in it",
        "id\nINFO forged line",
        "<script>1</script>",
        "编号12345678",
    ],
)
def test_an_insane_incoming_id_is_replaced(client, db, console, incoming):
    answer = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert answer["X-Request-ID"] != incoming
    assert requestlog.SANE.fullmatch(answer["X-Request-ID"])
    assert incoming not in console.getvalue()


def test_the_request_line(cast, client_for, console):
    client = client_for(cast.users["county"])
    answer = client.get(
        "/hazards/", {"status": "open"}, REMOTE_ADDR="203.0.113.9", HTTP_X_REQUEST_ID="req-00000001"
    )
    assert answer.status_code == 200
    [line] = request_lines(console)
    user = cast.users["county"].pk
    assert re.fullmatch(
        r"\S+ \S+ INFO req-00000001 qianshao.request GET /hazards/\?status= 200 [0-9]+ms "
        rf"client=203\.0\.113\.9 user={user} size={len(answer.content)}",
        line,
    ), line


def test_a_refusal_and_a_missing_page_are_one_line_each(client, db, console):
    client.post("/api/v1/hazards", {}, content_type="application/json")
    client.get("/no-such-page/")
    lines = request_lines(console)
    assert [line.split()[5:8] for line in lines] == [
        ["POST", "/api/v1/hazards", "401"],
        ["GET", "/no-such-page/", "404"],
    ]
    assert all("user=- " in line for line in lines)


def test_the_query_strings_values_are_not_logged(client, db, console):
    client.get("/no-such-page/", {"q": "13800001111", "name": "张三"})
    [line] = request_lines(console)
    assert "13800001111" not in line and "张三" not in line and "%E5" not in line
    assert "GET /no-such-page/?q=&name= 404" in line


def test_a_refused_query_string_still_has_its_line(client, db, console):
    """Too many fields: Django refuses to read the query at all (400); the line is written
    from the raw string, its keys cut short."""
    query = "&".join(f"k{i}=v" for i in range(1001))
    assert client.get(f"/healthz?{query}").status_code == 400
    [line] = request_lines(console)
    assert " GET /healthz?k0=&k1=&" in line and "&k19=&… 400 " in line and "k20" not in line


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_one_tap_links_token_is_not_in_the_log(client, cast, console):
    token = links.token_for(123456)
    secret = token.split("-", 1)[1]
    client.get(links.link_for(123456))  # the real link page: an unknown delivery
    client.get(f"/w/{token}?answer=safe")
    browser = Client(raise_request_exception=False)
    browser.force_login(cast.users["county"])
    assert browser.get(f"/w/{token}/boom").status_code == 500  # a failure on such a path
    log = console.getvalue()
    assert secret not in log and token not in log
    assert "GET /w/*** " in log
    assert "GET /w/***?answer= " in log
    assert "Internal Server Error: /w/***" in log  # Django's own error line, hidden too


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_is_logged_with_its_request_id_and_the_page_shows_it(cast, console):
    browser = Client(raise_request_exception=False)
    browser.force_login(cast.users["county"])
    answer = browser.get("/boom/", HTTP_X_REQUEST_ID="deadbeef-0001")
    assert answer.status_code == 500
    assert answer["X-Request-ID"] == "deadbeef-0001"
    page = answer.content.decode()
    assert "错误编号：deadbeef-0001" in page
    log = console.getvalue()
    error = log[log.index("ERROR deadbeef-0001 django.request Internal Server Error: /boom/") :]
    assert "Traceback" in error and 'RuntimeError("boom")' in error
    [line] = request_lines(console)
    assert "INFO deadbeef-0001 qianshao.request GET /boom/ 500 " in line


def test_the_500_page_without_a_request_id_shows_none(rf):
    from qianshao.lib.busy import server_error

    page = server_error(rf.get("/")).content.decode()
    assert "服务器错误" in page and "错误编号" not in page


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_json_lines_carry_the_request_id(cast, json_console):
    browser = Client(raise_request_exception=False)
    browser.force_login(cast.users["county"])
    answer = browser.get("/boom/", {"cell": "450901"}, REMOTE_ADDR="203.0.113.9")
    request_id = answer["X-Request-ID"]
    lines = [json.loads(line) for line in json_console.getvalue().splitlines()]
    error = next(line for line in lines if line["logger"] == "django.request")
    assert error["level"] == "ERROR" and error["request_id"] == request_id
    assert error["message"] == "Internal Server Error: /boom/"
    assert 'RuntimeError("boom")' in error["exception"]
    assert "request" not in error  # Django's request object, whose text holds the full path
    [line] = [line for line in lines if line["logger"] == "qianshao.request"]
    assert line["request_id"] == request_id
    assert line["message"].startswith("GET /boom/?cell= 500 ")
    assert {k: line[k] for k in ("method", "path", "status", "client", "user")} == {
        "method": "GET",
        "path": "/boom/?cell=",
        "status": 500,
        "client": "203.0.113.9",
        "user": cast.users["county"].pk,
    }
    assert line["time"].endswith("+00:00") and "T" in line["time"]


def test_outside_a_request_a_line_says_so(console):
    logging.getLogger("qianshao.somewhere").warning("not in a request")
    assert " WARNING - qianshao.somewhere not in a request" in console.getvalue()


def test_QIANSHAO_LOG_FORMAT_json_makes_every_line_json(tmp_path):
    """A command's own log line, in a process started with the setting."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('qianshao.cmd').warning('一条 %s', 'line')"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "qianshao.settings",
        "QIANSHAO_DATA_DIR": str(settings.DATA_DIR),
        "QIANSHAO_LOG_FORMAT": "json",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    [line] = [json.loads(line) for line in done.stderr.splitlines()]
    assert line["message"] == "一条 line" and line["request_id"] == "-"
    assert line["level"] == "WARNING" and line["logger"] == "qianshao.cmd"


def test_an_unknown_log_format_stops_the_start(tmp_path):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "qianshao.settings",
        "QIANSHAO_DATA_DIR": str(settings.DATA_DIR),
        "QIANSHAO_LOG_FORMAT": "xml",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "QIANSHAO_LOG_FORMAT must be plain or json" in done.stderr
