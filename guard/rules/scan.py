"""The static scan of artifacts: ``install-time-code`` runs it, finding kinds describe the rest.

``InstallTimeCode`` is the one engine rule: it reads the verified local copy of
the candidate's artifact (``ctx.artifacts``), runs ``guard.analysis.scan.scan_archive``
on it (nothing is extracted, imported, built or run) and yields the scan's
findings for every id below. When vetting already scanned that file with the
same settings (``ctx.scans``: cached by sha256, several files at once; see
``guard.index.analysis_cache``), the rule takes that result instead; a scan that
failed there makes the rule fail, which blocks. The others are finding kinds (``FindingKind``):
they declare their ids, texts and actions, so that the policy can set their
actions and ``safepip rules`` lists them.

The scan combines what it finds into one score per artifact (see
``guard.analysis.scan.score``): at ``block-score`` its findings block, from
``warn-score`` they warn (weak findings), below that nothing is reported. The
thresholds belong to ``install-time-code``.
"""

from __future__ import annotations

from collections.abc import Iterator

from guard.analysis.scan import BLOCK_SCORE, BUDGET, SCAN_INCOMPLETE, UNREADABLE_ARCHIVE, WARN_SCORE
from guard.analysis.scan import scan_archive as _scan_archive
from guard.analysis.scan.hits import (
    BUNDLED_BINARY,
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    INSTALL_TIME_CODE,
    OBFUSCATED_CODE,
)
from guard.errors import ArtifactError
from guard.models import Action, Candidate, Finding, Project
from guard.rules.base import (
    MAX_SCORE,
    MAX_SECONDS,
    Context,
    FindingKind,
    Param,
    RuleBase,
    ScanSettings,
)
from guard.rules.sdk import calibrate

_SCAN_NOTE = (
    " Found by the static scan of the artifact (run by install-time-code), whose "
    "findings share one score per artifact."
)


class InstallTimeCode(RuleBase):
    id = INSTALL_TIME_CODE
    summary = (
        "A setup script or build backend does more than build: processes, network, "
        "secrets, writes outside the tree. Runs the artifact scan."
    )
    rationale = (
        "pip runs an sdist's setup.py or in-tree backend when it builds it, even for "
        "--dry-run. Honest build scripts compile and read their own tree; most malicious "
        "packages spawn PowerShell or a shell, download and run, or send host data out "
        "from there."
    )
    explain = """\
Runs the static scan of the exact file pip will install (the verified copy in
ctx.artifacts): the archive is read in memory, nothing is extracted, imported,
built or run. setup.py, an in-tree PEP 517 backend and what setup.py pulls in
from the tree are read first and in full; then .pth files, top-level modules,
and the rest of the package within time-budget seconds of analysis (counted as
work at a fixed rate of bytes per second, so that what is read does not depend
on the machine's speed or load).

Every detector gives a weighted signal; where the code sits sets how much it
counts (install time in full, import time most, deep modules little, tests and
docs least). The signals add up to one score per artifact: at block-score the
findings block, from warn-score they warn. Each finding says the sum and its
parts, e.g. "scan score 11.0 >= 5.0 (block): setup.py:12 runs 'powershell'
(subprocess.Popen) (+5.0), setup.py:20 exec() of decoded data (+6.0)".

This rule's own findings: processes that run a shell, PowerShell, a downloader
or an executable; network calls; exec/eval of computed code; host and user
identity; the whole environment; writes outside the tree; overridden install
commands. The scan also reports obfuscated-code, exfil-endpoint,
credential-access, dropper, pth-code, bundled-binary, unreadable-archive and
scan-incomplete. A credential-access finding on an established popular SDK whose
evidence is its own service's credentials is reported as sdk-credentials instead.

Thresholds: block-score, warn-score, time-budget (seconds).
"""
    default_action = Action.BLOCK
    params = (
        Param("block-score", BLOCK_SCORE, "float", "lower", maximum=MAX_SCORE),
        Param("warn-score", WARN_SCORE, "float", "lower", maximum=MAX_SCORE),
        Param("time-budget", BUDGET, "float", "higher", maximum=MAX_SECONDS),
    )
    modes = frozenset({"install"})

    def check(
        self, candidate: Candidate, project: Project | None, ctx: Context
    ) -> Iterator[Finding]:
        if not candidate.filename:
            return
        settings = scan_settings(ctx)
        scanned = ctx.scans.get(candidate.filename)
        if scanned is not None and scanned.settings == settings:
            if scanned.result is None:  # the scan failed: this rule fails, which blocks
                raise ArtifactError(f"the scan of {candidate.filename} failed: {scanned.error}")
            yield from calibrate(scanned.result.findings, project, ctx)
            return
        path = ctx.artifacts.get(candidate.filename)
        if path is None:
            return  # not fetched: the pipeline reports missing artifacts itself
        result = _scan_archive(
            path,
            candidate.filename,
            block_score=settings.block_score,
            warn_score=settings.warn_score,
            budget=settings.budget,
        )
        yield from calibrate(result.findings, project, ctx)


def scan_settings(ctx: Context) -> ScanSettings:
    """The settings ``install-time-code`` scans with under ``ctx``'s policy."""
    rule = InstallTimeCode
    return ScanSettings(
        block_score=ctx.number(rule, "block-score"),
        warn_score=ctx.number(rule, "warn-score"),
        budget=ctx.number(rule, "time-budget"),
    )


ObfuscatedCode = FindingKind(
    id=OBFUSCATED_CODE,
    summary=(
        "Code hidden from readers: decode-and-run chains, chr()-built strings, high-entropy "
        "blobs, bidi controls, look-alike identifiers."
    ),
    rationale=(
        "base64, zlib or marshal feeding exec, strings built from character codes and "
        "Unicode tricks exist to keep a reviewer from reading what runs." + _SCAN_NOTE
    ),
    default_action=Action.BLOCK,
)


ExfilEndpoint = FindingKind(
    id=EXFIL_ENDPOINT,
    summary=(
        "The code names an exfiltration channel: a chat webhook, a paste site, a tunnel, "
        "a request bin, or a URL with a raw IP address."
    ),
    rationale=(
        "Stolen data goes where the attacker needs no server of their own: Discord and "
        "Telegram bots, paste sites, ngrok-style tunnels, request bins, or a bare IP." + _SCAN_NOTE
    ),
    default_action=Action.BLOCK,
)


CredentialAccess = FindingKind(
    id=CREDENTIAL_ACCESS,
    summary=(
        "The code reaches for the user's secrets: SSH keys, cloud credentials, browser "
        "profiles, wallets, keychains, tokens."
    ),
    rationale=(
        "A package has no business reading ~/.ssh, ~/.aws/credentials, browser cookie "
        "stores, wallets or secret environment variables at install or import time." + _SCAN_NOTE
    ),
    default_action=Action.BLOCK,
)


Dropper = FindingKind(
    id=DROPPER,
    summary=(
        "The code downloads and runs something, or writes to an autostart location; or the "
        "package installs a command named as the system's (`ls`, `git`, `sudo`): command-jacking."
    ),
    rationale=(
        "Download-then-execute and persistence (Startup folder, Run keys, LaunchAgents, "
        "shell profiles, cron) are how a one-off install becomes a lasting compromise; a "
        "console script named after a program the user runs takes that program's place "
        "on his PATH." + _SCAN_NOTE
    ),
    default_action=Action.BLOCK,
)


BundledBinary = FindingKind(
    id=BUNDLED_BINARY,
    summary=(
        "A pure-Python wheel or an sdist ships native executables or libraries, or binary "
        "data named as Python source."
    ),
    rationale=(
        "Native code cannot be read like Python, and a py3-none-any wheel has no reason to "
        "carry it. Launchers of packaging tools do, so a binary alone is only evidence: with "
        "other evidence it blocks. A compiled Python module (one that exports the init "
        "function of its name) blocks alone: it runs as it is imported, and an sdist or a "
        "pure wheel is where its source belongs. So does binary data in a .py file (NUL "
        "bytes, bytes that are no text): Python cannot import it, so it is a payload kept "
        "where code belongs, such as an XOR-encoded program that other code decodes and "
        "starts." + _SCAN_NOTE
    ),
    default_action=Action.BLOCK,
)


UnreadableArchive = FindingKind(
    id=UNREADABLE_ARCHIVE,
    summary=(
        "The artifact cannot be read as a zip or tar, or holds path traversal, links, "
        "devices or a decompression bomb."
    ),
    rationale=(
        "About 6% of malicious uploads are archives ordinary tools cannot read, and an "
        "archive that tricks an extractor is an attack of its own; a file that cannot be "
        "scanned is never taken as clean." + _SCAN_NOTE
    ),
    default_action=Action.BLOCK,
)


ScanIncomplete = FindingKind(
    id=SCAN_INCOMPLETE,
    summary="The scan's budget ran out before every file was analysed.",
    rationale=(
        "Install-time files are always read in full; the rest of a large package is read "
        "within the budget, and what was left is recorded (in the JSON report). It is "
        "ignored by default: on the top 1,000 projects it fired on most large packages, "
        "and a warning nobody can act on teaches people to skip warnings; a strict "
        "policy sets it to warn." + _SCAN_NOTE
    ),
    default_action=Action.IGNORE,
)


SCAN_KINDS: tuple[FindingKind, ...] = (
    ObfuscatedCode,
    ExfilEndpoint,
    CredentialAccess,
    Dropper,
    BundledBinary,
    UnreadableArchive,
    ScanIncomplete,
)

# The engine rule and the kinds it reports: what the scan contributes to the registry.
SCAN_RULES: tuple[InstallTimeCode | FindingKind, ...] = (InstallTimeCode(), *SCAN_KINDS)

__all__ = ["SCAN_KINDS", "SCAN_RULES", "InstallTimeCode", "scan_settings"]
