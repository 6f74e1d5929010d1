"""The task queue's own SQLite file (when Redis is not configured).

Huey's SQLite storage syncs the file on every commit; ours syncs like the main database
(WAL, ``synchronous=NORMAL``). A task lost to a power cut costs nothing but time: it only
kicks the delivery of messages that the outbox keeps in the main database, and the
minute's sweep delivers whatever is still due.
"""

from huey import SqliteHuey
from huey.storage import SqliteStorage


class QueueStorage(SqliteStorage):
    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class QueueHuey(SqliteHuey):
    storage_class = QueueStorage
