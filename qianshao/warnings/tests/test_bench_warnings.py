"""`qianshao bench warnings`, briefly: one county with three villages per township, end to
end in a fresh database of the kind the suite runs on. It must finish and print figures
that hold together."""

import re
import subprocess
import sys

from django.conf import settings


def number(text: str) -> float:
    return float(text.replace(",", ""))


def test_the_warnings_bench_runs_on_a_county_and_prints_figures_that_hold_together():
    argv = [sys.executable, "-m", "qianshao", "bench", "warnings", "--root", "360102"]
    argv += ["--villages", "3"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout

    people = re.search(r"([\d,]+) responsible people with logins", out)
    issue = re.search(
        r"issue one red warning .*: ([\d.]+) s for ([\d,]+) deliveries and ([\d,]+) messages", out
    )
    rest = re.search(
        r"the worker queues the rest, .*: ([\d.]+) s for ([\d,]+) messages; every message "
        r"queued ([\d.]+) s after the issue began",
        out,
    )
    plain = re.search(r"bulk-inserted in one transaction: ([\d.]+) s", out)
    ratio = re.search(
        r"ratio issue and its fan-out / plain insert: ([\d.]+)x  \(target <= 3x\)", out
    )
    assert people and issue and rest and plain and ratio, out
    deliveries = number(issue.group(2))
    # the province's duty officer drafted it: the author is no recipient (issue 12, defect 4)
    assert deliveries == number(people.group(1)), "everyone but the author"
    queued = number(issue.group(3)) + number(rest.group(2))
    assert queued == 2 * deliveries, "in the app and by SMS, each"
    took, base = number(rest.group(3)), number(plain.group(1))
    # the ratio of the unrounded times: within what their rounding to milliseconds allows
    low, high = (took - 0.001) / (base + 0.0005), (took + 0.001) / max(base - 0.0005, 1e-9)
    assert low - 0.05 <= number(ratio.group(1)) <= high + 0.05, out

    sweeps = re.findall(
        r"chase sweep (at the answer time|one period later): ([\d.]+) s for ([\d,]+) "
        r"unanswered deliveries, ([\d,]+) messages queued",
        out,
    )
    assert [s[0] for s in sweeps] == ["at the answer time", "one period later"], out
    first, second = sweeps
    assert number(first[2]) == number(second[2]) == deliveries
    assert number(first[3]) > deliveries, "everyone resent by SMS, and the dispatchers told"
    assert 0 < number(second[3]) < deliveries, "only the dispatchers of the level above"
    assert "chase sweep with nothing due" in out and "(0 handled)" in out
