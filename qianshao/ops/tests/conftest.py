from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from qianshao.lib.fakegateway import FakeGateway
from qianshao.notify import jobs
from qianshao.ops import health


@pytest.fixture
def sms_gateway(settings):
    """A real HTTP server on loopback, configured as the SMS gateway."""
    with FakeGateway() as fake:
        settings.SMS_GATEWAY_URL = f"{fake.url}sms/send"
        settings.SMS_GATEWAY_TOKEN = "gateway-token"
        settings.BASE_URL = "https://yingji.example.gov.cn"
        yield fake


def beat(at: datetime, *, since: datetime | None = None, pid: int = 4242) -> None:
    """The worker's heartbeat at ``at`` (a worker started at ``since``)."""
    since = since or at - timedelta(hours=1)
    detail = {"host": "worker-1", "pid": pid, "since": since.isoformat()}
    with_clock(at, lambda: jobs.record(jobs.HEARTBEAT, at, ok=True, detail=detail))


def ran(name: str, at: datetime, *, ok: bool = True, error: str = "", detail=None) -> None:
    """A run of job ``name`` that started and ended at ``at``."""
    with_clock(at, lambda: jobs.record(name, at, ok=ok, error=error, detail=detail))


def with_clock(at: datetime, fn) -> None:
    import time_machine

    with time_machine.travel(at, tick=False):
        fn()


def healthy(now: datetime | None = None) -> datetime:
    """Everything as a working platform leaves it at ``now``: a heartbeat, every job just
    run, a backup taken an hour ago."""
    now = now or timezone.now()
    beat(now)
    for name in health.registered_jobs():
        if name != jobs.HEARTBEAT:
            ran(name, now)
    ran(health.BACKUP_JOB, now - timedelta(hours=1), detail={"path": "/b/x.tar", "bytes": 123})
    return now
