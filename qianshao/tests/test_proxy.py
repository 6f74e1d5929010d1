"""The client's address behind a reverse proxy (lib/proxy.py): a trusted proxy's
X-Forwarded-For becomes REMOTE_ADDR — what the login lockout and the rate limits count — and
its X-Forwarded-Proto says whether the request came over HTTPS; anyone else's are dropped."""

import os
import subprocess
import sys
from ipaddress import ip_address

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory

from qianshao.accounts.tests.test_settings import load_settings
from qianshao.lib.proxy import TrustedProxyMiddleware, forwarded_client, networks

PROXIES = ["127.0.0.1", "::1", "10.0.0.0/8"]


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = networks(PROXIES, "QIANSHAO_TRUSTED_PROXIES")
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    return settings


def seen(peer: str, **headers) -> dict:
    """The META a view gets for a request from ``peer`` with ``headers``."""
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    got = {}
    TrustedProxyMiddleware(lambda r: got.update(r.META))(request)
    return got


def failed_login_address(peer: str, **headers) -> str:
    """The address django-axes records a failed login against."""
    client = Client(REMOTE_ADDR=peer, **headers)
    form = {"username": "nobody", "password": "wrong-password"}
    answer = client.post("/login/", form, secure=True)  # as nginx passes it: over HTTPS
    assert answer.status_code == 200
    return AccessAttempt.objects.get().ip_address


def test_the_middleware_runs_before_everything_else():
    assert settings.MIDDLEWARE[0] == "qianshao.lib.proxy.TrustedProxyMiddleware"
    assert settings.AXES_CLIENT_IP_CALLABLE == "qianshao.lib.proxy.client_address"


@pytest.mark.django_db
def test_a_trusted_proxys_client_is_the_address_the_lockout_counts(behind_nginx):
    assert failed_login_address("127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5") == "203.0.113.5"


@pytest.mark.django_db
def test_a_header_from_an_untrusted_peer_is_ignored(behind_nginx):
    spoofed = {"HTTP_X_FORWARDED_FOR": "203.0.113.5", "HTTP_X_FORWARDED_PROTO": "https"}
    assert failed_login_address("198.51.100.7", **spoofed) == "198.51.100.7"
    assert "HTTP_X_FORWARDED_FOR" not in seen("198.51.100.7", **spoofed)
    assert "HTTP_X_FORWARDED_PROTO" not in seen("198.51.100.7", **spoofed)


@pytest.mark.django_db
def test_without_trusted_proxies_nobody_is_believed(settings):
    settings.TRUSTED_PROXIES = []
    headers = {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    assert failed_login_address("127.0.0.1", **headers) == "127.0.0.1"
    assert seen("127.0.0.1", **headers)["REMOTE_ADDR"] == "127.0.0.1"
    assert "HTTP_X_FORWARDED_FOR" not in seen("127.0.0.1", **headers)


@pytest.mark.django_db
def test_https_is_believed_from_a_trusted_proxy_only(behind_nginx):
    proto = {"HTTP_X_FORWARDED_PROTO": "https"}
    assert Client(REMOTE_ADDR="127.0.0.1", **proto).get("/login/").status_code == 200
    answer = Client(REMOTE_ADDR="198.51.100.7", **proto).get("/login/")
    assert answer.status_code == 301 and answer["Location"] == "https://testserver/login/"
    plain = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="http").get("/login/")
    assert plain.status_code == 301
    # the health check answers a local monitor over plain HTTP
    assert Client(REMOTE_ADDR="127.0.0.1").get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        ("203.0.113.5", "203.0.113.5"),
        # a chain of proxies: the rightmost address no trusted proxy owns
        ("203.0.113.5, 10.1.2.3", "203.0.113.5"),
        ("198.51.100.1, 203.0.113.5, 10.1.2.3", "203.0.113.5"),  # left of it: the client's
        ("127.0.0.1, 10.1.2.3", "127.0.0.1"),  # all trusted: the leftmost
        ("2001:db8::7", "2001:db8::7"),
        ("::ffff:203.0.113.5", "203.0.113.5"),
        ("", "127.0.0.1"),
        # malformed on the way: the peer, not a crash
        ("203.0.113.5, not-an-address", "127.0.0.1"),
        ("203.0.113.5:4711", "127.0.0.1"),
        ("203.0.113.5,", "127.0.0.1"),
        ("unknown, 10.1.2.3", "127.0.0.1"),
        # malformed beyond the client: never read
        ("garbage, 203.0.113.5", "203.0.113.5"),
    ],
)
def test_the_client_in_x_forwarded_for(behind_nginx, forwarded_for, client):
    assert seen("127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)["REMOTE_ADDR"] == client
    trusted = behind_nginx.TRUSTED_PROXIES
    assert str(forwarded_client(ip_address("127.0.0.1"), forwarded_for, trusted)) == client


def test_a_trusted_peer_keeps_its_headers_and_an_ipv6_peer_is_one(behind_nginx):
    got = seen("::1", HTTP_X_FORWARDED_FOR="203.0.113.5", HTTP_X_FORWARDED_PROTO="https")
    assert got["REMOTE_ADDR"] == "203.0.113.5"
    assert got["HTTP_X_FORWARDED_PROTO"] == "https"
    assert seen("", HTTP_X_FORWARDED_FOR="203.0.113.5")["REMOTE_ADDR"] == ""


def test_a_bad_trusted_proxy_stops_the_settings_naming_the_variable(tmp_path):
    for bad in ("nginx", "10.0.0.1/8"):
        result = load_settings(tmp_path, QIANSHAO_TRUSTED_PROXIES=bad)
        assert result.returncode != 0
        assert "QIANSHAO_TRUSTED_PROXIES must hold IP addresses or networks" in result.stderr
    code = "from django.conf import settings as s; print(s.TRUSTED_PROXIES)"
    found = load_settings(tmp_path, code, QIANSHAO_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8")
    expected = "[IPv4Network('127.0.0.1/32'), IPv4Network('10.0.0.0/8')]"
    assert found.stdout.strip() == expected, found.stderr


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("QIANSHAO_")}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests' (conftest.py)
    env |= {
        "QIANSHAO_DATA_DIR": str(tmp_path),
        "QIANSHAO_DEBUG": "0",
        "QIANSHAO_BASE_URL": "https://yingji.example.gov.cn",
        "QIANSHAO_ALLOWED_HOSTS": "yingji.example.gov.cn",
        "QIANSHAO_TRUSTED_PROXIES": "127.0.0.1,::1",
    }
    argv = [sys.executable, "-m", "qianshao", "check", "--deploy", "--fail-level", "WARNING"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (2 silenced)." in done.stdout
