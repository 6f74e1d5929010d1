import io
import logging
import os

import pytest
from django.conf import settings

from qianshao.testing_browser import browser, log_in, new_page, page, phone  # noqa: F401

# Browser tests drive Playwright's sync API, which runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]


@pytest.fixture
def cast(db):
    from qianshao.testing import build_cast

    return build_cast()


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client, logged in as ``user``."""

    def login(user):
        client.force_login(user, backend="qianshao.accounts.backends.UsernameOrPhoneBackend")
        return client

    return login


@pytest.fixture(autouse=True)
def _fresh_settled_caches():
    """Each test reads configuration afresh (a rolled-back test leaves none behind)."""
    from qianshao.lib.settled import forget_all

    forget_all()
    yield
    forget_all()


@pytest.fixture
def console():
    """What the platform's console handler writes, as text (its stream swapped for a buffer)."""
    [handler] = [h for h in logging.getLogger().handlers if h.name == "console"]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)
