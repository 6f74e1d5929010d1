"""Roster pages: the upload, the import job's page and its progress, the templates.

Who may import at all (a manager of at least one cell) is decided before the upload is
looked at; the rows are checked cell by cell by the job. A job is seen by its uploader
(and superusers) only: anyone else gets a 404, as for a job that does not exist.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from qianshao.grid import roster_jobs, tasks
from qianshao.grid.forms import RosterForm
from qianshao.grid.importers.roster import template_csv, template_xlsx
from qianshao.intake.pages import take
from qianshao.lib.xlsx import CONTENT_TYPE

RECENT_JOBS = 5


class RosterUploadForm(RosterForm):
    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件"))
        if upload.size > settings.UPLOAD_MAX_BYTES:
            limit = settings.UPLOAD_MAX_BYTES // (1024 * 1024)
            raise forms.ValidationError(_("文件超过 %(m)s MB") % {"m": limit})
        return upload


def roster(request):
    if not roster_jobs.may_import(request.user):
        raise PermissionDenied(_("您不管理任何网格，不能导入名册"))
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            job, refusal = take(
                form,
                "grid.roster_job",
                request.user,
                lambda: tasks.start_roster_job(request.user, form.cleaned_data["file"]),
            )
            if not refusal:
                return redirect("roster-job", job_id=job.pk)
            status = refusal.status
        else:
            status = 400
    jobs = roster_jobs.visible_jobs(request.user).filter(user=request.user)[:RECENT_JOBS]
    context = {"form": form, "jobs": jobs, "max_rows": settings.IMPORT_MAX_ROWS}
    return render(request, "grid/roster.html", context, status=status)


def roster_job(request, job_id):
    return render(request, "grid/roster_job.html", {"job": _job(request, job_id)})


def roster_job_progress(request, job_id):
    return render(request, "grid/roster_job_progress.html", {"job": _job(request, job_id)})


def _job(request, job_id):
    job = roster_jobs.visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404
    return job


def roster_template(request, fmt):
    if fmt == "xlsx":
        response = HttpResponse(template_xlsx(), content_type=CONTENT_TYPE)
    else:
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roster-template.{fmt}"'
    return response
