"""Django's SQLite backend, with the writers of one process queued before SQLite's lock.

A transaction starts with ``BEGIN IMMEDIATE`` (settings: ``transaction_mode``), taking the
database's write lock at once. A writer that finds it taken waits in SQLite's busy handler,
which sleeps 1, 2, 5, 10 … up to 100 ms between tries, in no order: under a burst of
reports, a few writers lose again and again and wait for half a second. The threads of one
web process therefore queue on a lock of their own first (per database file): the next is
woken the moment the one before commits. Between processes (the other web worker, the task
worker) SQLite's busy handler still decides, among at most one writer per process.

The lock is held from BEGIN to COMMIT or ROLLBACK, or until the connection closes; waiting
for it is bounded by the connection's ``timeout``, past which it fails as SQLite would
("database is locked": a 503 with Retry-After, lib.busy).
"""

import threading

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_locks: dict = {}  # database file: its writers' lock
_locks_guard = threading.Lock()


def _lock_of(name: str):
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


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
