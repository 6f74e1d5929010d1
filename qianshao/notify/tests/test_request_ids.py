"""A task enqueued during a request runs in the worker under that request's id: every line
it logs carries it (notify/queue.py, docs/adr/0031). Through the real path of a task:
serialized, stored (the SQLite file, or Redis with QIANSHAO_QUEUE_URL), dequeued, executed;
and through the real worker process (`qianshao run_huey`)."""

import json
import logging
import uuid

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from qianshao import urls as project_urls
from qianshao.lib import requestlog
from qianshao.notify.models import InboxItem, Message, Status
from qianshao.notify.queue import QueueHuey, QueueRedisHuey, RequestIds
from qianshao.notify.tests.test_worker import start_worker, stop, wait_until

worked = logging.getLogger("qianshao.test.worked")
QUEUE = {}  # the test's queue and its task, for the view


def _enqueue(request):
    QUEUE["task"](7)
    return HttpResponse("queued")


urlpatterns = [path("enqueue/", _enqueue), *project_urls.urlpatterns]


@pytest.fixture(params=["sqlite", "redis"])
def queue(request, tmp_path):
    """A queue like settings.HUEY's (not immediate) with a task that logs a line."""
    if request.param == "sqlite":
        huey = QueueHuey("request-ids", filename=str(tmp_path / "queue.sqlite3"))
    elif settings.QUEUE_URL:
        huey = QueueRedisHuey(f"request-ids-{uuid.uuid4().hex[:8]}", url=settings.QUEUE_URL)
    else:
        pytest.skip("QIANSHAO_QUEUE_URL is not set")
    assert not huey.immediate

    @huey.task()
    def work(n):
        worked.warning("working on %s", n)
        if n == 7:
            follow_up(8)  # a task a task enqueues carries the same id

    @huey.task()
    def follow_up(n):
        worked.warning("following up %s", n)

    attempts = []

    @huey.task(retries=1)
    def flaky():
        attempts.append(1)
        worked.warning("attempt %s", len(attempts))
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    @huey.periodic_task(lambda ts: True)
    def sweep():
        worked.warning("sweeping")

    QUEUE.update(task=work, flaky=flaky, sweep=sweep)
    yield huey
    huey.flush()
    QUEUE.clear()


def run_next(huey, now=None) -> None:
    """What a worker thread does: take the next task from the storage and execute it."""
    task = huey.dequeue()
    assert task is not None
    huey.execute(task, now)


def worked_lines(buffer) -> list[str]:
    return [
        line.split(" ", 2)[2]
        for line in buffer.getvalue().splitlines()
        if " qianshao.test.worked " in line
    ]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_task_enqueued_in_a_request_logs_with_its_id(cast, client_for, queue, console):
    answer = client_for(cast.users["county"]).get("/enqueue/", HTTP_X_REQUEST_ID="req-from-nginx-1")
    assert answer.status_code == 200 and answer["X-Request-ID"] == "req-from-nginx-1"
    assert queue.pending_count() == 1
    run_next(queue)  # here, outside any request, as the worker's thread is
    run_next(queue)  # the follow-up the task enqueued
    assert worked_lines(console) == [
        "WARNING req-from-nginx-1 qianshao.test.worked working on 7",
        "WARNING req-from-nginx-1 qianshao.test.worked following up 8",
    ]
    assert requestlog.current() is None


@pytest.mark.django_db
def test_the_tasks_arguments_are_its_own(queue):
    with requestlog.bound("req-12345678"):
        QUEUE["task"](3)
    [pending] = queue.pending()
    assert pending.args == (3,) and pending.kwargs == {}
    assert pending.request_id == "req-12345678"


@pytest.mark.django_db
def test_a_scheduled_task_keeps_the_id(queue, console):
    with requestlog.bound("req-12345678"):
        QUEUE["task"].schedule((5,), delay=60)
    run_next(queue)  # not due yet: the worker puts it on the schedule
    assert queue.scheduled_count() == 1 and worked_lines(console) == []
    eta = queue.scheduled()[0].eta
    [due] = queue.read_schedule(eta)
    queue.enqueue(due)  # what the consumer's scheduler does when it is due
    run_next(queue, now=eta)
    assert worked_lines(console) == ["WARNING req-12345678 qianshao.test.worked working on 5"]


@pytest.mark.django_db
def test_a_retried_task_keeps_the_id(queue, console):
    with requestlog.bound("req-12345678"):
        QUEUE["flaky"]()
    run_next(queue)  # fails, and is enqueued again
    run_next(queue)
    assert worked_lines(console) == [
        "WARNING req-12345678 qianshao.test.worked attempt 1",
        "WARNING req-12345678 qianshao.test.worked attempt 2",
    ]


@pytest.mark.django_db
def test_a_task_from_nowhere_runs_under_a_job_id(queue, console):
    queue.enqueue(QUEUE["sweep"].s())  # as the consumer's scheduler does each minute
    QUEUE["task"](1)  # a command's, outside any request
    run_next(queue)
    run_next(queue)
    sweep_line, work_line = worked_lines(console)
    _, sweep_id, *_ = sweep_line.split()
    _, work_id, *_ = work_line.split()
    assert sweep_id.startswith("job-sweep-") and len(sweep_id) == len("job-sweep-") + 8
    assert work_id.startswith("job-work-")
    assert sweep_id != work_id


@pytest.mark.django_db
def test_a_task_stored_without_an_id_still_runs(queue, console):
    """One queued by the version before, or by a plain Huey."""
    task = QUEUE["task"].s(2)
    raw = super(RequestIds, queue).serialize_task(task)  # Huey's own, without the id
    queue.storage.enqueue(raw, None)
    run_next(queue)
    [line] = worked_lines(console)
    assert line.startswith("WARNING job-work-") and line.endswith("working on 2")


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_logs_the_requests_id(
    cast, appointee, sms_gateway, empty_queue, tmp_path, monkeypatch, client_for
):
    """`qianshao run_huey` in its own process, JSON lines, each task's start and end logged:
    the lines of the delivery an appointment page's request queued carry the request's id."""
    monkeypatch.setenv("QIANSHAO_LOG_FORMAT", "json")
    monkeypatch.setenv("QIANSHAO_WORKER_LOG_LEVEL", "INFO")
    answer = client_for(cast.users["township"]).post(
        f"/grid/{cast.village.code}/assign/",
        {
            "name": appointee.name,
            "phone": appointee.phone,
            "role": "informant",
            "client_uuid": str(uuid.uuid4()),
        },
    )
    assert answer.status_code == 302
    request_id = answer["X-Request-ID"]
    assert empty_queue.pending_count() == 1  # on commit: a deliver_messages task

    log = tmp_path / "worker.log"
    worker = start_worker(sms_gateway, log)
    try:

        def delivered():
            return (
                InboxItem.objects.filter(user=appointee.user).exists()
                and not Message.objects.exclude(status=Status.SENT).exists()
            )

        wait_until(delivered, worker, log)
    finally:
        stop(worker)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    ours = [line for line in lines if line["request_id"] == request_id]
    assert [line["message"].split(":")[0] for line in ours] == [
        "Executing qianshao.notify.delivery.deliver_messages",
        "qianshao.notify.delivery.deliver_messages",  # "…: <task id> executed in 0.01s"
    ]
    assert all(line["logger"] == "huey" for line in ours)
    assert "executed in" in ours[1]["message"]
