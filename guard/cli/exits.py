"""safepip's exit codes: 0 allowed, 1 blocked by policy, 2 error (nothing installed),
and how far a run got, for a Ctrl-C that only the top level catches.

A module of its own so that the light launch path (``--help``, ``--version``)
can name them without importing the policy, rules and HTTP stack."""

from __future__ import annotations

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


class RunState:
    """How far this run got (one per process). The command marks when pip's
    install begins and ends and when its outcome is settled (the report written,
    the exit code known); a Ctrl-C caught only at the top level reads it, so
    that what it says of the environment is true."""

    def __init__(self) -> None:
        self.install_began = False
        self.install_done = False
        self.settled: int | None = None

    def reset(self) -> None:
        """A new run in the same process (the tests run several)."""
        self.install_began = self.install_done = False
        self.settled = None

    def interrupted(self) -> str:
        """What to say of a Ctrl-C at this point of the run."""
        if self.install_done:
            return "interrupted after the install: every vetted package is installed"
        if self.install_began:
            return (
                "interrupted during the install phase: the environment may hold packages "
                "this run installed; run `pip check`, and the same safepip install again "
                "to complete it"
            )
        return "interrupted; nothing was installed"


RUN = RunState()
