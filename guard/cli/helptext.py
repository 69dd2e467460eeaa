"""The help texts: ``safepip --help`` and ``safepip COMMAND --help``.

Plain data (guard.cli.commands gives each command its text), so that the CLI
stays about dispatching and the texts can be read
(and kept in step with the README) in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

OWN_OPTIONS = """\
safepip's own options may stand anywhere before a `--`; every other argument
goes to pip unchanged:
  --policy FILE      policy file (else $SAFEPIP_POLICY, ./safepip.toml,
                     [tool.safepip] in ./pyproject.toml, the user config dir,
                     the built-in default)
  --python PY        the environment to install into: an interpreter or a venv
                     directory (default: the active virtualenv, else this Python)
  --pypi-url URL     the JSON API to vet against (default https://pypi.org, or
                     $SAFEPIP_PYPI_URL, or the policy's settings.pypi-url)
  --osv-url URL      the OSV API asked for malware reports and vulnerabilities
                     (default https://api.osv.dev, or $SAFEPIP_OSV_URL, or the
                     policy's settings.osv-url)
  --format FMT       text (default), json, sarif or markdown
  --no-progress      no progress display on stderr
  --deadline SECONDS the longest the run may wait on the network and on pip
                     (default 600, or $SAFEPIP_DEADLINE; 0: none); past it,
                     exit 2 and nothing is installed
"""

EXIT_CODES = "exit codes: 0 allowed, 1 blocked by policy, 2 error (nothing installed)\n"

USAGE = f"""\
usage: safepip [SAFEPIP-OPTIONS] install PIP-INSTALL-ARGS...
       safepip [SAFEPIP-OPTIONS] check PIP-INSTALL-ARGS...
       safepip [SAFEPIP-OPTIONS] audit [PATH_TO_VENV]
       safepip check-names NAME... | -      (names alone, offline; the policy's typosquat settings)
       safepip scan FILE...                 (static scan of local wheels and sdists)
       safepip popular update [--from URL|FILE]
       safepip rules | safepip explain RULE
       safepip policy validate [FILE...] | show | init [FILE]

Vet everything `pip install` would install against your team's policy, then
install exactly the vetted files, pinned by hash, or nothing.
`safepip COMMAND --help` describes one command.

{OWN_OPTIONS}
{EXIT_CODES}"""

_PIP_ARGS = """\
PIP-INSTALL-ARGS are what `pip install` takes (requirements, -r, -c, -e, extras,
markers, -i/--index-url, --extra-index-url, --pre, -U, --user, --target...; see
`pip install --help`), except --dry-run, --report and --python, which safepip
sets itself. pip resolves them from wheels; an sdist is built (by install
only) after it and its build requirements passed vetting. safepip vets every
package and file pip chose, and only then does pip see a pinned, hash-checked
list of exactly those files.
"""

# One per command; guard.cli.commands pairs each with its command.
INSTALL = f"""\
usage: safepip [SAFEPIP-OPTIONS] install PIP-INSTALL-ARGS...

Resolve what `pip install PIP-INSTALL-ARGS` would install, vet every package
against the policy, then install exactly the vetted files (pinned by hash), or
nothing. A blocked package is named with the rule, its evidence and what to do.
pip's -v/--verbose (passed on to pip) also makes the report show what the policy
ignores, such as the weak signals that are only parts of weak-signals.

{_PIP_ARGS}
{OWN_OPTIONS}
{EXIT_CODES}"""

CHECK = f"""\
usage: safepip [SAFEPIP-OPTIONS] check PIP-INSTALL-ARGS...
       safepip [SAFEPIP-OPTIONS] check PROJECT_DIR | -e PROJECT_DIR

Everything `safepip install` does except the install: resolve, vet and report.
check runs no package code: no sdist and no local project is built. Given a
project directory (`safepip check .`, `check -e .`), the dependencies its
pyproject.toml declares ([project] dependencies, extras) are vetted without
building it; where only a build could tell them (a dynamic list, a setup.py),
a note says so and its build requirements are vetted.

{_PIP_ARGS}
{OWN_OPTIONS}
exit codes: 0 clean (warnings allowed), 1 blocked by policy, 2 error
"""

AUDIT = f"""\
usage: safepip [--policy FILE] [--format FMT] audit [PATH_TO_VENV | --python PY]

Vet every distribution installed in an environment (default: the active
virtualenv, else this Python) against the policy, as install would, and check
the installed files against their RECORD hashes, .pth files and console
scripts.

{EXIT_CODES}"""

CHECK_NAMES = """\
usage: safepip check-names NAME... [--format json] [--policy FILE] [--verbose]
       safepip check-names - [...]           (names on stdin, one per line)

Judge project names alone, offline: does a name imitate a popular project (a
typo, a look-alike, an affix, a combination)? Each flagged name is given with
its target and the transformation that matched. The policy's typosquat
thresholds and protect list apply. --verbose (-v) adds every match's score,
and the closest matches that stay below the warn line (why a name is ok).

exit codes: 0 no name would block, 1 at least one would, 2 error
"""

SCAN = """\
usage: safepip scan FILE... [--format FMT] [--policy FILE]

Statically scan local wheels and sdists (nothing is built or run) with the
policy's scan rules: install-time code, obfuscation, exfiltration endpoints,
credential access, droppers, bundled binaries, unreadable archives.

exit codes: 0 clean (warnings allowed), 1 blocked by policy, 2 error
"""

POPULAR = """\
usage: safepip popular update [--from URL|FILE]

Refresh the popular-projects list that typosquat detection protects, into the
user data dir (the copy shipped with safepip stays the fallback). The default
source is the public top-pypi-packages JSON; --from takes another URL or a local
JSON or CSV (rank,name) file.
"""

RULES = """\
usage: safepip rules

List every rule with its default action, thresholds and rationale.
"""

EXPLAIN = """\
usage: safepip explain RULE

Describe one rule in full: what it detects, its default action and thresholds,
and how to waive it for one project.
"""

POLICY = """\
usage: safepip policy validate [FILE...]
       safepip policy show [--policy FILE]
       safepip policy init [FILE] [--force]

validate  report every problem in policy files at once (exit 2 if any)
show      the effective policy, layer by layer, with where each value comes from
init      write a starter policy (default ./safepip.toml)
"""


def wants_help(words: Sequence[str]) -> bool:
    """True when ``-h`` or ``--help`` stands among the words (before a ``--``)."""
    for word in words:
        if word == "--":
            return False
        if word in {"-h", "--help"}:
            return True
    return False
