"""Record numbers people read aloud and type: a prefix, the local date and six characters
from an alphabet without look-alikes (YH20260302K7QX3M)."""

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
ATTEMPTS = 5
T = TypeVar("T")


def number(prefix: str, now: datetime) -> str:
    suffix = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"{prefix}{timezone.localtime(now):%Y%m%d}{suffix}"


def numbered(prefix: str, now: datetime, model, write: Callable[[str], T]) -> T:
    """``write(number)`` in its own transaction with a new random number; run again with
    another if that number is taken by ``model`` (a day has 32**6 numbers: at 100,000
    records a day a few collide)."""
    for attempt in range(ATTEMPTS):
        candidate = number(prefix, now)
        try:
            with transaction.atomic():
                return write(candidate)
        except IntegrityError:
            taken = model.objects.filter(number=candidate).exists()
            if attempt + 1 == ATTEMPTS or not taken:
                raise
    raise AssertionError("unreachable")
