"""`qianshao backup` and `qianshao restore`, on the database the suite runs on (SQLite or
PostgreSQL). The archive is taken in this process from the test database (committed rows:
transactional tests); every restore runs as its own `qianshao restore` process into a new
data directory and, on PostgreSQL, a new database, as a county's IT staff would run it."""

import errno
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from qianshao.audit.models import AuditHead, AuditRecord
from qianshao.grid.models import Domain
from qianshao.hazards import actions
from qianshao.hazards.models import Hazard, Photo
from qianshao.hazards.tests.conftest import jpeg, reseeded  # noqa: F401
from qianshao.notify.models import JobRun
from qianshao.ops import backup, restore
from qianshao.ops.backup import BACKUP_JOB, BackupError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reseeded")]

PG = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """This test's uploads only: the archive holds every file of the media directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def hazard(cast):
    """A hazard of 一村 with a photo: a row, a file in media/, audit records."""
    return actions.report(
        cast.users["village"],
        title="备份测试隐患",
        description="河堤裂缝",
        category=Domain.objects.get(code="industry_trade"),
        cell=cast.village,
        photo_files=[("crack.jpg", jpeg())],
    )


class Target:
    """A new data directory (and, on PostgreSQL, a new empty database) and the
    environment of the `qianshao` processes that use it."""

    def __init__(self, tmp_path: Path, name: str):
        self.data = tmp_path / name
        self.data.mkdir()
        self.env = {**os.environ, "QIANSHAO_DATA_DIR": str(self.data)}
        self.env.pop("QIANSHAO_AUDIT_KEY", None)
        self.env.pop("QIANSHAO_SECRET_KEY", None)
        self.dbname = None
        if PG:
            self.dbname = f"qs_restore_{name}_{os.getpid()}"
            with self._server() as server:
                server.execute(f'DROP DATABASE IF EXISTS "{self.dbname}"')
                server.execute(f'CREATE DATABASE "{self.dbname}"')
            url = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            self.env["DATABASE_URL"] = f"{url}/{self.dbname}"
        else:
            self.env.pop("DATABASE_URL", None)

    def _server(self):
        db = settings.DATABASES["default"]
        return psycopg.connect(
            host=db["HOST"] or None,
            port=db["PORT"] or None,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )

    def qianshao(self, *argv) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "qianshao", *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def query(self, sql: str) -> list[tuple]:
        if PG:
            db = settings.DATABASES["default"]
            with psycopg.connect(
                host=db["HOST"] or None,
                port=db["PORT"] or None,
                user=db["USER"],
                password=db["PASSWORD"] or None,
                dbname=self.dbname,
            ) as conn:
                return conn.execute(sql).fetchall()
        with sqlite3.connect(self.data / "qianshao.sqlite3") as conn:
            return conn.execute(sql).fetchall()

    def tables(self) -> int:
        if PG:
            sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        else:
            sql = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
        return self.query(sql)[0][0]

    def drop(self) -> None:
        if self.dbname:
            with self._server() as server:
                server.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    made = []

    def make(name="new"):
        made.append(Target(tmp_path, name))
        return made[-1]

    yield make
    for t in made:
        t.drop()


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def test_an_archive_holds_the_database_the_uploads_and_a_manifest_that_checks_them(
    hazard, tmp_path
):
    result = backup.take(tmp_path)

    assert result.path.name.startswith("qianshao-") and result.path.suffix == ".tar"
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"
    inside = members(result.path)
    manifest = json.loads(inside.pop("manifest.json"))
    assert manifest["format"] == backup.FORMAT
    assert manifest["database"]["vendor"] == connection.vendor
    photo = Photo.objects.get(hazard=hazard)
    assert "media/" + photo.image.name in inside
    with photo.image.open("rb") as f:
        assert inside["media/" + photo.image.name] == f.read()
    # every member named, with its sha256; nothing else in the archive
    assert set(manifest["members"]) == set(inside)
    for name, data in inside.items():
        assert manifest["members"][name]["sha256"] == hashlib.sha256(data).hexdigest()
        assert manifest["members"][name]["bytes"] == len(data)
    # the snapshot's own figures
    head = AuditHead.objects.get()
    assert manifest["audit_head"] == {"seq": head.last_seq, "hash": head.last_hash}
    assert manifest["tables"][AuditRecord._meta.db_table] == AuditRecord.objects.count()
    assert manifest["tables"][Hazard._meta.db_table] == 1
    assert ["notify", "0007_job_runs"] in manifest["migrations"]
    # no keys unless asked for; their fingerprints only
    assert not any(name.startswith("keys/") for name in inside)
    assert manifest["keys"]["included"] is False
    assert manifest["keys"]["audit_key"] == backup.fingerprint(settings.AUDIT_KEY)
    assert settings.AUDIT_KEY.decode() not in result.path.read_bytes().decode("latin-1")
    # recorded as the last backup, for the status page
    run = JobRun.objects.get(name=BACKUP_JOB)
    assert run.ok and run.detail["path"] == str(result.path)

    # with the keys, when asked for
    inside = members(backup.take(tmp_path / "with-keys", with_keys=True).path)
    assert inside["keys/audit_key"] == settings.AUDIT_KEY
    assert inside["keys/secret_key"] == settings.SECRET_KEY.encode()
    assert json.loads(inside["manifest.json"])["keys"]["included"] is True

    # the command says where the keys are, and to keep them apart
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "command"), stdout=out)
    assert "backup written: " + str(tmp_path / "command") in out.getvalue()
    assert "NOT in the archive" in out.getvalue()
    assert any(where in out.getvalue() for where in backup.key_locations())


def test_a_backup_that_runs_out_of_disk_removes_its_partial_archive_and_is_recorded(
    hazard, tmp_path, monkeypatch
):
    written = []

    def full_disk(src, dst, length=None, exception=OSError, bufsize=None):
        dst.write(src.read(1000))
        written.append(length)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tarfile, "copyfileobj", full_disk)
    with pytest.raises(BackupError, match="no space left"):
        backup.take(tmp_path / "backups")
    assert written  # it did start writing the archive
    assert list((tmp_path / "backups").iterdir()) == []  # no partial archive, no work dir
    run = JobRun.objects.get(name=BACKUP_JOB)
    assert run.ok is False and "no space left" in run.error


def test_a_restore_into_a_new_data_directory_brings_back_everything_and_checks_it(
    hazard, tmp_path, target
):
    archive = backup.take(tmp_path / "backups", with_keys=True).path
    new = target()

    done = new.qianshao("restore", str(archive))

    assert done.returncode == 0, done.stderr
    head = AuditHead.objects.get()
    assert f"audit chain intact: {head.last_seq} records" in done.stdout
    assert "everything matches" in done.stdout
    table = Hazard._meta.db_table
    assert new.query(f"SELECT title FROM {table}") == [("备份测试隐患",)]
    photo = Photo.objects.get(hazard=hazard)
    with photo.image.open("rb") as f:
        assert (new.data / "media" / photo.image.name).read_bytes() == f.read()
    assert (new.data / "audit_key").read_bytes().strip() == settings.AUDIT_KEY
    assert not (new.data / restore.MARKER).exists()
    verified = new.qianshao("audit", "verify")
    assert verified.returncode == 0 and f"{head.last_seq} records" in verified.stdout

    # now the target is not empty: refused, naming what is there, unless forced
    again = new.qianshao("restore", str(archive))
    assert again.returncode != 0
    assert "the target is not empty" in again.stderr and "tables" in again.stderr
    assert "media has 1 files" in again.stderr
    forced = new.qianshao("restore", str(archive), "--force")
    assert forced.returncode == 0, forced.stderr
    assert new.query(f"SELECT count(*) FROM {Hazard._meta.db_table}") == [(1,)]


def test_an_archive_without_keys_needs_the_old_audit_key_at_hand(hazard, tmp_path, target):
    archive = backup.take(tmp_path / "backups").path
    new = target()

    refused = new.qianshao("restore", str(archive))
    assert refused.returncode != 0
    assert "audit key here is not the one" in refused.stderr
    assert new.tables() == 0  # nothing written

    (new.data / "audit_key").write_bytes(settings.AUDIT_KEY)
    done = new.qianshao("restore", str(archive))
    assert done.returncode == 0, done.stderr
    assert "everything matches" in done.stdout


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` whose members went through ``change(name, data)``."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = change(member.name, src.extractfile(member).read())
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    return out


def _damaged(name, data):
    if name.startswith("media/"):
        return data[:-1] + bytes([data[-1] ^ 1])
    return data


def _newer(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["format"] = backup.FORMAT + 1
        return json.dumps(manifest).encode()
    return data


def _other_kind(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["database"]["vendor"] = "sqlite" if PG else "postgresql"
        return json.dumps(manifest).encode()
    return data


def _newer_release(name, data):
    if name == "manifest.json":
        manifest = json.loads(data)
        manifest["migrations"].append(["hazards", "9999_from_the_future"])
        return json.dumps(manifest).encode()
    return data


SPOILS = [
    (_damaged, "is damaged (sha256 differs)"),
    (_newer, "newer than this release's"),
    (_other_kind, "holds a"),
    (_newer_release, "comes from a newer release"),
    ("truncated", "truncated"),
    ("not a tar", "damaged or not a backup"),
]


def test_a_spoiled_archive_is_refused_and_the_target_left_untouched(hazard, tmp_path):
    """Refused before anything is written: the target here is this test's own database
    (and media), which must still hold what it held."""
    archive = backup.take(tmp_path / "backups", with_keys=True).path
    media = sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*"))
    for spoil, message in SPOILS:
        bad = tmp_path / "bad.tar"
        if spoil == "truncated":
            bad.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        elif spoil == "not a tar":
            bad.write_bytes(b"PK\x03\x04 this is a zip file, not an archive of ours" * 100)
        else:
            _rewrite(archive, bad, spoil)

        with pytest.raises(BackupError, match=re.escape(message)):
            restore.restore(bad, force=True)

        assert Hazard.objects.filter(pk=hazard.pk).exists(), spoil
        assert sorted(p.name for p in Path(settings.MEDIA_ROOT).rglob("*")) == media
        assert not restore.marker().exists()
        assert not Path(f"{settings.MEDIA_ROOT}.restoring").exists()


def test_an_interrupted_restore_leaves_a_marker_that_run_refuses_to_start_on(
    hazard, tmp_path, monkeypatch
):
    from django.core.management.base import CommandError

    from qianshao.web.management.commands.run import Command

    archive = backup.take(tmp_path / "backups").path

    def power_cut(archive):
        raise KeyboardInterrupt

    monkeypatch.setattr(restore, "_extract_media", power_cut)
    with pytest.raises(KeyboardInterrupt):
        restore.restore(archive, force=True)  # stops before the database is touched
    assert restore.marker().exists()
    try:
        with pytest.raises(CommandError, match="a restore was interrupted"):
            Command()._migrate()
    finally:
        restore.marker().unlink()
    assert Hazard.objects.filter(pk=hazard.pk).exists()


def test_run_takes_a_backup_before_it_applies_migrations(tmp_path, target):
    old = target("old")
    assert old.qianshao("migrate", "-v0").returncode == 0
    assert old.qianshao("migrate", "notify", "0006", "-v0").returncode == 0
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'qianshao.settings');"
        " django.setup();"
        " from qianshao.web.management.commands.run import Command; Command()._migrate()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=old.env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    after = [
        n for app, n in MigrationLoader(None).disk_migrations if app == "notify" and n[:4] > "0006"
    ]
    assert after, "notify has migrations after 0006"
    assert f"{len(after)} migrations to apply: taking a backup first" in done.stdout
    made = backup.archives(old.data / "backups")
    assert len(made) == 1
    manifest = json.loads(members(made[0][1])["manifest.json"])
    assert ["notify", "0007_job_runs"] not in manifest["migrations"]  # taken before
    assert ["notify", "0006_list_index"] in manifest["migrations"]
    assert old.query("SELECT count(*) FROM notify_jobrun") == [(0,)]  # then migrated

    # nothing pending: no backup
    again = subprocess.run(
        [sys.executable, "-c", script], env=old.env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and "taking a backup" not in again.stdout
    assert len(backup.archives(old.data / "backups")) == 1
