"""`qianshao bench resources`, briefly: one county (东湖区) and 20,000 batches in a fresh
database of the kind the suite runs on. It must finish and print figures that hold together:
the readiness table equal to the GROUP BY over the raw tables, the counters to a recount."""

import re
import subprocess
import sys

from django.conf import settings

from qianshao.resources.tests.supplies_fixtures import assert_sweeps


def test_the_resources_bench_runs_on_a_county_and_prints_figures_that_hold_together():
    argv = [sys.executable, "-m", "qianshao", "bench", "resources", "--root", "360102"]
    argv += ["--villages", "3", "--repeat", "3", "--scale", "20000"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    teams = re.search(r"set-up: ([\d,]+) teams with ([\d,]+) members", out)
    assert teams, out
    n_teams, n_members = (int(g.replace(",", "")) for g in teams.groups())
    assert n_teams > 100 and 8 * n_teams <= n_members <= 17 * n_teams, out
    assert "20,000 batches written directly" in out, out
    # the table's totals are the set-up's, and equal one GROUP BY over the raw tables
    assert f"{n_teams:,} teams, {n_members:,} members" in out, out
    assert out.count("the table equals the GROUP BY: True") == 2, out
    assert "the table equals the GROUP BY: False" not in out
    issues = re.search(r"(\d+) issues through the action .*? ratio ([\d.]+)x", out)
    assert issues and int(issues.group(1)) > 0, out
    assert_sweeps(out)
    assert "counters kept by the actions and the sweep equal a recount: True" in out
