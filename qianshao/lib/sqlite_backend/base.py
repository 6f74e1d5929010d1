"""Django's SQLite backend, with the writers queued before SQLite's lock.

A transaction starts with ``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), taking the
database's write lock at once. A writer that finds it taken waits in SQLite's busy handler,
which sleeps 1, 2, 5, 10 … up to 100 ms between tries, in no order: under a burst of
reports, a few writers lose again and again and wait for half a second, while the cores
idle. So the writers queue first on a lock of their own per database file:

- the threads of one process on a thread lock: the next is woken the moment the one before
  commits;
- the processes (the web workers, the task worker) on an advisory lock of the file
  ``<database>-writers`` (``flock``), taken by the one thread of the process that holds the
  thread lock; its waiter looks again every 0.1–2 ms instead of SQLite's 1–100 ms. A process
  that dies lets it go with its file.

The lock is held from BEGIN to COMMIT or ROLLBACK, or until the connection closes; waiting
for it is bounded by the connection's ``timeout``, past which it fails as SQLite would
("database is locked": a 503 with Retry-After, lib.busy).

Its cursors also keep the SQL they have turned from Django's ``%s`` placeholders into
SQLite's ``?`` (``convert_query``, a regular expression over the whole text): the project
runs the same few hundred statements again and again, and a bulk write's statement of 500
rows of placeholders was converted once per chunk.
"""

import fcntl
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

FIRST_LOOK, LAST_LOOK = 0.0001, 0.002  # seconds between looks at another process's lock


class WritersLock:
    """The writers' lock of one database file: a thread lock, then the file's ``flock``."""

    def __init__(self, name: str):
        self.path = f"{name}-writers"
        self._threads = threading.Lock()
        self._file: int | None = None  # opened on first use, again in a forked child

    def locked(self) -> bool:
        return self._threads.locked()

    def acquire(self, timeout: float) -> bool:
        until = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            fd = self._fd()
            wait = FIRST_LOOK
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() >= until:
                        break
                    time.sleep(wait)
                    wait = min(wait * 2, LAST_LOOK)
        except BaseException:
            self._threads.release()
            raise
        self._threads.release()
        return False

    def release(self) -> None:
        try:
            fcntl.flock(self._fd(), fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _fd(self) -> int:
        if self._file is None:
            self._file = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._file

    def forget_file(self) -> None:
        """In a forked child: let go of the parent's file, to be opened again. On the
        parent's open file the two would share one lock and never exclude each other; and
        the child's copy would keep the parent's lock held past the parent's death."""
        held, self._file = self._file, None
        if held is not None:
            os.close(held)


_locks: dict[str, WritersLock] = {}  # database file: its writers' lock
_locks_guard = threading.Lock()


def _forget_files() -> None:
    for lock in _locks.values():
        lock.forget_file()


# a forked child (a gunicorn worker, a test's child) opens each file of its own, and the
# lock need not ask the process's id on every transaction (a system call each)
os.register_at_fork(after_in_child=_forget_files)


def _lock_of(name: str) -> WritersLock:
    with _locks_guard:
        if name not in _locks:
            _locks[name] = WritersLock(name)
        return _locks[name]


CONVERTED_KEPT = 512  # statements whose converted text is kept, per process
_converted: dict[str, str] = {}


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query, *, param_names=None):
        if param_names is not None:
            return super().convert_query(query, param_names=param_names)
        found = _converted.get(query)
        if found is None:
            found = super().convert_query(query)
            if len(_converted) >= CONVERTED_KEPT:
                _converted.clear()  # bounded: a process that runs more starts again
            _converted[query] = found
        return found


class DatabaseWrapper(base.DatabaseWrapper):
    _held = None  # the lock of its database file, while a transaction holds it

    def _start_transaction_under_autocommit(self):
        if self.transaction_mode != "IMMEDIATE" or self.is_in_memory_db():
            return super()._start_transaction_under_autocommit()
        lock = _lock_of(str(self.settings_dict["NAME"]))
        timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))
        if not lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        self._held = lock
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release()
            raise

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=CursorWrapper)

    def _release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            held.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release()
