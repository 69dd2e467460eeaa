"""The cyclic garbage collector, paused while a scan runs.

Parsing a large module makes millions of syntax-tree objects, and every few
hundred of them the collector walks the young ones and, now and then, the whole
heap: on a 3.6 MB generated module that was half the parse's time. The trees and
the scan's results hold no reference cycles (reference counting frees them), so
the collector has nothing to find there. Threads may scan at once: the first to
enter pauses the collector, the last to leave resumes it, if it was running.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_LOCK = threading.Lock()
_state = {"scans": 0, "was_enabled": False}


@contextmanager
def paused() -> Iterator[None]:
    """The collector paused for the block (see the module docstring)."""
    with _LOCK:
        if _state["scans"] == 0:
            _state["was_enabled"] = gc.isenabled()
            gc.disable()
        _state["scans"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _state["scans"] -= 1
            if _state["scans"] == 0 and _state["was_enabled"]:
                gc.enable()
