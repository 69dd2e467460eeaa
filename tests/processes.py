"""Process helpers for the fault tests: a process's descendants (read from
/proc), waiting for processes to be gone, and what clean output looks like."""

from __future__ import annotations

import re
import time
from pathlib import Path

#: Control characters that must never reach a terminal (newline and tab allowed).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    # The command name is in parentheses and may hold spaces: read after the last ")".
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(pid: int) -> list[int]:
    """Every living descendant of ``pid`` (children first)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[0] != "Z":
                parents[int(entry.name)] = stat[1]
    found: list[int] = []
    wanted = {pid}
    while True:
        more = [child for child, parent in parents.items() if parent in wanted]
        more = [child for child in more if child not in found]
        if not more:
            return found
        found.extend(more)
        wanted = set(more)


def cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode("utf-8", errors="replace")


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def wait_gone(pids: list[int], seconds: float) -> None:
    """Wait until none of ``pids`` runs (zombies count as gone); AssertionError
    after ``seconds``."""
    end = time.monotonic() + seconds
    while any(alive(pid) for pid in pids):
        assert time.monotonic() < end, f"still running: {[cmdline(p) for p in pids if alive(p)]}"
        time.sleep(0.05)
