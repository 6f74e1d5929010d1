"""The grid's worker tasks: running a roster import job, ending those whose worker died."""

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_task

from qianshao.grid import roster_jobs
from qianshao.grid.models import ImportJob
from qianshao.notify.jobs import periodic


@db_task()
def run_roster_job(job_id: int) -> None:
    roster_jobs.run(job_id)


def start_roster_job(user, upload) -> ImportJob:
    """Store ``upload`` as a queued job and hand it to the worker once committed."""
    job = roster_jobs.create(user, upload)
    transaction.on_commit(lambda: run_roster_job(job.pk))
    return job


@periodic(crontab(minute="*"), every=timedelta(minutes=1), label=_("名册导入清理"))
def sweep_stalled_roster_jobs() -> None:
    roster_jobs.sweep_stalled()
