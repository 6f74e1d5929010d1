"""Access rules of the roster import job's pages, merged into the grid's tables by
``qianshao.testing.area_rule_modules``.

A job is its uploader's (and superusers'): anyone else, the outsider included, gets 404
for it and for its progress, as for a job that does not exist.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from qianshao.grid import tasks
from qianshao.grid.models import ImportJob

PAGE_RULES = {
    "grid/roster/jobs/<int:job_id>/": "own",
    "grid/roster/jobs/<int:job_id>/progress/": "own",
}


def a_job_of(user) -> ImportJob:
    csv = "网格编码,姓名,手机号,角色\n450901100201,任务人,13912340009,网格员\n".encode()
    return tasks.start_roster_job(user, SimpleUploadedFile("roster.csv", csv))


def outsider_pages(cast) -> dict:
    job = a_job_of(cast.users["township"])
    return {
        "grid/roster/jobs/<int:job_id>/": [
            ("get", f"/grid/roster/jobs/{job.pk}/", None, 404),
            ("get", f"/grid/roster/jobs/{job.pk + 1000}/", None, 404),
        ],
        "grid/roster/jobs/<int:job_id>/progress/": [
            ("get", f"/grid/roster/jobs/{job.pk}/progress/", None, 404)
        ],
    }


def state() -> list:
    return list(ImportJob.objects.order_by("pk").values_list("pk", "status", "rows_done"))
