"""Once per step: the record the sweeps share to take each step of an object once (the
督办 ladder's rungs, a warning's chase steps, a day's zero-report chase steps).

A step is taken by claiming it — ``claim`` for one, ``claim_all`` for a batch, one
statement — inside the transaction that does the step's work: the unique (subject, step)
row decides, so a sweep that runs twice, or two workers at once, take a step once, and a
sweep rolled back leaves it to the next. Subjects are spelt one way, by ``subject``.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, models

from qianshao.lib.dbsql import insert_new
from qianshao.workflow.models import StepTaken

Pair = tuple[str, str]  # (subject, step)


def subject(thing: models.Model | str, key: object = None) -> str:
    """Which object a step is of: a model instance as "<app>.<model>:<pk>"
    ("hazards.hazard:123"), or a kind and a key ("disasters.day", a date:
    "disasters.day:2026-12-04")."""
    if isinstance(thing, models.Model):
        return f"{thing._meta.label_lower}:{thing.pk}"
    if isinstance(key, date | datetime):
        key = key.isoformat()
    return f"{thing}:{key}"


def claim(subject: str, step: str, at: datetime) -> bool:
    """Take ``step`` of ``subject`` at ``at``: True if this call took it, False if it was
    taken before (or by another transaction now)."""
    return bool(claim_all([(subject, step)], at))


def claim_all(pairs: Iterable[Pair], at: datetime) -> set[Pair]:
    """Take every (subject, step) of ``pairs`` at ``at``, in one statement; returns those
    this call took (the others were taken before). Written in one order, so that two
    batches claimed at once wait for one another rather than deadlock."""
    wanted = sorted(set(pairs))
    if not wanted:
        return set()
    when = connection.ops.adapt_datetimefield_value(at)
    rows = [[subject, step, when] for subject, step in wanted]
    inserted = insert_new(
        connection, StepTaken, ["subject", "step", "at"], ["subject", "step"], rows
    )
    return set(inserted)


def last(subject: str) -> str | None:
    """The greatest step of ``subject`` taken so far, in the steps' own order (a daily
    sweep's ``swept@<date>``: the last day it finished), or None."""
    found = StepTaken.objects.filter(subject=subject).order_by("-step")
    return found.values_list("step", flat=True).first()


def taken(subject: str) -> set[str]:
    """The steps of ``subject`` taken so far."""
    return set(StepTaken.objects.filter(subject=subject).values_list("step", flat=True))
