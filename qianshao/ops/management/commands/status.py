"""`qianshao status`: the platform's health, each check on a line, the periodic jobs and the
problems; exit status 1 when there is any. ``--json`` prints the report as JSON;
``--alert`` also opens and closes the alerts and tells people (``ops.alerts.watch``), for
deployments whose worker runs on another machine than a ``qianshao run`` (call it from
cron every minute or two)."""

import json
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from qianshao.ops import alerts, health


class Command(BaseCommand):
    help = "Show the platform's health: database, queue, worker, jobs, outbox, disk, backup."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the report as JSON"
        )
        parser.add_argument(
            "--alert",
            action="store_true",
            help="also open/close the alerts and tell the dispatchers and administrators",
        )

    def handle(self, *args, as_json: bool = False, alert: bool = False, **options):
        opened = closed = ()
        if alert:
            try:
                watched = alerts.watch()
                report, opened, closed = watched.report, watched.opened, watched.closed
            except Exception as exc:  # the report is still worth printing
                report = health.check()
                self.stderr.write(f"alerts could not be written: {type(exc).__name__}: {exc}")
        else:
            report = health.check()
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render(report))
            for found, what in [(opened, "alert opened"), (closed, "alert closed")]:
                for a in found:
                    self.stdout.write(f"{what}: {a.key} — {a.message}")
        sys.exit(0 if report.ok else 1)


def render(report: health.Report) -> str:
    """The report as lines for the people who run the platform."""
    at = timezone.localtime(report.at).strftime("%Y-%m-%d %H:%M:%S %Z")
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    lines = [f"前哨 Qianshao status at {at}: {verdict}", ""]
    width = max(len(c.name) for c in report.checks)
    for c in report.checks:
        mark = "ok  " if c.ok else ("DOWN" if c.error else "FAIL")
        lines.append(f"[{mark}] {c.name:<{width}}  {c.label}：{c.summary}")
        if c.name == "jobs" and report.jobs:
            lines += _jobs(report)
    if report.problems:
        lines += ["", "problems:"]
        for p in report.problems:
            lines.append(f"  {p.key}: {p.message}")
            if p.detail:
                lines.append(f"      {p.detail.splitlines()[-1][:300]}")
    return "\n".join(lines) + "\n"


def _jobs(report: health.Report) -> list[str]:
    lines = []
    now = report.at
    for j in report.jobs:
        if j.ok is None:
            last = "never ran"
        else:
            ago = health.duration(now - j.started_at)
            last = f"last {health.local_time(j.started_at)} ({ago}前) {'ok' if j.ok else 'FAILED'}"
        flags = " LATE" * j.late + " FAILING" * j.failing
        every = health.period(j.every)
        lines.append(f"         · {j.label}（每 {every}）{last}{flags}  [{j.name}]")
    return lines
