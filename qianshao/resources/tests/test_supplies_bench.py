"""`qianshao bench supplies`, briefly: one county (东湖区) and 20,000 batches in a fresh
database of the kind the suite runs on. It must finish and print figures that hold together."""

import re
import subprocess
import sys

from django.conf import settings

from qianshao.resources.tests.supplies_fixtures import assert_sweeps


def test_the_supplies_bench_runs_on_a_county_and_prints_figures_that_hold_together():
    argv = [sys.executable, "-m", "qianshao", "bench", "supplies", "--root", "360102"]
    argv += ["--villages", "3", "--repeat", "3", "--scale", "20000"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "20,000 batches written directly" in out, out
    assert "the counters equal the GROUP BY: True" in out
    assert "counters kept by the actions and the sweep equal a recount: True" in out
    issues = re.search(r"(\d+) issues through the action .*? ratio ([\d.]+)x", out)
    assert issues and int(issues.group(1)) > 0, out
    assert_sweeps(out)
