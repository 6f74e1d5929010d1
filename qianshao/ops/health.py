"""The platform's health in one report: what ``qianshao status``, ``/readyz``, ``/metrics``,
a superuser's home page and the alerts (``ops.alerts``) all read.

``check()`` looks at each thing on its own — the database and its size, the task queue, the
worker's heartbeat, each periodic job's last run, the outbox, the free disk of the data
directory, the last backup — each in its own ``try``: one thing down (the queue's Redis, a
table) never stops the others from being read, and the report names it with its error.

What is wrong is a ``Problem`` with a stable key (``heartbeat.stale``, ``job.<name>.late``,
``backup.old``, ``queue.down`` …) and a short Chinese message for the people told:

- the heartbeat older than ``QIANSHAO_HEARTBEAT_MAX_AGE`` (2 minutes), or none at all while
  the platform (its first migration) is older than that;
- a job late by more than twice its period — counted from its last start, or from the
  worker's start when that is later (a worker just back gets two periods to run it); while
  the heartbeat is stale the jobs are shown late but the stopped worker is the one problem;
- a job whose last run failed, when it has not succeeded for ``FAILING_FOR`` or two periods
  (a minute's sweep that failed once and works again is not worth an SMS);
- the last good backup older than 36 hours (or none, on a platform older than that) unless
  the nightly backup is off (``QIANSHAO_BACKUP_AT=off``: backed up by other means), or the
  last backup failed;
- free disk in the data directory under 1 GB or 5 %;
- a check that could not be made (``<check>.down``), the database first among them.
"""

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from qianshao.lib import keyset
from qianshao.notify import jobs
from qianshao.notify.models import JobRun, Message, Status

BACKUP_JOB = "qianshao.ops.backup"  # the JobRun row of the last backup (ops.backup)
# the JobRun row of the worker's last death, written by the supervisor of `qianshao run`
WORKER_EXIT = "qianshao.run.worker"
NIGHTLY_BACKUP = "qianshao.ops.tasks.nightly_backup"  # its job: never due when off
BACKUP_MAX_AGE = timedelta(hours=36)
LATE_FACTOR = 2  # a job is late past this many periods
FAILING_FOR = timedelta(minutes=10)  # a failed job is a problem once failing this long
DISK_MIN_FREE_BYTES = 1024**3
DISK_MIN_FREE_SHARE = 0.05


def heartbeat_max_age() -> timedelta:
    return timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS)


@dataclass
class Problem:
    key: str  # stable: what an alert is opened and closed by
    message: str  # short, Chinese, for the people told and anonymous /readyz
    check: str  # the check that found it
    detail: str = ""  # an error's text: for the status command and a superuser only


@dataclass
class Check:
    name: str
    label: str
    ok: bool = True
    summary: str = ""  # one readable line
    values: dict = field(default_factory=dict)  # figures for --json and /metrics
    error: str = ""  # set when the check itself could not be made


@dataclass
class JobState:
    name: str
    label: str
    every: timedelta
    started_at: datetime | None = None
    finished_at: datetime | None = None
    ok: bool | None = None  # None: never ran
    error: str = ""
    succeeded_at: datetime | None = None
    late: bool = False
    failing: bool = False

    @property
    def every_label(self) -> str:
        return period(self.every)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "label": self.label,
            "every_s": int(self.every.total_seconds()),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "ok": self.ok,
            "error": self.error,
            "succeeded_at": _iso(self.succeeded_at),
            "late": self.late,
            "failing": self.failing,
        }


@dataclass
class Report:
    at: datetime
    checks: list[Check] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    jobs: list[JobState] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def check_named(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def down(self) -> set[str]:
        """The checks that could not be made: their problems are unknown, not gone."""
        return {c.name for c in self.checks if c.error}

    def as_dict(self, *, public: bool = False) -> dict:
        """The report as JSON; ``public``: the checks' flags and the problems' keys and
        messages only (anonymous ``/readyz``), no figures, errors or host names."""
        problems = [{"key": p.key, "message": p.message} for p in self.problems]
        if public:
            return {
                "ok": self.ok,
                "at": _iso(self.at),
                "checks": {c.name: c.ok for c in self.checks},
                "problems": problems,
            }
        for shown, p in zip(problems, self.problems, strict=True):
            shown |= {"check": p.check, "detail": p.detail}
        return {
            "ok": self.ok,
            "at": _iso(self.at),
            "checks": [
                {
                    "name": c.name,
                    "label": c.label,
                    "ok": c.ok,
                    "summary": c.summary,
                    "values": c.values,
                    "error": c.error,
                }
                for c in self.checks
            ],
            "jobs": [j.as_dict() for j in self.jobs],
            "problems": problems,
        }


def check(now: datetime | None = None) -> Report:
    """Everything, each part on its own; never raises for what it looks at."""
    now = now or timezone.now()
    report = Report(at=now)
    state = _State(now)
    for name, label, part in PARTS:
        found = Check(name, str(label))
        try:
            part(state, found, report)
        except Exception as exc:  # whatever it was, the report says which and goes on
            found.ok = False
            found.error = f"{type(exc).__name__}: {exc}"[:500]
            found.summary = _("无法检查：%(error)s") % {"error": found.error}
            message = _("%(label)s无法检查") % {"label": found.label}
            if name == "database":
                message = _("数据库无法连接")
            report.problems.append(Problem(f"{name}.down", message, name, found.error))
        if any(p.check == name for p in report.problems):
            found.ok = False
        report.checks.append(found)
    return report


class _State:
    """What several checks read once: the jobs' rows and the platform's age."""

    def __init__(self, now: datetime):
        self.now = now
        self._runs: dict[str, JobRun] | None = None
        self._born: datetime | None | bool = False
        self.heartbeat_fresh: bool | None = None  # unknown until the heartbeat is checked
        self.worker_since: datetime | None = None

    def runs(self) -> dict[str, JobRun]:
        if self._runs is None:
            self._runs = {run.name: run for run in JobRun.objects.all()}
        return self._runs

    def born(self) -> datetime | None:
        """When the platform's first migration was applied: how old it is."""
        if self._born is False:
            recorder = MigrationRecorder(connection)
            first = recorder.migration_qs.order_by("applied").values_list("applied", flat=True)
            self._born = first.first()
        return self._born

    def older_than(self, age: timedelta) -> bool:
        born = self.born()
        return born is not None and self.now - born > age


def _database(state: _State, found: Check, report: Report) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    size = database_size()
    found.values = {"vendor": connection.vendor, "size_bytes": size}
    shown = bytes_text(size) if size is not None else _("大小未知")
    found.summary = _("%(vendor)s 可连接，%(size)s") % {"vendor": connection.vendor, "size": shown}


def database_size() -> int | None:
    """The database's size on disk: SQLite's file and its write-ahead log; PostgreSQL's
    ``pg_database_size``."""
    if connection.vendor == "sqlite":
        name = Path(str(connection.settings_dict["NAME"]))
        return sum(p.stat().st_size for p in [name, Path(f"{name}-wal")] if p.exists())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0])
    return None


def _queue(state: _State, found: Check, report: Report) -> None:
    from huey.contrib.djhuey import HUEY

    pending, scheduled = HUEY.pending_count(), HUEY.scheduled_count()
    found.values = {"pending": pending, "scheduled": scheduled}
    found.summary = _("%(pending)s 个任务待执行，%(scheduled)s 个已排期") % {
        "pending": pending,
        "scheduled": scheduled,
    }


def _heartbeat(state: _State, found: Check, report: Report) -> None:
    row = state.runs().get(jobs.HEARTBEAT)
    limit = heartbeat_max_age()
    if row is None:
        found.values = {"age_s": None}
        state.heartbeat_fresh = False
        if state.older_than(limit):
            found.summary = _("从未收到任务进程心跳")
            report.problems.append(
                Problem("heartbeat.none", _("任务进程从未运行（没有心跳）"), "heartbeat")
            )
        else:
            found.summary = _("等待任务进程的第一次心跳")
        return
    age = state.now - row.finished_at
    since = parse_datetime(str(row.detail.get("since") or "")) if row.detail else None
    state.worker_since = since
    state.heartbeat_fresh = age <= limit
    found.values = {
        "age_s": round(age.total_seconds(), 1),
        "at": _iso(row.finished_at),
        "host": row.detail.get("host", ""),
        "pid": row.detail.get("pid"),
        "since": _iso(since),
    }
    found.summary = _("最近心跳 %(age)s前（%(host)s，进程 %(pid)s，%(since)s 启动）") % {
        "age": duration(age),
        "host": row.detail.get("host", "?"),
        "pid": row.detail.get("pid", "?"),
        "since": local_time(since),
    }
    if not state.heartbeat_fresh:
        message = _("任务进程已停止：心跳已 %(age)s未更新") % {"age": duration(age)}
        report.problems.append(Problem("heartbeat.stale", message, "heartbeat"))
    _worker_exit(state, found, report, row)


def record_worker_exit(pid: int, code: int) -> None:
    """The supervisor of ``qianshao run`` saw its worker die (it restarts it): recorded,
    so that a killed or crashing worker is not hidden by its restart."""
    how = f"signal {-code}" if code < 0 else f"exit code {code}"
    now = timezone.now()
    jobs.record(WORKER_EXIT, now, ok=False, error=how, detail={"pid": pid, "code": code})


def _worker_exit(state: _State, found: Check, report: Report, beat: JobRun) -> None:
    """A worker that died is a problem until a worker beats again after it."""
    row = state.runs().get(WORKER_EXIT)
    if row is None:
        return
    found.values["last_exit"] = {"at": _iso(row.finished_at), "how": row.error}
    found.summary += _("；上次异常退出 %(at)s（%(how)s）") % {
        "at": local_time(row.finished_at),
        "how": row.error,
    }
    if beat.finished_at <= row.finished_at:
        message = _("任务进程 %(at)s 异常退出（%(how)s），正在重启，尚未恢复心跳") % {
            "at": local_time(row.finished_at),
            "how": row.error,
        }
        report.problems.append(Problem("worker.exited", message, "heartbeat"))


def nightly_backups() -> bool:
    """Does the worker back up every night (``QIANSHAO_BACKUP_AT`` is not off)?"""
    return str(getattr(settings, "BACKUP_AT", "")).strip().lower() not in ("off", "no", "0", "")


def registered_jobs() -> dict[str, jobs.Job]:
    """Every periodic job: the areas' ``tasks`` modules are imported here as the worker
    imports them (a web process or a command would not have otherwise)."""
    autodiscover_modules("tasks")
    return dict(jobs.JOBS)


def _jobs(state: _State, found: Check, report: Report) -> None:
    runs = state.runs()
    late, failing = [], []
    for name, job in sorted(registered_jobs().items(), key=lambda pair: pair[1].every):
        if name == jobs.HEARTBEAT or (name == NIGHTLY_BACKUP and not nightly_backups()):
            continue
        row = runs.get(name)
        shown = JobState(name, str(job.label), job.every)
        if row is not None:
            shown.started_at, shown.finished_at = row.started_at, row.finished_at
            shown.ok, shown.error, shown.succeeded_at = row.ok, row.error, row.succeeded_at
        # late from its last start, or from the worker's start when that is later
        since = max(
            [t for t in [shown.started_at, state.worker_since] if t is not None], default=None
        )
        shown.late = since is not None and state.now - since > LATE_FACTOR * job.every
        if shown.ok is False:
            good = shown.succeeded_at
            shown.failing = good is None or state.now - good > min(FAILING_FOR, 2 * job.every)
        report.jobs.append(shown)
        label = shown.label
        if shown.late:
            late.append(label)
            if state.heartbeat_fresh is not False:  # a stopped worker is the one problem
                message = _("定时任务“%(label)s”已延误（上次运行：%(last)s）") % {
                    "label": label,
                    "last": local_time(shown.started_at) if shown.started_at else _("从未运行"),
                }
                report.problems.append(Problem(f"job.{name}.late", message, "jobs"))
        if shown.failing:
            failing.append(label)
            message = _("定时任务“%(label)s”运行失败") % {"label": label}
            report.problems.append(Problem(f"job.{name}.failed", message, "jobs", shown.error))
    found.values = {"count": len(report.jobs), "late": len(late), "failing": len(failing)}
    found.summary = _("%(count)s 个定时任务，延误 %(late)s 个，失败 %(failing)s 个") % {
        "count": len(report.jobs),
        "late": len(late),
        "failing": len(failing),
    }


def _outbox(state: _State, found: Check, report: Report) -> None:
    # both counts walk the (status, next_attempt_at) index, and stop at keyset.COUNT_BOUND
    failed, failed_more = keyset.bounded_count(Message.objects.filter(status=Status.FAILED))
    waiting, waiting_more = keyset.bounded_count(
        Message.objects.filter(status__in=[Status.PENDING, Status.SENDING])
    )
    found.values = {
        "failed": failed,
        "failed_capped": failed_more,
        "waiting": waiting,
        "waiting_capped": waiting_more,
    }
    found.summary = _("发送失败 %(failed)s 条，待发送 %(waiting)s 条") % {
        "failed": _capped(failed, failed_more),
        "waiting": _capped(waiting, waiting_more),
    }


def _disk(state: _State, found: Check, report: Report) -> None:
    usage = shutil.disk_usage(settings.DATA_DIR)
    share = usage.free / usage.total if usage.total else 0.0
    found.values = {
        "path": str(settings.DATA_DIR),
        "free_bytes": usage.free,
        "total_bytes": usage.total,
        "free_share": round(share, 4),
    }
    found.summary = _("%(path)s 剩余 %(free)s，共 %(total)s（%(share).0f%%）") % {
        "path": settings.DATA_DIR,
        "free": bytes_text(usage.free),
        "total": bytes_text(usage.total),
        "share": share * 100,
    }
    if usage.free < DISK_MIN_FREE_BYTES or share < DISK_MIN_FREE_SHARE:
        message = _("数据目录所在磁盘空间不足：仅剩 %(free)s（%(share).0f%%）") % {
            "free": bytes_text(usage.free),
            "share": share * 100,
        }
        report.problems.append(Problem("disk.low", message, "disk"))


def _backup(state: _State, found: Check, report: Report) -> None:
    row = state.runs().get(BACKUP_JOB)
    good = row.succeeded_at if row else None
    detail = (row.detail or {}) if row else {}
    found.values = {
        "last_ok": row.ok if row else None,
        "succeeded_at": _iso(good),
        "age_s": round((state.now - good).total_seconds()) if good else None,
        "path": detail.get("path", ""),
        "bytes": detail.get("bytes"),
    }
    nightly = nightly_backups()
    if good is None:
        found.summary = _("尚无成功的备份")
        if nightly and state.older_than(BACKUP_MAX_AGE):
            report.problems.append(Problem("backup.none", _("系统从未成功备份"), "backup"))
    else:
        age = state.now - good
        found.summary = _("最近成功备份 %(age)s前（%(at)s）%(path)s %(size)s") % {
            "age": duration(age),
            "at": local_time(good),
            "path": detail.get("path", ""),
            "size": bytes_text(detail["bytes"]) if detail.get("bytes") is not None else "",
        }
        if nightly and age > BACKUP_MAX_AGE:
            message = _("最近一次成功备份已是 %(age)s前") % {"age": duration(age)}
            report.problems.append(Problem("backup.old", message, "backup"))
    if row is not None and not row.ok:
        failed = _("最近一次备份失败（%(at)s）") % {"at": local_time(row.started_at)}
        found.summary += " · " + failed
        report.problems.append(Problem("backup.failed", _("最近一次备份失败"), "backup", row.error))


PARTS = [
    ("database", _lazy("数据库"), _database),
    ("queue", _lazy("任务队列"), _queue),
    ("heartbeat", _lazy("任务进程"), _heartbeat),
    ("jobs", _lazy("定时任务"), _jobs),
    ("outbox", _lazy("消息外发"), _outbox),
    ("disk", _lazy("磁盘"), _disk),
    ("backup", _lazy("备份"), _backup),
]


# --- how figures read ---------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def local_time(moment: datetime | None) -> str:
    if moment is None:
        return "?"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return _("%(n)s 秒") % {"n": seconds}
    if seconds < 2 * 3600:
        return _("%(n)s 分钟") % {"n": seconds // 60}
    if seconds < 2 * 86400:
        return _("%(n)s 小时") % {"n": seconds // 3600}
    return _("%(n)s 天") % {"n": seconds // 86400}


def period(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for size, unit in [(86400, _("天")), (3600, _("小时")), (60, _("分钟"))]:
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return _("%(n)s 秒") % {"n": seconds}


def bytes_text(n: int | float) -> str:
    for unit in ["B", "KB", "MB", "GB"]:
        if abs(n) < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _capped(n: int, more: bool) -> str:
    return f"{keyset.COUNT_BOUND:,}+" if more else f"{n:,}"
