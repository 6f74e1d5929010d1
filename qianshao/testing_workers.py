"""Each pytest-xdist worker gets a data directory and a queue of its own.

Loaded with ``-p qianshao.testing_workers`` before Django's settings are read: a worker
(``PYTEST_XDIST_WORKER`` = ``gw0``, ``gw1``, …) keeps its keys, media, backups and SQLite
files under ``$QIANSHAO_DATA_DIR/<worker>`` and, on Redis, uses a database of its own
(15, 14, … counting down from the one given), so that one worker's ``HUEY.flush()`` never
empties another's queue. pytest-django already gives each worker a test database of its own.

The suite runs with xdist's default ``--dist load``: it hands each worker its tests in the
order of the collection, where pytest-django puts the transactional tests (which end by
emptying the database, the rows that data migrations seed included) after the others.
``loadfile`` and ``worksteal`` break that order, and tests that read the seeded rows then fail.
"""

import os
import re
from pathlib import Path

_worker = os.environ.get("PYTEST_XDIST_WORKER")

if _worker:
    _n = int(re.sub(r"\D", "", _worker) or 0)
    _base = Path(os.environ.get("QIANSHAO_DATA_DIR", "./var"))
    os.environ["QIANSHAO_DATA_DIR"] = str(_base / _worker)
    _queue = os.environ.get("QIANSHAO_QUEUE_URL")
    if _queue:
        _match = re.fullmatch(r"(redis://[^/]+)/(\d+)", _queue)
        if not _match:
            raise SystemExit(
                f"QIANSHAO_QUEUE_URL={_queue!r}: the tests need redis://HOST:PORT/DB "
                "so that each worker can take a database of its own"
            )
        _db = int(_match.group(2)) - _n
        if _db < 0:
            raise SystemExit(f"QIANSHAO_QUEUE_URL: no Redis database left for worker {_worker}")
        os.environ["QIANSHAO_QUEUE_URL"] = f"{_match.group(1)}/{_db}"
