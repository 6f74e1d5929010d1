"""Roster imports as background jobs: who may start one, starting it, running it.

An upload is stored with an ``ImportJob`` and handed to the worker (``grid.tasks``). The
job reads the file (at most ``settings.IMPORT_MAX_ROWS`` rows), checks every row against
the grid (a refused file is told every problem at once, the file's and the grid's), and only
then writes in short batches, counting ``rows_done``; its page polls it.
A refused file keeps the first ``ERRORS_KEPT`` errors and their total. The stored upload
is deleted when the job ends, whatever the outcome.
"""

import dataclasses
import hashlib
import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.grid.importers.roster import parse_roster
from qianshao.grid.importers.roster_writer import every_error, write_rows
from qianshao.grid.models import ImportJob
from qianshao.grid.permissions import management_scope
from qianshao.lib.errors import NotAllowed
from qianshao.lib.tabular import ImportFailed, RowError

log = logging.getLogger(__name__)

ERRORS_KEPT = 200
# A running job that has not moved for this long lost its worker (killed, restarted).
STALLED_AFTER = timedelta(minutes=10)


def may_import(user) -> bool:
    """May ``user`` import a roster at all (the rows are then checked cell by cell)?"""
    scope = management_scope(user)
    return scope.everything or bool(scope.paths)


def visible_jobs(user):
    """The jobs ``user`` may look at: their own; a superuser's, all."""
    jobs = ImportJob.objects.select_related("result")
    return jobs if user.is_superuser else jobs.filter(user=user)


def create(user, upload) -> ImportJob:
    """Store ``upload`` as a queued job (``tasks.start_roster_job`` hands it to the worker)."""
    if not may_import(user):
        raise NotAllowed(_("您不管理任何网格，不能导入名册"))
    job = ImportJob(user=user, filename=upload.name[:200])
    job.upload.save("roster", upload, save=False)
    job.save()
    return job


def run(job_id: int) -> None:
    """Run a queued job to its end; a job already taken (a task delivered twice) is left."""
    taken = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, heartbeat_at=timezone.now()
    )
    if not taken:
        return
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        _run(job)
    except Exception:
        log.exception("roster import job %s failed", job_id)
        _fail(job, [RowError(job.filename, 0, "", _("导入时发生内部错误，请联系管理员"))])
        raise
    finally:
        job.upload.delete(save=False)
        ImportJob.objects.filter(pk=job_id).update(upload="")


def _run(job: ImportJob) -> None:
    with job.upload.open("rb") as data:
        digest = _sha256(data)
        rows, errors = parse_roster(data, job.filename)
    ImportJob.objects.filter(pk=job.pk).update(rows_total=len(rows))
    errors = every_error(job.user, rows, errors, job.filename)  # the file's and the grid's
    if errors:
        _fail(job, errors)
        return

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(rows_done=done, heartbeat_at=timezone.now())

    try:
        record = write_rows(job.user, rows, source=job.filename, digest=digest, progress=progress)
    except ImportFailed as exc:
        _fail(job, exc.errors)
        return
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE, result=record, finished_at=timezone.now()
    )


def sweep_stalled() -> int:
    """End every running job whose worker died: failed, saying how many rows were written
    (each batch is its own transaction, so those rows stand). Returns how many."""
    stalled = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=timezone.now() - STALLED_AFTER
    )
    ended = 0
    for job in stalled:
        message = _(
            "导入中断（后台任务进程停止）：已写入前 %(done)s 行，其余未写入。"
            "请从第 %(next)s 行起另存为新文件再上传。"
        ) % {"done": job.rows_done, "next": job.rows_done + 1}
        _fail(job, [RowError(job.filename, 0, "", message)])
        job.upload.delete(save=False)
        ended += 1
    return ended


def _fail(job: ImportJob, errors: list[RowError]) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.FAILED,
        error_count=len(errors),
        errors=[dataclasses.asdict(e) for e in errors[:ERRORS_KEPT]],
        finished_at=timezone.now(),
    )


def _sha256(data) -> str:
    digest = hashlib.sha256()
    while chunk := data.read(1 << 16):
        digest.update(chunk)
    data.seek(0)
    return digest.hexdigest()
