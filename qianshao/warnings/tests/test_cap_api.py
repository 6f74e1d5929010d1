"""Importing CAP through the API and the upload page: a draft for the caller's cells; a bad
document is a 400 naming the reason; cells outside the caller's posts a 403; nothing is
written by a refusal, nor twice by a repeat."""

import pytest
from django.test import override_settings
from django.utils.html import escape

from qianshao.notify.models import Message
from qianshao.warnings import importer
from qianshao.warnings.models import Status, Warning
from qianshao.warnings.permissions import NO_ISSUING_POST
from qianshao.warnings.tests.access_rules_cap import alert_xml, sample, upload, writes

URL = "/api/v1/warnings/cap"
PAGE = "/warnings/import/"

BAD = {
    "not XML": (b"<alert>", "不是有效的 XML：第 1 行第 8 列出错"),
    "wrong namespace": (
        alert_xml().replace(b"emergency:cap:1.2", b"emergency:cap:1.1"),
        "命名空间不是 CAP 1.2：应为 urn:oasis:names:tc:emergency:cap:1.2，"
        "实为 urn:oasis:names:tc:emergency:cap:1.1",
    ),
    "missing identifier": (
        alert_xml(identifier="GONE").replace(b"<identifier>GONE</identifier>", b""),
        "缺少必需的元素 <identifier>（在 <alert> 中）",
    ),
    "Z times": (
        alert_xml().replace(b"+08:00</sent>", b"Z</sent>"),
        "须带明确的时区偏移（如 +08:00），CAP 1.2 不允许以 Z 结尾",
    ),
    "an RSS page": (
        b'<rss version="2.0"><channel><title>x</title></channel></rss>',
        "这是订阅源（RSS/Atom），不是 CAP 消息；请上传单条 CAP 1.2 XML",
    ),
    "a schema": (sample("sc-invalid-schema.xml"), "根元素是 <schema>"),
    "no severity": (sample("bf-invalid-schema.xml"), "缺少必需的元素 <severity>"),
    "no match": (alert_xml(geocodes=["130132000000"], area="正定县"), "预警区域与本系统网格不匹配"),
    "an exercise": (
        alert_xml(status="Exercise"),
        "该 CAP 消息的状态为 Exercise（演练），不是实际预警（Actual），未导入",
    ),
    # each value longer than the column it is kept in, named (PostgreSQL would refuse it)
    "a long identifier": (
        alert_xml(identifier="I" * 300),
        "<identifier> 过长：300 个字符，本系统最多保存 200 个",
    ),
    "a long sender": (
        alert_xml(sender="s" * 190 + "@example.cn"),
        "<sender> 过长：201 个字符，本系统最多保存 200 个",
    ),
    "a long headline": (
        alert_xml(headline="暴" * 201),
        "<headline> 过长：201 个字符，本系统最多保存 200 个",
    ),
    "a long event": (
        alert_xml(headline="", event="暴" * 201),
        "<event> 过长：201 个字符，本系统最多保存 200 个",
    ),
    "a long senderName": (
        alert_xml().replace(
            "A县气象台</senderName>".encode(), ("台" * 101 + "</senderName>").encode()
        ),
        "<senderName> 过长：101 个字符，本系统最多保存 100 个",
    ),
    "a long description": (
        alert_xml(description="雨" * 4001),
        "<description> 过长：4001 个字符，本系统最多保存 4000 个",
    ),
    "a long instruction": (
        alert_xml(instruction="转" * 4001),
        "<instruction> 过长：4001 个字符，本系统最多保存 4000 个",
    ),
}


def post_file(client, data: bytes, **headers):
    return client.post(URL, {"file": upload(data)}, headers=headers)


# --- the endpoint ------------------------------------------------------------------------


def test_it_imports_an_uploaded_file_as_a_draft_and_a_repeat_returns_it(cast, client_for):
    client = client_for(cast.users["county"])
    document = alert_xml(headline="A县气象台发布暴雨橙色预警", geocodes=["450901100000"])
    response = post_file(client, document)
    assert response.status_code == 201
    body = response.json()
    w = Warning.objects.get()
    assert body == {
        "id": w.pk,
        "number": w.number,
        "status": "draft",
        "level": "orange",
        "headline": "A县气象台发布暴雨橙色预警",
        "source": "upstream",
        "cap_identifier": w.cap_identifier,
        "targets": [{"code": "450901100", "name": "甲镇"}],
    }
    before = writes()
    again = post_file(client, document)
    assert (again.status_code, again.json()["id"]) == (200, w.pk)
    assert writes() == before


def test_it_takes_the_xml_as_the_request_body(cast, client_for):
    client = client_for(cast.users["county"])
    response = client.post(URL, alert_xml(), content_type="application/cap+xml")
    assert response.status_code == 201
    assert response.json()["status"] == Status.DRAFT


@pytest.mark.parametrize("case", sorted(BAD))
def test_it_refuses_a_bad_document_with_400_naming_the_reason_and_writes_nothing(
    cast, client_for, case
):
    data, reason = BAD[case]
    client = client_for(cast.users["county"])
    before = writes()
    response = post_file(client, data)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert response.json()["field"] == "file"
    assert writes() == before


def test_it_asks_for_the_file_when_there_is_none(cast, client_for):
    client = client_for(cast.users["county"])
    response = client.post(URL, {"other": "x"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "请上传 CAP 1.2 XML 文件（字段 file）", "field": "file"},
    )
    empty = client.post(URL, b"", content_type="application/xml")
    assert empty.json()["detail"] == "文件为空，请上传 CAP 1.2 XML 文件"


@override_settings(UPLOAD_MAX_BYTES=1024)
def test_it_refuses_a_file_too_big_with_413(cast, client_for):
    response = post_file(client_for(cast.users["county"]), alert_xml(description="长" * 2000))
    assert (response.status_code, response.json()["field"]) == (413, "file")


def test_the_outsider_cannot_import_for_the_other_county(cast, client_for):
    client = client_for(cast.users["outsider"])
    before = writes()
    response = post_file(client, alert_xml())
    assert response.status_code == 403
    assert response.json()["detail"] == "预警范围超出您的辖区"
    assert writes() == before
    # and may import for their own
    mine = post_file(client, alert_xml(geocodes=["450902000000"], area="B县"))
    assert mine.status_code == 201


def test_a_village_member_cannot_import(cast, client_for):
    response = post_file(client_for(cast.users["village"]), alert_xml(geocodes=["450901100201"]))
    assert response.status_code == 403
    assert response.json()["detail"] == str(NO_ISSUING_POST)


def test_anonymous_callers_are_refused_with_401(cast, client):
    response = post_file(client, alert_xml())
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
    assert Warning.objects.count() == 0


def test_a_bearer_token_imports_without_a_csrf_token(cast, client):
    from qianshao.testing import PASSWORD

    token = client.post(
        "/api/v1/auth/token",
        {"username": "county", "password": PASSWORD},
        content_type="application/json",
    ).json()["token"]
    response = client.post(
        URL,
        alert_xml(),
        content_type="application/xml",
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_nothing_is_ever_sent_twice_however_often_an_issued_alert_arrives(cast, client_for):
    from qianshao.warnings.models import Feed

    feed = Feed.objects.create(name="上游", url="http://127.0.0.1:9/")
    document = alert_xml()
    importer.import_alert(document, feed=feed)
    sent = Message.objects.count()
    assert sent > 0
    client = client_for(cast.users["county"])
    for _ in range(3):
        importer.import_alert(document, feed=feed)
        assert post_file(client, document).status_code == 200
    assert Message.objects.count() == sent


# --- the page ----------------------------------------------------------------------------


def test_the_page_shows_the_form_to_those_who_may_issue(cast, client_for):
    response = client_for(cast.users["county"]).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入 CAP 预警" in html
    assert 'name="file"' in html


def test_the_page_imports_and_goes_to_the_warning(cast, client_for):
    client = client_for(cast.users["township"])
    response = client.post(PAGE, {"file": upload(alert_xml(geocodes=["450901100201"]))})
    w = Warning.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/warnings/{w.number}/")
    assert (w.status, w.created_by) == (Status.DRAFT, cast.users["township"])


@pytest.mark.parametrize(
    "case",
    ["not XML", "wrong namespace", "Z times", "an RSS page", "a long identifier", "an exercise"],
)
def test_the_page_shows_why_a_file_was_refused_with_400(cast, client_for, case):
    data, reason = BAD[case]
    before = writes()
    response = client_for(cast.users["county"]).post(PAGE, {"file": upload(data)})
    assert response.status_code == 400
    assert escape(reason) in response.content.decode()
    assert writes() == before


def test_the_page_asks_for_a_file(cast, client_for):
    response = client_for(cast.users["county"]).post(PAGE, {})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_the_page_refuses_the_outsider_for_the_other_county_with_403(cast, client_for):
    before = writes()
    response = client_for(cast.users["outsider"]).post(PAGE, {"file": upload(alert_xml())})
    assert response.status_code == 403
    assert "预警范围超出您的辖区" in response.content.decode()
    assert writes() == before


def test_the_page_is_refused_to_those_who_may_not_issue(cast, client_for):
    client = client_for(cast.users["village"])
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"file": upload(alert_xml())}).status_code == 403
    assert Warning.objects.count() == 0


def test_the_page_sends_anonymous_visitors_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={PAGE}")
