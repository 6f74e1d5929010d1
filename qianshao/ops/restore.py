"""`qianshao restore ARCHIVE`: an archive of `qianshao backup` back into an empty data
directory or database (docs/adr/0032).

Nothing is written before the whole archive has been read and every member's sha256
checked; a damaged, truncated or foreign archive, one of a newer format or release, or one
of another database kind leaves the target untouched. While a restore runs a marker file
in the data directory (``RESTORING``) stops ``qianshao run`` from starting on a half-
restored database; SQLite's file and the media directory are put in place by renames,
PostgreSQL's dump is restored in one transaction.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader

from qianshao.audit.chain import verify
from qianshao.ops import backup
from qianshao.ops.backup import FORMAT, MANIFEST, BackupError

MARKER = "RESTORING"


def marker() -> Path:
    return Path(settings.DATA_DIR) / MARKER


@dataclass
class Outcome:
    """What the restore found: the lines to print, and whether anything differs."""

    lines: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def read_manifest(archive: Path) -> dict:
    """The archive's manifest, checked for what this release can restore."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    try:
        with tarfile.open(archive, "r:") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise BackupError(f"{archive} is not a Qianshao backup (no {MANIFEST} first)")
            manifest = json.load(tar.extractfile(first))
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"{archive} is damaged or not a backup: {exc}") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("format"), int):
        raise BackupError(f"{archive}: its manifest has no format version")
    if manifest["format"] > FORMAT:
        raise BackupError(
            f"{archive} is of backup format {manifest['format']}, newer than this release's"
            f" ({FORMAT}): restore it with the release that wrote it, or a newer one"
        )
    kind = manifest.get("database", {}).get("vendor")
    if kind != backup.vendor():
        raise BackupError(
            f"{archive} holds a {kind} database and this platform is configured for"
            f" {backup.vendor()}: restore it into a {kind} database (DATABASE_URL)"
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest.get("migrations", [])]
    unknown = [m for m in unknown if tuple(m.split(".", 1)) not in known]
    if unknown:
        raise BackupError(
            f"{archive} comes from a newer release (migrations this one does not have: "
            f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''})"
        )
    return manifest


def check_members(archive: Path, manifest: dict) -> None:
    """Read the whole archive: every member named in the manifest, whole and unchanged,
    and nothing else. Raises BackupError naming the first that is not."""
    expected = dict(manifest.get("members", {}))
    seen = set()
    try:
        with tarfile.open(archive, "r:") as tar:
            for info in tar:
                if info.name == MANIFEST:
                    continue
                _safe_name(info.name)
                if info.name not in expected:
                    raise BackupError(f"{archive}: {info.name} is not in its manifest")
                if not info.isfile():
                    raise BackupError(f"{archive}: {info.name} is not a file")
                digest = hashlib.sha256()
                source = tar.extractfile(info)
                while block := source.read(backup.CHUNK):
                    digest.update(block)
                if digest.hexdigest() != expected[info.name]["sha256"]:
                    raise BackupError(f"{archive}: {info.name} is damaged (sha256 differs)")
                seen.add(info.name)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(f"{archive} is damaged or truncated: {exc}") from exc
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{archive} is truncated: {missing[0]} is missing")


def _safe_name(name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"member {name!r} would be written outside the data directory")


def found_in_target() -> list[str]:
    """What the target holds already (empty: nothing to overwrite)."""
    found = []
    tables = [t for t in connection.introspection.table_names() if t != "django_migrations"]
    if tables:
        where = (
            settings.DATABASES["default"]["NAME"]
            if backup.vendor() == "sqlite"
            else f"database {settings.DATABASES['default']['NAME']}"
        )
        found.append(f"{where} has {len(tables)} tables")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        count = sum(1 for p in media.rglob("*") if p.is_file())
        if count:
            found.append(f"{media} has {count} files")
    return found


def restore(archive: Path, *, force: bool = False) -> Outcome:
    archive = Path(archive).resolve()
    manifest = read_manifest(archive)
    check_members(archive, manifest)
    audit_key = _key_to_use(manifest)
    found = found_in_target()
    if found and not force:
        raise BackupError(
            "the target is not empty (" + "; ".join(found) + "): restore into an empty data"
            " directory or database, or give --force to replace what is there"
        )
    outcome = Outcome()
    # an interrupted restore leaves the marker behind: `qianshao run` will not start on it
    marker().write_text(f"restoring {archive}\n")
    if manifest["keys"]["included"]:
        _write_keys(archive)
    media_dir = _extract_media(archive)
    if backup.vendor() == "sqlite":
        _restore_sqlite(archive, manifest)
    else:
        _restore_postgresql(archive, manifest)
    _swap_media(media_dir)
    settings.AUDIT_KEY = audit_key or settings.AUDIT_KEY  # the archive's, when it had one
    _check(manifest, outcome)
    marker().unlink()
    return outcome


def _key_to_use(manifest: dict) -> bytes | None:
    """The audit key the restored chain is checked with: None for the archive's own when
    it holds one (unless QIANSHAO_AUDIT_KEY says another), else the one at hand, which
    must be the key the chain was sealed with."""
    wanted = manifest["keys"]["audit_key"]
    env_key = os.environ.get("QIANSHAO_AUDIT_KEY", "").strip()
    if manifest["keys"]["included"]:
        if env_key and backup.fingerprint(env_key) != wanted:
            raise BackupError(
                "QIANSHAO_AUDIT_KEY is not the audit key of this archive: unset it to use the"
                " archive's key, or set it to the key the backup was taken with"
            )
        return settings.AUDIT_KEY if env_key else None
    if backup.fingerprint(settings.AUDIT_KEY) != wanted:
        raise BackupError(
            "this archive holds no keys, and the audit key here is not the one its audit"
            " chain was sealed with: copy the old server's audit_key into "
            f"{settings.DATA_DIR} (or set QIANSHAO_AUDIT_KEY to it) and run again, or"
            " restore an archive taken with --with-keys"
        )
    return settings.AUDIT_KEY


def _members(archive: Path, prefix: str):
    with tarfile.open(archive, "r:") as tar:
        for info in tar:
            if info.name.startswith(prefix) and info.isfile():
                yield info, tar.extractfile(info)


def _write_file(path: Path, source, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb") as out:
        shutil.copyfileobj(source, out, backup.CHUNK)
        out.flush()
        os.fsync(out.fileno())


def _write_keys(archive: Path) -> None:
    data = Path(settings.DATA_DIR)
    for info, source in _members(archive, "keys/"):
        name = PurePosixPath(info.name).name
        draft = data / f".{name}.restoring"
        _write_file(draft, source, mode=0o600)
        if name == "audit_key" and not os.environ.get("QIANSHAO_AUDIT_KEY", "").strip():
            settings.AUDIT_KEY = draft.read_text().strip().encode()
        os.replace(draft, data / name)


def _extract_media(archive: Path) -> Path:
    target = Path(settings.MEDIA_ROOT).with_name(Path(settings.MEDIA_ROOT).name + ".restoring")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for info, source in _members(archive, "media/"):
        _write_file(target / PurePosixPath(info.name).relative_to("media"), source)
    return target


def _swap_media(restored: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    old = media.with_name(media.name + ".replaced")
    shutil.rmtree(old, ignore_errors=True)
    if media.exists():
        os.rename(media, old)
    os.rename(restored, media)
    shutil.rmtree(old, ignore_errors=True)


def _restore_sqlite(archive: Path, manifest: dict) -> None:
    """The copy is written beside the database, checked, then renamed over it."""
    name = Path(settings.DATABASES["default"]["NAME"])
    draft = name.with_name(name.name + ".restoring")
    member = manifest["database"]["member"]
    for info, source in _members(archive, member):
        if info.name == member:
            _write_file(draft, source, mode=0o600)
    db = sqlite3.connect(str(draft))
    try:
        result = db.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"the archive's database fails SQLite's integrity check: {result}")
    finally:
        db.close()
    connections.close_all()
    for suffix in ("-wal", "-shm"):
        name.with_name(name.name + suffix).unlink(missing_ok=True)
    os.replace(draft, name)


def _restore_postgresql(archive: Path, manifest: dict) -> None:
    """pg_restore in one transaction: it restores all or nothing, dropping first what the
    archive holds (the target was empty, or --force was given)."""
    program = backup.pg_program("pg_restore")
    env, name = backup.pg_env()
    member = manifest["database"]["member"]
    dump = Path(settings.DATA_DIR) / ".restoring.pgdump"
    try:
        for info, source in _members(archive, member):
            if info.name == member:
                _write_file(dump, source, mode=0o600)
        connections.close_all()
        argv = [program, "--single-transaction", "--exit-on-error", "--no-owner"]
        argv += ["--clean", "--if-exists"]
        done = subprocess.run(
            argv + ["--dbname", name, str(dump)], env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed, nothing was restored: {done.stderr.strip()}")
    finally:
        dump.unlink(missing_ok=True)


def _check(manifest: dict, outcome: Outcome) -> None:
    """The audit chain walked and the row counts compared with the manifest's."""
    connections.close_all()
    verdict = verify()
    if verdict.ok:
        outcome.lines.append(f"audit chain intact: {verdict.checked} records")
    else:
        outcome.differences.append(
            f"audit chain BROKEN at record #{verdict.broken_seq}: {verdict.reason}"
        )
    head = manifest.get("audit_head") or {}
    if head.get("seq") and verdict.ok and verdict.checked != head["seq"]:
        outcome.differences.append(
            f"audit chain ends at #{verdict.checked}, the manifest says #{head['seq']}"
        )
    with connection.cursor() as cursor:
        for table, expected in sorted(manifest.get("tables", {}).items()):
            try:
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                actual = cursor.fetchone()[0]
            except Exception as exc:  # a table the archive had and the target has not
                outcome.differences.append(f"{table}: cannot be read ({exc})")
                continue
            if actual != expected:
                outcome.differences.append(f"{table}: {actual} rows, the manifest says {expected}")
    tables = len(manifest.get("tables", {}))
    rows = sum(manifest.get("tables", {}).values())
    outcome.lines.append(f"row counts: {tables} tables, {rows} rows compared")
