"""The process's heap and Python's cycle collector.

A full collection walks every object the process holds. After startup that is ~190,000
objects of Django, the apps, their modules and the URLconf, which live as long as the
process: walking them again on every full collection made an import of a province a third
slower (0.61 s against 0.47 s) and costs each request that happens to trigger one.
``keep_startup_objects`` collects once and moves what is left out of the collector's reach
(``gc.freeze``), so that a collection's cost follows what the work allocated since, not the
size of the program.
"""

import gc
import threading
from contextlib import contextmanager


def keep_startup_objects() -> None:
    """Collect, then freeze every object alive now (call once, when startup is done)."""
    gc.collect()
    gc.freeze()


_paused = 0  # the collector_paused blocks running now, in every thread
_resume = False  # whether the collector was on when the first of them began
_lock = threading.Lock()


@contextmanager
def collector_paused():
    """No automatic collection while a bulk build runs (an import of a province makes some
    200,000 objects that all live until it ends: a collection meanwhile walks them and
    finds nothing to free). The collector is the process's, shared by its threads: it
    resumes (if it was on) when the last block running, in any thread, ends."""
    global _paused, _resume
    with _lock:
        if _paused == 0:
            _resume = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0 and _resume:
                gc.enable()
