"""`qianshao bench hazards` writes its million rows' times through its own adapter
(``bench.hazards._adapt_time``), not Django's per-value path: it must store exactly what
Django would, on either database."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from qianshao.bench.hazards import _adapt_time


def test_the_bench_stores_the_times_django_would():
    adapt = _adapt_time(connection)
    now = timezone.now()
    for value in [
        now,
        now.replace(microsecond=0),
        datetime(2026, 6, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        timezone.localtime(now) - timedelta(days=300, microseconds=5),
        None,
    ]:
        assert adapt(value) == connection.ops.adapt_datetimefield_value(value), value
