"""The HTTP load test, briefly: `qianshao bench http` for 3 s with 2 clients, end to end —
a fresh database with the demo county, the real server on loopback, reports with photos (or
JSON alone) and resends — on the database the suite runs on. It must finish without an
error and write its figures."""

import json
import re
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.parametrize("body", ["photos", "json"])
def test_the_http_load_test_runs_without_an_error_and_prints_its_figures(body, tmp_path):
    argv = [sys.executable, "-m", "qianshao", "bench", "http", "--seconds", "3", "--clients", "2"]
    argv += ["--body", body, "--json", str(tmp_path / "http.json")]
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        argv += ["--database-url", settings.DATABASE_URL]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"baseline GET /healthz: [\d,]+ requests in [\d.]+ s = [\d,]+ req/s", out), out
    load = re.search(
        r"POST /api/v1/hazards: ([\d,]+) requests in [\d.]+ s = [\d,.]+ req/s; p50 [\d.]+ ms, "
        r"p99 [\d.]+ ms  \(([\d,]+) hazards filed, ([\d,]+) resends answered 200\)",
        out,
    )
    assert load, out
    requests, filed, resent = (int(g.replace(",", "")) for g in load.groups())
    assert requests == filed + resent
    assert filed > 0 and resent > 0
    assert "ratio to baseline: throughput" in out
    assert "errors: 0" in out
    written = json.loads((tmp_path / "http.json").read_text())
    assert written["bench"] == f"http-{body}"
    assert written["figures"]["errors"] == 0
    assert written["figures"]["req_per_s"] > 0
    assert 0 < written["figures"]["p50_ms"] <= written["figures"]["p99_ms"]
