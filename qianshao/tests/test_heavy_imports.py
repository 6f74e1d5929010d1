"""A web worker starts without the libraries only some requests need: geometry (shapely with
numpy, 25 MB), spreadsheets and documents (openpyxl, python-docx, lxml). Each is imported
by the code that uses it, when it first runs (docs/performance.md, "A web worker's
memory")."""

import json
import subprocess
import sys

HEAVY = ["shapely", "numpy", "openpyxl", "docx", "lxml"]

LOAD = f"""
import json, sys
from qianshao.wsgi import application
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as the first request imports them
print(json.dumps([name for name in {HEAVY!r} if name in sys.modules]))
"""


def test_a_web_worker_loads_every_view_without_the_heavy_libraries():
    done = subprocess.run(
        [sys.executable, "-c", LOAD], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
