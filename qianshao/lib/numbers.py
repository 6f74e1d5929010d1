"""Record numbers people read aloud and type: a prefix, the local date and six characters
from an alphabet without look-alikes (YH20260302K7QX3M)."""

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from qianshao.lib.dbsql import insert_object

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 letters: see number()
ATTEMPTS = 5
T = TypeVar("T")
M = TypeVar("M")


def number(prefix: str, now: datetime) -> str:
    # six random bytes in one read of the system's randomness (not one per character):
    # 256 is eight times 32, so a byte's remainder picks each letter alike
    suffix = "".join(ALPHABET[byte % 32] for byte in secrets.token_bytes(6))
    return f"{prefix}{timezone.localtime(now):%Y%m%d}{suffix}"


def numbered(prefix: str, now: datetime, build: Callable[[str], M], then: Callable[[M], T]) -> T:
    """``build(number)`` an unsaved record with a new random number, insert it, and
    ``then(record)``: all in the caller's transaction (or one of their own). A number taken
    already (a day has 32**6 of them: at 100,000 records a day a few collide) skips the
    insert in the same statement (``INSERT … ON CONFLICT (number) DO NOTHING``) and the
    record is built again with another: no savepoint, no failed statement to roll back.
    After ``ATTEMPTS`` taken numbers, IntegrityError."""
    with transaction.atomic(savepoint=False):
        for _ in range(ATTEMPTS):
            record = build(number(prefix, now))
            if insert_object(connection, record, conflict=["number"]):
                return then(record)
    raise IntegrityError(f"no free number for {prefix} after {ATTEMPTS} attempts")
