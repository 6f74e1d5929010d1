"""The roster (人员名册): parsing a file, importing it all or nothing, the command."""

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from qianshao.audit.models import AuditRecord
from qianshao.grid.importers.roster import COLUMNS, parse_roster
from qianshao.grid.importers.roster_writer import import_rows as import_roster
from qianshao.grid.importers.roster_writer import write_rows
from qianshao.grid.models import Person, RoleAssignment, RosterImport
from qianshao.lib.tabular import ImportFailed
from qianshao.notify.models import Message

# 网格编码, 姓名, 手机号, 角色, 兼任职责, 部门编码, 职务, 任期开始, 任期结束
HUANG = [
    "450901100201",
    "黄明华",
    "13907761234",
    "网格员",
    "地质灾害群测群防员、护林员",
    "",
    "村民小组长",
    "2024-01-01",
    "",
]
HUANG_2 = [
    "450901100202",
    "黄明华",
    "13907761234",
    "信息员",
    "",
    "",
    "",
    "2024-01-01",
    "2028-12-31",
]
WEI = ["450901100202", "韦国强", "13807765678", "网格长", "", "", "村党支部书记", "2024-03-01", ""]
GOOD = [HUANG, HUANG_2, WEI]


def xlsx(rows, header=COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, header=COLUMNS, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def written() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Person, RoleAssignment, RosterImport, AuditRecord, Message)
    }


def cells_of(errors) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in errors]


KEYS = ["cell", "name", "phone", "role", "duties", "dept", "title", "start", "end"]


def with_(row: list[str], **changes) -> list[str]:
    """``row`` with some columns changed, named by KEYS (the order of COLUMNS)."""
    return [changes.get(key, value) for key, value in zip(KEYS, row, strict=True)]


# --- parsing --------------------------------------------------------------------------------


def test_parse_roster_reads_an_xlsx_with_labels_numbers_and_date_cells(db):
    data = xlsx(
        [
            [
                "450901100201",
                "黄明华",
                13907761234,
                "网格员",
                "护林员，防汛巡查员",
                None,
                "组长",
                datetime(2024, 1, 1),
                None,
            ],
            [
                "450901",
                "陆军",
                13707761111,
                "member",
                "forest_ranger",
                "yjglj",
                "",
                date(2024, 2, 1),
                date(2026, 1, 31),
            ],
        ]
    )

    rows, errors = parse_roster(data, "名册.xlsx")

    assert errors == []
    first, second = rows
    assert (first.line, first.cell_code, first.name, first.phone, first.role) == (
        2,
        "450901100201",
        "黄明华",
        "13907761234",
        "member",
    )
    assert first.duties == ["forest_ranger", "flood_patroller"]
    assert (first.title, first.start, first.end) == ("组长", date(2024, 1, 1), None)
    assert (second.department_code, second.start, second.end) == (
        "YJGLJ",
        date(2024, 2, 1),
        date(2026, 1, 31),
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk", "gb18030"])
def test_parse_roster_reads_a_csv_in_the_encodings_excel_writes(db, encoding):
    rows, errors = parse_roster(csv_bytes(GOOD, encoding=encoding), "名册.csv")

    assert errors == []
    assert [(r.line, r.name, r.role) for r in rows] == [
        (2, "黄明华", "member"),
        (3, "黄明华", "informant"),
        (4, "韦国强", "head"),
    ]
    assert rows[0].duties == ["geohazard_monitor", "forest_ranger"]


def test_parse_roster_accepts_dates_as_excel_writes_them_in_a_csv(db):
    rows, errors = parse_roster(
        csv_bytes([with_(HUANG, start="2024/1/5", end="2028.12.31")]), "名册.csv"
    )

    assert errors == []
    assert (rows[0].start, rows[0].end) == (date(2024, 1, 5), date(2028, 12, 31))


def test_parse_roster_skips_blank_lines_and_keeps_file_line_numbers(db):
    data = csv_bytes([HUANG, [""] * 9, WEI])

    rows, errors = parse_roster(data, "名册.csv")

    assert errors == []
    assert [r.line for r in rows] == [2, 4]


def test_parse_roster_refuses_unknown_and_missing_columns_together(db):
    header = ["网格编码", "姓名", "电话", "角色", "备注"]

    rows, errors = parse_roster(
        csv_bytes([["450901100201", "黄明华", "13907761234", "网格员", ""]], header), "a.csv"
    )

    assert rows == []
    assert sorted(cells_of(errors)) == [(1, "备注"), (1, "手机号"), (1, "电话")]
    reasons = {e.column: e.reason for e in errors}
    assert reasons["手机号"] == "缺少列"
    assert reasons["电话"] == reasons["备注"] == "未知列"


def test_parse_roster_lists_every_bad_value_with_its_row_and_column(db):
    data = csv_bytes(
        [
            HUANG,
            with_(HUANG, role="村长"),  # 3
            with_(HUANG, duties="护林员、宇航员"),  # 4
            with_(HUANG, start="2024-13-01", end="明年"),  # 5
            with_(HUANG, name="", phone=""),  # 6
        ]
    )

    rows, errors = parse_roster(data, "名册.csv")

    assert cells_of(errors) == [
        (3, "角色"),
        (4, "兼任职责"),
        (5, "任期开始"),
        (5, "任期结束"),
        (6, "姓名"),
        (6, "手机号"),
    ]
    assert "村长" in errors[0].reason and "网格员" in errors[0].reason
    assert "宇航员" in errors[1].reason
    assert all(e.file == "名册.csv" for e in errors)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "a.csv"),
        (csv_bytes([]), "a.csv"),
        (b"not a workbook", "a.xlsx"),
        (csv_bytes(GOOD), "a.txt"),
    ],
    ids=["empty", "header only", "broken xlsx", "wrong type"],
)
def test_parse_roster_refuses_a_file_it_cannot_use(db, data, name):
    rows, errors = parse_roster(data, name)

    assert rows == []
    [error] = errors
    assert error.reason


# --- importing ------------------------------------------------------------------------------


def parsed(rows, name="名册.csv"):
    result, errors = parse_roster(csv_bytes(rows), name)
    assert errors == []
    return result


def test_import_roster_registers_people_and_appoints_them_with_audit_records(cast, settings):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"
    seq = AuditRecord.objects.order_by("-seq").first().seq

    record = import_roster(
        cast.users["township"], parsed(GOOD), source="名册.csv", digest="ab" * 32
    )

    assert (record.people, record.assignments, record.user) == (2, 3, cast.users["township"])
    assert (record.filename, record.digest) == ("名册.csv", "ab" * 32)
    huang = Person.objects.get(phone="13907761234")
    assert huang.name == "黄明华"
    got = {
        (a.cell.code, a.role): (a.duties, a.title, a.start, a.end)
        for a in RoleAssignment.objects.filter(person__phone__in=["13907761234", "13807765678"])
    }
    assert got == {
        ("450901100201", "member"): (
            ["geohazard_monitor", "forest_ranger"],
            "村民小组长",
            date(2024, 1, 1),
            None,
        ),
        ("450901100202", "informant"): ([], "", date(2024, 1, 1), date(2028, 12, 31)),
        ("450901100202", "head"): ([], "村党支部书记", date(2024, 3, 1), None),
    }
    actions = [r.action for r in AuditRecord.objects.filter(seq__gt=seq)]
    assert sorted(actions) == sorted(
        ["grid.create_person"] * 2 + ["grid.assign_role"] * 3 + ["grid.import_roster"]
    )
    assert actions[-1] == "grid.import_roster"
    assert not Message.objects.exists()  # appointees of an import are not messaged


def test_import_roster_appoints_department_members_by_department_code(cast):
    rows = parsed([["450901", "陆军", "13707761111", "网格员", "", "yjglj", "", "2024-01-01", ""]])

    import_roster(cast.users["county"], rows, source="名册.csv")

    assert Person.objects.get(phone="13707761111").assignments.get().department == cast.department


def test_import_roster_may_name_a_person_already_registered(cast):
    village = cast.people["village"]
    rows = parsed(
        [["450901100202", village.name, village.phone, "网格员", "", "", "", "2024-01-01", ""]]
    )

    record = import_roster(cast.users["township"], rows, source="名册.csv")

    assert (record.people, record.assignments) == (0, 1)
    assert village.assignments.count() == 2


def refused_import(cast, rows, actor="township"):
    """The errors of the batched import, checked before anything is written."""
    before = written()
    with pytest.raises(ImportFailed) as failed:
        import_roster(cast.users[actor], parsed(rows), source="名册.csv")
    assert written() == before
    return failed.value.errors


def test_a_number_of_someone_the_importer_cannot_see_is_refused_confirming_no_name(cast):
    county = cast.people["county"]  # above the township: not in its scope
    rows = [with_(WEI, name=county.name, phone=county.phone), with_(WEI, phone=county.phone)]

    errors = refused_import(cast, rows)

    assert cells_of(errors) == [(2, "手机号"), (3, "手机号")]
    assert {e.reason for e in errors} == {f"手机号 {county.phone} 已登记"}


def test_the_rows_are_written_in_batches_each_reporting_its_progress(cast):
    done = []

    record = write_rows(
        cast.users["township"], parsed(GOOD), source="名册.csv", progress=done.append, batch_size=2
    )

    assert done == [2, 3]
    assert (record.people, record.assignments) == (2, 3)


def village_row(cast, **changes):
    village = cast.people["village"]
    return with_(HUANG, name=village.name, phone=village.phone, duties="", title="", **changes)


@pytest.mark.parametrize(
    ("bad", "column"),
    [
        (with_(WEI, phone="1380776567"), "手机号"),
        (with_(WEI, phone="23807765678"), "手机号"),
        (with_(WEI, cell="450901100299"), "网格编码"),
        (with_(WEI, cell="450901101201"), "网格编码"),  # another township's village
        (with_(WEI, cell="450902100201"), "网格编码"),  # another county's village
        (with_(WEI, dept="NOPE"), "部门编码"),
        (with_(WEI, title="职" * 65), "职务"),
        (with_(WEI, start="2024-05-01", end="2024-04-30"), "任期结束"),
        (with_(WEI, name="名" * 33), "姓名"),
        (HUANG, "角色"),  # the same appointment twice in one file
        (with_(HUANG, name="黄明"), "手机号"),  # the same phone under another name
    ],
    ids=[
        "short phone",
        "not a mobile",
        "unknown cell",
        "cell of another township",
        "cell of another county",
        "unknown department",
        "title too long",
        "end before start",
        "name too long",
        "duplicate row",
        "phone of another name",
    ],
)
def test_import_roster_refuses_the_whole_file_for_one_bad_row(cast, bad, column):
    errors = refused_import(cast, [HUANG, bad])

    assert cells_of(errors) == [(3, column)]
    assert errors[0].reason


def test_import_roster_refuses_a_row_overlapping_an_existing_appointment(cast):
    errors = refused_import(cast, [HUANG, village_row(cast, start="2025-01-01")])

    assert cells_of(errors) == [(3, "角色")]


def test_a_cell_outside_the_importers_scope_reads_exactly_like_an_unknown_one(cast):
    errors = refused_import(
        cast,
        [with_(WEI, cell="450902100201"), with_(HUANG, cell="450999100201")],
    )

    outside, unknown = errors
    assert outside.reason.replace("450902100201", "?") == unknown.reason.replace(
        "450999100201", "?"
    )


def test_import_roster_lists_every_problem_of_the_file(cast):
    rows = [
        HUANG,  # 2: fine
        with_(WEI, phone="138"),  # 3
        with_(WEI, cell="450902100201"),  # 4
        HUANG,  # 5: repeats 2
        village_row(cast, start="2025-01-01"),  # 6
        with_(HUANG, name="黄明", cell="450901100202"),  # 7
    ]

    errors = refused_import(cast, rows)

    assert cells_of(errors) == [
        (3, "手机号"),
        (4, "网格编码"),
        (5, "角色"),
        (6, "角色"),
        (7, "手机号"),
    ]


def test_a_member_of_a_village_may_not_import_even_into_their_own_village(cast):
    errors = refused_import(cast, [HUANG], actor="village")

    assert cells_of(errors) == [(2, "网格编码")]


# --- the command ----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_the_command_imports_an_xlsx_as_a_user(cast, tmp_path):
    path = write(tmp_path, "名册.xlsx", xlsx(GOOD))
    out = io.StringIO()

    call_command("import_roster", str(path), "--as", "township", stdout=out)

    assert "imported 3 appointments, 2 new people" in out.getvalue()
    record = RosterImport.objects.get()
    assert (record.user, record.filename) == (cast.users["township"], "名册.xlsx")
    assert len(record.digest) == 64


def test_the_command_lists_every_error_with_row_and_column_and_writes_nothing(cast, tmp_path):
    path = write(
        tmp_path,
        "名册.csv",
        csv_bytes([HUANG, with_(WEI, cell="450901101201"), with_(WEI, role="村长")]),
    )
    before = written()

    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(path), "--as", "township")

    message = str(refused.value)
    assert "名册.csv 第 4 行 角色" in message
    assert written() == before


def test_the_command_checks_the_grid_once_the_file_is_clean(cast, tmp_path):
    path = write(tmp_path, "名册.csv", csv_bytes([HUANG, with_(WEI, cell="450901101201")]))
    before = written()

    with pytest.raises(CommandError) as refused:
        call_command("import_roster", str(path), "--as", "township")

    assert "名册.csv 第 3 行 网格编码" in str(refused.value)
    assert written() == before


def test_the_command_without_a_user_imports_as_the_system_anywhere(cast, tmp_path):
    path = write(tmp_path, "名册.csv", csv_bytes([with_(WEI, cell="450902100201")]))

    call_command("import_roster", str(path), stdout=io.StringIO())

    assert RosterImport.objects.get().user is None
    assert Person.objects.get(phone=WEI[2]).assignments.get().cell.code == "450902100201"


@pytest.mark.parametrize("args", [["missing.csv"], ["名册.csv", "--as", "nobody"]])
def test_the_command_refuses_a_missing_file_or_user(cast, tmp_path, args):
    write(tmp_path, "名册.csv", csv_bytes(GOOD))
    before = written()

    with pytest.raises(CommandError):
        call_command("import_roster", str(tmp_path / args[0]), *args[1:])

    assert written() == before
