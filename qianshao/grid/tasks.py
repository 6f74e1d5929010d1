"""The grid's worker tasks: running a roster import job."""

from huey.contrib.djhuey import db_task

from qianshao.grid import roster_jobs


@db_task()
def run_roster_job(job_id: int) -> None:
    roster_jobs.run(job_id)
