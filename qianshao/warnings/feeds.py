"""CAP feeds: polling an upstream release system's Atom or RSS feed of CAP 1.2 alerts, and
writing our own Atom feed of the warnings in force.

``poll(feed)`` fetches the feed's URL (http or https only, with a timeout), reads each
entry's CAP document — embedded in the entry, or at the entry's link (the link typed
``application/cap+xml`` first, an RSS enclosure, else the entry's link) — and imports it
through ``importer.import_alert``. An alert for none of our cells, or over already, is
passed over without a word (a national feed carries the whole country); one that is no
real alert (an exercise, a test …) is passed over too, noted in the poll's result and the
log. An entry taken or passed over is not fetched again until its id, updated stamp or
link changes (remembered in the cache; a miss costs only a fetch, since importing is
idempotent). Each entry is imported in a savepoint of its own: a bad one — refused, or
failing for any other reason — is recorded and the others, before and after it, still
import; a timeout, an HTTP error or a document that is no feed is recorded in
``Feed.last_error``.
Nothing raises out of ``poll_due``, the periodic task's body: one feed's trouble never stops
the next feed, and a stopped worker catches up at the next run.
"""

import hashlib
import http.client
import logging
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError
from defusedxml.ElementTree import fromstring as _fromstring
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qianshao.lib.errors import ActionError
from qianshao.warnings import cap, importer
from qianshao.warnings.models import Feed, Warning

logger = logging.getLogger(__name__)

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
CHUNK = 64 * 1024
# A poll starts when the interval has passed, give or take this (the task runs each minute).
SLACK = timedelta(seconds=30)
MAX_ENTRIES = 200
# An entry taken (or passed over) is not fetched again while unchanged: its id, its
# updated stamp and its link are remembered this long (a miss only costs a fetch).
SEEN_SECONDS = 7 * 24 * 3600


class FetchError(Exception):
    """A document could not be fetched; the message says why, in Chinese."""


@dataclass
class Entry:
    key: str  # the entry's id or guid, or its link
    url: str = ""
    inline: bytes | None = None
    stamp: str = ""  # when the entry last changed (Atom updated, RSS pubDate)

    def seen_key(self, feed: Feed) -> str:
        digest = hashlib.sha256(
            b"\n".join([self.key.encode(), self.stamp.encode(), self.url.encode()])
            + (self.inline or b"")
        ).hexdigest()[:32]
        return f"qianshao:cap-entry:{feed.pk}:{digest}"


@dataclass
class PollResult:
    imported: list[Warning] = field(default_factory=list)  # made or changed now
    known: int = 0  # entries already here
    passed_over: int = 0  # alerts for none of our cells, over already (cap.NotForUs)
    not_actual: list[str] = field(default_factory=list)  # drills, tests … (cap.NotActual)
    errors: list[str] = field(default_factory=list)  # the feed's, or one per bad entry

    @property
    def ok(self) -> bool:
        return not self.errors


# --- polling -----------------------------------------------------------------------------


def poll_due(now: datetime | None = None) -> int:
    """Poll each active feed whose interval has passed, claiming it first so that two
    workers never poll one feed at once. Returns how many were polled; raises nothing."""
    now = now or timezone.now()
    polled = 0
    for feed in Feed.objects.filter(active=True).order_by("pk"):
        last = feed.last_polled_at
        if last is not None and last + timedelta(minutes=feed.interval_minutes) - SLACK > now:
            continue
        if Feed.objects.filter(pk=feed.pk, last_polled_at=last).update(last_polled_at=now) != 1:
            continue  # another worker has it
        try:
            poll(feed)
        except Exception:  # a bug must not stop the other feeds, nor the schedule
            logger.exception("polling CAP feed %s failed", feed.pk)
            Feed.objects.filter(pk=feed.pk).update(last_error=_("轮询时发生内部错误，请查看日志"))
        polled += 1
    return polled


def poll(feed: Feed, *, timeout: float | None = None) -> PollResult:
    """Fetch ``feed`` and import each entry; records the outcome on the feed."""
    timeout = timeout or settings.NOTIFY_TIMEOUT_SECONDS
    started = timezone.now()
    result = PollResult()
    try:
        found = entries(fetch(feed.url, timeout), feed.url)
    except FetchError as exc:
        result.errors.append(str(exc))
        _record(feed, started, result, reached=False)
        return result
    for entry in found:
        _take(entry, feed, timeout, result)
    _record(feed, started, result, reached=True)
    return result


def _take(entry: Entry, feed: Feed, timeout: float, result: PollResult) -> None:
    seen = entry.seen_key(feed)
    if cache.get(seen):
        result.known += 1
        return
    where = entry.key[:120]
    try:
        data = entry.inline if entry.inline is not None else fetch(entry.url, timeout)
        with transaction.atomic():  # its own savepoint: a failed entry leaves the rest be
            w = importer.import_alert(data, feed=feed)
    except cap.NotActual as exc:  # no error: nothing is wrong with the feed
        logger.info("CAP feed %s: entry %s passed over: %s", feed.pk, where, exc)
        result.not_actual.append(_("条目 %(entry)s：%(reason)s") % {"entry": where, "reason": exc})
    except cap.NotForUs:
        result.passed_over += 1
    except (FetchError, ActionError) as exc:
        result.errors.append(_("条目 %(entry)s：%(reason)s") % {"entry": where, "reason": exc})
        return
    except Exception:  # a bug or a refusal of the database: this entry only, not the rest
        logger.exception("importing entry %s of CAP feed %s failed", where, feed.pk)
        reason = _("导入时发生内部错误，请查看日志")
        result.errors.append(_("条目 %(entry)s：%(reason)s") % {"entry": where, "reason": reason})
        return
    else:
        if w.imported:
            result.imported.append(w)
        else:
            result.known += 1
    cache.set(seen, True, SEEN_SECONDS)


def _record(feed: Feed, started: datetime, result: PollResult, *, reached: bool) -> None:
    changes = {"last_polled_at": started, "last_error": "\n".join(result.errors)[:4000]}
    if reached:
        changes["last_ok_at"] = timezone.now()
    Feed.objects.filter(pk=feed.pk).update(**changes)
    for name, value in changes.items():
        setattr(feed, name, value)


def fetch(url: str, timeout: float) -> bytes:
    """The body at ``url`` (http or https), read within ``timeout`` seconds."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(_("只能读取 http 或 https 地址：%(url)s") % {"url": url[:200]})
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "Qianshao-CAP/1.0",
            "Accept": f"{ATOM_TYPE}, application/rss+xml, {cap.CONTENT_TYPE}, application/xml",
        },
    )
    deadline = time.monotonic() + timeout
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _read(response, deadline)
    except urllib.error.HTTPError as exc:
        raise FetchError(
            _("%(url)s 返回 HTTP %(code)s") % {"url": url[:200], "code": exc.code}
        ) from None
    except TimeoutError:
        raise FetchError(
            _("读取 %(url)s 超时（%(s)s 秒）") % {"url": url[:200], "s": f"{timeout:g}"}
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise FetchError(
                _("读取 %(url)s 超时（%(s)s 秒）") % {"url": url[:200], "s": f"{timeout:g}"}
            ) from None
        raise FetchError(
            _("无法连接 %(url)s：%(reason)s") % {"url": url[:200], "reason": str(reason)[:200]}
        ) from None


def _read(response, deadline: float) -> bytes:
    limit, chunks, size = settings.UPLOAD_MAX_BYTES, [], 0
    while chunk := response.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FetchError(_("文档超过 %(m)s MB") % {"m": limit // (1024 * 1024)})
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


# --- reading a feed ----------------------------------------------------------------------


def entries(data: bytes, base: str = "") -> list[Entry]:
    """The entries of an Atom or RSS feed (a lone CAP alert counts as a feed of one)."""
    try:
        root = _fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException):
        raise FetchError(_("订阅源不是有效的 XML")) from None
    if root.tag == f"{{{cap.NS}}}alert":
        return [Entry(key=_text(root, f"{{{cap.NS}}}identifier"), inline=data)]
    if root.tag == f"{{{ATOM}}}feed":
        found = [_atom_entry(e, base) for e in root.findall(f"{{{ATOM}}}entry")]
    elif root.tag == "rss":
        found = [_rss_item(i, base) for i in root.iter("item")]
    else:
        raise FetchError(_("不是 Atom 或 RSS 订阅源（根元素 <%(tag)s>）") % {"tag": _local(root)})
    return [e for e in found if e.url or e.inline is not None][:MAX_ENTRIES]


def _atom_entry(el: ET.Element, base: str) -> Entry:
    key, stamp = _text(el, f"{{{ATOM}}}id"), _text(el, f"{{{ATOM}}}updated")
    alert = el.find(f".//{{{cap.NS}}}alert")
    if alert is not None:
        return Entry(key=key, inline=ET.tostring(alert, encoding="utf-8"), stamp=stamp)
    links = el.findall(f"{{{ATOM}}}link")
    typed = [link for link in links if "cap" in link.get("type", "")]
    plain = [link for link in links if link.get("rel", "alternate") == "alternate"]
    link = (typed or plain or links or [None])[0]
    url = urljoin(base, link.get("href", "").strip()) if link is not None else ""
    return Entry(key=key or url, url=url, stamp=stamp)


def _rss_item(el: ET.Element, base: str) -> Entry:
    key, stamp = _text(el, "guid"), _text(el, "pubDate")
    alert = el.find(f".//{{{cap.NS}}}alert")
    if alert is not None:
        return Entry(key=key, inline=ET.tostring(alert, encoding="utf-8"), stamp=stamp)
    enclosures = [e for e in el.findall("enclosure") if "xml" in e.get("type", "")]
    enclosure = enclosures[0] if enclosures else None
    href = enclosure.get("url", "") if enclosure is not None else _text(el, "link")
    url = urljoin(base, href.strip()) if href.strip() else ""
    return Entry(key=key or url, url=url, stamp=stamp)


def _text(el: ET.Element, tag: str) -> str:
    child = el.find(tag)
    return (child.text or "").strip() if child is not None else ""


def _local(el: ET.Element) -> str:
    return el.tag.rpartition("}")[2]


# --- our own feed ------------------------------------------------------------------------


def atom(warnings: list[Warning], *, self_url: str, link_for) -> bytes:
    """An Atom 1.0 feed of ``warnings``; ``link_for(w)`` is the absolute URL of its CAP."""
    root = ET.Element("feed", xmlns=ATOM)
    newest = max((w.issued_at for w in warnings), default=None) or timezone.now()
    _add(root, "id", self_url)
    _add(root, "title", _("前哨 · 生效中的预警"))
    _add(root, "updated", cap.cap_time(newest))
    _add(ET.SubElement(root, "author"), "name", _("前哨基层应急网格"))
    ET.SubElement(root, "link", rel="self", type=ATOM_TYPE, href=self_url)
    for w in warnings:
        entry = ET.SubElement(root, "entry")
        url = link_for(w)
        _add(entry, "id", url)
        _add(entry, "title", w.headline)
        _add(entry, "updated", cap.cap_time(w.issued_at))
        _add(ET.SubElement(entry, "author"), "name", w.sender_name)
        _add(entry, "summary", f"{w.get_level_display()} · {w.type.name} · {w.number}")
        ET.SubElement(entry, "link", rel="alternate", type=cap.CONTENT_TYPE, href=url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _add(parent: ET.Element, tag: str, text: str) -> None:
    ET.SubElement(parent, tag).text = text
