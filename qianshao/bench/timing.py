import statistics
import time
from collections.abc import Callable

from django.db import connection


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
    """After a bulk load, what autovacuum does on a running PostgreSQL before the load is
    queried for long: ANALYZE (the planner's statistics) and VACUUM (the visibility map),
    so that plans and page reads are those of a database in service, not of one written a
    second ago. Nothing on SQLite, which keeps no statistics unless asked."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
