"""Fan-outs larger than one transaction should write: a red warning to a province tells
70,000 people, twice each (in-app and SMS), and a chase resends to all who are silent.

The action writes the rows the messages come from (a warning's deliveries, ids
``first``…``last``) and calls ``start``: the messages of the first ``CHUNK`` ids are
queued in the action's own transaction — a county's warning, all of them — and the rest
becomes a ``FanOut`` row that the worker takes a chunk at a time, each chunk its own
transaction: the row locked, the chunk's messages queued by the writer, the row moved on
(deleted after the last chunk). The task starts when the action commits; should the
worker stop in the middle, the minute's sweep (``resume_stalled``) takes up what it left.
A chunk is written once: whoever holds the row's lock writes it and moves the row past it.

A writer is registered by the area that owns the source rows (``writer``), by name:
``write(source_id, first, last, params)`` queues the messages of the rows whose ids lie in
``first``…``last`` with ``outbox.enqueue_query``. The area knows its rows; this module
knows only ranges of ids.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import db_task

from qianshao.notify.models import FanOut

CHUNK = 5000  # source rows per transaction: about 10,000 messages
STALLED = timedelta(seconds=60)  # a fan-out untouched this long is resumed by the sweep

Writer = Callable[[int, int, int, dict], None]
_writers: dict[str, Writer] = {}


def writer(kind: str) -> Callable[[Writer], Writer]:
    """Register ``write(source_id, first, last, params)`` as the writer of ``kind``."""

    def register(write: Writer) -> Writer:
        _writers[kind] = write
        return write

    return register


def start(kind: str, source_id: int, first: int, last: int, params: dict | None = None) -> None:
    """In the caller's transaction: queue the messages of rows ``first``…``last`` — the
    first chunk now, the rest by the worker after commit. Nothing when ``last < first``."""
    if last < first:
        return
    params = params or {}
    upto = min(first + CHUNK - 1, last)
    _writers[kind](source_id, first, upto, params)
    if upto == last:
        return
    now = timezone.now()
    rest = FanOut.objects.create(
        kind=kind,
        source_id=source_id,
        next_id=upto + 1,
        last_id=last,
        params=params,
        created_at=now,
        touched_at=now,
    )
    transaction.on_commit(lambda: continue_fan_out(rest.pk))


@db_task()
def continue_fan_out(pk: int) -> int:
    """The worker's task: write the chunks of fan-out ``pk`` until none is left; returns
    how many chunks this call wrote."""
    written = 0
    while write_chunk(pk):
        written += 1
    return written


def write_chunk(pk: int) -> bool:
    """Write the next chunk of fan-out ``pk`` in a transaction of its own; False when it
    has none left (finished, by this call or another)."""
    with transaction.atomic():
        f = FanOut.objects.select_for_update().filter(pk=pk).first()
        if f is None:
            return False
        upto = min(f.next_id + CHUNK - 1, f.last_id)
        _writers[f.kind](f.source_id, f.next_id, upto, f.params)
        if upto >= f.last_id:
            f.delete()
        else:
            f.next_id, f.touched_at = upto + 1, timezone.now()
            f.save(update_fields=["next_id", "touched_at"])
    return True


def resume_stalled(now=None) -> int:
    """The sweep: finish every fan-out no chunk has moved for ``STALLED`` (the worker
    stopped, or its task was lost); returns the chunks written."""
    now = now or timezone.now()
    stalled = FanOut.objects.filter(touched_at__lte=now - STALLED).order_by("pk")
    return sum(continue_fan_out.call_local(pk) for pk in stalled.values_list("pk", flat=True))
