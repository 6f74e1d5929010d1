"""Access rules of the CAP 1.2 pages and endpoints, and helpers their tests share.

The CAP message of an issued warning and the Atom feed of those in force are public, like
the warnings themselves. Importing names its cells in the document rather than the URL:
B县's dispatcher uploading an alert for A县's cells is refused with 403 and a reason (page
and endpoint alike), and nothing is written (see test_cap_api.py).
"""

import io
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone
from shapely.geometry import box, mapping

from qianshao.audit.models import AuditRecord
from qianshao.grid import actions as grid_actions
from qianshao.grid.importers.divisions import CellRow
from qianshao.grid.models import Cell, CellKind
from qianshao.notify.models import Message
from qianshao.warnings.cap import NS, cap_time
from qianshao.warnings.models import Delivery, Target, Warning

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "samples"
SENDER = "nmc@weather.example.cn"

# Cells where the public samples' areas are (code, name, kind, parent, lon/lat bounds):
# the Seychelles' Aldabra polygon covers 北镇, part of 东镇 and of 南镇's 甲村 — not 乙村 or
# 西镇; Togo's Plateaux and Maritime polygons cover 高原县 and 滨海县, not 北县; Burkina Faso's
# covers 中部县.
SAMPLE_GRID = [
    ("990101", "阿尔达布拉县", CellKind.COUNTY, None, (45.8, -10.2, 47.0, -9.0)),
    ("990101100", "北镇", CellKind.TOWNSHIP, "990101", (46.2, -9.7, 46.5, -9.4)),
    ("990101101", "南镇", CellKind.TOWNSHIP, "990101", (45.8, -10.2, 46.2, -9.7)),
    ("990101101201", "甲村", CellKind.VILLAGE, "990101101", (46.0, -9.9, 46.2, -9.7)),
    ("990101101202", "乙村", CellKind.VILLAGE, "990101101", (45.8, -10.2, 45.9, -10.1)),
    ("990101102", "东镇", CellKind.TOWNSHIP, "990101", (46.5, -9.7, 47.0, -9.0)),
    ("990101103", "西镇", CellKind.TOWNSHIP, "990101", (45.8, -9.4, 45.9, -9.0)),
    ("990200", "多哥市", CellKind.CITY, None, (0.4, 6.0, 1.9, 8.6)),
    ("990201", "高原县", CellKind.COUNTY, "990200", (1.0, 7.0, 1.3, 7.3)),
    ("990202", "滨海县", CellKind.COUNTY, "990200", (1.1, 6.2, 1.3, 6.4)),
    ("990203", "北县", CellKind.COUNTY, "990200", (1.75, 8.5, 1.9, 8.6)),
    ("990301", "中部县", CellKind.COUNTY, None, (-2.0, 12.0, -1.5, 12.5)),
]
# Each sample: when it was in force, and the cells it means.
SAMPLE_CASES = {
    "sc-valid.xml": ("2024-05-19T13:40:00+00:00", ["990101100", "990101101201", "990101102"]),
    "tg-valid.xml": ("2024-06-06T17:05:00+00:00", ["990201", "990202"]),
    "bf-valid.xml": ("2024-07-02T20:20:00+00:00", ["990301"]),
}

PAGE_RULES = {"warnings/import/": "scoped"}
API_RULES = {
    ("GET", "/api/v1/warnings/{warning_id}.cap.xml"): "public",
    ("GET", "/api/v1/warnings/feed.atom"): "public",
    ("POST", "/api/v1/warnings/cap"): "scoped",
}


def build_sample_grid() -> dict[str, Cell]:
    """The cells of ``SAMPLE_GRID``, through the grid's import action."""
    rows = []
    for code, name, kind, parent, bounds in SAMPLE_GRID:
        shape = box(*bounds)
        centre = shape.centroid
        extra = {"boundary": mapping(shape), "centre_lon": centre.x, "centre_lat": centre.y}
        rows.append(CellRow(code, name, kind, parent, extra))
    grid_actions.create_cells(None, rows, source="cap-samples")
    return {c.code: c for c in Cell.objects.filter(code__startswith="99")}


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def alert_xml(
    *,
    identifier: str | None = None,
    sender: str = SENDER,
    sent: datetime | None = None,
    status: str = "Actual",
    msg_type: str = "Alert",
    references: list[str] | None = None,
    note: str = "",
    headline: str = "A县气象台发布暴雨黄色预警",
    event: str = "暴雨",
    severity: str = "Moderate",
    language: str = "zh-CN",
    description: str = "预计未来6小时内降雨量将达50毫米以上。",
    instruction: str = "转移危险区群众。",
    geocodes: tuple[str, ...] = ("450901000000",),
    polygons: tuple[str, ...] = (),
    circles: tuple[str, ...] = (),
    area: str = "A县",
    expires: datetime | None = None,
    with_info: bool = True,
) -> bytes:
    """A CAP 1.2 alert like China's national release system sends (geocodes only)."""
    now = timezone.now()
    root = ET.Element("alert", xmlns=NS)
    fields = [
        ("identifier", identifier or f"45090141600000_{uuid.uuid4().hex[:12]}"),
        ("sender", sender),
        ("sent", cap_time(sent or now)),
        ("status", status),
        ("msgType", msg_type),
        ("scope", "Public"),
    ]
    fields += [("note", note)] if note else []
    fields += [("references", " ".join(references))] if references else []
    for tag, text in fields:
        ET.SubElement(root, tag).text = text
    if with_info:
        info = ET.SubElement(root, "info")
        for tag, text in [
            ("language", language),
            ("category", "Met"),
            ("event", event),
            ("urgency", "Expected"),
            ("severity", severity),
            ("certainty", "Likely"),
            ("effective", cap_time(sent or now)),
            ("expires", cap_time(expires or now + timedelta(hours=12))),
            ("senderName", "A县气象台"),
            ("headline", headline),
            ("description", description),
            ("instruction", instruction),
        ]:
            ET.SubElement(info, tag).text = text
        place = ET.SubElement(info, "area")
        ET.SubElement(place, "areaDesc").text = area
        for text in polygons:
            ET.SubElement(place, "polygon").text = text
        for text in circles:
            ET.SubElement(place, "circle").text = text
        for value in geocodes:
            code = ET.SubElement(place, "geocode")
            ET.SubElement(code, "valueName").text = "CPEAS Geographic Code"
            ET.SubElement(code, "value").text = value
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def reference_to(w: Warning) -> str:
    """How the upstream refers to the alert it sent us: its own sent time."""
    return f"{w.cap_sender},{w.cap_identifier},{cap_time(w.cap_sent or w.created_at)}"


def upload(data: bytes, name: str = "alert.xml") -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def outsider_pages(cast) -> dict:
    return {
        "warnings/import/": [
            ("post", "/warnings/import/", {"file": upload(alert_xml())}, 403),
        ]
    }


def outsider_api(cast) -> dict:
    # Refused with 403, not 404: the cells are named in the document, not in the URL, and
    # the answer says the area lies outside the caller's posts (test_cap_api.py).
    return {("POST", "/api/v1/warnings/cap"): []}


def state() -> tuple:
    return (
        list(Warning.objects.order_by("pk").values_list("pk", "status", "cap_identifier")),
        Target.objects.count(),
        Delivery.objects.count(),
    )


def writes() -> tuple:
    """Everything an import could write: warnings, deliveries, messages, audit records."""
    return (
        Warning.objects.count(),
        Delivery.objects.count(),
        Message.objects.count(),
        AuditRecord.objects.count(),
    )
