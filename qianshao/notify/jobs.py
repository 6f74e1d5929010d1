"""Periodic jobs that leave a trace: when each last ran, whether it worked, and the worker's
heartbeat, so that a stalled worker is never silent (``qianshao status``, ``/readyz``).

Every periodic task of the platform is declared with ``periodic(schedule, every=…)``
instead of Huey's ``db_periodic_task``: the same task, plus one row of ``JobRun`` written
when it ends (one upsert), and ``every`` — how often it is due — kept in ``JOBS`` so that
a job late by more than twice its period can be told from one that is merely slow.
"""

import functools
import logging
import os
import socket
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from qianshao.notify.models import JobRun

log = logging.getLogger(__name__)
JOBS: dict[str, "Job"] = {}  # by name
HEARTBEAT = "qianshao.notify.jobs.heartbeat"
STARTED = timezone.now()  # this process's start: the worker's, in the worker


@dataclass(frozen=True)
class Job:
    name: str
    label: str  # what the status page calls it
    every: timedelta


def job_name(fn) -> str:
    return f"{fn.__module__}.{fn.__name__}"


def periodic(validate_datetime, *, every: timedelta, label: str):
    """Huey's ``db_periodic_task(validate_datetime)``, recording each run in ``JobRun``;
    ``every`` is how often ``validate_datetime`` lets it run."""

    def declare(fn):
        name = job_name(fn)
        JOBS[name] = Job(name, label, every)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            started = timezone.now()
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                record(name, started, ok=False, error=_error(exc))
                raise
            record(name, started, ok=True)
            return result

        return db_periodic_task(validate_datetime)(run)

    return declare


def record(name: str, started, *, ok: bool, error: str = "", detail: dict | None = None) -> None:
    """Upsert the job's row: its last run, and its last success when it worked. A failure
    to write it is logged; it never hides or changes the job's own outcome."""
    now = timezone.now()
    row = JobRun(
        name=name,
        every_s=int(JOBS[name].every.total_seconds()) if name in JOBS else 0,
        started_at=started,
        finished_at=now,
        ok=ok,
        error=error[:2000],
        succeeded_at=now if ok else None,
        detail=detail or {},
    )
    fields = ["every_s", "started_at", "finished_at", "ok", "error"]
    fields += ["succeeded_at"] if ok else []
    fields += ["detail"] if detail is not None else []
    try:
        with transaction.atomic():  # a savepoint: a failure here spoils no outer transaction
            JobRun.objects.bulk_create(
                [row],
                update_conflicts=True,
                unique_fields=["name"],
                update_fields=fields,
            )
    except DatabaseError:
        # e.g. a backup taken before the migration that makes the table: the job's own
        # outcome stands; its row stays stale, which the status shows
        log.warning("could not record the run of %s", name, exc_info=True)


def _error(exc: BaseException) -> str:
    lines = traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()


JOBS[HEARTBEAT] = Job(HEARTBEAT, _("任务进程心跳"), timedelta(minutes=1))


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Every minute: the worker is alive and its queue moves. Its row's detail names the
    worker process and when it started (jobs that never ran are late from then)."""
    me = {"host": socket.gethostname(), "pid": os.getpid(), "since": STARTED.isoformat()}
    record(HEARTBEAT, timezone.now(), ok=True, detail=me)
