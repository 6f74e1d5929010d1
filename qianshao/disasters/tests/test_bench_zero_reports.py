"""`qianshao bench zero-reports`, briefly: one county (东湖区, its 119 real villages and
communities from the divisions data), a month of reports in a fresh database of the kind the
suite runs on. It must finish and print figures that hold together."""

import re
import subprocess
import sys

from django.conf import settings


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_zero_reports_bench_runs_on_a_county_and_prints_figures_that_hold_together():
    argv = [sys.executable, "-m", "qianshao", "bench", "zero-reports", "--root", "360102"]
    argv += ["--villages", "3", "--repeat", "3"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout

    cells = re.search(r"set-up: ([\d,]+) reporting villages", out)
    written = re.search(r"([\d,]+) zero reports written directly over 30 days", out)
    action = re.search(r"([\d,]+) of today's through the action", out)
    assert cells and written and action, out
    n = number(cells.group(1))
    assert n == number(action.group(1)) == 119, "the county's villages and communities, all"
    assert 0.9 * 30 * n <= number(written.group(1)) < 30 * n, "a few missing each day"
    assert "counters kept by the action equal a recount: True" in out
    equal = re.search(r"the roll-up equals the GROUP BY: True \(received ([\d,]+) of ([\d,]+)", out)
    assert equal, out
    assert number(equal.group(2)) == n and number(equal.group(1)) <= n
    timings = re.findall(
        r"completeness .*? ([\d.]+) ms.*?GROUP BY on the raw table ([\d.]+) ms; ratio ([\d.]+)x",
        out,
    )
    assert len(timings) == 2, out
    for ours, plain, ratio in timings:
        if number(plain) >= 0.5:  # printed to 0.1 ms: a ratio of smaller times is noise
            assert abs(number(ours) / number(plain) - number(ratio)) <= 0.1 * number(ratio), out
