"""`qianshao bench incidents`, briefly: one county (东湖区) and a command log of 5,000 entries
over 10 incidents in a fresh database of the kind the suite runs on. It must finish and
print figures that hold together: the spot check's answers one per duty cell, each
unanswered level chased once, the board's newest log entries, the candidates the 20 nearest
standby teams."""

import re
import subprocess
import sys

from django.conf import settings


def test_the_incidents_bench_runs_on_a_county_and_prints_figures_that_hold_together():
    argv = [sys.executable, "-m", "qianshao", "bench", "incidents", "--root", "360102"]
    argv += ["--villages", "3", "--repeat", "3", "--scale", "5000"]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "False" not in out, out
    duty = re.search(r"([\d,]+) duty cells \(", out)
    assert duty and int(duty.group(1).replace(",", "")) > 5, out
    assert re.search(r"10 incidents through actions.open_incident", out), out
    assert "command-log entries written directly over them, 5,000 in all" in out, out
    # 1. the spot check: one answer per duty cell, every level on duty asked and told
    spot = re.search(r"for ([\d,]+) answers \(([\d,]+) levels on duty\) and ([\d,]+) messages", out)
    assert spot and spot.group(1) == duty.group(1) == spot.group(2), out
    assert re.search(r"plain insert of the same rows .*? ratio [\d.]+x \(target ≤ 3x\)", out), out
    assert (
        "one answer per duty cell: True; every level on duty asked: True; "
        "its people told in-app and by SMS: True" in out
    ), out
    # ... a fifth answer, the sweep chases each of the others once, and once only
    chase = re.search(r"for ([\d,]+) unanswered levels of ([\d,]+), ([\d,]+) messages", out)
    assert chase and chase.group(1) == chase.group(2) and int(chase.group(1)) > 0, out
    assert int(chase.group(1).replace(",", "")) < int(spot.group(2).replace(",", "")), out
    assert (
        "each unanswered chased once: True; each one's people and the province's dispatcher "
        "told: True; the sweep again in the same minute takes 0; answers still watched: 0" in out
    ), out
    # 2. the board: the newest log entries, every order, the map
    board = re.search(r"2\. incident board of \S+ \(([\d,]+) log entries, (\d+) orders", out)
    assert board and int(board.group(1).replace(",", "")) > 500 and board.group(2) == "10", out
    assert "the newest 20 log entries: True; every order: True" in out, out
    assert re.search(r"map features \{.*'incident': 1.*'risk': \d+.*'store': \d+", out), out
    # 3. candidates: 20 standby teams, own township first then nearest, as ranked in Python
    assert out.count("20 returned, all standing by: True; own township first then nearest") == 2
    assert out.count("the 20 nearest of all they may send (ranked in Python): True") == 2, out
