"""The one error hierarchy: every failure safepip expects is a GuardError.

Library errors are wrapped where they happen (``raise PolicyError(...) from exc``);
only ``guard.cli.main`` catches these, prints one clear line and exits 2.
"""

from __future__ import annotations


class GuardError(Exception):
    """Something stopped safepip from reaching a decision; nothing is installed."""


class PolicyError(GuardError):
    """The policy file is missing, unreadable or invalid."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid policy:\n  " + "\n  ".join(problems))


class UsageError(GuardError):
    """The command line asks for something safepip cannot do."""


class ResolveError(GuardError):
    """pip could not work out what it would install."""


class BuildFailed(ResolveError):
    """pip ran a build that vetting allowed (an sdist, a local project), and it
    failed. ``name`` is the package, ``step`` where it stopped, ``said`` the gist
    of the build's own output (cleaned lines)."""

    def __init__(self, name: str, step: str, said: tuple[str, ...]) -> None:
        self.name = name
        self.step = step
        self.said = said
        gist = "".join(f"\n  {line}" for line in said)
        super().__init__(f"the build of {name} failed ({step}){':' if said else ''}{gist}")


class Uninstallable(ResolveError):
    """The index has the project, but no file of it that pip could install here
    for the requirement; ``name`` is the project (canonical)."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        super().__init__(message)


class IndexError_(GuardError):
    """The package index or its JSON API failed or answered nonsense."""


class ArtifactError(GuardError):
    """An artifact could not be fetched, or its bytes are not the vetted bytes."""


class ProcessError(GuardError):
    """A subprocess could not be started, did not finish in time, or failed.

    ``code`` is its exit code (None when it did not exit on its own) and
    ``stderr`` the end of what it wrote to stderr, cleaned for printing.
    """

    def __init__(self, message: str, code: int | None = None, stderr: str = "") -> None:
        self.code = code
        self.stderr = stderr
        super().__init__(message)


class InstallError(GuardError):
    """The final, pinned pip install failed."""


class InstallBuildFailed(InstallError):
    """A build pip ran during the final install (after vetting passed) failed.
    ``build`` is what the build said (``BuildFailed``'s message: the package, the
    step, the gist of its output), ``state`` what the environment holds now, and
    ``done`` the packages installed before the failure ("name version")."""

    def __init__(self, build: str, state: str, done: tuple[str, ...] = ()) -> None:
        self.build = build
        self.state = state
        self.done = done
        super().__init__(f"{build}\n{state}")


class Interrupted(GuardError):
    """The user interrupted the run; the message says what state it left."""


class AuditError(GuardError):
    """The installed environment could not be listed or read for an audit."""


class DeadlineError(GuardError):
    """The run's deadline (``--deadline``) passed; the message names what was slow."""


class ProjectError(GuardError):
    """A project's pyproject.toml gives no dependency list safepip can read."""
