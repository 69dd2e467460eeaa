"""The local checks of ``safepip audit`` as finding kinds: ids, summaries,
rationale, default actions and thresholds, so the policy can configure them and
``safepip rules`` lists them. The checks themselves read the environment's files
and so run outside the rule engine, in ``guard.analysis.integrity``.
"""

from __future__ import annotations

from guard.models import Action
from guard.rules.base import MAX_COUNT, FindingKind, Param

RECORD_MISMATCH = "record-mismatch"
RECORD_MISSING = "record-missing"
RECORD_UNLISTED = "record-unlisted"
PTH_CODE = "pth-code"
SCRIPT_SHADOW = "script-shadow"
DIRECT_INSTALL = "direct-install"
MAX_HASH_MB = 64

_AUDIT = frozenset({"audit"})

RecordMismatch = FindingKind(
    id=RECORD_MISMATCH,
    summary="An installed file differs from the hash its RECORD gives (modified since install).",
    rationale=(
        "pip records the hash of every file it installs. A file that no longer matches was "
        "changed afterwards, by hand or by something that wanted to hide code in a trusted "
        "package."
    ),
    default_action=Action.BLOCK,
    params=(Param("max-hash-mb", MAX_HASH_MB, "int", "higher", maximum=MAX_COUNT),),
    modes=_AUDIT,
)

RecordMissing = FindingKind(
    id=RECORD_MISSING,
    summary="A file its RECORD lists is gone, or the distribution has no RECORD.",
    rationale=(
        "A missing file is usually a botched upgrade or manual clean-up, rarely an attack; "
        "it still means the installed package is not what was vetted."
    ),
    default_action=Action.WARN,
    modes=_AUDIT,
)

RecordUnlisted = FindingKind(
    id=RECORD_UNLISTED,
    summary="A file in a package's own directories is in no RECORD.",
    rationale=(
        "Code planted next to a trusted package is imported with it. Some packages write "
        "caches or data into their own directory at run time, so this warns by default."
    ),
    default_action=Action.WARN,
    modes=_AUDIT,
)

PthCode = FindingKind(
    id=PTH_CODE,
    summary="A .pth file runs code at every Python start-up.",
    rationale=(
        "site executes each 'import' line of every .pth file in site-packages whenever "
        "Python starts, before any of your code: a favourite hiding place for payloads. "
        "Only a few well-known packages need it."
    ),
    default_action=Action.BLOCK,
    modes=_AUDIT,
)

ScriptShadow = FindingKind(
    id=SCRIPT_SHADOW,
    summary="A console script is named like a common system command (ls, sudo, git, ...).",
    rationale=(
        "An activated environment's bin/ comes first on PATH, so a script named sudo or ssh "
        "runs instead of the real one and can capture passwords and keys."
    ),
    default_action=Action.BLOCK,
    modes=_AUDIT,
)

DirectInstall = FindingKind(
    id=DIRECT_INSTALL,
    summary="Installed from a URL, a VCS checkout or a local directory (PEP 610).",
    rationale=(
        "No index vouches for such a distribution, so the index rules say little about it. "
        "Expected for your own projects; it warns at most."
    ),
    default_action=Action.WARN,
    modes=_AUDIT,
)

LOCAL_KINDS: tuple[FindingKind, ...] = (
    RecordMismatch,
    RecordMissing,
    RecordUnlisted,
    PthCode,
    ScriptShadow,
    DirectInstall,
)
LOCAL_RULES = LOCAL_KINDS  # the older name
