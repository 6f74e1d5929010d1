"""`qianshao backup`: one archive of a running platform (docs/adr/0032).

The archive is a plain tar: ``manifest.json`` first, then the database's consistent copy
(``database.sqlite3`` from SQLite's ``VACUUM INTO``, or ``database.pgdump`` from ``pg_dump
--format=custom``), the uploaded files under ``media/``, and — only with ``with_keys`` —
the secret and audit keys under ``keys/``. The manifest holds the format version, the
migrations applied, the row count of every table and the audit chain's head, all read from
the same snapshot as the copy, and the sha256 of every member.

An archive is written as ``.NAME.partial`` beside where it goes and renamed when whole: a
backup that fails (a full disk) leaves nothing behind but its recorded failure.
"""

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from qianshao.audit.models import AuditHead
from qianshao.notify import jobs

FORMAT = 1
BACKUP_JOB = "qianshao.ops.backup"  # its JobRun row: the last backup, good or failed
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
NAME_RE = re.compile(r"^qianshao-(\d{8})-(\d{6})\.tar$")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, for the operator."""


@dataclass
class Snapshot:
    """What the archive's database copy holds, read from the copy's own snapshot."""

    migrations: list[list[str]]
    tables: dict[str, int]
    audit_head: dict


@dataclass
class Result:
    path: Path
    bytes: int
    manifest: dict


def archive_name(now: datetime) -> str:
    return timezone.localtime(now).strftime("qianshao-%Y%m%d-%H%M%S.tar")


def fingerprint(key: str | bytes) -> str:
    """A key's fingerprint, safe to keep in a manifest: restores check that the key at
    hand is the one the archive's audit chain was sealed with."""
    key = key.encode() if isinstance(key, str) else key
    return hmac.new(key, b"qianshao backup key fingerprint", hashlib.sha256).hexdigest()[:16]


def vendor() -> str:
    return connection.vendor  # "sqlite" | "postgresql"


def take(to: Path | None = None, *, with_keys: bool = False, now: datetime | None = None):
    """Write one archive into ``to`` (settings.BACKUP_DIR) and record it as the last backup;
    raise BackupError (and record the failure) when it cannot."""
    started = timezone.now()
    try:
        result = _take(Path(to or settings.BACKUP_DIR), with_keys, now or started)
    except BackupError as exc:
        jobs.record(BACKUP_JOB, started, ok=False, error=str(exc))
        raise
    except OSError as exc:
        error = BackupError(_os_error(exc, Path(to or settings.BACKUP_DIR)))
        jobs.record(BACKUP_JOB, started, ok=False, error=str(error))
        raise error from exc
    detail = {"path": str(result.path), "bytes": result.bytes}
    jobs.record(BACKUP_JOB, started, ok=True, detail=detail)
    return result


def _os_error(exc: OSError, where: Path) -> str:
    if exc.errno == 28:  # ENOSPC
        return f"no space left on the device of {where}: the partial archive was removed"
    return f"cannot write the backup in {where}: {exc.strerror or exc}"


def _take(directory: Path, with_keys: bool, now: datetime) -> Result:
    directory.mkdir(parents=True, exist_ok=True)
    name = archive_name(now)
    final = directory / name
    if final.exists():
        raise BackupError(f"{final} exists already")
    work = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=directory))
    partial = directory / f".{name}.partial"
    try:
        if vendor() == "sqlite":
            member, snapshot = SQLITE_MEMBER, _sqlite_copy(work / SQLITE_MEMBER)
        elif vendor() == "postgresql":
            member, snapshot = PG_MEMBER, _pg_dump(work / PG_MEMBER)
        else:
            raise BackupError(f"backups of a {vendor()} database are not supported")
        files = {member: work / member}
        files |= _media_files()
        keys = _keys() if with_keys else {}
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {"vendor": vendor(), "member": member},
            "migrations": snapshot.migrations,
            "tables": snapshot.tables,
            "audit_head": snapshot.audit_head,
            "keys": {
                "included": with_keys,
                "secret_key": fingerprint(settings.SECRET_KEY),
                "audit_key": fingerprint(settings.AUDIT_KEY),
            },
            "members": {},
        }
        for arcname, path in files.items():
            manifest["members"][arcname] = {
                "sha256": sha256_file(path),
                "bytes": path.stat().st_size,
            }
        for arcname, data in keys.items():
            manifest["members"][arcname] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
        with open(partial, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            for arcname, path in files.items():
                tar.add(path, arcname=arcname, recursive=False)
            for arcname, data in keys.items():
                _add_bytes(tar, arcname, data, mode=0o600)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(partial, 0o600)
        os.rename(partial, final)
        return Result(final, final.stat().st_size, manifest)
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)


def _add_bytes(tar: tarfile.TarFile, arcname: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(arcname)
    info.size, info.mode, info.mtime = len(data), mode, int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _media_files() -> dict[str, Path]:
    root = Path(settings.MEDIA_ROOT)
    found = {}
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found["media/" + path.relative_to(root).as_posix()] = path
    return found


def _keys() -> dict[str, bytes]:
    secret = settings.SECRET_KEY
    audit = settings.AUDIT_KEY
    return {
        "keys/secret_key": secret.encode() if isinstance(secret, str) else secret,
        "keys/audit_key": audit if isinstance(audit, bytes) else audit.encode(),
    }


def key_locations() -> list[str]:
    """Where this platform's keys are, for the operator to keep apart from the archives."""
    data = Path(settings.DATA_DIR)
    where = []
    for env, path in (("QIANSHAO_SECRET_KEY", "secret_key"), ("QIANSHAO_AUDIT_KEY", "audit_key")):
        where.append(f"${env}" if os.environ.get(env) else str(data / path))
    return where


# --- the database's copy ------------------------------------------------------------------


def _sqlite_copy(target: Path) -> Snapshot:
    """``VACUUM INTO``: one read transaction copies a consistent, compacted database while
    the platform goes on writing (WAL); the counts are read from the copy itself."""
    source = sqlite3.connect(str(settings.DATABASES["default"]["NAME"]), timeout=20)
    try:
        source.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.OperationalError as exc:
        if "full" in str(exc).lower():
            raise OSError(28, "No space left on device") from exc
        raise BackupError(f"SQLite could not copy the database: {exc}") from exc
    finally:
        source.close()
    copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        return sqlite_snapshot(copy)
    finally:
        copy.close()


def sqlite_snapshot(db: sqlite3.Connection) -> Snapshot:
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    return _snapshot(lambda sql: db.execute(sql).fetchall(), tables, quote=_quote)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _snapshot(fetch, tables: list[str], quote) -> Snapshot:
    counts = {t: fetch(f"SELECT COUNT(*) FROM {quote(t)}")[0][0] for t in tables}
    migrations = []
    if "django_migrations" in counts:
        migrations = [
            [app, name]
            for app, name in fetch("SELECT app, name FROM django_migrations ORDER BY app, name")
        ]
    head = {"seq": 0, "hash": ""}
    table = AuditHead._meta.db_table
    if table in counts:
        rows = fetch(f"SELECT last_seq, last_hash FROM {quote(table)} WHERE id = 1")
        if rows:
            head = {"seq": rows[0][0], "hash": rows[0][1]}
    return Snapshot(migrations, counts, head)


def pg_program(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found: install PostgreSQL's client programs "
            f"(on Debian: apt-get install postgresql-client) and run again"
        )
    return found


def pg_env() -> tuple[dict, str]:
    """libpq's environment for pg_dump/pg_restore, and the database's name."""
    db = settings.DATABASES["default"]
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env, str(db["NAME"])


def _pg_dump(target: Path) -> Snapshot:
    """pg_dump in the custom format, from a snapshot exported by a repeatable-read
    transaction that also counts the rows: the counts are the dump's."""
    program = pg_program("pg_dump")
    env, name = pg_env()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            done = subprocess.run(
                [program, "--format=custom", f"--snapshot={snapshot_id}", "--no-owner"]
                + ["--file", str(target), name],
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                error = done.stderr.strip()
                if "No space left" in error:
                    raise OSError(28, "No space left on device")
                raise BackupError(f"pg_dump failed: {error}")
            cursor.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
                " ORDER BY table_name"
            )
            tables = [row[0] for row in cursor.fetchall()]

            def fetch(sql):
                cursor.execute(sql)
                return cursor.fetchall()

            return _snapshot(fetch, tables, quote=connection.ops.quote_name)
        finally:
            cursor.execute("ROLLBACK")


# --- which archives to keep -----------------------------------------------------------------

KEEP_RE = re.compile(r"^\s*(\d+)\s+(daily|weekly|monthly)\s*$")


def parse_keep(rule: str) -> dict[str, int]:
    """``"7 daily, 4 weekly"`` → {"daily": 7, "weekly": 4}; ValueError naming the part."""
    kept = {}
    for part in rule.split(","):
        match = KEEP_RE.match(part)
        if not match:
            raise ValueError(
                f"QIANSHAO_BACKUP_KEEP: {part.strip()!r} is not like '7 daily', '4 weekly'"
                " or '6 monthly'"
            )
        kept[match.group(2)] = int(match.group(1))
    return kept


def archives(directory: Path) -> list[tuple[datetime, Path]]:
    """The archives in ``directory``, newest first (by the time in their names)."""
    found = []
    if directory.is_dir():
        for path in directory.iterdir():
            match = NAME_RE.match(path.name)
            if match and path.is_file():
                at = datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
                found.append((at, path))
    return sorted(found, reverse=True)


def prune(directory: Path, rule: str) -> list[Path]:
    """Delete the archives the rule does not keep: the newest of each of the last N days
    (weeks, months) that have one. Returns what was deleted."""
    keep_counts = parse_keep(rule)
    found = archives(directory)
    periods = {
        "daily": lambda at: at.date(),
        "weekly": lambda at: at.isocalendar()[:2],
        "monthly": lambda at: (at.year, at.month),
    }
    kept: set[Path] = set()
    for kind, count in keep_counts.items():
        seen = []
        for at, path in found:
            period = periods[kind](at)
            if period in seen:
                continue
            if len(seen) == count:
                break
            seen.append(period)
            kept.add(path)
    deleted = []
    for _at, path in found:
        if path not in kept:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted
