"""Importing a CAP 1.2 alert (an upload, or an entry of a polled feed) as a warning.

Only a real alert (status Actual) is taken: an Exercise, System, Test or Draft message is
refused as ``NotActual``, lest someone issue a drill to everyone as real (a 400 naming the
status for an upload; a feed records it and goes on). Every write goes through
``warnings.actions``: an Alert becomes a draft (``source`` upstream), issued at once when it
comes from a feed set to issue automatically; an Update revises the
warning it references and, under the same condition, issues the new version; a Cancel
cancels it. The same message again (its identifier, which ``Warning.cap_identifier`` holds
once) returns the warning it made and writes and sends nothing; a Cancel of a cancelled
warning likewise. An Update or Cancel whose references name nothing here is refused.
A value longer than the column it is kept in (the identifier, the sender, the headline —
or the event standing in for it —, the sender's name, the description, the instruction) is
refused, naming its element: nothing is cut short.
An alert for none of our cells, already over, or cancelling what we never had is refused
as ``NotForUs``: a 400 for an upload, passed over quietly by a feed (a national feed
carries the whole country's alerts).

Which cells an alert's areas mean (the info in Chinese, else the first):

1. Geocodes first. A value that is a division code — the 12-digit "CPEAS Geographic Code"
   (county and township codes padded with zeros), or a plain 6-, 9- or 12-digit code under
   another division-code name — is stripped of its padding and looked up by cell code.
   A code we do not hold falls back to the nearest division above it that we do (a village
   we lack warns its township: better a few too many than one missed); a city or province
   code (``4509xx`` / ``45xxxx`` padded) means every county of ours inside it.
2. Else the polygons and circles (a circle as a 32-sided polygon of its radius), against
   cell boundaries from the top of the grid down. A cell the area covers (99 % of it or
   more) is a target with its whole subtree; a cell it only partly covers is split into its
   children, each judged the same way, and is itself the target when it has no children or
   a child without a boundary (which no geometry can place). A cell counts as touched when
   the overlap is over 1 % of the cell or over 1 % of the area: a slip along a shared border
   touches nothing, a small circle inside one village touches that village.

An area matching no cell leaves the alert refused: "预警区域与本系统网格不匹配".
"""

import math
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qianshao.grid import tree
from qianshao.grid.models import ABOVE_TOWNSHIP_KINDS, Cell
from qianshao.lib.errors import Conflict, NotAllowed
from qianshao.warnings import actions, cap
from qianshao.warnings.access import visible_warnings
from qianshao.warnings.cap import CapError, NotActual, NotForUs
from qianshao.warnings.models import PENDING, Feed, Level, Source, Status, Warning, WarningType

COVERED = 0.99
TOUCHED = 0.01
DEFAULT_VALIDITY = timedelta(hours=24)
DIVISION_NAMES = {"gb/t 2260", "gbt2260", "行政区划代码", "区划代码", "division code"}
COLOURS = {"红色": Level.RED, "橙色": Level.ORANGE, "黄色": Level.YELLOW, "蓝色": Level.BLUE}
FROM_SEVERITY = {
    "Extreme": Level.RED,
    "Severe": Level.ORANGE,
    "Moderate": Level.YELLOW,
    "Minor": Level.BLUE,
    "Unknown": Level.BLUE,
}
_COLOUR_RE = re.compile("|".join(COLOURS))
NOT_ACTUAL = {
    "Exercise": gettext_lazy("演练"),
    "System": gettext_lazy("系统消息"),
    "Test": gettext_lazy("测试"),
    "Draft": gettext_lazy("草稿"),
}


def import_alert(data: bytes, *, feed: Feed | None = None, actor=None) -> Warning:
    """The warning made from the CAP document ``data``: drafted, revised or cancelled
    through ``warnings.actions`` as ``actor`` (None: the system, for a ``feed``).

    The returned warning's ``imported`` says whether this call changed anything (False: the
    message was here already). Raises ``CapError`` (400) for a document we cannot take,
    ``NotAllowed`` (403) when ``actor`` may not issue for its cells, ``Conflict`` (409).
    """
    alert = cap.parse(data)
    if alert.status != "Actual":
        raise NotActual(
            _("该 CAP 消息的状态为 %(status)s（%(meaning)s），不是实际预警（Actual），未导入")
            % {"status": alert.status, "meaning": NOT_ACTUAL[alert.status]}
        )
    known = _known(alert, actor)
    if known is not None:
        return known
    auto = feed is not None and feed.auto_issue
    try:
        with transaction.atomic():
            if alert.msg_type == "Alert":
                w = _alert(alert, data, actor, auto)
            elif alert.msg_type == "Update":
                w = _update(alert, data, actor, auto)
            elif alert.msg_type == "Cancel":
                w = _cancel(alert, actor)
            else:
                raise CapError(
                    _("不支持 %(type)s 类消息，只导入 Alert、Update 和 Cancel")
                    % {"type": alert.msg_type}
                )
    except IntegrityError:  # the same message, imported at this moment by someone else
        known = _known(alert, actor)
        if known is None:
            raise
        return known
    return w


def _known(alert: cap.Alert, actor) -> Warning | None:
    """The warning this very message made before, if any."""
    w = Warning.objects.filter(cap_identifier=alert.identifier).first()
    if w is None:
        return None
    if w.cap_sender != alert.sender:
        raise Conflict(
            _("标识符 %(id)s 已被另一发布者（%(sender)s）使用")
            % {"id": alert.identifier[:80], "sender": w.cap_sender[:80]},
            "file",
        )
    if actor is not None and not visible_warnings(actor).filter(pk=w.pk).exists():
        raise NotAllowed(_("预警范围超出您的辖区"), "file")
    w.imported = False
    return w


def _alert(alert: cap.Alert, data: bytes, actor, auto: bool) -> Warning:
    info = chosen_info(alert)
    w = actions.draft(
        actor, **fields_of(alert, info), source=Source.UPSTREAM, cap=_cap(alert, data)
    )
    if auto:
        w = actions.issue(None, w)
    w.imported = True
    return w


def _update(alert: cap.Alert, data: bytes, actor, auto: bool) -> Warning:
    current = _referenced(alert)
    if current.status in (Status.CANCELLED, Status.EXPIRED):
        raise Conflict(
            _("所更新的预警 %(n)s 的状态为“%(status)s”，不能再更新")
            % {"n": current.number, "status": current.get_status_display()},
            "file",
        )
    fields = fields_of(alert, chosen_info(alert))
    if current.status == Status.ISSUED:
        w = actions.revise(actor, current, **fields, cap=_cap(alert, data))
    else:  # a draft of ours the upstream has since changed: withdraw it, draft the new one
        actions.cancel(
            actor, current, reason=_("上级已发布更新：%(id)s") % {"id": alert.identifier}
        )
        w = actions.draft(actor, **fields, source=Source.UPSTREAM, cap=_cap(alert, data))
    if auto:
        w = actions.issue(None, w)
    w.imported = True
    return w


def _cancel(alert: cap.Alert, actor) -> Warning:
    current = _referenced(alert)
    if current.status in (Status.CANCELLED, Status.EXPIRED):
        current.imported = False
        return current
    reason = (alert.note or _("上级预警发布系统已解除该预警"))[:500]
    pending = Warning.objects.filter(replaces=current, status__in=PENDING).first()
    w = actions.cancel(actor, current, reason=reason)
    if pending is not None:  # a new version not yet issued goes with it
        actions.cancel(actor, pending, reason=reason)
    w.imported = True
    return w


def _referenced(alert: cap.Alert) -> Warning:
    """The current version of the warning an Update or Cancel refers to. Refers to none of
    ours: a Cancel, or an Update for none of our cells, is not for us; an Update for our
    cells is refused (we never had what it updates)."""
    pairs = {(r.sender, r.identifier) for r in alert.references}
    found = [
        w
        for w in Warning.objects.filter(cap_identifier__in=[i for _s, i in pairs])
        if (w.cap_sender, w.cap_identifier) in pairs
    ]
    if not found:
        ours = alert.msg_type == "Update" and alert.infos and cells_for(chosen_info(alert).areas)
        raise (CapError if ours else NotForUs)(
            _("所引用的预警（%(ids)s）不在本系统中，无法%(what)s")
            % {
                "ids": "、".join(r.identifier[:60] for r in alert.references[:3]),
                "what": _("更新") if alert.msg_type == "Update" else _("解除"),
            }
        )
    heads = {_head(w).pk: _head(w) for w in found}
    return max(heads.values(), key=lambda w: (w.created_at, w.pk))


def _head(w: Warning) -> Warning:
    """The newest issued version in the chain of updates that ``w`` begins."""
    while True:
        newer = Warning.objects.filter(replaces=w, issued_at__isnull=False).first()
        if newer is None:
            return w
        w = newer


def _cap(alert: cap.Alert, data: bytes) -> dict:
    _fits("identifier", alert.identifier, "cap_identifier")
    _fits("sender", alert.sender, "cap_sender")
    return {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": alert.sent,
        "xml": data.decode("utf-8", errors="replace"),
    }


# --- the fields of a warning -------------------------------------------------------------


def chosen_info(alert: cap.Alert) -> cap.Info:
    """The info block to take: the one in Chinese, else the first."""
    if not alert.infos:
        raise CapError(_("缺少必需的元素 <info>：没有可导入的预警内容"))
    chinese = [i for i in alert.infos if i.language.lower().startswith("zh")]
    return (chinese or alert.infos)[0]


def fields_of(alert: cap.Alert, info: cap.Info) -> dict:
    """``actions.draft``'s arguments for ``info``; refuses what cannot become a warning."""
    headline = _fits(
        "headline" if info.headline else "event", info.headline or info.event, "headline"
    )
    valid_from = info.effective or alert.sent
    valid_until = info.expires or valid_from + DEFAULT_VALIDITY
    if valid_until <= timezone.now():
        raise NotForUs(
            _("该预警已于 %(t)s 失效，未导入")
            % {"t": f"{timezone.localtime(valid_until):%Y-%m-%d %H:%M}"}
        )
    targets = cells_for(info.areas)
    if not targets:
        raise NotForUs(
            _("预警区域与本系统网格不匹配：%(areas)s")
            % {"areas": "、".join(a.desc[:40] for a in info.areas[:5]) or _("（无区域）")}
        )
    return {
        "type": type_of(info),
        "level": level_of(info),
        "headline": headline,
        "text": _fits("description", info.description, "text") or headline,
        "instruction": _fits("instruction", info.instruction),
        # the sender's address stands in for a missing name, shortened: it is kept whole
        "sender_name": _fits("senderName", info.sender_name, "sender_name")
        or alert.sender[: _limit("sender_name")],
        "valid_from": valid_from,
        "valid_until": valid_until,
        "targets": targets,
    }


def _limit(column: str) -> int:
    return Warning._meta.get_field(column).max_length


def _fits(element: str, value: str, column: str = "") -> str:
    """``value`` of the CAP ``element``, refused when longer than the column it is kept in
    (``column``, else the one named like the element)."""
    limit = _limit(column or element)
    if len(value) > limit:
        raise CapError(
            _("<%(name)s> 过长：%(n)s 个字符，本系统最多保存 %(limit)s 个")
            % {"name": element, "n": len(value), "limit": limit}
        )
    return value


def level_of(info: cap.Info) -> str:
    """The colour the Chinese headline names (the last one: "…升级为橙色"), else the
    level of the CAP severity."""
    colours = _COLOUR_RE.findall(f"{info.event} {info.headline}")
    return COLOURS[colours[-1]] if colours else FROM_SEVERITY[info.severity]


def type_of(info: cap.Info) -> WarningType:
    """The type whose name the headline or event holds, or whose CAP event the event
    holds (the longest name first: 森林火险 before 火险), else "other"."""
    types = sorted(
        WarningType.objects.filter(active=True).exclude(code="other"),
        key=lambda t: -len(t.name),
    )
    text, event = f"{info.event} {info.headline}", info.event.lower()
    for t in types:
        if t.name in text or (t.cap_event and t.cap_event.lower() in event):
            return t
    other = WarningType.objects.filter(code="other", active=True).first()
    if other is None:
        raise CapError(_("未找到对应的预警类型，且“其他”类型已停用"))
    return other


# --- areas to cells ----------------------------------------------------------------------


def cells_for(areas: list[cap.Area]) -> list[Cell]:
    """The cells ``areas`` mean (see the module's docstring), outermost only."""
    found: dict[str, Cell] = {}
    for area in areas:
        for cell in _by_geocode(area.geocodes) or _by_shape(area):
            found[cell.path] = cell
    return [found[p] for p in tree.outermost(found)]


def division_code(value: str) -> str | None:
    """A 6-, 9- or 12-digit division code without its zero padding, or None."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) not in (6, 9, 12):
        return None
    if len(value) == 12 and value.endswith("000000"):
        return value[:6]
    if len(value) == 12 and value.endswith("000"):
        return value[:9]
    return value


def _by_geocode(geocodes: list[cap.Geocode]) -> list[Cell]:
    codes = [
        code
        for g in geocodes
        if _names_division(g.name) and (code := division_code(g.value)) is not None
    ]
    if not codes:
        return []
    lineages = {code: [code[:n] for n in (12, 9, 6) if n <= len(code)] for code in codes}
    held = {
        c.code: c
        for c in Cell.objects.filter(code__in={a for line in lineages.values() for a in line})
    }
    found = []
    for code, line in lineages.items():
        cell = next((held[a] for a in line if a in held), None)
        found += [cell] if cell is not None else _inside_division(code)
    return found


def _names_division(name: str) -> bool:
    name = name.strip().lower()
    return "cpeas" in name or name in DIVISION_NAMES


def _inside_division(code: str) -> list[Cell]:
    """The outermost counties (or cities) of ours inside a city or province code."""
    if len(code) != 6 or not code.endswith("00"):
        return []
    prefix = code[:2] if code.endswith("0000") else code[:4]
    wide = Cell.objects.filter(code__startswith=prefix, kind__in=ABOVE_TOWNSHIP_KINDS)
    cells = {c.path: c for c in wide}
    return [cells[p] for p in tree.outermost(cells)]


def _area_shape(area: cap.Area):
    from shapely import make_valid  # here, not on import: with numpy it is 25 MB
    from shapely.affinity import scale
    from shapely.geometry import Point, Polygon
    from shapely.ops import unary_union

    parts = [Polygon([(lon, lat) for lat, lon in ring]) for ring in area.polygons]
    for lat, lon, km in area.circles:
        degrees = max(km, 0.01) / 111.32
        circle = Point(lon, lat).buffer(degrees, quad_segs=8)
        parts.append(scale(circle, xfact=1 / max(math.cos(math.radians(lat)), 0.01), yfact=1))
    if not parts:
        return None
    return make_valid(unary_union([make_valid(p) for p in parts]))


def _by_shape(area: cap.Area) -> list[Cell]:
    alert_shape = _area_shape(area)
    if alert_shape is None or alert_shape.area <= 0:
        return []
    found: list[Cell] = []
    todo = list(Cell.objects.filter(parent=None))
    while todo:
        cell = todo.pop()
        if cell.boundary is None:  # a root without a boundary: look inside it
            if cell.parent_id is None:
                todo += list(Cell.objects.filter(parent=cell))
            continue
        share = _share(cell, alert_shape)
        if share is None:
            continue
        children = list(Cell.objects.filter(parent=cell)) if share < COVERED else []
        if share >= COVERED or not children or any(c.boundary is None for c in children):
            found.append(cell)
        else:
            todo += children
    return found


def _share(cell: Cell, alert_shape) -> float | None:
    """How much of ``cell`` the area covers, or None if it does not touch it."""
    from shapely import make_valid
    from shapely.geometry import shape

    try:
        outline = make_valid(shape(cell.boundary))
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if outline.area <= 0:
        return None
    overlap = outline.intersection(alert_shape).area
    if overlap <= TOUCHED * outline.area and overlap <= TOUCHED * alert_shape.area:
        return None
    return overlap / outline.area
