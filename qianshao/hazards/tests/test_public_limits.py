"""The public pages are limited per client address: 5 reports an hour, 20 a day, and 30
wrong tracking codes an hour; over a limit the answer is 429 with a plain message."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from qianshao.audit.models import AuditRecord
from qianshao.hazards import public
from qianshao.hazards.models import PublicReport
from qianshao.hazards.tests.access_rules_public import send

START = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def post(client, address="192.0.2.10", key=None, **headers):
    data = {"cell": "450901100", "text": "山体裂缝", "anonymous": "1"}
    data["client_uuid"] = str(key or uuid.uuid4())
    return client.post("/report/", data, REMOTE_ADDR=address, **headers)


@pytest.mark.django_db
def test_a_sixth_report_within_the_hour_is_refused_until_the_hour_has_passed(cast, client, clock):
    for _ in range(public.PER_ADDRESS_PER_HOUR):
        assert post(client).status_code == 302
        clock.shift(timedelta(minutes=10))
    audit = AuditRecord.objects.count()
    refused = post(client)
    assert refused.status_code == 429
    assert "提交过于频繁，请一小时后再试" in refused.content.decode()
    assert refused["Retry-After"] == "3600"
    assert PublicReport.objects.count() == public.PER_ADDRESS_PER_HOUR
    assert AuditRecord.objects.count() == audit
    clock.shift(timedelta(minutes=11))  # the first report is now more than an hour old
    assert post(client).status_code == 302


@pytest.mark.django_db
def test_the_day_allows_twenty_reports_from_one_address(cast, client, clock):
    for _hour in range(4):
        for _ in range(public.PER_ADDRESS_PER_HOUR):
            assert post(client).status_code == 302
        clock.shift(timedelta(hours=1, minutes=1))
    refused = post(client)
    assert refused.status_code == 429
    assert "今天的提交次数已达上限，请明天再试" in refused.content.decode()
    clock.shift(timedelta(hours=21))
    assert post(client).status_code == 302
    assert PublicReport.objects.count() == public.PER_ADDRESS_PER_DAY + 1


@pytest.mark.django_db
def test_one_address_over_its_limit_leaves_others_free(cast, client, clock):
    for _ in range(public.PER_ADDRESS_PER_HOUR):
        post(client, "192.0.2.10")
    assert post(client, "192.0.2.10").status_code == 429
    assert post(client, "192.0.2.11").status_code == 302


@pytest.mark.django_db
def test_a_forwarded_for_header_does_not_lift_the_limit(cast, client, clock):
    for i in range(public.PER_ADDRESS_PER_HOUR):
        post(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}")
    refused = post(client, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429
    assert set(PublicReport.objects.values_list("client_address", flat=True)) == {"192.0.2.10"}


@pytest.mark.django_db
def test_a_resend_of_a_report_that_got_through_is_answered_even_at_the_limit(cast, client, clock):
    keys = [uuid.uuid4() for _ in range(public.PER_ADDRESS_PER_HOUR)]
    first = [post(client, key=key) for key in keys]
    again = post(client, key=keys[-1])
    assert again.status_code == 302 and again["Location"] == first[-1]["Location"]
    assert post(client).status_code == 429


@pytest.mark.django_db
def test_wrong_tracking_codes_are_limited_per_address_so_codes_cannot_be_enumerated(
    cast, client, clock
):
    report = send(cast)
    good = f"/report/track/{report.tracking_code}/"
    for i in range(public.TRACK_MISSES_PER_HOUR):
        wrong = client.get(f"/report/track/{'23456789AB'[: 10 - len(str(i))]}{i}/")
        assert wrong.status_code == 404
    assert client.get(good, REMOTE_ADDR="192.0.2.77").status_code == 200  # another address
    refused = client.get(good)
    assert refused.status_code == 429
    assert "查询码错误次数过多，请一小时后再试" in refused.content.decode()
    clock.shift(timedelta(hours=1))
    assert client.get(good).status_code == 200


@pytest.mark.django_db
def test_correct_tracking_codes_are_not_counted_against_the_address(cast, client, clock):
    report = send(cast)
    for _ in range(public.TRACK_MISSES_PER_HOUR + 5):
        assert client.get(f"/report/track/{report.tracking_code}/").status_code == 200
