"""The run's deadline: one wall-clock limit on a whole safepip run.

The CLI makes one ``Deadline`` at the start of a run and hands it down to what
waits on others: every HTTP request (guard.index.http) and every pip command
(guard.pip.worker). It reads a monotonic clock, so changing the system time
moves nothing. Only the standard library is imported here (pip's early start
imports it).
"""

from __future__ import annotations

import math
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

from guard.errors import DeadlineError

DEFAULT_DEADLINE = 600.0  # seconds for a whole run, unless --deadline / $SAFEPIP_DEADLINE

Clock = Callable[[], float]


def _seconds(value: float) -> str:
    return f"{value:g}"


def shown(url: str) -> str:
    """``url`` as a message may show it: without a password (an index's token)."""
    try:
        parts = urllib.parse.urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)[1]
    except ValueError:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc}"))


@dataclass(frozen=True)
class Deadline:
    """``seconds`` after the clock read ``start`` (math.inf: no deadline)."""

    seconds: float
    start: float
    clock: Clock = field(default=time.monotonic, compare=False, repr=False)

    @classmethod
    def begin(cls, seconds: float, clock: Clock = time.monotonic) -> Deadline:
        """A deadline ``seconds`` from now; 0 or less means none."""
        return cls(seconds if seconds > 0 else math.inf, clock(), clock)

    @classmethod
    def never(cls) -> Deadline:
        return cls(math.inf, 0.0)

    @property
    def limited(self) -> bool:
        return math.isfinite(self.seconds)

    def remaining(self) -> float:
        """Seconds left (0 once passed; math.inf without a deadline)."""
        if not self.limited:
            return math.inf
        return max(0.0, self.start + self.seconds - self.clock())

    @property
    def passed(self) -> bool:
        return self.remaining() <= 0

    def budget(self, cap: float) -> float:
        """``cap`` seconds, or what is left of the run if that is less."""
        return min(cap, self.remaining())

    def error(self, when: str, after: str = "nothing was installed") -> DeadlineError:
        """The error that says the deadline passed ``when`` ("while fetching URL")."""
        return DeadlineError(
            f"the run's deadline ({_seconds(self.seconds)} s) passed {when}; {after} "
            "(a longer one: --deadline SECONDS or $SAFEPIP_DEADLINE)"
        )
