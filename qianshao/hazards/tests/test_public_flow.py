"""A public report travels from the phone page to a reward: submit → tracking code → track →
staff accept → the hazard's loop → closed as major → reward proposed → approved → paid."""

import pytest
from django.core.cache import cache

from qianshao.audit.models import AuditRecord
from qianshao.hazards.models import (
    Hazard,
    PublicReport,
    PublicStatus,
    Reward,
    RewardStatus,
    Source,
    Stage,
    Status,
)
from qianshao.hazards.tests.access_rules_public import close_loop, industry, send, to_hazard
from qianshao.hazards.tests.conftest import jpeg


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def post_report(client, **data):
    fields = {
        "cell": "450901100",
        "text": "化工厂后门堆放大量油桶，无人看管",
        "address": "甲镇工业路 8 号",
        "anonymous": "1",
        "client_uuid": "6f1c3d2e-0000-4000-8000-000000000001",
    }
    return client.post("/report/", fields | data)


@pytest.mark.django_db
def test_a_real_name_public_report_becomes_a_hazard_and_earns_a_reward_when_closed_as_major(
    cast, client, client_for
):
    photo = jpeg()
    response = post_report(
        client,
        anonymous="0",
        name="王五",
        phone="139 1234 5678",
        photos=[_upload("a.jpg", photo), _upload("b.jpg", jpeg(color=(0, 90, 0)))],
    )
    assert response.status_code == 302
    report = PublicReport.objects.get()
    assert response["Location"] == f"/report/track/{report.tracking_code}/?sent=1"
    assert (report.name, report.phone, report.cell, report.status) == (
        "王五",
        "13912345678",
        cast.township,
        PublicStatus.RECEIVED,
    )
    assert report.photos.count() == 2

    sent = client.get(response["Location"])
    html = sent.content.decode()
    assert sent.status_code == 200
    assert f'data-testid="tracking-code">{report.tracking_code}<' in html
    assert f'href="/report/track/{report.tracking_code}/"' in html
    assert "已收到" in html

    township = client_for(cast.users["township"])
    listing = township.get("/hazards/public/").content.decode()
    assert f"/hazards/public/{report.tracking_code}/" in listing
    detail = township.get(f"/hazards/public/{report.tracking_code}/").content.decode()
    assert "王五" in detail and "13912345678" in detail
    token = report.photos.first().token
    assert f"/hazards/public/{report.tracking_code}/photos/{token}/" in detail
    picture = township.get(f"/hazards/public/{report.tracking_code}/photos/{token}/")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/jpeg"
    assert b"".join(picture.streaming_content)[:2] == b"\xff\xd8"

    response = township.post(
        f"/hazards/public/{report.tracking_code}/accept/",
        {
            "title": "化工厂油桶堆放",
            "category": industry().pk,
            "grade": "major",
            "cell": cast.village.code,
            "reply": "已派人核查",
        },
    )
    hazard = Hazard.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/hazards/{hazard.number}/"
    assert township.get(response["Location"]).status_code == 200
    assert (hazard.source, hazard.status, hazard.grade, hazard.cell) == (
        Source.PUBLIC,
        Status.ACCEPTED,
        "major",
        cast.village,
    )
    assert hazard.description == report.text
    assert list(hazard.photos.values_list("stage", flat=True)) == [Stage.PUBLIC] * 2
    report.refresh_from_db()
    assert (report.status, report.hazard, report.reply) == (
        PublicStatus.ACCEPTED,
        hazard,
        "已派人核查",
    )

    tracked = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "已转为隐患处理" in tracked and "已派人核查" in tracked
    assert "已受理，正在安排整改" in tracked

    close_loop(cast, hazard)
    reward = Reward.objects.get(public_report=report)
    assert reward.status == RewardStatus.PROPOSED
    tracked = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "已整改完毕并销号" in tracked and "待审批" in tracked

    county = client_for(cast.users["county"])
    page = county.get(f"/hazards/public/{report.tracking_code}/").content.decode()
    assert 'data-testid="approve-form"' in page
    rewards_page = county.get("/hazards/rewards/").content.decode()
    assert rewards_page.count(f'href="/hazards/public/{report.tracking_code}/"') == 1
    url = f"/hazards/public/{report.tracking_code}/reward/"
    assert county.post(url, {"status": "approved", "amount": "2000"}).status_code == 302
    reward.refresh_from_db()
    assert (reward.status, str(reward.amount)) == (RewardStatus.APPROVED, "2000.00")
    page = county.get(f"/hazards/public/{report.tracking_code}/").content.decode()
    assert 'data-testid="pay-form"' in page
    assert county.post(url, {"status": "paid"}).status_code == 302
    reward.refresh_from_db()
    assert reward.status == RewardStatus.PAID and reward.decided_by == cast.users["county"]
    tracked = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "已发放：2000.00 元" in tracked

    actions = list(AuditRecord.objects.for_object(report).values_list("action", flat=True))
    assert actions == ["hazards.public_report", "hazards.accept_public_report"]
    rewards = list(AuditRecord.objects.for_object(reward).values_list("action", flat=True))
    assert rewards == ["hazards.propose_reward", "hazards.decide_reward", "hazards.decide_reward"]


@pytest.mark.django_db
def test_the_tracking_page_tells_the_public_nothing_of_the_staff_behind_it(cast, client):
    report = send(cast, anonymous=False, name="赵六", phone="13700001111")
    close_loop(cast, to_hazard(cast, report))
    html = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    hazard = Hazard.objects.get()
    assert "已整改完毕并销号" in html
    for secret in [
        hazard.number,
        "township人",
        "village人",
        "county人",
        cast.people["village"].phone,
        cast.people["township"].phone,
        "更换管道",
        "13700001111",
        "赵六",
    ]:
        assert secret not in html


@pytest.mark.django_db
def test_an_anonymous_report_of_a_major_hazard_earns_no_reward(cast):
    report = send(cast, anonymous=True, name="钱七", phone="13700002222")
    assert (report.name, report.phone) == ("", "")
    close_loop(cast, to_hazard(cast, report, grade="major"))
    assert not Reward.objects.exists()


@pytest.mark.django_db
def test_a_real_name_report_of_a_general_hazard_earns_no_reward(cast):
    report = send(cast, anonymous=False, name="孙八", phone="13700003333")
    close_loop(cast, to_hazard(cast, report, grade="general"))
    assert Hazard.objects.get().status == Status.CLOSED
    assert not Reward.objects.exists()


@pytest.mark.django_db
def test_a_rejected_report_shows_the_reply_to_whoever_holds_the_code(cast, client, client_for):
    report = send(cast)
    township = client_for(cast.users["township"])
    url = f"/hazards/public/{report.tracking_code}/reject/"
    assert township.post(url, {"reply": "经核实，该处已于昨日整改"}).status_code == 302
    client.logout()
    html = client.get(f"/report/track/{report.tracking_code}/").content.decode()
    assert "不予受理" in html and "经核实，该处已于昨日整改" in html
    assert not Hazard.objects.exists()


def _upload(name, data, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)
