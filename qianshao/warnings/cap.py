"""CAP 1.2 (OASIS Common Alerting Protocol, ``urn:oasis:names:tc:emergency:cap:1.2``):
reading an alert someone sent us, and writing our warnings as alerts.

``parse(data)`` reads untrusted bytes with defusedxml (no DTDs, no entities) into a small
tree of dataclasses, or refuses with a ``CapError`` that says what is wrong and where: not
XML (line and column), not a CAP 1.2 ``<alert>`` (the root or namespace found), a required
element missing (named), a value outside CAP's enumerations, a time without an explicit
offset (CAP forbids a trailing ``Z``), a polygon that is not closed or has under 4 points.
It checks what the OASIS schema and the specification require of what we read; it does not
insist on the schema's element order.

``to_xml(warning)`` writes an issued (or since ended) warning as one alert with one
``zh-CN`` info: Alert, Update (it replaces another: ``references`` lists every earlier
version) or Cancel (a cancelled warning: ``references`` lists it as issued). Each target
cell is one ``area`` with the cell's name, its 12-digit division code as the geocode
"CPEAS Geographic Code" (county and township codes padded with zeros, as China's national
release system writes them) and its boundary as polygons ("lat,lon", latitude first).
Urgency, severity, certainty and response types come from the level (``LEVEL_CAP``).
How an alert becomes a warning of ours is ``warnings.importer``'s business.
"""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as _fromstring
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError
from qianshao.lib.schemas import check_date_range
from qianshao.warnings.models import SEVERITY, Level, Status, Warning

NS = "urn:oasis:names:tc:emergency:cap:1.2"
CONTENT_TYPE = "application/cap+xml"
CPEAS = "CPEAS Geographic Code"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)
RESPONSE_TYPES = (
    "Shelter",
    "Evacuate",
    "Prepare",
    "Execute",
    "Avoid",
    "Monitor",
    "Assess",
    "AllClear",
    "None",
)
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")

# The OASIS schema's pattern for every time: seconds, and an explicit offset.
TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$")

# Our level → (urgency, severity, certainty, response type besides an evacuation).
LEVEL_CAP = {
    Level.RED: ("Immediate", SEVERITY[Level.RED], "Likely", "Prepare"),
    Level.ORANGE: ("Immediate", SEVERITY[Level.ORANGE], "Likely", "Prepare"),
    Level.YELLOW: ("Expected", SEVERITY[Level.YELLOW], "Likely", "Prepare"),
    Level.BLUE: ("Expected", SEVERITY[Level.BLUE], "Likely", "Monitor"),
}
EVACUATION_WORDS = ("转移", "撤离", "疏散")


class CapError(ActionError):
    """The document is not a CAP 1.2 alert we can take; the message says why."""

    def __init__(self, message, field: str | None = "file"):
        super().__init__(message, field)


class NotForUs(CapError):
    """A good alert that concerns nothing of ours: no cell of the grid, over already, or
    cancelling an alert we never had. Refused for an upload; a feed passes over it."""


class NotActual(NotForUs):
    """An alert that is no real warning (status Exercise, System, Test or Draft): refused
    for an upload, lest it be issued to everyone as real; a feed records it and goes on."""


# --- what an alert holds -----------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: str


@dataclass
class Geocode:
    name: str
    value: str


@dataclass
class Area:
    desc: str
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)  # (lat, lon)
    circles: list[tuple[float, float, float]] = field(default_factory=list)  # lat, lon, km
    geocodes: list[Geocode] = field(default_factory=list)


@dataclass
class Info:
    language: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    response_types: list[str] = field(default_factory=list)
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: list[Area] = field(default_factory=list)


@dataclass
class Alert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    note: str = ""
    references: list[Reference] = field(default_factory=list)
    infos: list[Info] = field(default_factory=list)


# --- reading -----------------------------------------------------------------------------


def parse(data: bytes) -> Alert:
    """The CAP 1.2 alert in ``data``, or a ``CapError`` naming what is wrong."""
    root = _xml(data)
    _check_root(root)
    alert = Alert(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_time(root, "sent"),
        status=_choice(root, "status", STATUSES),
        msg_type=_choice(root, "msgType", MSG_TYPES),
        scope=_choice(root, "scope", SCOPES),
        note=_text(root, "note", required=False),
        references=_references(_text(root, "references", required=False)),
        infos=[_info(el) for el in root.findall(_q("info"))],
    )
    if alert.msg_type in ("Update", "Cancel") and not alert.references:
        raise CapError(
            _("%(type)s 消息须带 <references>，指明所更新或解除的预警") % {"type": alert.msg_type}
        )
    return alert


def _xml(data: bytes) -> ET.Element:
    if not data or not data.strip():
        raise CapError(_("文件为空，请上传 CAP 1.2 XML 文件"))
    try:
        return _fromstring(data, forbid_dtd=True)
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise CapError(
            _("不是有效的 XML：第 %(line)s 行第 %(col)s 列出错") % {"line": line, "col": column + 1}
        ) from None
    except DefusedXmlException:
        raise CapError(_("XML 中含有 DTD 或实体声明，出于安全原因不予读取")) from None


def _check_root(root: ET.Element) -> None:
    namespace, _sep, local = root.tag[1:].rpartition("}") if root.tag[0] == "{" else ("", "", "")
    local = local or root.tag
    if local == "alert" and namespace != NS:
        raise CapError(
            _("命名空间不是 CAP 1.2：应为 %(ns)s，实为 %(found)s")
            % {"ns": NS, "found": namespace or _("（无）")}
        )
    if local in ("rss", "feed") or local == "RDF":
        raise CapError(_("这是订阅源（RSS/Atom），不是 CAP 消息；请上传单条 CAP 1.2 XML"))
    if local != "alert":
        raise CapError(
            _("不是 CAP 消息：根元素是 <%(tag)s>，应为 CAP 1.2 的 <alert>") % {"tag": local}
        )


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _parent(el: ET.Element) -> str:
    return el.tag.rpartition("}")[2]


def _text(el: ET.Element, name: str, *, required: bool = True) -> str:
    child = el.find(_q(name))
    text = (child.text or "").strip() if child is not None else ""
    if required and not text:
        raise CapError(
            _("缺少必需的元素 <%(name)s>（在 <%(parent)s> 中）")
            % {"name": name, "parent": _parent(el)}
        )
    return text


def _choice(el: ET.Element, name: str, allowed: tuple[str, ...], **kwargs) -> str:
    value = _text(el, name, **kwargs)
    if value and value not in allowed:
        raise CapError(_bad_value(name, value, allowed))
    return value


def _bad_value(name: str, value: str, allowed: tuple[str, ...]) -> str:
    return _("<%(name)s> 的值“%(value)s”不是 CAP 1.2 允许的取值（%(allowed)s）") % {
        "name": name,
        "value": value[:50],
        "allowed": "、".join(allowed),
    }


def _time(el: ET.Element, name: str, *, required: bool = True) -> datetime | None:
    value = _text(el, name, required=required)
    if not value:
        return None
    if value.endswith(("Z", "z")):
        raise CapError(
            _(
                "<%(name)s> 的时间“%(value)s”须带明确的时区偏移（如 +08:00），"
                "CAP 1.2 不允许以 Z 结尾"
            )
            % {"name": name, "value": value[:40]}
        )
    try:
        if not TIME_RE.match(value):
            raise ValueError(value)
        found = datetime.fromisoformat(value)
    except ValueError:
        raise CapError(
            _("<%(name)s> 的时间“%(value)s”格式不对，应如 2026-08-26T16:09:13+08:00")
            % {"name": name, "value": value[:40]}
        ) from None
    try:
        check_date_range(found)  # the far ends overflow when converted between time zones
    except ValueError as exc:
        raise CapError(f"<{name}> {value[:40]}: {exc}") from None
    return found


def _references(text: str) -> list[Reference]:
    found = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError(
                _("<references> 中的“%(r)s”不是“发送者,标识符,发送时间”三元组") % {"r": triple[:80]}
            )
        found.append(Reference(*parts))
    return found


def _info(el: ET.Element) -> Info:
    categories = [(c.text or "").strip() for c in el.findall(_q("category"))]
    if not any(categories):
        raise CapError(_("缺少必需的元素 <category>（在 <info> 中）"))
    for value in categories:
        if value not in CATEGORIES:
            raise CapError(_bad_value("category", value, CATEGORIES))
    responses = [(r.text or "").strip() for r in el.findall(_q("responseType"))]
    for value in responses:
        if value not in RESPONSE_TYPES:
            raise CapError(_bad_value("responseType", value, RESPONSE_TYPES))
    return Info(
        language=_text(el, "language", required=False) or "en-US",
        categories=categories,
        event=_text(el, "event"),
        urgency=_choice(el, "urgency", URGENCIES),
        severity=_choice(el, "severity", SEVERITIES),
        certainty=_choice(el, "certainty", CERTAINTIES),
        response_types=responses,
        headline=_text(el, "headline", required=False),
        description=_text(el, "description", required=False),
        instruction=_text(el, "instruction", required=False),
        sender_name=_text(el, "senderName", required=False),
        effective=_time(el, "effective", required=False),
        onset=_time(el, "onset", required=False),
        expires=_time(el, "expires", required=False),
        areas=[_area(a) for a in el.findall(_q("area"))],
    )


def _area(el: ET.Element) -> Area:
    geocodes = []
    for code in el.findall(_q("geocode")):
        geocodes.append(Geocode(_text(code, "valueName"), _text(code, "value")))
    return Area(
        desc=_text(el, "areaDesc"),
        polygons=[_polygon(p.text or "") for p in el.findall(_q("polygon"))],
        circles=[_circle(c.text or "") for c in el.findall(_q("circle"))],
        geocodes=geocodes,
    )


def _point(pair: str) -> tuple[float, float]:
    lat, lon = (float(v) for v in pair.split(","))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(pair)
    return lat, lon


def _polygon(text: str) -> list[tuple[float, float]]:
    try:
        points = [_point(pair) for pair in text.split()]
    except ValueError:
        raise CapError(_("<polygon> 须为以空格分隔的“纬度,经度”坐标对")) from None
    if len(points) < 4 or points[0] != points[-1]:
        raise CapError(_("<polygon> 须首尾闭合（首点与末点相同）且至少有 4 个点"))
    return points


def _circle(text: str) -> tuple[float, float, float]:
    try:
        centre, radius = text.split()
        lat, lon = _point(centre)
        km = float(radius)
        if km < 0:
            raise ValueError(radius)
    except ValueError:
        raise CapError(_("<circle> 须为“纬度,经度 半径（公里）”")) from None
    return lat, lon, km


# --- writing -----------------------------------------------------------------------------


def cap_time(value: datetime) -> str:
    """A time as CAP writes it: local time, seconds, an explicit offset (never ``Z``)."""
    return timezone.localtime(value).isoformat(timespec="seconds")


def division_geocode(code: str) -> str | None:
    """A cell code as a 12-digit division code (zero-padded), or None if it is none."""
    if (code.isascii() and code.isdigit()) and len(code) in (6, 9, 12):
        return code.ljust(12, "0")
    return None


def reference(w: Warning) -> str:
    """``w`` as issued, the way a later message refers to it: "sender,identifier,sent"."""
    return f"{w.cap_sender},{w.cap_identifier},{cap_time(w.issued_at)}"


def exported(w: Warning) -> bool:
    """Was it ever issued (and so has a CAP message of its own)?"""
    return w.issued_at is not None and w.status != Status.DRAFT


def to_xml(w: Warning) -> bytes:
    """The CAP 1.2 message of an issued, updated, cancelled or expired warning."""
    if not exported(w):
        raise ValueError(f"warning {w.pk} was never issued")
    cancelled = w.status == Status.CANCELLED
    earlier = _earlier(w)
    root = ET.Element("alert", xmlns=NS)
    _add(root, "identifier", f"{w.cap_identifier}_cancel" if cancelled else w.cap_identifier)
    _add(root, "sender", w.cap_sender)
    _add(root, "sent", cap_time(w.ended_at if cancelled else w.issued_at))
    _add(root, "status", "Actual")
    _add(root, "msgType", "Cancel" if cancelled else "Update" if w.replaces_id else "Alert")
    _add(root, "scope", "Public")
    if cancelled and w.end_reason:
        _add(root, "note", w.end_reason)
    refs = [reference(e) for e in earlier] + ([reference(w)] if cancelled else [])
    if w.parent_id:  # a relay: the county's warning it passes down
        refs.insert(0, reference(w.parent))
    if refs:
        _add(root, "references", " ".join(refs))
    root.append(_info_of(w, cancelled))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _earlier(w: Warning) -> list[Warning]:
    """The versions ``w`` replaces, oldest first."""
    chain, current = [], w
    while current.replaces_id:
        current = Warning.objects.select_related("replaces").get(pk=current.replaces_id)
        chain.append(current)
    return chain[::-1]


def _add(parent: ET.Element, tag: str, text: str) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = text
    return el


def _info_of(w: Warning, cancelled: bool) -> ET.Element:
    urgency, severity, certainty, response = LEVEL_CAP[w.level]
    info = ET.Element("info")
    _add(info, "language", "zh-CN")
    category = w.type.cap_category if w.type.cap_category in CATEGORIES else "Other"
    _add(info, "category", category)
    _add(info, "event", w.type.name)
    if cancelled:
        _add(info, "responseType", "AllClear")
    else:
        if any(word in w.instruction for word in EVACUATION_WORDS):
            _add(info, "responseType", "Evacuate")
        _add(info, "responseType", response)
    _add(info, "urgency", urgency)
    _add(info, "severity", severity)
    _add(info, "certainty", certainty)
    _add(info, "effective", cap_time(w.valid_from))
    _add(info, "expires", cap_time(w.valid_until))
    _add(info, "senderName", w.sender_name)
    headline = _("解除：%(h)s") % {"h": w.headline} if cancelled else w.headline
    _add(info, "headline", headline)
    _add(info, "description", w.text)
    if w.instruction:
        _add(info, "instruction", w.instruction)
    for target in w.targets.select_related("cell").order_by("cell_path"):
        info.append(_area_of(target.cell))
    return info


def _area_of(cell) -> ET.Element:
    area = ET.Element("area")
    _add(area, "areaDesc", cell.name)
    for ring in _rings(cell.boundary):
        _add(area, "polygon", " ".join(f"{_num(lat)},{_num(lon)}" for lon, lat in ring))
    geocode = division_geocode(cell.code)
    if geocode:
        code = ET.SubElement(area, "geocode")
        _add(code, "valueName", CPEAS)
        _add(code, "value", geocode)
    return area


def _rings(boundary: dict | None) -> list[list]:
    """The outer rings of a GeoJSON (Multi)Polygon, each closed, as [lon, lat] points."""
    if not boundary:
        return []
    kind, coords = boundary.get("type"), boundary.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    rings = []
    for polygon in polygons:
        ring = [tuple(p[:2]) for p in (polygon[0] if polygon else [])]
        if ring and ring[0] != ring[-1]:
            ring.append(ring[0])
        if len(ring) >= 4:
            rings.append(ring)
    return rings


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")
