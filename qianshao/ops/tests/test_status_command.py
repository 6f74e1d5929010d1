"""`qianshao status`: every check on a line, exit status 1 on any problem, --json, --alert."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from qianshao.ops.models import Alert
from qianshao.ops.tests.conftest import healthy

pytestmark = pytest.mark.django_db


def status(capsys, *args) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        call_command("status", *args)
    return exit_.value.code, capsys.readouterr().out


def test_status_prints_each_check_and_exits_0_when_all_is_well(capsys):
    now = healthy()
    with time_machine.travel(now + timedelta(seconds=3), tick=False):
        code, out = status(capsys)
    assert code == 0
    assert ": OK" in out.splitlines()[0]
    for name in ["database", "queue", "heartbeat", "jobs", "outbox", "disk", "backup"]:
        assert f"[ok  ] {name}" in out
    assert "最近心跳 3 秒前（worker-1，进程 4242" in out
    assert "隐患督办（每 1 分钟）last" in out and "[qianshao.hazards.tasks.sweep_hazards]" in out


def test_status_exits_1_naming_the_problems_and_what_is_down(capsys, monkeypatch):
    now = healthy()
    monkeypatch.setattr(HUEY, "storage", RedisStorage(name="qianshao", url="redis://127.0.0.1:9/0"))
    with time_machine.travel(now + timedelta(minutes=3), tick=False):
        code, out = status(capsys)
    assert code == 1
    assert "2 problem(s)" in out.splitlines()[0]
    assert "[DOWN] queue" in out and "ConnectionError" in out
    assert "[FAIL] heartbeat" in out and "[ok  ] database" in out
    assert "heartbeat.stale: 任务进程已停止：心跳已 3 分钟未更新" in out
    assert "queue.down: 任务队列无法检查" in out

    with time_machine.travel(now + timedelta(minutes=3), tick=False):
        code, out = status(capsys, "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert [p["key"] for p in report["problems"]] == ["queue.down", "heartbeat.stale"]
    assert report["checks"][2]["values"]["pid"] == 4242


def test_status_alert_opens_the_alerts_for_a_worker_elsewhere(capsys, cast, settings):
    settings.SMS_GATEWAY_URL = ""
    now = healthy()
    with time_machine.travel(now + timedelta(minutes=3), tick=False):
        code, out = status(capsys, "--alert")
    assert code == 1 and "alert opened: heartbeat.stale" in out
    assert list(Alert.objects.values_list("key", flat=True)) == ["heartbeat.stale"]
