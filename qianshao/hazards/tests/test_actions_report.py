"""Reporting a hazard: where it lands, and bad input refused naming the field, with nothing
written — no hazard, photo, audit record, message or counter."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards.models import Grade, Hazard, Source, Status
from qianshao.hazards.tests.conftest import jpeg, nothing_changes
from qianshao.lib.errors import ActionError, NotAllowed

# Points in the cast's boxes (qianshao/testing.py).
IN_VILLAGE_ONE = (106.1, 24.1)
IN_VILLAGE_TWO = (106.1, 24.3)
IN_OTHER_COUNTY = (107.2, 24.2)
NOWHERE = (110.0, 30.0)
ONE = "450901100201"  # 一村, the village member's cell


@pytest.fixture
def file(cast, category):
    """``file(user, **fields)``: report as ``user`` with good fields unless overridden."""

    def report(user, **fields):
        good = {"title": "厂房消防通道堵塞", "description": "通道堆放杂物", "category": category}
        return actions.report(cast.users[user], **good | fields)

    return report


def test_a_point_without_a_cell_lands_in_the_deepest_cell_holding_it(cast, file):
    lon, lat = IN_VILLAGE_TWO
    h = file("township", lon=lon, lat=lat)
    assert (h.cell.code, h.cell_path, h.lon, h.lat) == ("450901100202", h.cell.path, lon, lat)
    assert h.status == Status.SUBMITTED and h.reported_by == cast.users["township"]
    assert h.reporter == cast.people["township"]
    assert [r.action for r in AuditRecord.objects.for_object(h)] == ["hazards.report"]


def test_a_chosen_cell_with_a_point_inside_it_keeps_both(cast, file):
    h = file("village", cell=cast.village, lon=IN_VILLAGE_ONE[0], lat=IN_VILLAGE_ONE[1])
    assert h.cell == cast.village and (h.lon, h.lat) == IN_VILLAGE_ONE


def test_text_is_stored_without_markup_or_control_characters(file, cast):
    h = file(
        "village",
        cell=cast.village,
        title="<script>alert(1)</script>  厂房\x00通道 ",
        description="<img src=x onerror=alert(1)>堆放\x07杂物",
    )
    assert (h.title, h.description) == ("alert(1)  厂房通道", "堆放杂物")


def test_a_found_time_a_little_ahead_of_the_server_clock_is_accepted(file, cast):
    ahead = timezone.now() + timedelta(minutes=5)  # a phone's clock running fast
    assert file("village", cell=cast.village, found_at=ahead).found_at == ahead


BAD_INPUT = [
    # (what, user, fields, refusal, field)
    ("coordinates outside the county", "township", {"lon": NOWHERE[0], "lat": NOWHERE[1]},
     ActionError, "lon"),
    ("a point in another county", "township",
     {"lon": IN_OTHER_COUNTY[0], "lat": IN_OTHER_COUNTY[1]}, ActionError, "lon"),
    ("a point outside the reporter's own cell", "village",
     {"lon": IN_VILLAGE_TWO[0], "lat": IN_VILLAGE_TWO[1]}, ActionError, "lon"),
    ("a point outside the chosen cell", "township",
     {"cell": ONE, "lon": IN_VILLAGE_TWO[0], "lat": IN_VILLAGE_TWO[1]},
     ActionError, "lon"),
    ("coordinates not on earth", "county", {"lon": 200.0, "lat": 24.0}, ActionError, "lon"),
    ("a longitude without a latitude", "county", {"lon": 106.1}, ActionError, "lat"),
    ("a latitude without a longitude", "county", {"lat": 24.1}, ActionError, "lon"),
    ("neither a cell nor a point", "county", {}, ActionError, "cell"),
    ("a cell outside the reporter's scope", "village", {"cell": "450901100202"},
     NotAllowed, "cell"),
    ("a cell in another county", "county", {"cell": "450902100201"}, NotAllowed, "cell"),
    ("the outsider's report into our county", "outsider", {"cell": ONE},
     NotAllowed, "cell"),
    ("an empty title", "village", {"cell": ONE, "title": "  <b></b> "}, ActionError, "title"),
    ("a title too long", "village", {"cell": ONE, "title": "长" * 101}, ActionError, "title"),
    ("a description too long", "village", {"cell": ONE, "description": "长" * 4001}, ActionError,
     "description"),
    ("an unknown grade", "village", {"cell": ONE, "grade": "severe"}, ActionError, "grade"),
    ("a found time in the future", "village",
     {"cell": ONE, "found_at": lambda: timezone.now() + timedelta(hours=2)}, ActionError,
     "found_at"),
    ("a photo that is not an image", "village",
     {"cell": ONE, "photo_files": [("a.jpg", b"GIF89a not really")]}, ActionError, "photos"),
    ("too many photos", "village",
     {"cell": ONE, "photo_files": [(f"{i}.jpg", jpeg()) for i in range(10)]}, ActionError,
     "photos"),
]  # fmt: skip


@pytest.mark.parametrize(
    "user, fields, refusal, field",
    [row[1:] for row in BAD_INPUT],
    ids=[row[0] for row in BAD_INPUT],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    cast, file, user, fields, refusal, field
):
    # a value given as a callable is read when the test runs (a time relative to now)
    fields = {k: v() if callable(v) else v for k, v in fields.items()}
    if isinstance(fields.get("cell"), str):
        fields = fields | {"cell": cast.cell(fields["cell"])}
    with nothing_changes(), pytest.raises(refusal) as caught:
        file(user, **fields)
    assert caught.value.field == field
    assert caught.value.message  # a reason a person can read


def test_an_inactive_category_is_refused(cast, file, category):
    Domain.objects.filter(pk=category.pk).update(active=False)
    category.refresh_from_db()
    with nothing_changes(), pytest.raises(ActionError) as caught:
        file("village", cell=cast.village, category=category)
    assert caught.value.field == "category"


def test_the_number_names_the_local_day_of_the_report(file, cast):
    with time_machine.travel("2026-03-01 23:30:00+08:00", tick=False):
        h = file("village", cell=cast.village)
    assert h.number.startswith("YH20260301") and len(h.number) == 16


def test_a_major_hazard_is_due_sooner_than_a_general_one(file, cast):
    with time_machine.travel("2026-03-01 08:00:00+08:00", tick=False):
        general = file("village", cell=cast.village)
        major = file("village", cell=cast.village, grade=Grade.MAJOR)
    assert general.due_at - general.reported_at == timedelta(hours=24)
    assert major.due_at - major.reported_at == timedelta(hours=2)
    assert general.watch_at == general.due_at and not general.overdue


def test_a_report_from_the_system_has_no_reporter_but_keeps_its_source(cast, category):
    h = actions.report(
        None,
        title="执法检查发现",
        description="d",
        category=category,
        cell=cast.other_village,
        source=Source.INSPECTION,
    )
    assert (h.reporter, h.reported_by, h.source) == (None, None, Source.INSPECTION)
    assert Hazard.objects.filter(cell_path__startswith=cast.other_county.path).count() == 1
