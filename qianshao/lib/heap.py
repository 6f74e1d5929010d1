"""The process's heap and Python's cycle collector.

A full collection walks every object the process holds. After startup that is ~120,000
objects of Django, the apps and their modules, which live as long as the process: walking
them again on every full collection made an import of a province a third slower (0.61 s
against 0.47 s) and costs each request that happens to trigger one. ``keep_startup_objects``
collects once and moves what is left out of the collector's reach (``gc.freeze``), so that
a collection's cost follows what the work allocated since, not the size of the program.
"""

import gc
from contextlib import contextmanager


def keep_startup_objects() -> None:
    """Collect, then freeze every object alive now (call once, when startup is done)."""
    gc.collect()
    gc.freeze()


@contextmanager
def collector_paused():
    """No automatic collection while a bulk build runs (an import of a province makes some
    200,000 objects that all live until it ends: a collection meanwhile walks them and
    finds nothing to free). The process's collector, for every thread, resumes after;
    collector_paused inside collector_paused leaves it to the outer one."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
