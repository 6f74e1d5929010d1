"""Importing CAP 1.2 alerts: the public samples land on the cells under their polygons, the
national system's geocodes on the cells with those codes; Alert, Update and Cancel go
through the actions; the same message twice writes and sends nothing the second time."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from qianshao.audit.models import AuditRecord
from qianshao.grid.models import Cell
from qianshao.lib.errors import ActionError, Conflict, NotAllowed
from qianshao.notify.models import Message
from qianshao.warnings import actions, cap, importer
from qianshao.warnings.cap import CapError
from qianshao.warnings.models import Feed, Level, Source, Status, Warning
from qianshao.warnings.permissions import NO_ISSUING_POST
from qianshao.warnings.tests.access_rules_cap import (
    SAMPLE_CASES,
    alert_xml,
    build_sample_grid,
    reference_to,
    sample,
    writes,
)


@pytest.fixture
def feed(db):
    return Feed.objects.create(name="国家预警信息发布中心", url="http://127.0.0.1:9/feed")


def codes(cells) -> list[str]:
    return sorted(c.code for c in cells)


def target_codes(w: Warning) -> list[str]:
    return sorted(w.targets.values_list("cell__code", flat=True))


def area(polygons=(), circles=(), geocodes=()) -> cap.Area:
    return cap.Area(
        "区域",
        polygons=[
            [tuple(float(v) for v in p.split(",")) for p in text.split()] for text in polygons
        ],
        circles=[
            (*(float(v) for v in c.split()[0].split(",")), float(c.split()[1])) for c in circles
        ],
        geocodes=[cap.Geocode(name, value) for name, value in geocodes],
    )


# --- the public samples ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLE_CASES))
def test_it_imports_each_public_sample_onto_the_cells_under_its_polygons(db, name):
    when, expected = SAMPLE_CASES[name]
    build_sample_grid()
    alert = cap.parse(sample(name))
    with time_machine.travel(datetime.fromisoformat(when), tick=False):
        w = importer.import_alert(sample(name))
    assert w.imported is True
    assert (w.status, w.source, w.created_by) == (Status.DRAFT, Source.UPSTREAM, None)
    assert target_codes(w) == expected
    assert (w.cap_identifier, w.cap_sender, w.cap_sent) == (
        alert.identifier,
        alert.sender,
        alert.sent,
    )
    assert w.cap_xml == sample(name).decode()
    info = alert.infos[0]
    assert w.valid_until == info.expires
    assert w.valid_from == info.effective
    assert w.text == info.description.strip()
    assert w.sender_name == info.sender_name


def test_the_samples_take_their_level_from_severity_and_their_headline_or_event(db):
    build_sample_grid()
    found = {}
    for name, (when, _expected) in SAMPLE_CASES.items():
        with time_machine.travel(datetime.fromisoformat(when), tick=False):
            found[name] = importer.import_alert(sample(name))
    sc, tg, bf = found["sc-valid.xml"], found["tg-valid.xml"], found["bf-valid.xml"]
    assert (sc.level, sc.type.code) == (Level.YELLOW, "other")  # Moderate, "Strong Winds"
    assert sc.headline == "Moderate to strong south-easterly winds over Aldabra area"
    assert (tg.level, tg.headline) == (Level.ORANGE, "Rain/Wet Spell")  # Severe, no headline
    assert bf.level == Level.YELLOW
    assert sc.cell.code == "990101"  # the common ancestor of its targets
    assert tg.cell.code == "990200"


def test_the_invalid_samples_are_refused_and_write_nothing(cast):
    before = writes()
    for name, missing in [
        ("bf-invalid-schema.xml", "severity"),
        ("tg-invalid-schema.xml", "certainty"),
    ]:
        with pytest.raises(CapError) as refused:
            importer.import_alert(sample(name))
        assert refused.value.message == f"缺少必需的元素 <{missing}>（在 <info> 中）"
    with pytest.raises(CapError, match="根元素是 <schema>"):
        importer.import_alert(sample("sc-invalid-schema.xml"))
    assert writes() == before


# --- areas to cells ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("450901000000", ["450901"]),  # a county, padded
        ("450901100000", ["450901100"]),  # a township, padded
        ("450901100201", ["450901100201"]),
        ("450901100299", ["450901100"]),  # a village we lack: its township
        ("450901", ["450901"]),  # plain division codes
        ("450901101", ["450901101"]),
        ("450900000000", ["450901", "450902"]),  # a city: every county of ours in it
        ("450000000000", ["450901", "450902"]),  # a province likewise
        ("130132000000", []),  # a county elsewhere
        ("4509011", []),  # no division code
    ],
)
def test_it_maps_cpeas_geocodes_to_cells_by_code(cast, value, expected):
    assert (
        codes(importer.cells_for([area(geocodes=[("CPEAS Geographic Code", value)])])) == expected
    )


def test_it_keeps_only_the_outermost_of_several_geocodes(cast):
    geocodes = [("CPEAS Geographic Code", "450901100000"), ("行政区划代码", "450901100201")]
    assert codes(importer.cells_for([area(geocodes=geocodes)])) == ["450901100"]


def test_it_ignores_geocodes_of_other_systems_and_falls_back_to_the_polygon(cast):
    village_one = "24.0,106.0 24.2,106.0 24.2,106.2 24.0,106.2 24.0,106.0"
    found = importer.cells_for([area(polygons=[village_one], geocodes=[("SAME", "450902")])])
    assert codes(found) == ["450901100201"]


def test_a_polygon_covering_a_cell_targets_it_whole_and_splits_cells_it_only_touches(cast):
    # All of 甲镇, and a quarter of 乙镇 — which has one village, 三村: that village.
    shape = "23.9,105.9 24.5,105.9 24.5,106.25 23.9,106.25 23.9,105.9"
    assert codes(importer.cells_for([area(polygons=[shape])])) == ["450901100", "450901101201"]
    whole = "23.9,105.9 24.5,105.9 24.5,106.5 23.9,106.5 23.9,105.9"
    assert codes(importer.cells_for([area(polygons=[whole])])) == ["450901"]


def test_a_slip_along_a_shared_border_touches_nothing(cast):
    jia = "24.0,106.0 24.4,106.0 24.4,106.2005 24.0,106.2005 24.0,106.0"
    assert codes(importer.cells_for([area(polygons=[jia])])) == ["450901100"]


def test_a_small_circle_inside_a_village_targets_that_village(cast):
    assert codes(importer.cells_for([area(circles=["24.3,106.1 1"])])) == ["450901100202"]
    assert codes(importer.cells_for([area(circles=["24.1,106.1 0"])])) == ["450901100201"]


def test_a_cell_with_a_child_without_a_boundary_is_targeted_itself(cast):
    Cell.objects.filter(code="450901100202").update(boundary=None)  # 二村
    half = "24.0,106.0 24.1,106.0 24.1,106.2 24.0,106.2 24.0,106.0"  # a half of 一村
    assert codes(importer.cells_for([area(polygons=[half])])) == ["450901100"]


def test_an_area_matching_no_cell_is_refused_with_the_reason(cast):
    before = writes()
    with pytest.raises(CapError) as refused:
        importer.import_alert(alert_xml(geocodes=["130132000000"], area="正定县"))
    assert refused.value.message == "预警区域与本系统网格不匹配：正定县"
    assert writes() == before


# --- level and type ----------------------------------------------------------------------


def info(**fields) -> cap.Info:
    base = {
        "language": "zh-CN",
        "categories": ["Met"],
        "event": "",
        "urgency": "Expected",
        "severity": "Minor",
        "certainty": "Likely",
    }
    return cap.Info(**(base | fields))


def test_the_level_is_the_colour_the_headline_names_else_the_severity():
    assert importer.level_of(info(headline="A县气象台发布暴雨红色预警[Ⅰ级/特别严重]")) == Level.RED
    assert importer.level_of(info(headline="暴雨黄色预警升级为橙色预警")) == Level.ORANGE
    assert importer.level_of(info(severity="Extreme")) == Level.RED
    assert importer.level_of(info(severity="Severe")) == Level.ORANGE
    assert importer.level_of(info(severity="Moderate")) == Level.YELLOW
    assert importer.level_of(info(severity="Unknown")) == Level.BLUE


def test_the_type_is_the_one_named_in_the_event_or_headline_else_other(db):
    assert importer.type_of(info(event="暴雨")).code == "rainstorm"
    assert importer.type_of(info(headline="县气象台发布森林火险橙色预警")).code == "forest_fire"
    assert importer.type_of(info(event="Extreme Heat Wave")).code == "heat"
    assert importer.type_of(info(event="Strong Winds")).code == "other"


# --- Alert ---------------------------------------------------------------------------------


def test_an_upload_becomes_a_draft_of_the_uploader_for_their_cells(cast):
    w = importer.import_alert(
        alert_xml(headline="A县气象台发布暴雨橙色预警"), actor=cast.users["county"]
    )
    assert (w.status, w.source, w.level) == (Status.DRAFT, Source.UPSTREAM, Level.ORANGE)
    assert (w.created_by, w.cell) == (cast.users["county"], cast.county)
    assert target_codes(w) == ["450901"]
    assert w.type.code == "rainstorm"
    assert AuditRecord.objects.filter(action="warnings.draft").count() == 1


def test_the_same_message_again_returns_the_first_warning_and_writes_nothing(cast):
    document = alert_xml()
    first = importer.import_alert(document, actor=cast.users["county"])
    before = writes()
    again = importer.import_alert(document, actor=cast.users["county"])
    assert (again.pk, again.imported) == (first.pk, False)
    assert writes() == before


def test_a_feed_that_issues_automatically_issues_an_actual_alert_once(cast, feed):
    document = alert_xml(geocodes=["450901100000"])
    w = importer.import_alert(document, feed=feed)
    assert (w.status, w.issued_by) == (Status.ISSUED, None)
    assert w.recipients > 0
    sent = Message.objects.count()
    assert sent > 0
    assert importer.import_alert(document, feed=feed).pk == w.pk
    assert Message.objects.count() == sent


def test_a_feed_that_does_not_issue_automatically_keeps_a_draft(cast, feed):
    feed.auto_issue = False
    w = importer.import_alert(alert_xml(), feed=feed)
    assert w.status == Status.DRAFT
    assert Message.objects.count() == 0


@pytest.mark.parametrize(
    "status, meaning",
    [("Exercise", "演练"), ("Test", "测试"), ("System", "系统消息"), ("Draft", "草稿")],
)
def test_messages_that_are_not_actual_are_refused_and_write_nothing(cast, feed, status, meaning):
    before = writes()
    for source in ({"feed": feed}, {"actor": cast.users["county"]}):
        with pytest.raises(cap.NotActual) as refused:
            importer.import_alert(alert_xml(status=status), **source)
        assert refused.value.message == (
            f"该 CAP 消息的状态为 {status}（{meaning}），不是实际预警（Actual），未导入"
        )
    assert writes() == before


def test_an_expired_alert_or_one_without_info_is_refused(cast):
    old = timezone.now() - timedelta(days=2)
    before = writes()
    with pytest.raises(CapError, match="失效，未导入"):
        importer.import_alert(alert_xml(sent=old, expires=old + timedelta(hours=1)))
    with pytest.raises(CapError, match="缺少必需的元素 <info>"):
        importer.import_alert(alert_xml(with_info=False))
    with pytest.raises(CapError, match="不支持 Ack 类消息"):
        importer.import_alert(alert_xml(msg_type="Ack"))
    assert writes() == before


def test_an_identifier_another_sender_used_is_a_conflict(cast):
    importer.import_alert(alert_xml(identifier="SAME-ID"))
    with pytest.raises(Conflict, match="标识符 SAME-ID 已被另一发布者"):
        importer.import_alert(alert_xml(identifier="SAME-ID", sender="other@example.cn"))


def test_several_info_blocks_take_the_chinese_one(cast):
    document = alert_xml(language="en-US", headline="Rainstorm Yellow Warning").replace(
        b"</alert>",
        b"<info><language>zh-CN</language><category>Met</category><event>\xe6\x9a\xb4\xe9\x9b\xa8</event>"
        b"<urgency>Expected</urgency><severity>Severe</severity><certainty>Likely</certainty>"
        b"<headline>\xe6\x9a\xb4\xe9\x9b\xa8</headline><area><areaDesc>A</areaDesc><geocode>"
        b"<valueName>CPEAS Geographic Code</valueName><value>450901101000</value></geocode>"
        b"</area></info></alert>",
    )
    w = importer.import_alert(document)
    assert (w.headline, w.level, target_codes(w)) == ("暴雨", Level.ORANGE, ["450901101"])


# --- Update and Cancel ---------------------------------------------------------------------


def test_an_update_revises_and_issues_the_warning_it_references(cast, feed):
    first = importer.import_alert(alert_xml(), feed=feed)
    update = alert_xml(
        msg_type="Update",
        references=[reference_to(first)],
        headline="A县气象台将暴雨黄色预警升级为橙色预警",
        geocodes=["450901100000"],
    )
    sent = Message.objects.count()
    second = importer.import_alert(update, feed=feed)
    first.refresh_from_db()
    assert (first.status, second.status, second.replaces) == (Status.UPDATED, Status.ISSUED, first)
    assert (second.level, target_codes(second)) == (Level.ORANGE, ["450901100"])
    assert Message.objects.count() > sent
    sent = Message.objects.count()
    assert importer.import_alert(update, feed=feed).pk == second.pk
    assert Message.objects.count() == sent


def test_an_uploaded_update_is_a_new_version_in_draft(cast, feed):
    first = importer.import_alert(alert_xml(), feed=feed)
    update = alert_xml(msg_type="Update", references=[reference_to(first)])
    second = importer.import_alert(update, actor=cast.users["county"])
    first.refresh_from_db()
    assert (first.status, second.status, second.replaces) == (Status.ISSUED, Status.DRAFT, first)
    actions.issue(cast.users["county"], second)
    first.refresh_from_db()
    assert first.status == Status.UPDATED


def test_an_update_of_a_draft_withdraws_it_and_drafts_the_new_one(cast):
    first = importer.import_alert(alert_xml())
    second = importer.import_alert(alert_xml(msg_type="Update", references=[reference_to(first)]))
    first.refresh_from_db()
    assert (first.status, second.status, second.replaces) == (Status.CANCELLED, Status.DRAFT, None)


def test_a_cancel_cancels_the_current_version_and_tells_recipients_once(cast, feed):
    first = importer.import_alert(alert_xml(), feed=feed)
    second = importer.import_alert(
        alert_xml(msg_type="Update", references=[reference_to(first)]), feed=feed
    )
    cancel = alert_xml(
        msg_type="Cancel",
        references=[reference_to(first)],
        note="降雨减弱，解除预警",
        with_info=False,
    )
    sent = Message.objects.count()
    cancelled = importer.import_alert(cancel, feed=feed)
    assert (cancelled.pk, cancelled.status, cancelled.end_reason) == (
        second.pk,
        Status.CANCELLED,
        "降雨减弱，解除预警",
    )
    assert Message.objects.count() > sent
    sent, audited = Message.objects.count(), AuditRecord.objects.count()
    again = importer.import_alert(cancel, feed=feed)
    assert (again.pk, again.imported) == (second.pk, False)
    assert (Message.objects.count(), AuditRecord.objects.count()) == (sent, audited)


def test_a_cancel_also_withdraws_a_new_version_not_yet_issued(cast, feed):
    first = importer.import_alert(alert_xml(), feed=feed)
    update = alert_xml(msg_type="Update", references=[reference_to(first)])
    pending = importer.import_alert(update, actor=cast.users["county"])
    cancel = alert_xml(msg_type="Cancel", references=[reference_to(first)], with_info=False)
    assert importer.import_alert(cancel, feed=feed).pk == first.pk
    first.refresh_from_db()
    pending.refresh_from_db()
    assert (first.status, pending.status) == (Status.CANCELLED, Status.CANCELLED)
    assert pending.issued_at is None


def test_a_test_update_or_cancel_cannot_change_an_issued_warning(cast, feed):
    first = importer.import_alert(alert_xml(), feed=feed)
    for kind in ("Update", "Cancel"):
        test = alert_xml(msg_type=kind, status="Test", references=[reference_to(first)])
        with pytest.raises(cap.NotActual, match="状态为 Test（测试），不是实际预警"):
            importer.import_alert(test, feed=feed)
    first.refresh_from_db()
    assert first.status == Status.ISSUED


def test_an_update_or_cancel_of_an_unknown_warning_is_refused_and_writes_nothing(cast, feed):
    before = writes()
    for kind, verb in [("Update", "更新"), ("Cancel", "解除")]:
        document = alert_xml(
            msg_type=kind, references=["nmc@weather.example.cn,NOPE,2026-01-01T00:00:00+08:00"]
        )
        with pytest.raises(CapError) as refused:
            importer.import_alert(document, feed=feed)
        assert refused.value.message == f"所引用的预警（NOPE）不在本系统中，无法{verb}"
    assert writes() == before


def test_an_update_of_a_cancelled_warning_is_a_conflict(cast, feed):
    first = importer.import_alert(alert_xml(), feed=feed)
    actions.cancel(None, first, reason="上级解除")
    with pytest.raises(Conflict, match="的状态为“已解除”，不能再更新"):
        importer.import_alert(
            alert_xml(msg_type="Update", references=[reference_to(first)]), feed=feed
        )


# --- who may import ------------------------------------------------------------------------


def test_the_outsider_cannot_import_for_the_other_county_and_nothing_is_written(cast):
    before = writes()
    with pytest.raises(NotAllowed) as refused:
        importer.import_alert(alert_xml(), actor=cast.users["outsider"])
    assert refused.value.message == "预警范围超出您的辖区"
    assert writes() == before


def test_the_outsider_learns_nothing_of_a_message_imported_for_the_other_county(cast):
    document = alert_xml()
    importer.import_alert(document, actor=cast.users["county"])
    with pytest.raises(NotAllowed):
        importer.import_alert(document, actor=cast.users["outsider"])


def test_a_village_member_cannot_import_even_for_their_own_village(cast):
    with pytest.raises(NotAllowed) as refused:
        importer.import_alert(alert_xml(geocodes=["450901100201"]), actor=cast.users["village"])
    assert refused.value.message == str(NO_ISSUING_POST)


def test_a_township_dispatcher_imports_for_their_township_only(cast):
    township = cast.users["township"]
    w = importer.import_alert(alert_xml(geocodes=["450901100201"]), actor=township)
    assert (w.cell.code, target_codes(w)) == ("450901100", ["450901100201"])
    with pytest.raises(ActionError, match="预警范围超出您的辖区"):
        importer.import_alert(alert_xml(), actor=township)
