"""The roster upload page /grid/roster/ and its template downloads."""

import csv
import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from qianshao.audit.models import AuditRecord
from qianshao.grid.importers.roster import COLUMNS
from qianshao.grid.models import Person, RoleAssignment, RosterImport
from qianshao.grid.tests.test_roster import GOOD, HUANG, WEI, csv_bytes, with_, xlsx
from qianshao.intake.models import Submission

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Person, RoleAssignment, RosterImport, AuditRecord, Submission)
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


def test_a_good_file_is_imported_and_reported(cast, client_for):
    response = upload(client_for(cast.users["township"]), "名册.xlsx", xlsx(GOOD))

    assert response.status_code == 200
    assert 'data-testid="roster-ok"' in response.content.decode()
    record = RosterImport.objects.get()
    assert (record.user, record.assignments, record.people) == (cast.users["township"], 3, 2)
    assert Person.objects.filter(phone__in=[HUANG[2], WEI[2]]).count() == 2


def test_a_bad_file_gets_400_with_every_error_in_a_table_and_nothing_written(cast, client_for):
    before = written()
    data = csv_bytes([HUANG, with_(WEI, role="村长"), with_(WEI, start="明天")])

    response = upload(client_for(cast.users["township"]), "名册.csv", data)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="roster-errors"' in page
    assert "<td>3</td><td>角色</td>" in page
    assert "<td>4</td><td>任期开始</td>" in page
    assert written() == before


def test_a_file_that_fails_against_the_grid_gets_400_and_nothing_written(cast, client_for):
    before = written()
    data = csv_bytes([HUANG, with_(WEI, cell="450902100201")])

    response = upload(client_for(cast.users["township"]), "名册.csv", data, uuid.uuid4())

    assert response.status_code == 400
    assert "<td>3</td><td>网格编码</td>" in response.content.decode()
    assert written() == before


def test_a_post_without_a_file_gets_400(cast, client_for):
    response = client_for(cast.users["township"]).post(
        "/grid/roster/", {"client_uuid": str(uuid.uuid4())}
    )

    assert response.status_code == 400
    assert not RosterImport.objects.exists()


def test_the_same_upload_posted_twice_imports_once(cast, client_for):
    client = client_for(cast.users["township"])
    key = uuid.uuid4()

    first = upload(client, "名册.csv", csv_bytes(GOOD), key)
    again = upload(client, "名册.csv", csv_bytes(GOOD), key)

    assert (first.status_code, again.status_code) == (200, 200)
    assert RosterImport.objects.count() == 1
    assert RoleAssignment.objects.filter(person__phone=HUANG[2]).count() == 2
    assert 'data-testid="roster-ok"' in again.content.decode()


def test_a_refused_upload_may_be_sent_again_with_the_same_key_once_fixed(cast, client_for):
    client = client_for(cast.users["township"])
    key = uuid.uuid4()

    bad = upload(client, "名册.csv", csv_bytes([with_(WEI, cell="450902100201")]), key)
    fixed = upload(client, "名册.csv", csv_bytes([WEI]), key)

    assert (bad.status_code, fixed.status_code) == (400, 200)
    assert RosterImport.objects.get().assignments == 1


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

    imported = upload(client, "填好的名册.xlsx", filled.getvalue())

    assert imported.status_code == 200, imported.content.decode()
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

    imported = upload(client, "名册.csv", filled.getvalue().encode("gbk"))

    assert imported.status_code == 200, imported.content.decode()
    assert RosterImport.objects.get().assignments == len(GOOD)
