"""CAP feeds: polling an upstream Atom or RSS feed served on loopback imports each new entry
once, however often it is polled; a timeout, an HTTP error or a bad entry is recorded and
stops nothing. Our own Atom feed lists the warnings in force, each linking to its CAP."""

import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.db import DataError
from django.test import override_settings
from django.utils import timezone
from lxml import etree

from qianshao.grid.models import Role
from qianshao.notify.models import Message
from qianshao.testing import appoint
from qianshao.warnings import actions, cap, feeds, tasks
from qianshao.warnings.models import Feed, Level, Status, Warning
from qianshao.warnings.tests.access_rules_cap import alert_xml, reference_to
from qianshao.warnings.tests.test_cap_export import valid

ATOM = {"a": feeds.ATOM}


class FeedServer:
    """A real HTTP server on loopback answering GETs from ``pages``: path → (status, body).
    A path in ``hang`` is never answered. ``hits`` counts the requests per path."""

    def __init__(self):
        self.pages: dict[str, tuple[int, bytes]] = {}
        self.hang: set[str] = set()
        self.hits: Counter = Counter()
        self._released = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits[self.path] += 1
                if self.path in server.hang:
                    server._released.wait(10)
                    return
                status, body = server.pages.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "FeedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def atom_feed(entries: list[tuple[str, str]]) -> bytes:
    """An Atom feed whose entries (id, link) each link to a CAP document."""
    items = "".join(
        f"<entry><id>{key}</id><title>预警</title><updated>2026-01-01T00:00:00+08:00</updated>"
        f'<link rel="alternate" type="text/html" href="/page"/>'
        f'<link rel="related" type="application/cap+xml" href="{href}"/></entry>'
        for key, href in entries
    )
    return (
        f'<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:feed</id><title>上游</title>'
        f"<updated>2026-01-01T00:00:00+08:00</updated>{items}</feed>"
    ).encode()


def feed_at(url: str, **fields) -> Feed:
    return Feed.objects.create(name="国家预警信息发布中心", url=url, **fields)


# --- polling ---------------------------------------------------------------------------


def test_each_new_entry_is_imported_once_across_two_polls(cast, server):
    appoint(cast.cell("450901101"), Role.HEAD, name="乙镇网格长")  # someone to tell there
    first, second = (
        alert_xml(identifier="ID-1"),
        alert_xml(identifier="ID-2", geocodes=["450901101000"]),
    )
    server.pages["/cap/1.xml"] = (200, first)
    server.pages["/cap/2.xml"] = (200, second)
    server.pages["/feed"] = (
        200,
        atom_feed([("ID-1", "/cap/1.xml"), ("urn:entry:2", "/cap/2.xml")]),
    )
    feed = feed_at(server.url("/feed"))
    result = feeds.poll(feed)
    assert result.ok and result.known == 0
    assert sorted(w.cap_identifier for w in result.imported) == ["ID-1", "ID-2"]
    assert set(Warning.objects.values_list("status", flat=True)) == {Status.ISSUED}
    sent = Message.objects.count()
    assert sent > 0
    feed.refresh_from_db()
    assert feed.last_error == "" and feed.last_ok_at is not None

    again = feeds.poll(feed)
    assert (again.imported, again.known, again.errors) == ([], 2, [])
    assert Warning.objects.count() == 2
    assert Message.objects.count() == sent
    # unchanged entries are not even fetched again
    assert (server.hits["/cap/1.xml"], server.hits["/cap/2.xml"]) == (1, 1)


def test_an_entry_is_fetched_again_when_it_changes_and_imported_again_only_if_new(cast, server):
    server.pages["/cap/1.xml"] = (200, alert_xml(identifier="ID-1"))
    server.pages["/feed"] = (200, atom_feed([("urn:e", "/cap/1.xml")]))
    feed = feed_at(server.url("/feed"))
    feeds.poll(feed)
    first = Warning.objects.get()
    update = alert_xml(identifier="ID-2", msg_type="Update", references=[reference_to(first)])
    server.pages["/cap/1.xml"] = (200, update)  # the same entry, changed in place
    changed = atom_feed([("urn:e", "/cap/1.xml")]).replace(b"2026-01-01", b"2026-01-02")
    server.pages["/feed"] = (200, changed)
    result = feeds.poll(feed)
    assert [w.cap_identifier for w in result.imported] == ["ID-2"]
    assert server.hits["/cap/1.xml"] == 2
    first.refresh_from_db()
    assert first.status == Status.UPDATED


def test_alerts_for_other_places_or_over_already_are_passed_over_quietly(cast, server):
    past = timezone.now() - timedelta(days=2)
    server.pages["/cap/far.xml"] = (200, alert_xml(geocodes=["130132000000"], area="正定县"))
    server.pages["/cap/old.xml"] = (200, alert_xml(sent=past, expires=past + timedelta(hours=1)))
    far_cancel = alert_xml(
        msg_type="Cancel", references=["x@example.cn,FAR,2026-01-01T00:00:00+08:00"]
    )
    server.pages["/cap/cancel.xml"] = (200, far_cancel)
    entries = [
        ("urn:far", "/cap/far.xml"),
        ("urn:old", "/cap/old.xml"),
        ("urn:c", "/cap/cancel.xml"),
    ]
    server.pages["/feed"] = (200, atom_feed(entries))
    feed = feed_at(server.url("/feed"))
    result = feeds.poll(feed)
    assert (result.imported, result.passed_over, result.errors) == ([], 3, [])
    feed.refresh_from_db()
    assert feed.last_error == ""
    feeds.poll(feed)
    assert server.hits["/cap/far.xml"] == 1
    assert Warning.objects.count() == 0


def test_drills_and_tests_are_noted_and_passed_over_and_the_entries_after_them_import(cast, server):
    server.pages["/cap/drill.xml"] = (200, alert_xml(identifier="DRILL", status="Exercise"))
    server.pages["/cap/test.xml"] = (200, alert_xml(identifier="TEST", status="Test"))
    server.pages["/cap/good.xml"] = (200, alert_xml(identifier="GOOD"))
    entries = [
        ("urn:drill", "/cap/drill.xml"),
        ("urn:test", "/cap/test.xml"),
        ("urn:good", "/cap/good.xml"),
    ]
    server.pages["/feed"] = (200, atom_feed(entries))
    feed = feed_at(server.url("/feed"))
    result = feeds.poll(feed)
    assert ([w.cap_identifier for w in result.imported], result.errors) == (["GOOD"], [])
    assert result.not_actual == [
        "条目 urn:drill：该 CAP 消息的状态为 Exercise（演练），不是实际预警（Actual），未导入",
        "条目 urn:test：该 CAP 消息的状态为 Test（测试），不是实际预警（Actual），未导入",
    ]
    feed.refresh_from_db()
    assert feed.last_error == ""
    assert list(Warning.objects.values_list("cap_identifier", "status")) == [
        ("GOOD", Status.ISSUED)
    ]
    assert feeds.poll(feed).known == 3, "not fetched again while unchanged"
    assert server.hits["/cap/drill.xml"] == 1


def test_a_bad_entry_is_recorded_and_the_others_still_import(cast, server):
    server.pages["/cap/good.xml"] = (200, alert_xml(identifier="GOOD"))
    server.pages["/cap/bad.xml"] = (200, b"<html><body>oops</body></html>")
    server.pages["/cap/zulu.xml"] = (200, alert_xml().replace(b"+08:00", b"Z"))
    entries = [
        ("urn:bad", "/cap/bad.xml"),
        ("urn:missing", "/cap/missing.xml"),
        ("urn:zulu", "/cap/zulu.xml"),
        ("urn:good", "/cap/good.xml"),
    ]
    server.pages["/feed"] = (200, atom_feed(entries))
    feed = feed_at(server.url("/feed"))
    result = feeds.poll(feed)
    assert [w.cap_identifier for w in result.imported] == ["GOOD"]
    assert (
        result.errors[0] == "条目 urn:bad：不是 CAP 消息：根元素是 <html>，应为 CAP 1.2 的 <alert>"
    )
    assert result.errors[1] == f"条目 urn:missing：{server.url('/cap/missing.xml')} 返回 HTTP 404"
    assert result.errors[2].startswith("条目 urn:zulu：<sent> 的时间")
    feed.refresh_from_db()
    assert feed.last_error == "\n".join(result.errors)
    assert feed.last_ok_at is not None


def test_an_entry_too_long_to_keep_is_recorded_and_the_entry_after_it_imports(cast, server):
    server.pages["/cap/long.xml"] = (200, alert_xml(identifier="L" * 300))
    server.pages["/cap/good.xml"] = (200, alert_xml(identifier="GOOD"))
    entries = [("urn:long", "/cap/long.xml"), ("urn:good", "/cap/good.xml")]
    server.pages["/feed"] = (200, atom_feed(entries))
    feed = feed_at(server.url("/feed"))
    assert feeds.poll_due() == 1
    feed.refresh_from_db()
    assert feed.last_error == "条目 urn:long：<identifier> 过长：300 个字符，本系统最多保存 200 个"
    assert feed.last_ok_at is not None
    assert Warning.objects.get().cap_identifier == "GOOD"
    assert Warning.objects.get().status == Status.ISSUED


def test_an_entry_failing_for_any_reason_is_undone_and_the_entry_after_it_imports(
    cast, server, monkeypatch
):
    server.pages["/cap/bad.xml"] = (200, alert_xml(identifier="BAD"))
    server.pages["/cap/good.xml"] = (200, alert_xml(identifier="GOOD"))
    entries = [("urn:bad", "/cap/bad.xml"), ("urn:good", "/cap/good.xml")]
    server.pages["/feed"] = (200, atom_feed(entries))
    real = actions.issue

    def refused(actor, w):  # the database refuses the first one, half-way through
        if w.cap_identifier == "BAD":
            raise DataError("value too long for type character varying(200)")
        return real(actor, w)

    monkeypatch.setattr(actions, "issue", refused)
    feed = feed_at(server.url("/feed"))
    assert feeds.poll_due() == 1
    feed.refresh_from_db()
    assert feed.last_error == "条目 urn:bad：导入时发生内部错误，请查看日志"
    assert list(Warning.objects.values_list("cap_identifier", "status")) == [
        ("GOOD", Status.ISSUED)
    ], "the failed entry's draft is undone"
    assert feeds.poll(feed).errors == [feed.last_error], "tried again at the next poll"


def test_a_feed_that_never_answers_is_recorded_as_a_timeout(cast, server):
    server.hang.add("/feed")
    feed = feed_at(server.url("/feed"))
    started = time.monotonic()
    result = feeds.poll(feed, timeout=0.5)
    assert time.monotonic() - started < 5
    assert result.errors == [f"读取 {server.url('/feed')} 超时（0.5 秒）"]
    feed.refresh_from_db()
    assert feed.last_error == result.errors[0]
    assert (feed.last_polled_at is not None, feed.last_ok_at) == (True, None)
    assert Warning.objects.count() == 0


def test_http_errors_refused_connections_and_pages_that_are_no_feed_are_recorded(cast, server):
    server.pages["/broken"] = (500, b"error")
    server.pages["/html"] = (200, b"<html><body>hello</body></html>")
    server.pages["/text"] = (200, b"hello")
    cases = {
        "/broken": f"{server.url('/broken')} 返回 HTTP 500",
        "/html": "不是 Atom 或 RSS 订阅源（根元素 <html>）",
        "/text": "订阅源不是有效的 XML",
    }
    for path, expected in cases.items():
        assert feeds.poll(feed_at(server.url(path))).errors == [expected]
    refused = feeds.poll(feed_at("http://127.0.0.1:9/feed")).errors
    assert refused[0].startswith("无法连接 http://127.0.0.1:9/feed：")
    local = feeds.poll(feed_at("file:///etc/passwd")).errors
    assert local == ["只能读取 http 或 https 地址：file:///etc/passwd"]


def test_rss_with_enclosures_or_embedded_alerts_imports(cast, server):
    appoint(cast.cell("450901101"), Role.HEAD, name="乙镇网格长")  # someone to tell there
    server.pages["/cap/a.xml"] = (200, alert_xml(identifier="RSS-A"))
    embedded = alert_xml(identifier="RSS-B", geocodes=["450901101000"]).split(b"?>", 1)[1]
    rss = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><guid>RSS-A</guid><link>/page</link>"
        b'<enclosure url="/cap/a.xml" type="application/cap+xml" length="1"/></item>'
        b"<item><guid>urn:b</guid><description>x</description>" + embedded + b"</item>"
        b"</channel></rss>"
    )
    server.pages["/rss"] = (200, rss)
    result = feeds.poll(feed_at(server.url("/rss")))
    assert result.errors == []
    assert sorted(w.cap_identifier for w in result.imported) == ["RSS-A", "RSS-B"]


def test_a_lone_cap_message_at_the_url_counts_as_a_feed_of_one(cast, server):
    server.pages["/one.xml"] = (200, alert_xml(identifier="ONE"))
    result = feeds.poll(feed_at(server.url("/one.xml"), auto_issue=False))
    assert [(w.cap_identifier, w.status) for w in result.imported] == [("ONE", Status.DRAFT)]


def test_an_update_and_a_cancel_in_the_feed_act_once(cast, server):
    server.pages["/cap/1.xml"] = (200, alert_xml(identifier="V1"))
    server.pages["/feed"] = (200, atom_feed([("V1", "/cap/1.xml")]))
    feed = feed_at(server.url("/feed"))
    feeds.poll(feed)
    first = Warning.objects.get(cap_identifier="V1")
    update = alert_xml(identifier="V2", msg_type="Update", references=[reference_to(first)])
    cancel = alert_xml(msg_type="Cancel", references=[reference_to(first)], note="解除")
    server.pages["/cap/2.xml"] = (200, update)
    server.pages["/cap/3.xml"] = (200, cancel)
    server.pages["/feed"] = (
        200,
        atom_feed([("V1", "/cap/1.xml"), ("V2", "/cap/2.xml"), ("urn:c", "/cap/3.xml")]),
    )
    feeds.poll(feed)
    second = Warning.objects.get(cap_identifier="V2")
    first.refresh_from_db()
    assert (first.status, second.status) == (Status.UPDATED, Status.CANCELLED)
    sent = Message.objects.count()
    assert feeds.poll(feed).errors == []
    assert Message.objects.count() == sent


# --- the periodic task -------------------------------------------------------------------


def test_the_task_polls_only_active_feeds_whose_interval_has_passed(cast, server):
    server.pages["/feed"] = (200, atom_feed([]))
    due = feed_at(server.url("/feed"), interval_minutes=5)
    off = feed_at(server.url("/feed"), active=False)
    assert feeds.poll_due() == 1
    assert server.hits["/feed"] == 1
    assert feeds.poll_due() == 0
    later = timezone.now() + timedelta(minutes=5)
    assert feeds.poll_due(later) == 1
    due.refresh_from_db()
    off.refresh_from_db()
    assert off.last_polled_at is None
    assert due.last_ok_at is not None


def test_the_task_raises_nothing_and_one_feeds_trouble_stops_no_other(cast, server, monkeypatch):
    server.pages["/one.xml"] = (200, alert_xml(identifier="FINE"))
    server.pages["/broken.xml"] = (200, alert_xml(identifier="BROKEN"))
    server.hang.add("/slow")
    broken = feed_at(server.url("/broken.xml"))
    slow = feed_at(server.url("/slow"))
    fine = feed_at(server.url("/one.xml"))
    real = feeds.entries
    calls = []

    def flaky(data, base=""):
        calls.append(base)
        if base == broken.url:
            raise RuntimeError("a bug")
        return real(data, base)

    monkeypatch.setattr(feeds, "entries", flaky)
    with override_settings(NOTIFY_TIMEOUT_SECONDS=1):
        assert tasks.poll_cap_feeds.call_local() == 3
    for feed in (broken, slow, fine):
        feed.refresh_from_db()
    assert broken.last_error == "轮询时发生内部错误，请查看日志"
    assert slow.last_error.endswith("超时（1 秒）")
    assert (fine.last_error, calls) == ("", [broken.url, fine.url])
    assert Warning.objects.get().cap_identifier == "FINE"


def test_a_feed_another_worker_has_just_claimed_is_not_polled_again(cast, server, monkeypatch):
    server.pages["/feed"] = (200, atom_feed([]))
    feed = feed_at(server.url("/feed"))
    stale = [Feed.objects.get(pk=feed.pk)]  # this worker read it before the other claimed it
    Feed.objects.filter(pk=feed.pk).update(last_polled_at=timezone.now())

    class Listed(list):
        def order_by(self, *fields):
            return self

    class Manager:
        def filter(self, **kwargs):
            return Listed(stale) if kwargs == {"active": True} else Feed.objects.filter(**kwargs)

    monkeypatch.setattr(feeds, "Feed", type("Feed", (), {"objects": Manager()}))
    assert feeds.poll_due() == 0
    assert server.hits["/feed"] == 0


# --- our own feed ------------------------------------------------------------------------


def atom_entries(root) -> list:
    return root.findall("a:entry", ATOM)


def test_our_atom_feed_lists_only_the_warnings_in_force(cast, issued, issue, warn, client):
    county = cast.users["county"]
    in_force = issued(headline="生效中的暴雨黄色预警")
    warn(headline="草稿")
    actions.cancel(county, issued(headline="已解除"), reason="解除")
    old = issued(headline="旧版本")
    newer = issue(actions.revise(county, old, level=Level.ORANGE, headline="新版本"))
    running_out = issued(headline="即将过期", valid_until=timezone.now() + timedelta(minutes=30))
    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=False):
        response = client.get("/api/v1/warnings/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = etree.fromstring(response.content)
    assert root.tag == f"{{{feeds.ATOM}}}feed"
    titles = [e.findtext("a:title", namespaces=ATOM) for e in atom_entries(root)]
    assert sorted(titles) == sorted([in_force.headline, newer.headline])
    assert running_out.headline not in titles


def test_our_atom_feed_is_well_formed_atom_linking_each_entry_to_its_cap(cast, issued, client):
    w = issued()
    root = etree.fromstring(client.get("/api/v1/warnings/feed.atom").content)
    for tag in ["id", "title", "updated", "author/a:name"]:
        assert root.findtext(f"a:{tag}", namespaces=ATOM), tag
    self_link = root.find("a:link[@rel='self']", ATOM)
    assert self_link.get("href") == "http://testserver/api/v1/warnings/feed.atom"
    [entry] = atom_entries(root)
    url = f"http://testserver/api/v1/warnings/{w.pk}.cap.xml"
    assert entry.findtext("a:id", namespaces=ATOM) == url
    assert entry.findtext("a:title", namespaces=ATOM) == w.headline
    assert entry.findtext("a:updated", namespaces=ATOM) == cap.cap_time(w.issued_at)
    assert entry.findtext("a:author/a:name", namespaces=ATOM) == w.sender_name
    link = entry.find("a:link[@rel='alternate']", ATOM)
    assert (link.get("type"), link.get("href")) == ("application/cap+xml", url)
    valid(client.get(url.removeprefix("http://testserver")).content)


@override_settings(BASE_URL="https://yj.example.gov.cn")
def test_our_atom_feed_links_under_the_configured_address(cast, issued, client):
    w = issued()
    root = etree.fromstring(client.get("/api/v1/warnings/feed.atom").content)
    assert (
        root.findtext("a:id", namespaces=ATOM)
        == "https://yj.example.gov.cn/api/v1/warnings/feed.atom"
    )
    [entry] = atom_entries(root)
    assert entry.find("a:link", ATOM).get("href") == (
        f"https://yj.example.gov.cn/api/v1/warnings/{w.pk}.cap.xml"
    )


def test_our_feed_read_back_by_our_own_poller_holds_every_warning_once(
    cast, issued, client, settings
):
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/sms"  # SMS on: who has no login is told
    issued()
    appoint(cast.cell("450901101"), Role.HEAD, name="乙镇网格长")  # someone to tell there
    issued([cast.cell("450901101")])
    found = feeds.entries(client.get("/api/v1/warnings/feed.atom").content)
    assert len(found) == 2
    assert all(e.url.endswith(".cap.xml") for e in found)
