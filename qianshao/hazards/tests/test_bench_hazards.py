"""`qianshao bench hazards`, briefly: one county, 300 reports through the actions, grown to
1,500 hazards, end to end in a fresh database of the kind the suite runs on. It must finish
and print figures that hold together."""

import json
import re
import subprocess
import sys

import pytest
from django.conf import settings


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_hazards_bench_runs_on_a_county_and_prints_figures_that_hold_together(tmp_path):
    argv = [sys.executable, "-m", "qianshao", "bench", "hazards", "--root", "360102"]
    argv += ["--villages", "3", "--hazards", "300", "--scale", "1500", "--repeat", "3"]
    argv += ["--json", str(tmp_path / "hazards.json")]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout

    ingest = re.search(r"through the actions.*: ([\d.]+) s  \(([\d,]+) hazards/s", out)
    plain = re.search(r"one by one with the ORM.*: ([\d.]+) s  \(([\d,]+) rows/s\)", out)
    ratio = re.search(
        r"ratio actions / one-by-one insert: ([\d.]+)x  "
        r"\(target <= 4x; blocks of \d+: ([\d.]+)x to ([\d.]+)x\)",
        out,
    )
    assert ingest and plain and ratio, out
    took = number(ingest.group(1))
    assert number(ingest.group(2)) == pytest.approx(300 / took, rel=0.02), out
    # the rates are printed to more places than the seconds (0.10 s may be 0.095 or 0.105)
    rates = number(plain.group(2)) / number(ingest.group(2))
    assert number(ratio.group(1)) == pytest.approx(rates, rel=0.02), out
    # the whole run's ratio lies among its blocks' (printed to one place each)
    low, high = number(ratio.group(2)), number(ratio.group(3))
    assert low - 0.05 <= number(ratio.group(1)) <= high + 0.05, out
    for step in ["accept: 60 ", "return: 6 ", "assign: 30 ", "start: 15 "]:
        assert step in out, out
    assert "tally kept by the actions equals a recount: True" in out
    grown = re.search(r"grown by ([\d,]+) rows bulk-inserted directly", out)
    assert grown and number(grown.group(1)) == 1500 - 300, out

    counts = re.findall(
        r"\(([\d,]+) hazards, (\d+) children\): per-child counts ([\d.]+) ms \(target < 200 ms\)",
        out,
    )
    assert len(counts) == 1, "the county is the root: counted once"
    assert all(number(total) == 1500 and int(children) > 0 for total, children, _ in counts)
    sweep = re.search(
        r"overdue sweep of one minute \((\d+) hazards due on average\): ([\d.]+) ms "
        r"\(target < 200 ms\); with nothing due: ([\d.]+) ms",
        out,
    )
    assert sweep and int(sweep.group(1)) > 0, out

    one = re.search(
        r"one JSON report through the API in-process: (\d+) statements .*median ([\d.]+) ms "
        r".*a plain ORM insert of the row ([\d.]+) ms; the whole request / the insert ([\d.]+)x",
        out,
    )
    assert one, out
    written = json.loads((tmp_path / "hazards.json").read_text())
    assert written["bench"] == "hazards"
    assert written["database"] in ("sqlite", "postgresql")
    figures = written["figures"]
    assert figures["queries"] == int(one.group(1)) > 0
    assert figures["median_ms"] == float(one.group(2))
    # the bench's ratio is the (the actions against one-by-one inserts); the whole
    # request's against one insert is beside it
    assert figures["ratio"] == pytest.approx(number(ratio.group(1)), abs=0.06)
    assert figures["request_ratio"] == pytest.approx(
        float(one.group(2)) / float(one.group(3)), rel=0.05
    )


def test_json_naming_a_folder_writes_the_bench_s_file_in_it_and_a_missing_one_is_refused_first(
    tmp_path,
):
    from django.core.management import CommandError, call_command

    from qianshao.bench.management.commands.bench import _json_file

    assert _json_file(tmp_path, "hazards", "photos") == tmp_path / "hazards.json"
    assert _json_file(tmp_path, "http", "json") == tmp_path / "http-json.json"
    assert _json_file(tmp_path / "a.json", "lists", "photos") == tmp_path / "a.json"
    missing = tmp_path / "no-such-folder" / "hazards.json"
    with pytest.raises(CommandError, match="no-such-folder"):
        call_command("bench", "hazards", "--json", str(missing))
    assert not missing.parent.exists()
