"""`qianshao bench lists`, briefly: 3,000 hazards (and 30) in the largest county of 江西省,
end to end in a fresh database of the kind the suite runs on. It must finish, walk each
user's list through the cursors, read 1,000 times through a real server's worker, and write
its figures as JSON under their names."""

import json
import re
import subprocess
import sys

from django.conf import settings

NAMES = {"first_page_ms", "deep_page_ms", "filtered_page_ms", "html_page_ms", "growth", "rss_mb"}
NAMES |= {"slowest_read_ms"}


def test_the_lists_bench_walks_each_users_list_and_writes_its_figures(tmp_path):
    argv = [sys.executable, "-m", "qianshao", "bench", "lists", "--rows", "3000"]
    argv += ["--repeat", "2", "--json", str(tmp_path / "lists.json")]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    rows = re.findall(
        r"^    (county|township|village) +\(([\d,]+)\+? rows, deep = page (\d+), (\d+) filtered\)",
        out,
        re.M,
    )
    assert [r[0] for r in rows] == ["county", "township", "village"] * 2, out
    small, large = rows[:3], rows[3:]
    assert int(large[0][1].replace(",", "")) == 3000  # the county sees every hazard
    assert int(small[0][1].replace(",", "")) == 30
    # the county's 3,000 in pages of 20, followed through `next` to the last
    assert int(large[0][2]) == 150, out
    # the filtered pages are full at both sizes: growth compares the table's size alone
    assert all(int(r[3]) == 20 for r in rows), out
    assert all(
        int(s[1].replace(",", "")) <= int(lg[1].replace(",", ""))
        for s, lg in zip(small, large, strict=True)
    )
    memory = re.search(r"one web worker's memory: (\d+) MB warm, (\d+) MB after 1,000 mixed", out)
    assert memory and 0 < int(memory.group(1)) <= int(memory.group(2)) + 5, out
    slowest = re.search(r"the slowest of those reads: (/\S+) at ([\d.]+) ms", out)
    assert slowest and slowest.group(1).startswith(("/api/v1/hazards", "/hazards/")), out
    written = json.loads((tmp_path / "lists.json").read_text())
    assert written["bench"] == "lists"
    assert written["database"] in ("sqlite", "postgresql")
    assert set(written["figures"]) >= NAMES
    assert all(written["figures"][name] > 0 for name in NAMES)
    assert written["figures"]["slowest_read_ms"] == float(slowest.group(2))
