"""The audit key lives outside the database: QIANSHAO_AUDIT_KEY, else a file generated once
in the data dir, readable by its owner only, that every later process reads alike."""

import hashlib
import os
import stat
import subprocess
import sys

PRINT_KEY = (
    "import django, hashlib; django.setup(); from django.conf import settings;"
    " print(hashlib.sha256(settings.AUDIT_KEY).hexdigest())"
)


def settings_in(data_dir, **env) -> subprocess.CompletedProcess:
    """A fresh process reading the settings with ``data_dir``; prints the key's digest."""
    base = {k: v for k, v in os.environ.items() if k != "QIANSHAO_AUDIT_KEY"}
    base |= {"QIANSHAO_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "qianshao.settings"}
    return subprocess.run(
        [sys.executable, "-c", PRINT_KEY],
        env=base | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def digest(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()


def test_without_the_variable_a_key_is_generated_once_for_its_owner_only(tmp_path):
    first, second = settings_in(tmp_path), settings_in(tmp_path)

    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "audit_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32
    assert first.stdout.strip() == second.stdout.strip() == digest(key_file.read_bytes().strip())
    assert [p.name for p in tmp_path.iterdir() if "audit_key" in p.name] == ["audit_key"]


def test_the_variable_is_the_key_and_no_file_is_written(tmp_path):
    key = "k" * 40
    done = settings_in(tmp_path, QIANSHAO_AUDIT_KEY=key)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == digest(key.encode())
    assert not (tmp_path / "audit_key").exists()


def test_a_short_key_is_refused_naming_the_variable(tmp_path):
    done = settings_in(tmp_path, QIANSHAO_AUDIT_KEY="short")
    assert done.returncode != 0
    assert "QIANSHAO_AUDIT_KEY must be at least 32 characters" in done.stderr
