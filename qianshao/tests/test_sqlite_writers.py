"""SQLite's writers: the threads of one process queue on a lock of their own before
``BEGIN IMMEDIATE`` (lib.sqlite_backend), and the processes on the database's
``-writers`` file lock, held until COMMIT, ROLLBACK or close, and bounded by the
connection's timeout; a bulk write raises its connection's page cache for its
transaction and lowers it again (lib.dbsql.bulk_cache)."""

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from qianshao.lib.dbsql import bulk_cache
from qianshao.lib.sqlite_backend.base import _lock_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "qianshao.lib.sqlite_backend",
        reason="the platform's SQLite backend: PostgreSQL queues its writers by row locks",
    ),
]


def lock():
    return _lock_of(str(connection.settings_dict["NAME"]))


def in_thread(work):
    """``work()`` on a thread of its own (a connection of its own); what it raised."""
    raised = []

    def run():
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            raised.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, raised


def test_a_transaction_holds_the_writers_lock_until_it_commits_or_rolls_back():
    assert not lock().locked()
    with transaction.atomic():
        assert lock().locked()
        with transaction.atomic():  # a savepoint takes nothing more
            assert lock().locked()
        assert lock().locked()
    assert not lock().locked()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        Session.objects.count()
        1 / 0  # noqa: B018 - the rollback path
    assert not lock().locked()


def test_a_writer_of_the_same_process_waits_for_the_lock_then_writes():
    entered, done = threading.Event(), []
    Session.objects.create(session_key="k", session_data="", expire_date=timezone.now())
    with transaction.atomic():
        Session.objects.filter(pk="k").update(session_data="first")

        def write():
            entered.set()
            with transaction.atomic():
                Session.objects.filter(pk="k").update(session_data="second")
            done.append(True)

        thread, raised = in_thread(write)
        entered.wait(5)
        thread.join(0.3)
        assert thread.is_alive() and not done, "it waits while this transaction holds"
    thread.join(10)
    assert done and not raised
    assert Session.objects.get(pk="k").session_data == "second"


def test_a_writer_waiting_past_its_timeout_fails_as_sqlite_would():
    def write():
        connection.ensure_connection()
        # this connection's own settings: the dict is shared by every thread's connection
        options = {**connection.settings_dict["OPTIONS"], "timeout": 0.2}
        connection.settings_dict = {**connection.settings_dict, "OPTIONS": options}
        with transaction.atomic():
            Session.objects.filter(pk="k").update(session_data="second")

    with transaction.atomic():
        Session.objects.count()
        thread, raised = in_thread(write)
        thread.join(10)
    assert len(raised) == 1 and isinstance(raised[0], OperationalError)
    assert "database is locked" in str(raised[0])
    assert not lock().locked(), "the one that gave up holds nothing"
    assert connection.settings_dict["OPTIONS"]["timeout"] == 20, "the others' stay as set"


def test_closing_a_connection_in_a_transaction_lets_the_lock_go():
    def abandon():
        transaction.atomic().__enter__()
        Session.objects.count()
        assert lock().locked()
        connection.close()

    thread, raised = in_thread(abandon)
    thread.join(10)
    assert not raised
    assert not lock().locked()


def other_process_holds(path: str, seconds: float) -> subprocess.Popen:
    """Another process taking the writers' file lock for ``seconds``; it has it when this
    returns."""
    code = textwrap.dedent(
        f"""
        import fcntl, os, sys, time
        fd = os.open({path!r}, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        print("held", flush=True)
        time.sleep({seconds})
        """
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_writer_waits_for_another_process_holding_the_file_lock_then_writes():
    Session.objects.create(session_key="k", session_data="", expire_date=timezone.now())
    holder = other_process_holds(lock().path, 0.5)
    began = time.monotonic()
    with transaction.atomic():
        waited = time.monotonic() - began
        Session.objects.filter(pk="k").update(session_data="after")
    holder.wait(10)
    assert waited >= 0.3, "it waited for the other process"
    assert Session.objects.get(pk="k").session_data == "after"
    assert not lock().locked()


def test_a_writer_gives_up_on_another_process_past_its_timeout():
    holder = other_process_holds(lock().path, 3)
    saved = connection.settings_dict
    try:
        connection.ensure_connection()
        options = {**connection.settings_dict["OPTIONS"], "timeout": 0.2}
        connection.settings_dict = {**connection.settings_dict, "OPTIONS": options}
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            Session.objects.count()
        assert not lock().locked(), "the one that gave up holds nothing"
    finally:
        holder.kill()
        holder.wait()
        connection.settings_dict = saved  # this thread's connection serves the next tests


def cache_pages():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


def test_a_bulk_write_raises_the_page_cache_for_its_transaction_only():
    everyday = -settings.SQLITE_CACHE_MB * 1000
    # the connection as it opens: a test before on this worker may have made a bulk write
    # in its own transaction, which the suite rolls back, so it kept the raised cache
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size={everyday}")
    assert cache_pages() == everyday
    with transaction.atomic():
        with bulk_cache(connection):
            assert cache_pages() == -settings.SQLITE_BULK_CACHE_MB * 1000
        assert cache_pages() == -settings.SQLITE_BULK_CACHE_MB * 1000  # until it commits
    assert cache_pages() == everyday
    with bulk_cache(connection):
        assert cache_pages() == -settings.SQLITE_BULK_CACHE_MB * 1000
    assert cache_pages() == everyday


def test_temporary_storage_and_statement_journals_are_kept_in_memory():
    """ADR 0041: a statement inside a transaction that changes more than 64 KiB of pages (a
    hazard's insert into its eighteen indexes) would otherwise journal them in a temporary
    file of its own, created and deleted for each statement."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA temp_store")
        assert cursor.fetchone()[0] == 2  # MEMORY (0: the build's default, a file)


def test_a_forked_process_takes_the_file_lock_on_a_file_of_its_own():
    """A forked child (a gunicorn worker) opens the writers' file again: on the parent's
    open file the two would share one lock, and neither would exclude the other."""
    held = lock()
    with transaction.atomic():  # the parent has opened the file
        Session.objects.count()
    told, tell = os.pipe()
    child = os.fork()
    if child == 0:  # holds the lock until the parent has tried it
        try:
            os.write(tell, b"1" if held.acquire(timeout=1) else b"0")
            time.sleep(0.5)
            held.release()
        finally:
            os._exit(0)
    try:
        assert os.read(told, 1) == b"1", "the child took the lock"
        assert not held.acquire(timeout=0.1), "the child's lock keeps the parent out"
    finally:
        os.waitpid(child, 0)
        os.close(told)
        os.close(tell)
    assert held.acquire(timeout=1), "and lets it in once the child is done"
    held.release()
