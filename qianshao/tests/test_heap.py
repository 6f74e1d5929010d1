"""What a process keeps out of the cycle collector's walk (lib/heap.py; docs/adr/0036)."""

import subprocess
import sys

from django.conf import settings


def test_a_started_process_has_its_urls_loaded_and_its_startup_objects_frozen():
    """After setup, the URLconf (every view, the API's schemas) is loaded and what startup
    made is frozen: the objects a full collection still walks are a small remainder."""
    script = (
        "import django, gc, sys; django.setup(); "
        "print(gc.get_freeze_count(), len(gc.get_objects()), "
        f"{settings.ROOT_URLCONF!r} in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    frozen, walked, urls_loaded = int(out[0]), int(out[1]), out[2]
    assert urls_loaded == "True"
    assert frozen > 100_000
    assert walked < frozen / 10


def test_the_sqlite_cursor_keeps_converted_statements_within_its_bound():
    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    from qianshao.lib.sqlite_backend import base

    base._converted.clear()
    cursor = base.CursorWrapper.__new__(base.CursorWrapper)
    plain = SQLiteCursorWrapper.__new__(SQLiteCursorWrapper)
    query = "SELECT %s, '100%%' FROM t WHERE a = %s"
    assert (
        cursor.convert_query(query)
        == plain.convert_query(query)
        == ("SELECT ?, '100%' FROM t WHERE a = ?")
    )
    assert cursor.convert_query(query) == plain.convert_query(query)  # from what it kept
    for n in range(base.CONVERTED_KEPT * 2):
        cursor.convert_query(f"SELECT %s + {n}")
    assert 0 < len(base._converted) <= base.CONVERTED_KEPT
    named = "SELECT %(a)s"
    assert cursor.convert_query(named, param_names=["a"]) == "SELECT :a"


def test_the_collector_is_paused_for_a_bulk_build_and_resumed_after_even_on_error():
    import gc

    import pytest

    from qianshao.lib.heap import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer one resumes it, not the inner
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_the_collector_resumes_when_the_last_pause_in_any_thread_ends():
    """Two threads' bulk builds overlap: the first to end leaves the collector paused for
    the other, which resumes it."""
    import gc
    import threading

    from qianshao.lib.heap import collector_paused

    inside, release = threading.Event(), threading.Event()

    def other():
        with collector_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=other)
    with collector_paused():
        thread.start()
        assert inside.wait(10)
    assert not gc.isenabled()  # the other thread's build still runs
    release.set()
    thread.join(10)
    assert gc.isenabled()
