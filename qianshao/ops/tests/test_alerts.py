"""The alerts: opened once per problem and told by SMS straight to the gateway (a real HTTP
server on loopback) and in-app through the outbox; never told twice; closed and told once
when fixed; shown on every page to those who are told."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from qianshao.grid.models import Person
from qianshao.notify.models import Channel, Delivery, Message, Status
from qianshao.ops import alerts, health
from qianshao.ops.models import Alert
from qianshao.ops.tests.conftest import beat, healthy, ran

pytestmark = pytest.mark.django_db


def sms_sent(gateway) -> list[tuple[str, str]]:
    return sorted((r.json["to"], r.json["text"]) for r in gateway.requests)


def test_a_stopped_worker_is_told_once_by_sms_and_in_app_and_its_fix_once(cast, sms_gateway):
    now = healthy()
    stalled = now + timedelta(minutes=3)
    watched = alerts.watch(stalled)
    assert [a.key for a in watched.opened] == ["heartbeat.stale"] and watched.closed == []

    # the SMS went to the gateway from this process: the county's dispatchers (the top
    # cells': A县 and B县), not the township's or the village's
    phones = sorted([cast.people["county"].phone, cast.people["outsider"].phone])
    assert sms_gateway.wait_for(2)
    sent = sms_sent(sms_gateway)
    assert [to for to, _text in sent] == phones
    for _to, text in sent:
        assert text.startswith("【前哨】运行告警：任务进程已停止：心跳已 3 分钟未更新")
        assert text.endswith("https://yingji.example.gov.cn/")
    assert sms_gateway.requests[0].headers["Authorization"] == "Bearer gateway-token"
    sms = Message.objects.filter(event="ops.alert", channel=Channel.SMS)
    assert sorted(sms.values_list("address", "status")) == [(p, Status.SENT) for p in phones]
    assert Delivery.objects.filter(message__in=sms, ok=True).count() == 2
    # in-app to the dispatchers and the superuser, delivered by the worker when it is back
    inapp = Message.objects.filter(event="ops.alert", channel=Channel.INAPP)
    users = {cast.users[n].pk for n in ["county", "outsider", "admin"]}
    assert set(inapp.values_list("user_id", flat=True)) == users
    alert = Alert.objects.get()
    assert alert.notified_at == stalled and alert.closed_at is None
    assert sorted(alert.sms) == sorted(sms.values_list("pk", flat=True))

    # the next rounds: still stopped, nothing new is opened or told
    for later in [stalled + timedelta(seconds=30), stalled + timedelta(minutes=5)]:
        watched = alerts.watch(later)
        assert watched.opened == [] and watched.closed == [] and watched.sms == []
    assert len(sms_gateway.requests) == 2 and Alert.objects.count() == 1

    # the worker beats again: the alert is closed and that is told, once
    fixed = stalled + timedelta(minutes=6)
    beat(fixed)
    for name in health.registered_jobs():
        if name != "qianshao.notify.jobs.heartbeat":
            ran(name, fixed)
    watched = alerts.watch(fixed + timedelta(seconds=5))
    assert [a.key for a in watched.closed] == ["heartbeat.stale"] and watched.opened == []
    assert sms_gateway.wait_for(4)
    resolved = [text for _to, text in sms_sent(sms_gateway) if "运行恢复" in text]
    assert len(resolved) == 2
    assert resolved[0].startswith("【前哨】运行恢复：已恢复：任务进程已停止")
    alert.refresh_from_db()
    assert alert.closed_at == fixed + timedelta(seconds=5)
    assert alert.resolved_notified_at == alert.closed_at
    watched = alerts.watch(fixed + timedelta(seconds=40))
    assert watched.opened == watched.closed == [] and len(sms_gateway.requests) == 4


def test_the_same_problem_again_after_its_fix_is_a_new_alert(cast, sms_gateway):
    now = healthy()
    alerts.watch(now + timedelta(minutes=3))
    healthy(now + timedelta(minutes=4))
    alerts.watch(now + timedelta(minutes=4))
    alerts.watch(now + timedelta(minutes=7))
    assert list(Alert.objects.order_by("pk").values_list("key", "closed_at")) == [
        ("heartbeat.stale", now + timedelta(minutes=4)),
        ("heartbeat.stale", None),
    ]


def test_an_sms_the_gateway_refused_is_tried_again_by_the_next_rounds(cast, sms_gateway):
    now = healthy()
    sms_gateway.fail_next(2, status=503)
    alerts.watch(now + timedelta(minutes=3))
    assert sms_gateway.wait_for(2)
    sms = Message.objects.filter(event="ops.alert", channel=Channel.SMS)
    assert set(sms.values_list("status", flat=True)) == {Status.PENDING}
    alerts.watch(now + timedelta(minutes=3, seconds=10))  # not due again yet (backoff)
    assert len(sms_gateway.requests) == 2
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        alerts.watch(now + timedelta(minutes=4))
    assert sms_gateway.wait_for(4)
    assert set(sms.values_list("status", flat=True)) == {Status.SENT}
    assert Alert.objects.count() == 1


def test_without_an_sms_gateway_the_alert_is_told_in_app(cast, settings):
    settings.SMS_GATEWAY_URL = ""
    now = healthy()
    alerts.watch(now + timedelta(minutes=3))
    told = Message.objects.filter(event="ops.alert")
    assert set(told.values_list("channel", flat=True)) == {Channel.INAPP}
    assert told.count() == 3


def test_a_superuser_with_a_person_is_told_by_sms_too(cast, sms_gateway):
    admin = cast.users["admin"]
    Person.objects.create(name="管理员", phone="13900000001", user=admin)
    people, users = alerts.recipients()
    assert "13900000001" in [p.phone for p in people] and admin not in users
    alerts.watch(healthy() + timedelta(minutes=3))
    assert sms_gateway.wait_for(3)
    assert "13900000001" in [to for to, _text in sms_sent(sms_gateway)]


def test_a_check_that_is_down_closes_none_of_its_alerts(cast, settings, monkeypatch):
    now = healthy()
    monkeypatch.setattr(health, "DISK_MIN_FREE_BYTES", 10**18)
    assert [a.key for a in alerts.watch(now).opened] == ["disk.low"]
    settings.DATA_DIR = settings.DATA_DIR / "not-there"  # the disk cannot be read at all
    watched = alerts.watch(now + timedelta(seconds=30))
    assert [a.key for a in watched.opened] == ["disk.down"] and watched.closed == []
    assert set(Alert.objects.filter(closed_at=None).values_list("key", flat=True)) == {
        "disk.low",
        "disk.down",
    }


def test_the_supervisors_round_never_raises(monkeypatch, caplog):
    def broken(now=None):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(alerts, "watch", broken)
    with caplog.at_level(logging.ERROR, logger="qianshao.ops.alerts"):
        alerts.watch_safely()
    assert "the health watch failed" in caplog.text and "database on fire" in caplog.text


def test_the_banner_shows_the_open_alerts_to_superusers_and_the_top_dispatchers(cast, client_for):
    now = healthy()
    alerts.watch(now + timedelta(minutes=3))
    seen = {}
    for name in ["admin", "county", "outsider", "township", "village", "department"]:
        html = client_for(cast.users[name]).get("/").content.decode()
        seen[name] = 'data-testid="ops-alerts"' in html and "任务进程已停止" in html
    assert seen == {
        "admin": True,
        "county": True,
        "outsider": True,
        "township": False,
        "village": False,
        "department": False,
    }
    # on every page, until it is fixed
    html = client_for(cast.users["county"]).get("/inbox/").content.decode()
    assert "运行告警：任务进程已停止" in html
    healthy(now + timedelta(minutes=4))
    alerts.watch(now + timedelta(minutes=4))
    html = client_for(cast.users["county"]).get("/inbox/").content.decode()
    assert 'data-testid="ops-alerts"' not in html
