"""The roster upload's limits: who may upload at all (decided before the file is read), how
many rows are read, how many errors are kept and shown, and who sees a job."""

import io
import uuid
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from qianshao.grid import tasks
from qianshao.grid.importers.roster import parse_roster
from qianshao.grid.models import ImportJob, Person
from qianshao.grid.tests.test_roster import COLUMNS, HUANG, WEI, csv_bytes, with_


def upload(client, name: str, data: bytes):
    file = SimpleUploadedFile(name, data)
    return client.post("/grid/roster/", {"file": file, "client_uuid": str(uuid.uuid4())})


def run(response, client) -> tuple[ImportJob, str]:
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.latest("pk")
    tasks.run_roster_job.call_local(job.pk)
    job.refresh_from_db()
    return job, client.get(response["Location"]).content.decode()


def numbered(count: int) -> list[list[str]]:
    """``count`` good rows for 一村, each a new person."""
    return [with_(HUANG, phone=f"139{n:08d}", duties="") for n in range(count)]


def test_a_user_who_manages_no_cell_is_refused_before_the_file_is_read(cast, client_for):
    for who in ["village", "department"]:
        client = client_for(cast.users[who])

        page = client.get("/grid/roster/")
        refused = upload(client, "名册.xlsx", b"PK\x03\x04 not a workbook at all")

        assert page.status_code == refused.status_code == 403
        html = refused.content.decode()
        assert "不能导入名册" in html
        assert "Excel" not in html  # the file was never opened
    assert not ImportJob.objects.exists()


def test_a_file_longer_than_the_limit_is_refused_naming_the_limit(cast, client_for, settings):
    settings.IMPORT_MAX_ROWS = 5
    client = client_for(cast.users["township"])

    job, page = run(upload(client, "名册.csv", csv_bytes(numbered(6))), client)

    assert job.status == "failed"
    assert "文件超过 5 行" in page
    assert not Person.objects.filter(name=HUANG[1]).exists()
    job, page = run(upload(client, "名册.csv", csv_bytes(numbered(5))), client)
    assert (job.status, job.rows_done) == ("done", 5)


class CountingReader(io.BytesIO):
    """A file that counts the bytes read from it."""

    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.taken += count
        return count


LIMIT_ERROR = [(0, "文件超过 100 行（不含表头），请拆分后分批导入")]


def test_reading_a_csv_stops_at_the_first_row_past_the_limit(db):
    data = csv_bytes(numbered(40000))
    source = CountingReader(data)

    parsed, errors = parse_roster(source, "名册.csv", max_rows=100)

    assert parsed == []
    assert [(e.row, e.reason) for e in errors] == LIMIT_ERROR
    assert source.taken < len(data) / 4, f"read {source.taken} of {len(data)} bytes"


def test_reading_an_xlsx_stops_at_the_first_row_past_the_limit(db):
    """The sheet is cut off after row 300 (broken XML): read to its end, it could not be."""
    book = Workbook()  # as Excel does, it writes the sheet's <dimension> first
    sheet = book.active
    sheet.append(COLUMNS)
    for row in numbered(1000):
        sheet.append(row)
    whole = io.BytesIO()
    book.save(whole)
    broken = io.BytesIO()
    with zipfile.ZipFile(whole) as original, zipfile.ZipFile(broken, "w") as copy:
        for item in original.infolist():
            content = original.read(item)
            if item.filename.startswith("xl/worksheets/"):
                content = content[: content.index(b'<row r="300"')] + b"<row r=<<broken"
            copy.writestr(item, content)
    assert parse_roster(broken.getvalue(), "名册.xlsx", max_rows=1000)[1][0].row == 0

    parsed, errors = parse_roster(broken.getvalue(), "名册.xlsx", max_rows=100)

    assert parsed == []
    assert [(e.row, e.reason) for e in errors] == LIMIT_ERROR


def test_the_errors_kept_and_shown_are_the_first_200_with_their_total(cast, client_for):
    client = client_for(cast.users["township"])
    bad = [with_(WEI, phone=f"139{n:08d}", role="村长") for n in range(250)]

    job, page = run(upload(client, "名册.csv", csv_bytes(bad)), client)

    assert (job.status, job.error_count, len(job.errors)) == ("failed", 250, 200)
    assert [e["row"] for e in job.errors] == list(range(2, 202))
    assert "文件未导入：发现 250 处错误。" in page
    assert "以下仅列出前 200 处（共 250 处）。" in page
    assert page.count("<td>角色</td>") == 200


def test_a_job_is_seen_by_its_uploader_and_superusers_only(cast, client_for):
    client = client_for(cast.users["township"])
    response = upload(client, "名册.csv", csv_bytes([HUANG]))
    job = ImportJob.objects.get()
    urls = [f"/grid/roster/jobs/{job.pk}/", f"/grid/roster/jobs/{job.pk}/progress/"]
    assert response["Location"] == urls[0]
    for who, expected in [("township", 200), ("admin", 200), ("county", 404), ("village", 404)]:
        client = client_for(cast.users[who])
        for url in urls:
            assert client.get(url).status_code == expected, (who, url)
