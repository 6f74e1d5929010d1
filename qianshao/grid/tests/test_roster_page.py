"""The roster upload page /grid/roster/, the import job's page, the template downloads."""

import csv
import io
import re
import uuid
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from qianshao.audit.models import AuditRecord
from qianshao.grid import tasks
from qianshao.grid.importers.roster import COLUMNS
from qianshao.grid.models import ImportJob, Person, RoleAssignment, RosterImport
from qianshao.grid.tests.test_roster import GOOD, HUANG, WEI, csv_bytes, with_, xlsx

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Person, RoleAssignment, RosterImport, AuditRecord)
    }


def upload(client, name: str, data: bytes, client_uuid=None):
    return client.post(
        "/grid/roster/",
        {
            "file": SimpleUploadedFile(name, data),
            "client_uuid": str(client_uuid or uuid.uuid4()),
        },
    )


def test_the_page_offers_the_upload_and_both_templates(cast, client_for):
    response = client_for(cast.users["township"]).get("/grid/roster/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'type="file"' in page
    assert "/grid/roster/template.xlsx" in page and "/grid/roster/template.csv" in page


def test_the_page_and_templates_are_not_for_anonymous_visitors(client):
    for url in ("/grid/roster/", "/grid/roster/template.xlsx", "/grid/roster/template.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def run_jobs() -> None:
    """What the worker does with the queued jobs (the task, called in this process)."""
    for job in ImportJob.objects.filter(status=ImportJob.Status.QUEUED):
        tasks.run_roster_job.call_local(job.pk)


def job_page(client, response) -> str:
    """The job's page that ``response`` (the upload) redirected to, once the job ran."""
    assert response.status_code == 302, response.content.decode()
    assert re.fullmatch(r"/grid/roster/jobs/\d+/", response["Location"])
    run_jobs()
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def test_an_upload_is_a_job_whose_page_polls_until_it_shows_the_result(cast, client_for):
    client = client_for(cast.users["township"])

    response = upload(client, "名册.xlsx", xlsx(GOOD))

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/grid/roster/jobs/{job.pk}/"
    assert (job.status, job.user, job.filename) == ("queued", cast.users["township"], "名册.xlsx")
    waiting = client.get(response["Location"]).content.decode()
    assert f'hx-get="/grid/roster/jobs/{job.pk}/progress/"' in waiting
    assert 'hx-trigger="every 1s"' in waiting
    assert not RosterImport.objects.exists()
    stored = Path(job.upload.path)
    assert stored.is_file()

    page = job_page(client, response)

    assert 'data-testid="roster-ok"' in page
    assert "hx-trigger" not in page  # finished: the page stops polling
    assert "已写入 3 / 3 行，错误 0 处" in page
    record = RosterImport.objects.get()
    assert (record.user, record.assignments, record.people) == (cast.users["township"], 3, 2)
    assert Person.objects.filter(phone__in=[HUANG[2], WEI[2]]).count() == 2
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total, job.result) == ("done", 3, 3, record)
    assert not stored.exists() and not job.upload  # the upload is not kept


def test_the_progress_partial_shows_rows_done_of_the_total_while_running(cast, client_for):
    client = client_for(cast.users["township"])
    upload(client, "名册.csv", csv_bytes(GOOD))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running", rows_total=3, rows_done=1)

    partial = client.get(f"/grid/roster/jobs/{job.pk}/progress/").content.decode()

    assert '<progress max="3" value="1"' in partial
    assert "已写入 1 / 3 行，错误 0 处" in partial
    assert 'hx-trigger="every 1s"' in partial
    assert "<html" not in partial


def test_a_bad_file_ends_its_job_with_every_error_in_a_table_and_nothing_written(cast, client_for):
    client = client_for(cast.users["township"])
    before = written()
    data = csv_bytes([HUANG, with_(WEI, role="村长"), with_(WEI, start="明天")])

    page = job_page(client, upload(client, "名册.csv", data))

    assert 'data-testid="roster-errors"' in page
    assert "<td>3</td><td>角色</td>" in page
    assert "<td>4</td><td>任期开始</td>" in page
    assert written() == before
    assert ImportJob.objects.get().status == "failed"


def test_a_file_that_fails_against_the_grid_ends_its_job_refused_and_nothing_written(
    cast, client_for
):
    client = client_for(cast.users["township"])
    before = written()
    data = csv_bytes([HUANG, with_(WEI, cell="450902100201")])

    page = job_page(client, upload(client, "名册.csv", data))

    assert "<td>3</td><td>网格编码</td>" in page
    assert written() == before


def test_a_post_without_a_file_gets_400(cast, client_for):
    response = client_for(cast.users["township"]).post(
        "/grid/roster/", {"client_uuid": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_a_file_that_is_not_a_table_is_refused_at_once_naming_the_field(cast, client_for):
    response = upload(client_for(cast.users["township"]), "名册.pdf", b"%PDF-1.4")

    assert response.status_code == 400
    assert "只支持 .xlsx 或 .csv 文件" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_same_upload_posted_twice_is_one_job(cast, client_for):
    client = client_for(cast.users["township"])
    key = uuid.uuid4()

    first = upload(client, "名册.csv", csv_bytes(GOOD), key)
    again = upload(client, "名册.csv", csv_bytes(GOOD), key)

    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    run_jobs()
    assert RosterImport.objects.count() == 1
    assert RoleAssignment.objects.filter(person__phone=HUANG[2]).count() == 2


def test_the_roster_page_lists_the_users_recent_jobs(cast, client_for):
    upload(client_for(cast.users["county"]), "县名册.csv", csv_bytes(GOOD))
    client = client_for(cast.users["township"])
    upload(client, "三月名册.csv", csv_bytes(GOOD))

    page = client.get("/grid/roster/").content.decode()

    assert "三月名册.csv" in page and "县名册.csv" not in page


def test_the_xlsx_template_filled_in_imports_cleanly(cast, client_for):
    client = client_for(cast.users["township"])
    response = client.get("/grid/roster/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert "attachment" in response["Content-Disposition"]

    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == COLUMNS
    sheet.delete_rows(2, sheet.max_row)
    for row in GOOD:
        sheet.append(row)
    filled = io.BytesIO()
    book.save(filled)

    page = job_page(client, upload(client, "填好的名册.xlsx", filled.getvalue()))

    assert 'data-testid="roster-ok"' in page
    assert RosterImport.objects.get().assignments == len(GOOD)


def test_the_csv_template_filled_in_imports_cleanly(cast, client_for):
    client = client_for(cast.users["township"])
    response = client.get("/grid/roster/template.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())

    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == COLUMNS
    filled = io.StringIO()
    writer = csv.writer(filled)
    writer.writerow(header)
    writer.writerows(GOOD)

    page = job_page(client, upload(client, "名册.csv", filled.getvalue().encode("gbk")))

    assert 'data-testid="roster-ok"' in page
    assert RosterImport.objects.get().assignments == len(GOOD)


def test_a_job_whose_worker_died_is_ended_saying_how_far_it_got(cast, client_for, time_machine):
    from datetime import timedelta

    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    client = client_for(cast.users["township"])
    upload(client, "名册.csv", csv_bytes([GOOD]))
    job = ImportJob.objects.get()
    # the worker took it, wrote 120 rows, then was killed: nothing moves any more
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, rows_done=120, heartbeat_at=timezone.now()
    )
    time_machine.shift(timedelta(minutes=9))
    tasks.sweep_stalled_roster_jobs.call_local()
    assert ImportJob.objects.get().status == ImportJob.Status.RUNNING
    time_machine.shift(timedelta(minutes=2))
    tasks.sweep_stalled_roster_jobs.call_local()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.finished_at is not None
    assert "已写入前 120 行" in job.errors[0]["reason"]
    page = client.get(f"/grid/roster/jobs/{job.pk}/").content.decode()
    assert "第 121 行起" in page
