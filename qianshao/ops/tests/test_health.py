"""The health report: each check, the problems it finds, and one check down never hiding
the others."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage

from qianshao.lib import keyset
from qianshao.notify import jobs
from qianshao.notify.models import JobRun, Message, Status
from qianshao.ops import health
from qianshao.ops.tests.conftest import beat, healthy, ran

SWEEP = "qianshao.hazards.tasks.sweep_hazards"  # a job due every minute
ANCHOR = "qianshao.notify.tasks.anchor_daily"  # a job due every day

pytestmark = pytest.mark.django_db


def keys(report: health.Report) -> list[str]:
    return sorted(p.key for p in report.problems)


def test_a_fresh_heartbeat_with_every_job_run_is_ok():
    now = healthy()
    report = health.check(now + timedelta(seconds=5))
    assert keys(report) == [] and report.ok
    assert [c.name for c in report.checks] == [
        "database",
        "queue",
        "heartbeat",
        "jobs",
        "outbox",
        "disk",
        "backup",
    ]
    assert all(c.ok and not c.error for c in report.checks)
    beat_values = report.check_named("heartbeat").values
    assert beat_values["age_s"] == 5.0 and beat_values["pid"] == 4242
    assert {j.name for j in report.jobs} >= {SWEEP, ANCHOR}
    assert not any(j.late or j.failing for j in report.jobs)
    assert report.check_named("database").values["size_bytes"] > 0
    assert report.check_named("backup").values["age_s"] == 3605


def test_a_heartbeat_older_than_two_minutes_is_a_stopped_worker_and_the_one_problem():
    now = healthy()
    with time_machine.travel(now + timedelta(minutes=2, seconds=1), tick=False):
        report = health.check()
    assert keys(report) == ["heartbeat.stale"]
    assert "心跳已 2 分钟未更新" in report.problems[0].message
    assert not report.check_named("heartbeat").ok
    # the minute jobs are late too, shown so, but the stopped worker is what is told
    assert {j.name for j in report.jobs if j.late} >= {SWEEP}
    with time_machine.travel(now + timedelta(minutes=1, seconds=59), tick=False):
        assert health.check().ok


def test_a_worker_that_died_is_a_problem_until_its_restart_beats_again():
    """`qianshao run` restarts a killed worker at once: the death is recorded by its
    supervisor and told, not hidden by the restart."""
    now = healthy()
    killed = now + timedelta(seconds=20)
    with time_machine.travel(killed, tick=False):
        health.record_worker_exit(4242, -9)
    report = health.check(killed + timedelta(seconds=5))
    assert keys(report) == ["worker.exited"]
    assert "异常退出（signal 9）" in report.problems[0].message
    assert not report.check_named("heartbeat").ok

    beat(now + timedelta(seconds=60), pid=4343)  # the restarted worker
    report = health.check(now + timedelta(seconds=65))
    assert report.ok
    assert "上次异常退出" in report.check_named("heartbeat").summary  # still named


def test_no_heartbeat_at_all_is_a_problem_once_the_platform_is_older_than_two_minutes():
    born = MigrationRecorder(connection).migration_qs.order_by("applied").first().applied
    assert health.check(born + timedelta(minutes=1)).check_named("heartbeat").ok
    report = health.check(born + timedelta(minutes=3))
    assert "heartbeat.none" in keys(report)


def test_a_job_late_by_more_than_twice_its_period_while_the_worker_beats():
    now = healthy()
    later = now + timedelta(minutes=3)
    beat(later, since=now - timedelta(hours=1))
    for name in health.registered_jobs():
        if name not in (SWEEP, jobs.HEARTBEAT):
            ran(name, later)
    report = health.check(later)
    assert keys(report) == [f"job.{SWEEP}.late"]
    assert "隐患督办" in report.problems[0].message
    late = next(j for j in report.jobs if j.name == SWEEP)
    assert late.late and late.started_at == now


def others_ran(at, *but: str) -> None:
    for name in health.registered_jobs():
        if name not in (jobs.HEARTBEAT, *but):
            ran(name, at)


def test_a_worker_just_restarted_gets_two_periods_before_its_jobs_are_late():
    now = healthy()
    later = now + timedelta(hours=3)
    beat(later, since=later - timedelta(seconds=30))  # restarted half a minute ago
    others_ran(later, SWEEP)
    assert keys(health.check(later)) == []
    # two periods after the worker's start, it is late again
    again = later + timedelta(minutes=1, seconds=31)
    beat(again, since=later - timedelta(seconds=30))
    others_ran(again, SWEEP)
    assert keys(health.check(again)) == [f"job.{SWEEP}.late"]


def test_a_job_whose_last_run_failed_is_a_problem_once_it_has_failed_for_a_while():
    now = healthy(timezone.now() - timedelta(days=1))
    now += timedelta(days=1)
    beat(now)
    others_ran(now, ANCHOR)
    ran(SWEEP, now + timedelta(minutes=1), ok=False, error="OperationalError: boom")
    report = health.check(now + timedelta(minutes=1, seconds=5))
    assert keys(report) == []  # once, a minute after it worked: not yet worth telling
    failed = next(j for j in report.jobs if j.name == SWEEP)
    assert failed.ok is False and not failed.failing

    later = now + timedelta(minutes=3)
    beat(later)
    others_ran(later, SWEEP, ANCHOR)
    ran(SWEEP, later, ok=False, error="OperationalError: boom")
    report = health.check(later + timedelta(seconds=5))
    assert keys(report) == [f"job.{SWEEP}.failed"]
    assert report.problems[0].detail == "OperationalError: boom"
    # a daily job that failed (it last worked yesterday) is told at once
    ran(ANCHOR, later, ok=False, error="ValueError: no")
    report = health.check(later + timedelta(seconds=5))
    assert keys(report) == [f"job.{SWEEP}.failed", f"job.{ANCHOR}.failed"]


def test_a_backup_older_than_36_hours_and_a_failed_backup():
    now = healthy()
    ran(health.BACKUP_JOB, now - timedelta(hours=36, minutes=1))
    report = health.check(now)
    assert keys(report) == ["backup.old"]
    assert "36 小时前" in report.problems[0].message

    ran(health.BACKUP_JOB, now, ok=False, error="OSError: No space left on device")
    report = health.check(now)
    assert keys(report) == ["backup.failed", "backup.old"]
    assert report.check_named("backup").values["last_ok"] is False


def test_no_backup_ever_is_a_problem_on_a_platform_older_than_36_hours(settings):
    born = MigrationRecorder(connection).migration_qs.order_by("applied").first().applied
    now = healthy(born + timedelta(hours=37))
    JobRun.objects.filter(name=health.BACKUP_JOB).delete()
    assert keys(health.check(now)) == ["backup.none"]
    assert keys(health.check(born + timedelta(hours=1))) == []
    settings.BACKUP_AT = "off"  # backed up by other means: the age is not watched
    assert keys(health.check(now)) == []


def test_a_check_that_is_down_is_named_with_its_error_and_the_others_still_report(monkeypatch):
    now = healthy()
    # the queue's Redis at an address where nothing listens
    monkeypatch.setattr(HUEY, "storage", RedisStorage(name="qianshao", url="redis://127.0.0.1:9/0"))
    report = health.check(now)
    assert keys(report) == ["queue.down"]
    queue = report.check_named("queue")
    assert not queue.ok and "ConnectionError" in queue.error
    assert report.problems[0].message == "任务队列无法检查"
    assert all(c.ok for c in report.checks if c.name != "queue")
    assert report.check_named("heartbeat").values["age_s"] == 0.0


def test_low_disk_is_a_problem(monkeypatch):
    now = healthy()
    monkeypatch.setattr(health, "DISK_MIN_FREE_BYTES", 10**18)
    report = health.check(now)
    assert keys(report) == ["disk.low"]
    assert "磁盘空间不足" in report.problems[0].message


def test_the_outbox_counts_failed_and_waiting_messages_up_to_the_bound(monkeypatch):
    now = healthy()
    common = {"event": "t", "channel": "inapp", "subject": "s"}
    Message.objects.bulk_create(
        [Message(status=Status.FAILED, **common) for _ in range(3)]
        + [Message(status=Status.PENDING, **common) for _ in range(5)]
        + [Message(status=Status.SENDING, **common)]
        + [Message(status=Status.SENT, **common) for _ in range(7)]
    )
    outbox = health.check(now).check_named("outbox")
    assert outbox.values == {
        "failed": 3,
        "failed_capped": False,
        "waiting": 6,
        "waiting_capped": False,
    }
    monkeypatch.setattr(keyset, "COUNT_BOUND", 4)
    outbox = health.check(now).check_named("outbox")
    assert outbox.values["waiting"] == 4 and outbox.values["waiting_capped"]
    assert "待发送 4+ 条" in outbox.summary


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
def test_the_outbox_counts_read_the_status_index_only():
    with CaptureQueriesContext(connection) as queries:
        health._outbox(health._State(timezone.now()), health.Check("outbox", ""), None)
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        assert "USING COVERING INDEX" in plan and "SCAN notify_message" not in plan, plan


def test_the_public_report_holds_flags_and_messages_only():
    now = healthy()
    ran(health.BACKUP_JOB, now, ok=False, error="OSError: /secret/path")
    public = health.check(now).as_dict(public=True)
    assert set(public) == {"ok", "at", "checks", "problems"}
    assert public["problems"] == [{"key": "backup.failed", "message": "最近一次备份失败"}]
    assert "secret" not in str(public) and "worker-1" not in str(public)
