"""The task queue: Huey on its own SQLite file (when Redis is not configured) or on Redis,
each carrying the request id into the jobs (docs/adr/0031).

Huey's SQLite storage syncs the file on every commit; ours syncs like the main database
(WAL, ``synchronous=NORMAL``). A task lost to a power cut costs nothing but time: it only
kicks the delivery of messages that the outbox keeps in the main database, and the
minute's sweep delivers whatever is still due.

A task enqueued while a request (or a job) runs is stored with that request's id beside
Huey's own message, the task's arguments untouched; the worker runs it under that id, so
every line it logs meanwhile carries it (and so does any task it enqueues in turn). A task
enqueued elsewhere (the schedule's periodic tasks, a command) runs under an id of its own,
``job-<task name>-<first 8 of the task id>``.
"""

from huey import RedisHuey, SqliteHuey
from huey.storage import SqliteStorage

from qianshao.lib import requestlog

CARRIED = "qianshao.request_id"  # marks a stored task that carries a request id


class RequestIds:
    """Huey mixin: the request id travels with the serialized task and is bound while the
    task runs. A task stored without one (queued before, or by a plain Huey) still runs."""

    def serialize_task(self, task) -> bytes:
        data = super().serialize_task(task)
        request_id = getattr(task, "request_id", None) or requestlog.current()
        if request_id is None:
            return data
        return self.serializer.serialize((CARRIED, request_id, data))

    def deserialize_task(self, data: bytes):
        stored = self.serializer.deserialize(data)
        # Huey's own message is a namedtuple, never a plain tuple
        if type(stored) is not tuple or len(stored) != 3 or stored[0] != CARRIED:
            return super().deserialize_task(data)
        _, request_id, data = stored
        task = super().deserialize_task(data)
        task.request_id = request_id
        return task

    def execute(self, task, timestamp=None):
        request_id = getattr(task, "request_id", None) or requestlog.current() or job_id(task)
        with requestlog.bound(request_id):
            return super().execute(task, timestamp)


def job_id(task) -> str:
    return f"job-{task.name}-{task.id[:8]}"


class QueueStorage(SqliteStorage):
    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn

    def enqueue(self, data, priority=None):
        """One INSERT, a transaction of its own in autocommit, without Huey's ``BEGIN
        EXCLUSIVE`` and ``COMMIT`` around it: two statements fewer after every action that
        queues a delivery."""
        with self.lock:
            self.conn.execute(
                "insert into task (queue, data, priority) values (?, ?, ?)",
                (self.name, self.to_blob(data), priority or 0),
            )


class QueueHuey(RequestIds, SqliteHuey):
    storage_class = QueueStorage


class QueueRedisHuey(RequestIds, RedisHuey):
    """Huey on Redis (``QIANSHAO_QUEUE_URL``)."""
