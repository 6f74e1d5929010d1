"""`qianshao bench import`, briefly: one county (东湖区, its real villages and communities
from the divisions data) imported in turns with its baseline into a fresh database of the
kind the suite runs on. Each turn after the first empties the grid again, so each import
must succeed into an empty grid and leave it holding the county once, counted right."""

import re
import subprocess
import sys

from django.conf import settings


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_import_bench_runs_its_turns_into_an_empty_grid_and_prints_the_medians_ratio():
    argv = [sys.executable, "-m", "qianshao", "bench", "import", "--root", "360102"]
    argv += ["--villages", "3", "--repeat", "3"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout

    imported = re.search(r"cells imported: ([\d,]+)", out)
    held = re.search(r"county 360102 \S+ \(([\d,]+) cells\)", out)
    assert imported and held, out
    assert number(imported.group(1)) == number(held.group(1)) > 100, "the county once"
    assert "the cells' counters equal a recount: True" in out
    turns = re.search(
        r"import \(.*?\): ([\d.]+) s .*?median of (\d+) into an empty grid, ([\d.]+)–([\d.]+) s",
        out,
    )
    base = re.search(r"baseline, .*?: ([\d.]+) s  \(median of (\d+), ([\d.]+)–([\d.]+) s\)", out)
    ratio = re.search(r"ratio import / baseline: ([\d.]+)x .*?: ([\d.]+)x to ([\d.]+)x\)", out)
    assert turns and base and ratio, out
    assert int(turns.group(2)) == int(base.group(2)) == 5
    for found in (turns, base):
        median, low, high = found.group(1), found.group(3), found.group(4)
        assert number(low) <= number(median) <= number(high), out
    if number(base.group(1)) >= 0.05:  # printed to 0.01 s: a ratio of smaller times is noise
        printed = number(ratio.group(1))
        assert abs(number(turns.group(1)) / number(base.group(1)) - printed) <= 0.2 * printed, out
    assert number(ratio.group(2)) <= number(ratio.group(3))
