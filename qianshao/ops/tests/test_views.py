"""``/readyz`` for anyone, ``/metrics`` for the allowed addresses or the token, the status
table on a superuser's home page."""

from datetime import timedelta

import pytest
import time_machine

from qianshao.ops.tests.conftest import healthy, ran

pytestmark = pytest.mark.django_db


def test_readyz_answers_200_when_all_is_well_and_503_naming_the_problems(client):
    now = healthy()
    with time_machine.travel(now + timedelta(seconds=10), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["problems"] == []
    assert body["checks"] == {
        name: True
        for name in ["database", "queue", "heartbeat", "jobs", "outbox", "disk", "backup"]
    }
    assert response["Cache-Control"].startswith("max-age=0")

    ran("qianshao.ops.backup", now, ok=False, error="OSError: /srv/backups: denied")
    with time_machine.travel(now + timedelta(minutes=3), tick=False):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert [p["key"] for p in body["problems"]] == ["heartbeat.stale", "backup.failed"]
    assert body["checks"]["heartbeat"] is False and body["checks"]["database"] is True
    # no internals for an anonymous caller: no error text, host, pid or path
    text = response.content.decode()
    assert "/srv/backups" not in text and "worker-1" not in text and "4242" not in text


def test_metrics_answer_the_allowed_addresses_in_prometheus_text(client, settings):
    now = healthy()
    with time_machine.travel(now + timedelta(seconds=7), tick=False):
        response = client.get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    text = response.content.decode()
    assert "qianshao_heartbeat_age_seconds 7.0" in text
    assert 'qianshao_check_ok{check="queue"} 1.0' in text
    assert 'qianshao_job_late{job="qianshao.hazards.tasks.sweep_hazards"} 0.0' in text
    assert 'qianshao_job_period_seconds{job="qianshao.notify.tasks.anchor_daily"} 86400.0' in text
    assert "qianshao_backup_age_seconds 3607.0" in text
    assert "qianshao_problems 0.0" in text
    for name in ["queue_pending", "outbox_failed", "outbox_waiting", "database_size_bytes"]:
        assert f"qianshao_{name} " in text
    assert "qianshao_disk_free_bytes " in text

    settings.METRICS_ALLOW = ["10.0.0.0/8", "::1"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics").status_code == 403  # 127.0.0.1 is no longer listed


def test_metrics_refuse_other_addresses_unless_the_token_is_given(client, settings):
    healthy()
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 403
    settings.METRICS_TOKEN = "metrics-secret-token"
    bearer = {"Authorization": "Bearer metrics-secret-token"}
    assert client.get("/metrics", headers=bearer, **outside).status_code == 200
    for wrong in ["Bearer metrics-secret", "Bearer ", "metrics-secret-token", "Basic x"]:
        response = client.get("/metrics", headers={"Authorization": wrong}, **outside)
        assert response.status_code == 403, wrong
    settings.METRICS_TOKEN = ""  # no token set: no bearer opens it
    response = client.get("/metrics", headers={"Authorization": "Bearer "}, **outside)
    assert response.status_code == 403


def test_the_superusers_home_page_shows_the_status_table(cast, client_for):
    healthy()
    html = client_for(cast.users["admin"]).get("/").content.decode()
    assert 'data-testid="ops-status"' in html
    assert "任务进程" in html and "隐患督办" in html
    html = client_for(cast.users["county"]).get("/").content.decode()
    assert 'data-testid="ops-status"' not in html
