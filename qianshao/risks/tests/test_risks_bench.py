"""`qianshao bench risks`, briefly: one county (东湖区) and 20,000 patrols in a fresh database
of the kind the suite runs on. It must finish and print figures that hold together: the
four-colour counts equal to the GROUP BY over the raw points, the month's completeness to
the GROUP BY over the raw patrols, the counters to a recount."""

import re
import subprocess
import sys

from django.conf import settings


def test_the_risks_bench_runs_on_a_county_and_prints_figures_that_hold_together():
    argv = [sys.executable, "-m", "qianshao", "bench", "risks", "--root", "360102"]
    argv += ["--villages", "3", "--repeat", "3", "--scale", "20000"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    points = re.search(r"set-up: ([\d,]+) risk points written directly, ([\d,]+) of them", out)
    assert points and int(points.group(2).replace(",", "")) > 0, out
    n_points = int(points.group(1).replace(",", ""))
    assert n_points >= 1000 and n_points % 10 == 0, out
    patrols = re.search(r"([\d,]+) patrols over (\d+) days written directly", out)
    assert patrols and 19000 <= int(patrols.group(1).replace(",", "")) <= 20000, out  # about
    # (c): the counts of every point, equal to one GROUP BY over the raw points
    assert f"; {n_points:,} points; the counts equal the GROUP BY: True" in out, out
    assert "the counts equal the GROUP BY: False" not in out
    # (d): last month's patrols by outcome, equal to one GROUP BY over the raw patrols
    month = re.search(
        r"\(d\) .*?; ([\d,]+) patrols \{.*?\}; the completeness equals the GROUP BY: (\w+)", out
    )
    assert month and int(month.group(1).replace(",", "")) > 0 and month.group(2) == "True", out
    # (a): check-ins through the patrols' action against plain writes of the same rows
    assert re.search(r"\(a\) \d+ check-ins through the action .* ratio [\d.]+x", out), out
    # (b): the sweep takes the steps that fell due in its minute: reminders, escalations
    # and missed patrols, about a third each of the points left due
    sweep = re.search(
        r"\(b\) .* for (\d+) steps due in it .*, (\d+) missed patrols written; (\d+) points read",
        out,
    )
    assert sweep and int(sweep.group(1)) >= 50 and int(sweep.group(2)) >= 10, out
    # the points overdue and already chased are not read again while they wait
    assert int(sweep.group(3)) <= 50, out
    assert "counters kept equal a recount: True" in out
