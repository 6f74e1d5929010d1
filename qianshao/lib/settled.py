"""Configuration that changes rarely (step deadlines, webhooks, which department owns what),
read through a short per-process cache instead of a query on every action.

A save or delete of the underlying models drops the cache in the process that made it at
once (signals); the other web and worker processes see the change within ``seconds``.
"""

import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")
SECONDS = 60
_every: list["Settled"] = []


class Settled(Generic[T]):
    def __init__(self, load: Callable[[], T], *, seconds: float = SECONDS):
        self._load = load
        self._seconds = seconds
        self._value: T | None = None
        self._at: float | None = None
        _every.append(self)

    def get(self) -> T:
        if self._at is None or time.monotonic() - self._at > self._seconds:
            self._value = self._load()
            self._at = time.monotonic()
        return self._value

    def forget(self, **_signal) -> None:
        self._at = None
        if _signal and connection.in_atomic_block:  # and again once the change is visible
            transaction.on_commit(self.forget)

    def forget_on(self, *models, through=()) -> "Settled[T]":
        """Drop the cache when any of ``models`` is saved or deleted, or a many-to-many
        ``through`` table changes."""
        for model in models:
            post_save.connect(self.forget, sender=model, weak=False)
            post_delete.connect(self.forget, sender=model, weak=False)
        for table in through:
            m2m_changed.connect(self.forget, sender=table, weak=False)
        return self


def forget_all() -> None:
    """Drop every cache (the test suite does, before each test)."""
    for settled in _every:
        settled.forget()
