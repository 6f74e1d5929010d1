"""``/readyz`` (the health report for load balancers and uptime checks, no login) and
``/metrics`` (the same figures in Prometheus' text format, for the allowed addresses or the
bearer token)."""

import ipaddress
import math
import secrets

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from qianshao.ops import health


@login_not_required
@require_GET
@never_cache
def readyz(request):
    """200 ``{"ok": true, …}`` when nothing is wrong, else 503 with the problems: their keys
    and short messages, and each check's flag — no figures, errors or host names."""
    report = health.check()
    return JsonResponse(
        report.as_dict(public=True),
        status=200 if report.ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )


@login_not_required
@require_GET
@never_cache
def metrics(request):
    if not allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    registry = exposition(health.check())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def allowed(request) -> bool:
    """From an address of QIANSHAO_METRICS_ALLOW (the connection's, REMOTE_ADDR), or with
    ``Authorization: Bearer $QIANSHAO_METRICS_TOKEN``."""
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and _same(given[7:].strip(), token):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "").split("%")[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOW)


def exposition(report: health.Report) -> CollectorRegistry:
    """The report as gauges, in a registry of its own (nothing kept between requests)."""
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, value) -> None:
        Gauge(f"qianshao_{name}", doc, registry=registry).set(_number(value))

    def labelled(name: str, doc: str, label: str) -> Gauge:
        return Gauge(f"qianshao_{name}", doc, [label], registry=registry)

    values = {c.name: c.values for c in report.checks}
    up = labelled("check_ok", "1 when the check found nothing wrong", "check")
    for c in report.checks:
        up.labels(check=c.name).set(1 if c.ok else 0)
    gauge("problems", "Problems found (alerts open or about to be)", len(report.problems))
    db = values.get("database", {})
    gauge("database_size_bytes", "Database size on disk", db.get("size_bytes"))
    queue = values.get("queue", {})
    gauge("queue_pending", "Tasks waiting in the queue", queue.get("pending"))
    gauge("queue_scheduled", "Tasks scheduled for later", queue.get("scheduled"))
    beat = values.get("heartbeat", {})
    gauge("heartbeat_age_seconds", "Seconds since the worker's last heartbeat", beat.get("age_s"))
    last = labelled("job_last_run_age_seconds", "Seconds since the job last started", "job")
    late = labelled("job_late", "1 when the job is late past twice its period", "job")
    ok = labelled("job_ok", "1 when the job's last run worked (NaN: never ran)", "job")
    period = labelled("job_period_seconds", "How often the job is due", "job")
    for j in report.jobs:
        age = (report.at - j.started_at).total_seconds() if j.started_at else None
        last.labels(job=j.name).set(_number(age))
        late.labels(job=j.name).set(1 if j.late else 0)
        ok.labels(job=j.name).set(_number(None if j.ok is None else int(j.ok)))
        period.labels(job=j.name).set(j.every.total_seconds())
    out = values.get("outbox", {})
    bound = "counted up to 10,000"
    gauge("outbox_failed", f"Messages whose delivery failed ({bound})", out.get("failed"))
    gauge("outbox_waiting", f"Messages waiting to be sent ({bound})", out.get("waiting"))
    disk = values.get("disk", {})
    gauge("disk_free_bytes", "Free bytes on the data directory's disk", disk.get("free_bytes"))
    gauge("disk_total_bytes", "Size of the data directory's disk", disk.get("total_bytes"))
    backup = values.get("backup", {})
    gauge("backup_age_seconds", "Seconds since the last good backup", backup.get("age_s"))
    last_ok = backup.get("last_ok")
    last_ok = None if last_ok is None else int(last_ok)
    gauge("backup_ok", "1 when the last backup worked (NaN: none yet)", last_ok)
    return registry


def _same(given: str, token: str) -> bool:
    return secrets.compare_digest(given.encode(), token.encode())


def _number(value) -> float:
    return math.nan if value is None else float(value)
