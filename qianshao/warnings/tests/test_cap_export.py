"""Exporting CAP 1.2: every issued warning — and its updates, its cancellation, its relays —
is a message that validates against the OASIS CAP 1.2 schema; the public samples survive
the round trip import → issue → export → validate → read back."""

import re
from datetime import datetime
from functools import cache

import pytest
import time_machine
from django.test import override_settings
from lxml import etree

from qianshao.grid.models import Cell, Role
from qianshao.testing import appoint
from qianshao.warnings import actions, cap, importer
from qianshao.warnings.models import Level, Status, Warning
from qianshao.warnings.tests.access_rules_cap import (
    DATA,
    SAMPLE_CASES,
    build_sample_grid,
    sample,
)

CAP = {"c": cap.NS}


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "CAP-v1.2.xsd")))


def valid(document: bytes) -> etree._Element:
    """The document, parsed, after checking it against the OASIS schema."""
    root = etree.fromstring(document)
    assert schema().validate(root), str(schema().error_log)
    return root


def texts(root, path: str) -> list[str]:
    return [el.text for el in root.findall(path, CAP)]


def one(root, path: str) -> str:
    [text] = texts(root, path)
    return text


def test_the_schema_accepts_the_valid_samples_and_refuses_the_invalid_ones():
    for name in ["bf-valid.xml", "sc-valid.xml", "tg-valid.xml"]:
        valid(sample(name))
    for name in ["bf-invalid-schema.xml", "tg-invalid-schema.xml", "sc-invalid-schema.xml"]:
        assert not schema().validate(etree.fromstring(sample(name)))


@pytest.mark.parametrize("name", sorted(SAMPLE_CASES))
def test_each_public_sample_survives_the_round_trip(db, name):
    when, expected = SAMPLE_CASES[name]
    build_sample_grid()
    for code in expected:  # someone to tell in each
        appoint(Cell.objects.get(code=code), Role.HEAD)
    with time_machine.travel(datetime.fromisoformat(when), tick=False):
        w = actions.issue(None, importer.import_alert(sample(name)))
        exported = cap.to_xml(w)
    root = valid(exported)
    again = cap.parse(exported)
    original = cap.parse(sample(name))
    assert (again.identifier, again.sender) == (original.identifier, original.sender)
    assert (again.msg_type, again.status) == ("Alert", "Actual")
    [info] = again.infos
    assert info.severity == original.infos[0].severity
    assert info.expires == original.infos[0].expires
    names = dict(Cell.objects.filter(code__in=expected).values_list("code", "name"))
    assert [a.desc for a in info.areas] == [names[c] for c in expected]
    assert [a.geocodes[0].value for a in info.areas] == [c.ljust(12, "0") for c in expected]
    assert all(len(a.polygons) == 1 for a in info.areas)
    assert one(root, "c:info/c:language") == "zh-CN"
    # and read back, it means the same cells
    assert sorted(c.code for c in importer.cells_for(info.areas)) == expected


def test_an_issued_warning_is_an_alert_with_its_cells_as_areas(cast, issued):
    w = issued([cast.township, cast.cell("450901101201")], level=Level.ORANGE)
    root = valid(cap.to_xml(w))
    assert root.tag == f"{{{cap.NS}}}alert"
    assert one(root, "c:identifier") == w.cap_identifier == f"450901_{w.number}"
    assert one(root, "c:sender") == w.cap_sender
    assert one(root, "c:sent") == cap.cap_time(w.issued_at)
    assert one(root, "c:sent").endswith("+08:00")
    assert (one(root, "c:msgType"), one(root, "c:scope")) == ("Alert", "Public")
    assert texts(root, "c:references") == []
    info = root.find("c:info", CAP)
    assert one(info, "c:category") == "Met"
    assert one(info, "c:event") == "暴雨"
    assert texts(info, "c:responseType") == ["Evacuate", "Prepare"]  # 转移危险区群众
    assert (one(info, "c:urgency"), one(info, "c:severity")) == ("Immediate", "Severe")
    assert one(info, "c:certainty") == "Likely"
    assert one(info, "c:headline") == w.headline
    assert one(info, "c:description") == w.text
    assert one(info, "c:instruction") == w.instruction
    assert texts(info, "c:area/c:areaDesc") == ["甲镇", "三村"]
    assert texts(info, "c:area/c:geocode/c:valueName") == [cap.CPEAS] * 2
    assert texts(info, "c:area/c:geocode/c:value") == ["450901100000", "450901101201"]
    # 甲镇 is lon 106.0–106.2, lat 24.0–24.4: latitude first, closed
    polygon = one(info, "c:area[1]/c:polygon").split()
    assert polygon[0] == polygon[-1]
    assert sorted(polygon[:4]) == ["24,106", "24,106.2", "24.4,106", "24.4,106.2"]


def test_times_carry_an_offset_and_never_a_z(cast, issued):
    document = cap.to_xml(issued()).decode()
    stamps = re.findall(r"<(sent|effective|expires)>([^<]+)<", document)
    assert len(stamps) == 3
    for _tag, stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", stamp), stamp


def test_an_update_references_every_version_before_it(cast, issued, issue):
    county = cast.users["county"]
    first = issued()
    second = issue(actions.revise(county, first, level=Level.ORANGE))
    third = issue(actions.revise(county, second, headline="暴雨橙色预警（第三次更新）"))
    first.refresh_from_db()
    root = valid(cap.to_xml(third))
    assert one(root, "c:msgType") == "Update"
    assert one(root, "c:references").split() == [cap.reference(first), cap.reference(second)]
    assert (
        cap.reference(first)
        == f"{first.cap_sender},{first.cap_identifier},{cap.cap_time(first.issued_at)}"
    )
    # the first version, since updated, is still the Alert it was
    assert first.status == Status.UPDATED
    assert one(valid(cap.to_xml(first)), "c:msgType") == "Alert"


def test_a_cancelled_warning_is_a_cancel_referencing_itself_as_issued(cast, issued):
    w = actions.cancel(cast.users["county"], issued(), reason="降雨减弱")
    root = valid(cap.to_xml(w))
    assert one(root, "c:msgType") == "Cancel"
    assert one(root, "c:identifier") == f"{w.cap_identifier}_cancel"
    assert one(root, "c:sent") == cap.cap_time(w.ended_at)
    assert one(root, "c:note") == "降雨减弱"
    assert one(root, "c:references") == cap.reference(w)
    assert texts(root, "c:info/c:responseType") == ["AllClear"]
    assert one(root, "c:info/c:headline") == f"解除：{w.headline}"


def test_a_cancelled_update_references_its_versions_and_itself(cast, issued, issue):
    county = cast.users["county"]
    first = issued()
    second = issue(actions.revise(county, first, level=Level.RED))
    second = actions.cancel(county, second, reason="解除")
    first.refresh_from_db()
    root = valid(cap.to_xml(second))
    assert one(root, "c:references").split() == [cap.reference(first), cap.reference(second)]


def test_an_expired_warning_is_still_the_alert_it_was(cast, issued):
    w = issued()
    with time_machine.travel(w.valid_until, tick=False):
        w = actions.expire(w)
    assert w.status == Status.EXPIRED
    assert one(valid(cap.to_xml(w)), "c:msgType") == "Alert"


def test_a_relay_is_an_alert_referencing_the_county_warning(cast, issued):
    parent = issued([cast.county])
    relay = actions.relay(
        cast.users["township"], parent, targets=[cast.village], instruction="一村立即转移低洼处群众"
    )
    root = valid(cap.to_xml(relay))
    assert one(root, "c:msgType") == "Alert"
    assert one(root, "c:references") == cap.reference(parent)
    assert one(root, "c:info/c:instruction") == "一村立即转移低洼处群众"
    assert texts(root, "c:info/c:area/c:geocode/c:value") == ["450901100201"]


def test_a_cell_without_a_boundary_is_an_area_of_its_code_and_several_polygons_are_kept(
    cast, issued
):
    Cell.objects.filter(code="450901100").update(boundary=None)
    Cell.objects.filter(code="450901101").update(
        boundary={
            "type": "MultiPolygon",
            "coordinates": [
                [[[106.2, 24.0], [106.3, 24.0], [106.3, 24.1], [106.2, 24.0]]],
                [[[106.3, 24.2], [106.4, 24.2], [106.4, 24.3]]],  # not closed: closed for CAP
            ],
        }
    )
    w = issued([cast.township, cast.cell("450901101")])
    areas = valid(cap.to_xml(w)).findall("c:info/c:area", CAP)
    assert texts(areas[0], "c:polygon") == []
    assert texts(areas[0], "c:geocode/c:value") == ["450901100000"]
    assert texts(areas[1], "c:polygon") == [
        "24,106.2 24,106.3 24.1,106.3 24,106.2",
        "24.2,106.3 24.2,106.4 24.3,106.4 24.2,106.3",
    ]


def test_only_division_codes_become_geocodes():
    assert cap.division_geocode("450901") == "450901000000"
    assert cap.division_geocode("450901100") == "450901100000"
    assert cap.division_geocode("450901100201") == "450901100201"
    assert cap.division_geocode("450901100201E01") is None
    assert cap.division_geocode("QY_001") is None


def test_a_warning_never_issued_has_no_cap_message(cast, warn):
    with pytest.raises(ValueError):
        cap.to_xml(warn())


# --- the endpoint ------------------------------------------------------------------------


def test_the_cap_endpoint_serves_issued_warnings_to_anyone(cast, issued, client):
    w = issued()
    response = client.get(f"/api/v1/warnings/{w.pk}.cap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/cap+xml; charset=utf-8"
    valid(response.content)


def test_the_cap_endpoint_does_not_show_drafts_or_approved_or_withdrawn_warnings(
    cast, warn, client
):
    draft = warn()
    approved = actions.approve(cast.users["admin"], warn(), note="")
    withdrawn = actions.cancel(cast.users["county"], warn(), reason="撤回")
    for w in [draft, approved, withdrawn]:
        response = client.get(f"/api/v1/warnings/{w.pk}.cap.xml")
        assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})
    assert client.get("/api/v1/warnings/999999.cap.xml").status_code == 404


def test_the_cap_endpoint_answers_each_status_of_an_issued_warning(cast, issued, issue, client):
    county = cast.users["county"]
    first = issued()
    second = issue(actions.revise(county, first, level=Level.RED))
    actions.cancel(county, second, reason="解除")
    kinds = {}
    for w in Warning.objects.all():
        response = client.get(f"/api/v1/warnings/{w.pk}.cap.xml")
        kinds[w.status] = one(valid(response.content), "c:msgType")
    assert kinds == {Status.UPDATED: "Alert", Status.CANCELLED: "Cancel"}


@override_settings(CAP_SENDER="alerts@county.example.cn")
def test_our_sender_is_the_configured_one(cast, issued):
    w = issued()
    assert one(valid(cap.to_xml(w)), "c:sender") == "alerts@county.example.cn"
