import contextlib
import statistics
import time
from collections.abc import Callable

from django.db import DatabaseError, connection


def seconds(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm caches once, as a user's second request would
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def settle() -> None:
    """After a bulk load, what a running PostgreSQL has done before the load is queried for
    long: ANALYZE (the planner's statistics), VACUUM (the visibility map) and a checkpoint
    (the load's pages written out), so that plans and page reads are those of a database in
    service, and the timed work does not share the disk with the load's own checkpoint.
    Nothing on SQLite, which keeps no statistics unless asked."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        # not a superuser (nor pg_checkpoint): the server's own checkpoint will do
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")
