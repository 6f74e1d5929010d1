# ruff: noqa: F811 - the fixtures are imported from supplies_fixtures
"""Excel (CSV) imports of the catalogue and of a point's opening stock: every wrong row told
by row and column, nothing written then; a good file written through the actions."""

import pytest

from qianshao.lib.errors import NotAllowed
from qianshao.lib.tabular import ImportFailed
from qianshao.resources import importers_supplies as importers
from qianshao.resources import tally
from qianshao.resources.models import Batch, Category, Item, Line
from qianshao.resources.tests.supplies_fixtures import days, items, points  # noqa: F401

pytestmark = pytest.mark.django_db


def csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_the_catalogue_imports_classes_then_items(db):
    added = importers.import_catalogue(
        None,
        csv(
            "代码,名称,计量单位,有保质期",
            "1010101,方便面,箱,是",
            "101,生活类,,",
            "10101,食品,,",
            "2999901,救生衣,件,否",
        ),
        "catalogue.csv",
    )
    assert added == (2, 2)
    assert not Item.objects.get(code="2999901").expires
    assert Item.objects.get(code="1010101").category.code == "10101"


def test_a_wrong_catalogue_row_is_told_and_nothing_written(db):
    before = (Category.objects.count(), Item.objects.count())
    with pytest.raises(ImportFailed) as failed:
        importers.import_catalogue(
            None,
            csv(
                "代码,名称,计量单位,有保质期",
                "101,生活类,,",
                "101,again,,",
                "1020304,无类,个,",
                "1999901,无单位,,",
                "12,坏代码,,",
                "1999902,好的,个,也许",
            ),
            "catalogue.csv",
        )
    told = {(e.row, e.column) for e in failed.value.errors}
    assert told == {(3, "代码"), (4, "代码"), (5, "计量单位"), (6, "代码"), (7, "有保质期")}
    assert (Category.objects.count(), Item.objects.count()) == before


def test_opening_stock_is_received_row_by_row(cast, points, items):
    made = importers.import_opening_stock(
        cast.users["county"],
        points["county"],
        csv(
            "物资代码,数量,计量单位,有效期至,生产日期,来源,单价,批号,供货单位",
            f"1999901,100,kg,{days(300)},,采购,4.5,R1,粮油公司",
            "1999902,20,顶,,,捐赠,,T1,红十字会",
        ),
        "stock.csv",
    )
    assert made == 2 and Batch.objects.count() == 2 and Line.objects.count() == 2
    assert Batch.objects.get(lot="T1").source == "donation"
    assert tally.matches()


def test_wrong_stock_rows_are_all_told_and_nothing_written(cast, points, items):
    with pytest.raises(ImportFailed) as failed:
        importers.import_opening_stock(
            None,
            points["county"],
            csv(
                "物资代码,数量,计量单位,有效期至,生产日期,来源,单价,批号,供货单位",
                "9999999,1,个,,,,,,",  # 2: not in the catalogue
                "1999901,1,袋,,,,,,",  # 3: wrong unit
                "1999901,-1,kg,,,,,,",  # 4: bad quantity
                "1999901,1,kg,2026-13-45,,,,,",  # 5: bad date
                f"1999901,1,kg,{days(-1)},,,,,",  # 6: expired
                "1999901,1,kg,,,偷的,,,",  # 7: unknown source
                "1999901,1,kg,,,,,L1,",
                "1999901,1,kg,,,,,L1,",
            ),  # 9: the lot again
            "stock.csv",
        )
    told = {(e.row, e.column) for e in failed.value.errors}
    assert told == {
        (2, "物资代码"),
        (3, "计量单位"),
        (4, "数量"),
        (5, "有效期至"),
        (6, "有效期至"),
        (7, "来源"),
        (9, "批号"),
    }
    assert not Batch.objects.exists() and not Line.objects.exists()


def test_only_a_manager_imports_a_points_stock(cast, points, items):
    with pytest.raises(NotAllowed):
        importers.import_opening_stock(
            cast.users["village"], points["county"], csv("物资代码,数量", "1999901,1"), "s.csv"
        )
