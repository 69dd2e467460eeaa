"""safepip's exit codes: 0 allowed, 1 blocked by policy, 2 error (nothing installed).

A module of its own so that the light launch path (``--help``, ``--version``)
can name them without importing the policy, rules and HTTP stack."""

from __future__ import annotations

EXIT_OK, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
