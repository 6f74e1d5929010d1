"""The grid's worker tasks: running a roster import job, ending those whose worker died."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from qianshao.grid import roster_jobs


@db_task()
def run_roster_job(job_id: int) -> None:
    roster_jobs.run(job_id)


@db_periodic_task(crontab(minute="*"))
def sweep_stalled_roster_jobs() -> None:
    roster_jobs.sweep_stalled()
