"""Combining what the detectors found into one decision per artifact.

Each hit has a base weight for code that runs at install time. Where the file
sits decides how much of it counts:

==========  ===============================================  =======  ==========  =========
role        files                                            content  behaviour   technique
==========  ===============================================  =======  ==========  =========
install     setup.py, an in-tree PEP 517 backend             1.0      1.0         1.0
helper      tree files that setup.py imports or execs        1.0      1.0 / 0.35  1.0
startup     .pth files (run at every interpreter start)      1.0      1.0         1.0
import      top-level modules and packages' ``__init__``     0.85     1.0 / 0.1   1.0
imported    package modules that import-time code imports    0.4      1.0 / 0.05  1.0
module      the rest of the package                          0.4      0.3 / 0.05  0.85
other       tests, docs, examples, benchmarks                0.15     0           0.15
==========  ===============================================  =======  ==========  =========

*Content* hits (obfuscation, endpoints, credential paths) count wherever they
are. *Behaviour* hits (processes, network, identity, environment, writes)
describe what code that runs does; in importable code they count in full only
where they run: at module level, or in a function that module-level code calls,
passes on or decorates with (the first number), and barely inside other
functions (the second), because libraries call subprocess and the network all
the time, when asked to. Reading the environment or host names at import time
counts at a share (``DATA_SHARE``): configuration does it; sending it is what
counts. So does a lone network call at import time (``NETWORK_SHARE``: a warning
alone, a block with anything else). *Techniques* (decode-and-run and download-
and-run chains, a function that downloads a file and runs it, user secrets next
to an exfiltration channel, a hard-coded channel with its token, code the scan
could not analyse in full) count nearly in full anywhere in the installed
package: the victim's own calls run them.

What is spread over a library (the module and other roles, what imported
modules do other than the sure acts of ``IMPORTED_FOCUSED`` and, where it runs,
``IMPORTED_FOCUSED_RUNNING``, the places of
user secrets a top-level module names (``LIBRARY_CONTENT``), and bundled
binaries) adds up to at most ``SPREAD_CAP`` (4.0, a warning): a big HTTP client
mentions ``.netrc``, a packaging tool ships Windows launchers, a CLI calls
PowerShell. It blocks only together with install- or import-time evidence, or
with a technique, which is never capped.

When none of the pool's parts is strong (each under ``SPREAD_LEAD``), the pool
adds up to at most ``WEAK_SPREAD_CAP`` (2.0, under the warning line): a big
library collects many small signals (a ``.netrc``, a loopback URL, a base64
decode, an ``exec`` in a plugin loader), and their number says how big the
library is, not what it does. One strong part (a keychain decryption, a hidden
import, a network call as a module is imported) still warns alone, and weak
ones still add to code that runs at install or import time.

A bundled binary (``EVIDENCE_KINDS``) is evidence, not a finding: alone it warns
of nothing (packaging tools ship Windows launchers, wrappers ship the DLL they
wrap); it counts only when the rest of the artifact reaches the warning line on
its own, where it can turn a warning into a block.

Hits of one detector (``kind``) do not add up without bound: the strongest
counts in full, each further one a quarter, at most 1.5 times the strongest.
The artifact's score is the sum over detectors; it blocks at ``block`` and
warns at ``warn``. Every finding shows the sum and its parts, strongest first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from guard.analysis.scan.hits import Hit

ROLES = ("install", "helper", "startup", "import", "imported", "module", "other")
CONTENT_FACTOR = {
    "install": 1.0,
    "helper": 1.0,
    "startup": 1.0,
    "import": 0.85,
    "imported": 0.4,
    "module": 0.4,
    "other": 0.15,
}
BEHAVIOUR_FACTOR = {
    "install": 1.0,
    "helper": 1.0,
    "startup": 1.0,
    "import": 1.0,
    "imported": 1.0,
    "module": 0.3,
    "other": 0.0,
}
# Reading the environment or host names at import time is common configuration:
# at import time it counts at this share (sending it is what counts).
DATA_KINDS = frozenset({"env-secret", "identity", "environ-dump"})
DATA_SHARE = {"import": 0.8, "imported": 0.5}
# A network call that runs at import time, alone, warns (5 x 0.8 = 4.0): a library
# may fetch what it is asked to while it loads (matplotlib opens an rc file given as
# a URL). Together with anything else it blocks; at install time it blocks alone, and
# so does an upload (a POST, a mail) at import time: sending is no configuration.
NETWORK_SHARE = {"import": 0.8, "imported": 0.8}
# What module-level code of a module imported at import time does counts outside the
# capped pool only for acts no library does there: shells, sending the environment,
# persistence, unpickling decoded data. (Not a network call: scapy opens a netlink
# socket as it is imported.)
IMPORTED_FOCUSED = frozenset({"spawn-shell", "send-env", "autostart", "backdoor-key", "unpickle"})
# ... and host data collected and sent by code that runs as the module is imported
# (a beacon; in a function nothing runs at import it stays in the pool).
IMPORTED_FOCUSED_RUNNING = frozenset({"send-host-data"})
DEFERRED_FACTOR = {
    "install": 1.0,
    "helper": 0.35,
    "startup": 1.0,
    "import": 0.1,
    "imported": 0.05,
    "module": 0.05,
    "other": 0.0,
}
# Techniques (a function that downloads and runs a file; user secrets next to an
# exfiltration channel) count nearly in full anywhere in the installed package:
# the victim's own calls run them.
TECHNIQUE_FACTOR = {
    "install": 1.0,
    "helper": 1.0,
    "startup": 1.0,
    "import": 1.0,
    "imported": 1.0,
    "module": 0.85,
    "other": 0.15,
}
TECHNIQUE_KINDS = frozenset(
    {
        "drop-run",
        "steal-send",
        "unanalysed",
        "channel",
        "decode-exec",
        "download-exec",
        "packed",
        "identifier-soup",
        "built-name",
        "cradle",
        "reverse-shell",
        "channel-send",
        "remote-shell",
        "hidden-address",
        "hidden-place",
        "intercept",
        "persist-fetch",
        "defence-off",
        "hidden-name",
        "compiled-module",
        "disguised",
        "pickle-code",
        "shellcode",
        "clipper",
        "command-jacking",
        "package-jacking",
        "hiding-codec",
    }
)
SPREAD_ROLES = frozenset({"module", "other"})
SPREAD_KINDS = frozenset({"native"})  # bundled binaries: content, not behaviour
DECISIVE_KINDS = TECHNIQUE_KINDS
SPREAD_CAP = 4.0
SPREAD_LEAD = 2.0
WEAK_SPREAD_CAP = 2.0
EVIDENCE_KINDS = frozenset({"native"})
# Where user secrets are kept, named in importable code: cookie readers, SSH and
# cloud clients name them on purpose. Without a channel to send them (the
# ``steal-send`` technique) they add up to a warning at most.
LIBRARY_CONTENT = frozenset({"credential", "documented"})
BEHAVIOUR_KINDS = frozenset(
    {
        "spawn",
        "spawn-shell",
        "network",
        "identity",
        "environ-dump",
        "env-secret",
        "exec",
        "exec-data",
        "write-outside",
        "cmdclass",
        "send-host-data",
        "download-run",
        "autostart",
        "backdoor-key",
        "cloud-credentials",
        "secret-store",
        "send-env",
        "unpickle",
        "hooked-network",
    }
)
REPEAT_SHARE = 0.25
REPEAT_CAP = 1.5


@dataclass(frozen=True)
class Signal:
    """A hit placed in its file, with the weight that counts."""

    rule: str
    kind: str
    weight: float
    file: str
    line: int
    snippet: str
    text: str
    role: str
    deferred: bool = False  # (the hit's: in a function that does not run with its file)

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    @property
    def spread(self) -> bool:
        """Counted in the capped pool (see the module docstring)."""
        if self.kind in DECISIVE_KINDS:
            return False
        if self.role == "imported":  # imported at import time: only sure acts focus
            running = self.kind in IMPORTED_FOCUSED_RUNNING and not self.deferred
            return self.kind not in IMPORTED_FOCUSED and not running
        if self.role == "import" and self.kind in LIBRARY_CONTENT:
            return True
        return self.role in SPREAD_ROLES or self.kind in SPREAD_KINDS


def place(hit: Hit, file: str, role: str) -> Signal | None:
    """The signal a hit gives in a file of a role, or None when it counts for nothing."""
    if hit.kind in TECHNIQUE_KINDS:
        factor = TECHNIQUE_FACTOR[role]
    elif hit.kind in BEHAVIOUR_KINDS:
        factor = (DEFERRED_FACTOR if hit.deferred else BEHAVIOUR_FACTOR)[role]
        factor *= DATA_SHARE.get(role, 1.0) if hit.kind in DATA_KINDS else 1.0
        factor *= NETWORK_SHARE.get(role, 1.0) if _fetches(hit) else 1.0
    else:
        factor = CONTENT_FACTOR[role]
    weight = round(hit.weight * factor, 2)
    if weight <= 0:
        return None
    return Signal(
        hit.rule, hit.kind, weight, file, hit.line, hit.snippet, hit.text, role, hit.deferred
    )


# Calls that send data rather than fetch it: an upload at import time is no
# configuration read, and counts in full.
_UPLOAD_CALLS = ("post)", "put)", "patch)", "smtplib.", "ftplib.")


def counts_where_called(hit: Hit) -> bool:
    """Whether a hit in a function of a deeper module that import-time code calls
    counts at the import weight (see ``scanner``): what it sends, spawns, steals
    or writes does; a fetch and reading the environment or host names, what a
    library's start-up helpers do on purpose (an update check, its settings),
    keep the weight of the module they sit in."""
    return hit.kind not in DATA_KINDS and not _fetches(hit)


def _fetches(hit: Hit) -> bool:
    """A network call that may only read (see ``NETWORK_SHARE``)."""
    return hit.kind == "network" and not any(call in hit.text for call in _UPLOAD_CALLS)


@dataclass(frozen=True)
class Part:
    """What one detector contributes: its signals, strongest first, and their sum."""

    rule: str
    kind: str
    score: float
    signals: tuple[Signal, ...]
    spread: bool = False


@dataclass(frozen=True)
class Combined:
    total: float
    level: str  # "block", "warn" or "clean"
    parts: tuple[Part, ...]  # strongest first
    capped: float = 0.0  # how much of the spread pool the cap cut off
    cap: float = SPREAD_CAP  # the cap that applied (``WEAK_SPREAD_CAP``: weak signals only)

    def by_rule(self) -> list[tuple[str, float, list[Part]]]:
        """(rule, score, parts) for each rule that contributed, strongest first."""
        grouped: dict[str, list[Part]] = defaultdict(list)
        for part in self.parts:
            grouped[part.rule].append(part)
        rows = [(rule, round(sum(p.score for p in ps), 2), ps) for rule, ps in grouped.items()]
        return sorted(rows, key=lambda row: -row[1])


def combine(
    signals: Iterable[Signal], block: float, warn: float, cap: float = SPREAD_CAP
) -> Combined:
    groups: dict[tuple[str, str, bool], list[Signal]] = defaultdict(list)
    for signal in signals:
        groups[(signal.rule, signal.kind, signal.spread)].append(signal)
    parts = [_part(rule, kind, spread, members) for (rule, kind, spread), members in groups.items()]
    parts.sort(key=lambda p: (-p.score, p.rule, p.kind))
    focused = sum(p.score for p in parts if not p.spread)
    pool = [p.score for p in parts if p.spread and p.kind not in EVIDENCE_KINDS]
    spread = sum(pool)
    evidence = sum(p.score for p in parts if p.kind in EVIDENCE_KINDS)
    if max(pool, default=0.0) < SPREAD_LEAD:
        cap = min(cap, WEAK_SPREAD_CAP)  # only weak library-wide signals
    if focused + min(spread, cap) >= warn:
        spread += evidence
    total = round(focused + min(spread, cap), 2)
    capped = round(max(spread - cap, 0.0), 2)
    return Combined(total, _level(total, block, warn), tuple(parts), capped, cap)


def _part(rule: str, kind: str, spread: bool, members: list[Signal]) -> Part:
    """One detector's signals: the strongest in full, each further one a share."""
    members.sort(key=lambda s: (-s.weight, s.file, s.line))
    top = members[0].weight
    score = min(top + REPEAT_SHARE * sum(s.weight for s in members[1:]), top * REPEAT_CAP)
    return Part(rule, kind, round(score, 2), tuple(members), spread)


def _level(total: float, block: float, warn: float) -> str:
    return "block" if total >= block else "warn" if total >= warn else "clean"


def fmt(score: float) -> str:
    return f"{score:.1f}"


def explain(parts: Sequence[Part], limit: int = 6) -> str:
    """'setup.py:12 runs 'powershell' (+5.0), ...' for the strongest parts."""
    shown = [f"{p.signals[0].where} {p.signals[0].text} (+{fmt(p.score)})" for p in parts[:limit]]
    if len(parts) > limit:
        shown.append(f"and {len(parts) - limit} more")
    return ", ".join(shown)
