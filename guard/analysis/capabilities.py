"""What an artifact can do, from its scan, and what a release added (pure).

``capabilities(result)`` turns a ``ScanResult``'s per-file signals into a set of
``Capability`` values: *what* (network, process, exec of decoded data,
credentials, download-and-run, a ``.pth`` file, a native binary, install-time
code, a named host) and *when* it runs (install, startup, import, or only when
the package's own functions are called: ``runtime``), each with its evidence
(file:line and the line itself). Tests, docs and examples count for nothing.
``added(now, before)`` is what ``now`` has that ``before`` lacked, compared by
(what, when): moving code between files, or adding more of what was there, adds
nothing; a network call that moves from a deep module to import time does.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from guard.analysis.scan import ScanResult
from guard.analysis.scan.score import BEHAVIOUR_KINDS, TECHNIQUE_KINDS, Signal

MAX_EVIDENCE = 3
# Detector kinds (guard.analysis.scan.score) and what each says the code can do.
_BY_KIND: Mapping[str, str] = {
    "network": "network",
    "hooked-network": "network",
    "send-host-data": "network",
    "send-env": "network",
    "raw-ip": "exfil-channel",
    "raw-ip-local": "",  # loopback and private addresses: nothing leaves the host
    "spawn": "process",
    "spawn-shell": "process",
    "exec": "exec",
    "unpickle": "exec",
    "decode-exec": "decode-exec",
    "packed": "decode-exec",
    "identifier-soup": "decode-exec",
    "cloud-credentials": "credentials",
    "secret-store": "credentials",
    "env-secret": "secret-env",
    "steal-send": "steal-send",
    "download-run": "download-run",
    "download-exec": "download-exec",
    "drop-run": "download-exec",
    "reverse-shell": "process",
    "autostart": "persistence",
    "autostart-path": "persistence",
    "channel": "exfil-channel",
    "native": "native-binary",
    "pth-code": "pth",
    "cmdclass": "install-commands",
}
# Findings' rules as a fallback for kinds not listed above.
_BY_RULE: Mapping[str, str] = {
    "credential-access": "credentials",
    "dropper": "download-exec",
    "exfil-endpoint": "exfil-channel",
    "pth-code": "pth",
    "bundled-binary": "native-binary",
}
_WHEN: Mapping[str, str] = {
    "install": "install",
    "helper": "install",
    "startup": "startup",
    "import": "import",
    "imported": "import",
    "module": "runtime",
}
# What a hijack adds (THREATS.md): these, new, are dangerous wherever they run.
DANGEROUS = frozenset(
    {
        "network",
        "process",
        "exec",
        "credentials",
        "download-run",
        "decode-exec",
        "download-exec",
        "steal-send",
        "persistence",
        "exfil-channel",
        "pth",
        "native-binary",
        "install-commands",
    }
)
# Reading a variable named like a secret (``secret-env``) is configuration: it is
# listed with what is dangerous, never dangerous alone; sending it is (send-env).
# Capabilities that are dangerous only when the code runs without being asked
# (install, start-up or import time): libraries call these from their functions.
RUN_ONLY = frozenset({"network", "process", "exec", "credentials", "download-run", "persistence"})
# exec/eval of computed (not decoded) code: code generation does it at import
# (templates, plural rules, namedtuple-style classes); in a setup.py or a .pth it counts.
INSTALL_ONLY = frozenset({"exec"})
# What code does at import time counts in full only at module level (or in what
# module-level code calls); inside other functions the scan counts a tenth or less
# (guard.analysis.scan.score.DEFERRED_FACTOR). A behaviour signal at import time
# weaker than this ran in such a function: it is a runtime capability.
RUN_WEIGHT = 1.0
_URL = re.compile(r"\b(?:https?|ftp|wss?)://([A-Za-z0-9.\-\[\]:]+)", re.IGNORECASE)
_LOCAL_NAMES = frozenset({"localhost", "example.com", "example.org", "example.net"})


@dataclass(frozen=True)
class Capability:
    """One thing the code can do, when it runs, and where the scan saw it."""

    what: str  # "network", "process", ..., or "host:<name>"
    when: str  # "install", "startup", "import" or "runtime"
    evidence: tuple[tuple[str, str], ...] = ()  # (file:line, what the line does)

    @property
    def key(self) -> tuple[str, str]:
        return (self.what, self.when)

    @property
    def dangerous(self) -> bool:
        """New, this would mean a hijack: see ``DANGEROUS`` and ``RUN_ONLY``."""
        if self.what not in DANGEROUS:
            return False
        if self.what in INSTALL_ONLY:
            return self.when in {"install", "startup"}
        return self.when != "runtime" or self.what not in RUN_ONLY

    def describe(self) -> str:
        where = "when its functions are called" if self.when == "runtime" else f"at {self.when}"
        if self.what.startswith("host:"):
            return f"names host {self.what[5:]} ({where})"
        return f"{self.what} {where}"


def capabilities(result: ScanResult) -> frozenset[Capability]:
    """The capabilities the scan's signals show, one per (what, when), with evidence."""
    found: dict[tuple[str, str], list[Signal]] = {}
    for signal in result.signals:
        when = _when(signal)
        if when is None:  # tests, docs, examples
            continue
        for what in _whats(signal):
            found.setdefault((what, when), []).append(signal)
    return frozenset(
        Capability(what, when, _evidence(signals)) for (what, when), signals in found.items()
    )


def _when(signal: Signal) -> str | None:
    """When the code the signal shows runs. What module-level code of a module that
    import-time code imports does runs at import; what such a module merely
    contains (a path, a name in a string) is runtime, like the rest of the package."""
    when = _WHEN.get(signal.role)
    behaviour = signal.kind in BEHAVIOUR_KINDS or signal.kind in TECHNIQUE_KINDS
    deferred = behaviour and signal.weight < RUN_WEIGHT
    content_deep = signal.role == "imported" and not behaviour
    return "runtime" if when == "import" and (deferred or content_deep) else when


def _whats(signal: Signal) -> Iterable[str]:
    what = _BY_KIND.get(signal.kind, _BY_RULE.get(signal.rule))
    if what:
        yield what
    for host in hosts(signal.snippet):
        yield f"host:{host}"


def hosts(text: str) -> frozenset[str]:
    """The external hosts URLs in ``text`` name (lower case, without a port)."""
    out = set()
    for match in _URL.finditer(text):
        host = match.group(1).lower()
        host = host.split("]", 1)[0] + "]" if host.startswith("[") else host.split(":", 1)[0]
        host = host.rstrip(".")
        if host and not _local(host):
            out.add(host)
    return frozenset(out)


def _local(host: str) -> bool:
    """Loopback, unspecified or documentation hosts: not a place code reaches out to."""
    if host in _LOCAL_NAMES or host.endswith((".invalid", ".test", ".example", ".localhost")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _evidence(signals: list[Signal]) -> tuple[tuple[str, str], ...]:
    ordered = sorted(signals, key=lambda s: (-s.weight, s.file, s.line))
    return tuple((s.where, f"{s.text}: {s.snippet}".rstrip(": ")) for s in ordered[:MAX_EVIDENCE])


def added(now: Iterable[Capability], before: Iterable[Capability]) -> tuple[Capability, ...]:
    """The capabilities of ``now`` whose (what, when) ``before`` lacks, dangerous first."""
    had = {c.key for c in before}
    new = [c for c in now if c.key not in had]
    return tuple(sorted(new, key=lambda c: (not c.dangerous, c.what, c.when)))
