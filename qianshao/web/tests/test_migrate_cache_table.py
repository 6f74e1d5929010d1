"""`migrate` alone prepares everything the platform needs, including the database cache's
table that the rate limits count in (a deployment need not know `createcachetable`)."""

import os
import sqlite3
import subprocess
import sys


def test_migrate_makes_the_cache_table(tmp_path):
    env = {**os.environ, "QIANSHAO_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("QIANSHAO_CACHE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "qianshao", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "qianshao.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "qianshao_cache" in tables
