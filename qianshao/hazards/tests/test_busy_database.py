"""A busy database is a 503 with Retry-After, never a 500, and a long roster import no longer
makes it busy: reports sent while it runs go through between its batches.

Real locks, no mocks. On SQLite another connection holds the write lock (BEGIN IMMEDIATE)
and every connection of the test waits at most a short busy timeout for it; on PostgreSQL
another connection holds the audit chain's head row (which every action locks to append)
and the test's connections wait at most a short ``lock_timeout``.
"""

import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from qianshao.audit.models import AuditHead
from qianshao.grid import tasks
from qianshao.grid.models import ImportJob, RoleAssignment
from qianshao.grid.tests.test_roster import HUANG, csv_bytes, with_
from qianshao.hazards.models import Hazard
from qianshao.hazards.tests.test_api_steps import api_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseeded")]


@pytest.fixture
def busy_timeout(monkeypatch):
    """Every connection opened from now on waits at most ``seconds`` for a lock."""

    def set_to(seconds: float) -> None:
        options = dict(connection.settings_dict.get("OPTIONS") or {})
        if connection.vendor == "sqlite":
            options["init_command"] = options["init_command"].replace(
                "busy_timeout=20000", f"busy_timeout={int(seconds * 1000)}"
            )
            options["timeout"] = seconds
        else:
            options["options"] = f"-c lock_timeout={int(seconds * 1000)}"
        monkeypatch.setitem(connection.settings_dict, "OPTIONS", options)
        connection.close()

    return set_to


@contextmanager
def write_lock_held():
    """Another connection holds what every write needs until the block ends."""
    if connection.vendor == "sqlite":
        other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    AuditHead.objects.get_or_create(pk=1)
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:
        other.execute(f"SELECT 1 FROM {AuditHead._meta.db_table} WHERE id = 1 FOR UPDATE")
        yield
        other.rollback()


def report(**extra) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "title": "厂房消防通道堵塞",
        "description": "通道堆放杂物",
        "category": "industry_trade",
        "cell": "450901100201",
    } | extra


def test_a_report_through_the_api_while_the_database_is_locked_is_503_with_retry_after(
    cast, busy_timeout
):
    busy_timeout(0.3)
    client = api_client(cast.users["village"])
    body = report()

    with write_lock_held():
        response = client.post("/api/v1/hazards", body, content_type="application/json")

    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "系统繁忙，请稍后重试。"}
    assert not Hazard.objects.exists()  # rolled back
    again = client.post("/api/v1/hazards", body, content_type="application/json")
    assert again.status_code == 201, again.content


def test_a_report_from_the_phone_page_while_the_database_is_locked_is_a_503_page(
    cast, busy_timeout
):
    busy_timeout(0.3)
    client = api_client(cast.users["village"])

    with write_lock_held():
        response = client.post("/m/report/", report(grade="general"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "系统繁忙，请稍后重试。" in response.content.decode()
    assert not Hazard.objects.exists()


def test_reports_sent_while_a_large_roster_import_runs_all_go_through(cast, busy_timeout, client):
    """Before the import was batched it held the lock for the whole file, far longer than
    the 2 s any report here waits."""
    busy_timeout(2)
    rows = [with_(HUANG, phone=f"139{n:08d}", duties="") for n in range(3000)]
    uploader = api_client(cast.users["township"])
    upload = SimpleUploadedFile("大名册.csv", csv_bytes(rows))
    response = uploader.post("/grid/roster/", {"file": upload, "client_uuid": str(uuid.uuid4())})
    assert response.status_code == 302
    job = ImportJob.objects.get()

    def work():
        try:
            tasks.run_roster_job.call_local(job.pk)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    reporter = api_client(cast.users["village"])
    answers, progress = [], []
    worker.start()
    try:
        while ImportJob.objects.get(pk=job.pk).status == "queued":
            time.sleep(0.05)
        for _ in range(5):
            time.sleep(0.5)
            response = reporter.post("/api/v1/hazards", report(), content_type="application/json")
            answers.append(response.status_code)
            progress.append(ImportJob.objects.get(pk=job.pk).rows_done)
    finally:
        worker.join(timeout=300)

    assert answers == [201] * 5, answers
    assert Hazard.objects.count() == 5
    assert any(0 < done < 3000 for done in progress), progress  # sent while it ran
    job.refresh_from_db()
    assert (job.status, job.rows_done) == ("done", 3000)
    assert RoleAssignment.objects.filter(person__name=HUANG[1]).count() == 3000
