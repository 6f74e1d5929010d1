"""A web thread keeps its database connection from one request to the next for
``QIANSHAO_DB_CONN_MAX_AGE`` seconds (docs/adr/0035), on SQLite and on PostgreSQL (the
database of the run: ``DATABASE_URL`` passes through); ``0`` opens one per request."""

import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db  # on PostgreSQL the subprocess reads the run's test database

# Two requests as Django's handler frames them (its signals close what is old or broken),
# each with a statement; prints whether the second ran on the first's connection.
TWO_REQUESTS = """
import django
django.setup()
from django.core.signals import request_finished, request_started
from django.db import connection

def request():
    request_started.send(sender=None)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    held = connection.connection
    request_finished.send(sender=None)
    return held

first = request()
print("kept" if request() is first else "new")
"""


def _run(tmp_path, **env_more) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "QIANSHAO_DB_CONN_MAX_AGE"} | {
        "DJANGO_SETTINGS_MODULE": "qianshao.settings",
        "QIANSHAO_DATA_DIR": str(tmp_path),
        **env_more,
    }
    if env.get("DATABASE_URL"):  # the database it names is the server's, not made by the suite
        url = urlsplit(env["DATABASE_URL"])
        test_database = "/" + connection.settings_dict["NAME"]
        env["DATABASE_URL"] = urlunsplit(url._replace(path=test_database))
    return subprocess.run(
        [sys.executable, "-c", TWO_REQUESTS], env=env, capture_output=True, text=True
    )


def test_the_connection_is_kept_between_requests_by_default(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "kept"


def test_zero_opens_one_per_request(tmp_path):
    done = _run(tmp_path, QIANSHAO_DB_CONN_MAX_AGE="0")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "new"


def test_a_negative_or_unreadable_age_stops_the_start_naming_it(tmp_path):
    for bad in ("-1", "a minute"):
        done = _run(tmp_path, QIANSHAO_DB_CONN_MAX_AGE=bad)
        assert done.returncode != 0
        assert "QIANSHAO_DB_CONN_MAX_AGE must be" in done.stderr
