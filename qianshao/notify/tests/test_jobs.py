"""Periodic jobs leave a trace (notify.jobs): each run's row, the worker's heartbeat."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey import crontab
from huey.contrib.djhuey import HUEY

from qianshao.notify import jobs
from qianshao.notify.models import JobRun

pytestmark = pytest.mark.django_db

NOON = timezone.make_aware(timezone.datetime(2026, 7, 1, 12, 0))


@pytest.fixture
def flaky():
    """A job of this test's own that works or fails as told."""
    told = {"fail": False}

    @jobs.periodic(crontab(minute="*/5"), every=timedelta(minutes=5), label="测试任务")
    def sample_job():
        if told["fail"]:
            raise RuntimeError("the gateway is down")
        return 7

    yield sample_job, told
    jobs.JOBS.pop(jobs.job_name(sample_job.func), None)
    HUEY._registry.unregister(sample_job.task_class)


def test_a_run_is_recorded_with_its_period_and_a_failure_with_its_error(flaky):
    task, told = flaky
    name = "qianshao.notify.tests.test_jobs.sample_job"
    assert jobs.JOBS[name].every == timedelta(minutes=5)

    with time_machine.travel(NOON, tick=False):
        assert task.call_local() == 7
    row = JobRun.objects.get(name=name)
    assert (row.ok, row.every_s, row.finished_at, row.succeeded_at) == (True, 300, NOON, NOON)

    told["fail"] = True
    later = NOON + timedelta(minutes=5)
    with time_machine.travel(later, tick=False), pytest.raises(RuntimeError):
        task.call_local()
    row.refresh_from_db()
    assert (row.ok, row.finished_at) == (False, later)
    assert row.error == "RuntimeError: the gateway is down"
    assert row.succeeded_at == NOON  # the last success stays


def test_the_heartbeat_names_the_worker_and_its_start():
    with time_machine.travel(NOON, tick=False):
        jobs.heartbeat.call_local()
    row = JobRun.objects.get(name=jobs.HEARTBEAT)
    assert row.ok and row.finished_at == NOON
    assert row.detail["since"] == jobs.STARTED.isoformat()
    assert {"host", "pid"} <= set(row.detail)


def test_every_periodic_task_of_the_platform_records_its_runs():
    """Declared with ``periodic``, not Huey's decorator: a job nobody sees stop is silent."""
    autodiscover_modules("tasks")  # as the worker does (djhuey)
    names = {f"{t.__module__}.{t.name}" for t in HUEY._registry.periodic_tasks}
    assert len(names) >= 15
    assert names <= set(jobs.JOBS), names - set(jobs.JOBS)
    for name in names:
        assert jobs.JOBS[name].every >= timedelta(minutes=1) and jobs.JOBS[name].label


def test_a_record_that_cannot_be_written_spoils_no_transaction(monkeypatch):
    from django.db import DatabaseError, transaction

    def broken(*args, **kwargs):
        raise DatabaseError("no such table: notify_jobrun")

    monkeypatch.setattr(JobRun.objects, "bulk_create", broken)
    with transaction.atomic():
        jobs.record("qianshao.ops.backup", NOON, ok=True)
        assert JobRun.objects.count() == 0  # the transaction still answers
