# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""The supplies pages beyond stock and transfers: the catalogue's and a point's opening-stock
upload pages (their templates, every error by row and column, nothing written), requisitions
(征用补偿) with their steps 归还 and 补偿, the reserves (协议储备, 产能储备) with their forms,
and a cell's 物资台账. Each: it works, a wrong field is shown on the form, who sees but may
not change gets 403, and outside one's area is 404."""

import io
import uuid
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from qianshao.resources import actions_supplies as actions
from qianshao.resources import tally
from qianshao.resources.models import (
    Agreement,
    Batch,
    Capacity,
    Category,
    Holding,
    Item,
    Requisition,
    RequisitionStatus,
)
from qianshao.resources.tests.supplies_fixtures import days, items, points  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/resources/supplies"


def form(**fields) -> dict:
    return {"client_uuid": str(uuid.uuid4())} | fields


def xlsx(rows: list[list], name: str = "upload.xlsx"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = name
    return out


# --- imports ----------------------------------------------------------------------------


def test_the_catalogue_upload_writes_all_and_says_what(cast, client_for):
    client = client_for(cast.users["county"])
    page = client.get(f"{URL}/catalogue/import/")
    assert page.status_code == 200 and 'data-testid="template"' in page.content.decode()
    upload = xlsx(
        [
            ["代码", "名称", "计量单位", "有保质期"],
            ["101", "生活类", "", ""],
            ["10101", "食品", "", ""],
            ["1010101", "方便面", "箱", "是"],
        ]
    )
    answer = client.post(f"{URL}/catalogue/import/", {"file": upload}, follow=True)
    assert answer.status_code == 200
    assert "已导入物资分类 2 个、物资品目 1 个" in answer.content.decode()
    assert Item.objects.get(code="1010101").unit == "箱"


def test_a_wrong_catalogue_upload_lists_each_error_and_writes_nothing(cast, client_for):
    before = (Category.objects.count(), Item.objects.count())
    upload = xlsx(
        [
            ["代码", "名称", "计量单位"],
            ["101", "生活类", ""],
            ["1020304", "无类", "个"],
            ["1999901", "无单位", ""],
        ]
    )
    answer = client_for(cast.users["admin"]).post(f"{URL}/catalogue/import/", {"file": upload})
    html = answer.content.decode()
    assert answer.status_code == 400
    assert 'data-row="3" data-column="代码"' in html
    assert 'data-row="4" data-column="计量单位"' in html
    assert "upload.xlsx 第 4 行 计量单位" in html
    assert (Category.objects.count(), Item.objects.count()) == before
    no_file = client_for(cast.users["admin"]).post(f"{URL}/catalogue/import/", {})
    assert no_file.status_code == 400 and "file" in no_file.context["form"].errors


def test_the_catalogue_is_kept_by_admins_and_county_managers_only(cast, client_for):
    upload = xlsx([["代码", "名称"], ["101", "生活类"]])
    for who in ["township", "village", "department"]:
        answer = client_for(cast.users[who]).post(f"{URL}/catalogue/import/", {"file": upload})
        assert answer.status_code == 403, who
        assert "县级" in answer.content.decode()
    assert not Category.objects.filter(code="101").exists()


def test_the_templates_are_workbooks_with_the_importers_columns(cast, client_for):
    client = client_for(cast.users["village"])
    for which, first in [("catalogue", "代码"), ("stock", "物资代码")]:
        answer = client.get(f"{URL}/templates/{which}.xlsx")
        assert answer.status_code == 200
        book = load_workbook(io.BytesIO(answer.content))
        assert book.worksheets[0]["A1"].value == first
        assert book.worksheets[0].max_row == 1  # the samples are on the help sheet only
    assert client.get(f"{URL}/templates/nope.xlsx").status_code == 404


def test_the_stock_template_uploaded_filled_in_makes_batches(cast, points, items, client_for):
    client = client_for(cast.users["township"])
    p = points["township"]
    template = load_workbook(io.BytesIO(client.get(f"{URL}/templates/stock.xlsx").content))
    header = [c.value for c in template.worksheets[0][1]]
    row = dict.fromkeys(header, "") | {
        "物资代码": "1999901",
        "数量": 40,
        "计量单位": "kg",
        "有效期至": str(days(300)),
        "批号": "OPEN-1",
    }
    page = client.get(f"{URL}/points/{p.pk}/import/")
    assert page.status_code == 200
    answer = client.post(
        f"{URL}/points/{p.pk}/import/",
        {"file": xlsx([header, [row[h] for h in header]])},
        follow=True,
    )
    assert "已导入期初库存 1 个批次" in answer.content.decode()
    assert Holding.objects.get(point=p).quantity == 40
    assert Batch.objects.get(point=p).lot == "OPEN-1"
    assert tally.matches()


def test_a_wrong_stock_upload_lists_rows_and_columns_and_writes_nothing(
    cast, points, items, client_for
):
    p = points["township"]
    upload = xlsx(
        [
            ["物资代码", "数量", "计量单位", "有效期至"],
            ["1999901", "5", "kg", str(days(100))],
            ["9999999", "5", "", ""],
            ["1999901", "-1", "箱", "2020-01-01"],
        ]
    )
    answer = client_for(cast.users["township"]).post(
        f"{URL}/points/{p.pk}/import/", {"file": upload}
    )
    html = answer.content.decode()
    assert answer.status_code == 400
    for row, column in [(3, "物资代码"), (4, "数量"), (4, "计量单位")]:
        assert f'data-row="{row}" data-column="{column}"' in html
    assert not Batch.objects.exists()


def test_opening_stock_is_for_the_points_managers(cast, points, items, client_for):
    upload = xlsx([["物资代码", "数量"], ["1999901", "5"]])
    village = points["village"]
    answer = client_for(cast.users["village"]).post(
        f"{URL}/points/{village.pk}/import/", {"file": upload}
    )
    assert answer.status_code == 403
    assert (
        client_for(cast.users["village"]).get(f"{URL}/points/{village.pk}/import/").status_code
        == 403
    )
    outside = client_for(cast.users["township"]).get(f"{URL}/points/{points['other'].pk}/import/")
    assert outside.status_code == 404
    assert not Batch.objects.exists()


# --- requisitions -----------------------------------------------------------------------


def requisition_form(point, **more) -> dict:
    return (
        form(
            point=str(point.pk),
            owner="某粮油公司",
            value="1200",
            note="抗洪抢险",
            item_1="1999901",
            quantity_1="50",
            unit_1="kg",
            expires_1=str(days(200)),
            item_2="1999902",
            quantity_2="3",
        )
        | more
    )


def test_a_requisition_is_entered_returned_and_compensated(cast, points, items, client_for):
    client = client_for(cast.users["township"])
    p = points["township"]
    page = client.get(f"{URL}/requisitions/new/?point={p.pk}")
    assert page.status_code == 200 and "甲镇储备点" in page.content.decode()
    answer = client.post(f"{URL}/requisitions/new/", requisition_form(p))
    assert answer.status_code == 302
    r = Requisition.objects.get()
    assert (r.owner, r.value, r.note, r.status) == (
        "某粮油公司",
        Decimal("1200"),
        "抗洪抢险",
        "taken",
    )
    assert Holding.objects.get(point=p, item=items["rice"]).quantity == 50
    html = client.get(f"{URL}/requisitions/{r.pk}/").content.decode()
    assert 'data-testid="return"' in html and 'data-testid="compensate"' in html
    listed = client.get(f"{URL}/requisitions/").content.decode()
    assert str(r) in listed and "某粮油公司" in listed
    assert client.post(f"{URL}/requisitions/{r.pk}/return/", form()).status_code == 302
    r.refresh_from_db()
    assert r.status == RequisitionStatus.RETURNED
    assert Holding.objects.get(point=p, item=items["rice"]).quantity == 0
    missing = client.post(f"{URL}/requisitions/{r.pk}/compensate/", form())
    assert missing.status_code == 400
    assert "compensation" in missing.context["buttons"][0][2].errors
    paid = client.post(f"{URL}/requisitions/{r.pk}/compensate/", form(compensation="1100"))
    assert paid.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.compensation) == (RequisitionStatus.COMPENSATED, Decimal("1100"))
    again = client.post(f"{URL}/requisitions/{r.pk}/compensate/", form(compensation="1"))
    assert again.status_code == 409
    assert tally.matches()


def test_a_wrong_requisition_line_is_shown_on_its_field(cast, points, items, client_for):
    p = points["township"]
    client = client_for(cast.users["township"])
    answer = client.post(f"{URL}/requisitions/new/", requisition_form(p, unit_2="箱"))
    assert answer.status_code == 400
    assert "unit_2" in answer.context["form"].errors
    assert "计量单位须为 顶" in answer.content.decode()
    past = client.post(f"{URL}/requisitions/new/", requisition_form(p, expires_1="2020-01-01"))
    assert past.status_code == 400 and "已过期" in past.content.decode()
    no_owner = client.post(f"{URL}/requisitions/new/", requisition_form(p, owner=""))
    assert no_owner.status_code == 400 and "owner" in no_owner.context["form"].errors
    assert not Requisition.objects.exists() and not Batch.objects.exists()


def test_a_field_member_sees_requisitions_but_may_not_enter_or_step(
    cast, points, items, client_for
):
    village = points["village"]
    r = actions.requisition(
        None, village, owner="张三", lines=[(items["rice"], 5, None, None)], value="50"
    )
    client = client_for(cast.users["village"])
    page = client.get(f"{URL}/requisitions/{r.pk}/").content.decode()
    assert "张三" in page and 'data-testid="return"' not in page
    assert client.post(f"{URL}/requisitions/{r.pk}/return/", form()).status_code == 403
    entered = client.post(f"{URL}/requisitions/new/", requisition_form(village))
    assert entered.status_code == 403
    assert Requisition.objects.count() == 1
    assert Requisition.objects.get().status == RequisitionStatus.TAKEN


def test_requisitions_outside_are_404(cast, points, items, client_for):
    r = actions.requisition(
        None, points["other"], owner="乙", lines=[(items["rice"], 5, None, None)], value="5"
    )
    client = client_for(cast.users["county"])
    assert client.get(f"{URL}/requisitions/{r.pk}/").status_code == 404
    assert (
        client.post(f"{URL}/requisitions/{r.pk}/compensate/", form(compensation="1")).status_code
        == 404
    )
    assert client.get(f"{URL}/requisitions/?cell=450902").status_code == 404
    assert client.get(f"{URL}/requisitions/new/?point={points['other'].pk}").status_code == 404
    assert "乙" not in client.get(f"{URL}/requisitions/").content.decode()


# --- reserves ---------------------------------------------------------------------------


def test_an_agreement_is_added_edited_and_marked_when_ending(cast, items, client_for):
    client = client_for(cast.users["county"])
    assert client.get(f"{URL}/agreements/new/?cell=450901").status_code == 200
    answer = client.post(
        f"{URL}/agreements/new/?cell=450901",
        form(
            supplier="某超市",
            item="1999901",
            quantity="1000",
            starts=str(days(-300)),
            ends=str(days(20)),
            contact="0771-1234567",
        ),
    )
    assert answer.status_code == 302
    a = Agreement.objects.get()
    assert (a.cell.code, a.quantity) == ("450901", 1000)
    html = client.get(f"{URL}/agreements/?cell=450901").content.decode()
    assert f'data-agreement="{a.pk}" data-ending="1"' in html and 'data-testid="ending"' in html
    edit = client.get(f"{URL}/agreements/{a.pk}/").content.decode()
    assert 'value="某超市"' in edit
    renewed = client.post(
        f"{URL}/agreements/{a.pk}/",
        form(
            supplier="某超市",
            item="1999901",
            quantity="800",
            starts=str(days(0)),
            ends=str(days(365)),
        ),
    )
    assert renewed.status_code == 302
    a.refresh_from_db()
    assert (a.quantity, a.ends) == (800, days(365))
    html = client.get(f"{URL}/agreements/?cell=450901").content.decode()
    assert 'data-ending="1"' not in html


def test_a_wrong_agreement_is_shown_on_its_field(cast, items, client_for):
    client = client_for(cast.users["county"])
    answer = client.post(
        f"{URL}/agreements/new/?cell=450901",
        form(
            supplier="某超市",
            item="1999901",
            quantity="10",
            unit="箱",
            starts=str(days(0)),
            ends=str(days(-1)),
        ),
    )
    assert answer.status_code == 400
    assert "unit" in answer.context["form"].errors
    answer = client.post(
        f"{URL}/agreements/new/?cell=450901",
        form(
            supplier="某超市",
            item="1999901",
            quantity="10",
            starts=str(days(0)),
            ends=str(days(-1)),
        ),
    )
    assert answer.status_code == 400 and "ends" in answer.context["form"].errors
    assert not Agreement.objects.exists()


def test_reserves_are_changed_by_managers_only_and_hidden_outside(cast, items, client_for):
    a = actions.add_agreement(
        None,
        cell=cast.village,
        supplier="村超市",
        item=items["rice"],
        quantity=10,
        starts=days(0),
        ends=days(100),
    )
    c = actions.add_capacity(
        None, cell=cast.village, enterprise="村厂", item=items["tent"], per_day=5
    )
    member = client_for(cast.users["village"])
    assert "村超市" in member.get(f"{URL}/agreements/").content.decode()
    assert "村厂" in member.get(f"{URL}/capacities/").content.decode()
    changed = member.post(
        f"{URL}/agreements/{a.pk}/",
        form(supplier="改", item="1999901", quantity="1", starts=str(days(0)), ends=str(days(9))),
    )
    assert changed.status_code == 403
    assert (
        member.post(
            f"{URL}/capacities/new/", form(enterprise="新厂", item="1999902", per_day="1")
        ).status_code
        == 403
    )
    assert Agreement.objects.get().supplier == "村超市" and Capacity.objects.count() == 1
    outsider = client_for(cast.users["outsider"])
    assert outsider.get(f"{URL}/agreements/{a.pk}/").status_code == 404
    assert outsider.get(f"{URL}/capacities/{c.pk}/").status_code == 404
    assert outsider.get(f"{URL}/capacities/?cell=450901").status_code == 404


def test_a_capacity_is_added_and_edited(cast, items, client_for):
    client = client_for(cast.users["township"])
    answer = client.post(
        f"{URL}/capacities/new/", form(enterprise="甲镇帐篷厂", item="1999902", per_day="0")
    )
    assert answer.status_code == 400 and "per_day" in answer.context["form"].errors
    answer = client.post(
        f"{URL}/capacities/new/", form(enterprise="甲镇帐篷厂", item="1999902", per_day="30")
    )
    assert answer.status_code == 302
    c = Capacity.objects.get()
    assert c.cell.code == "450901100"
    answer = client.post(
        f"{URL}/capacities/{c.pk}/", form(enterprise="甲镇帐篷厂", item="1999902", per_day="45")
    )
    assert answer.status_code == 302
    c.refresh_from_db()
    assert c.per_day == 45
    assert "甲镇帐篷厂" in client.get(f"{URL}/capacities/").content.decode()


# --- a cell's 物资台账 --------------------------------------------------------------------


def test_the_cells_ledger_lists_every_point_under_it(cast, points, items, client_for):
    actions.receive(
        None,
        points["county"],
        item=items["rice"],
        quantity=10,
        expires=days(20),
        lot="C1",
        unit_price="4.5",
    )
    actions.receive(None, points["village"], item=items["tent"], quantity=3, lot="V1")
    actions.receive(None, points["other"], item=items["rice"], quantity=7, lot="B1")
    county = client_for(cast.users["county"])
    assert 'data-testid="cell-ledger"' in county.get(f"{URL}/?cell=450901").content.decode()
    answer = county.get(f"{URL}/ledger.xlsx?cell=450901")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    flat = [v for row in values for v in row]
    assert "C1" in flat and "V1" in flat and "B1" not in flat
    c1 = next(row for row in values if "C1" in row)
    assert c1[1] == "A县物资库" and c1[7] == 10 and c1[11] == 4.5
    township = client_for(cast.users["township"]).get(f"{URL}/ledger.xlsx")
    flat = [
        c.value
        for row in load_workbook(io.BytesIO(township.content)).active.iter_rows()
        for c in row
    ]
    assert "V1" in flat and "C1" not in flat
    assert (
        client_for(cast.users["township"]).get(f"{URL}/ledger.xlsx?cell=450901").status_code == 404
    )


def test_the_cells_ledger_is_bounded(cast, points, items, client_for, monkeypatch):
    from qianshao.resources import xlsx_supplies

    monkeypatch.setattr(xlsx_supplies, "CELL_LEDGER_LIMIT", 2)
    for lot in ["L1", "L2", "L3"]:
        actions.receive(
            None, points["county"], item=items["rice"], quantity=1, lot=lot, expires=days(99)
        )
    sheet = load_workbook(
        io.BytesIO(client_for(cast.users["county"]).get(f"{URL}/ledger.xlsx").content)
    ).active
    flat = [c.value for row in sheet.iter_rows() for c in row]
    assert "L1" in flat and "L2" in flat and "L3" not in flat
    assert any(isinstance(v, str) and "仅列出前 2 个批次" in v for v in flat)


def test_the_areas_navigation_links_the_new_pages(cast, client_for):
    html = client_for(cast.users["county"]).get(f"{URL}/").content.decode()
    for name in ["requisitions/", "agreements/", "capacities/", "catalogue/import/"]:
        assert f"{URL}/{name}" in html
