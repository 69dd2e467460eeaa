"""Where pip's output goes while safepip runs it: stderr, as stdout is the report's.

Light (standard library only), so the early pip process of guard.cli.launch can
be given it before anything heavy is imported.
"""

from __future__ import annotations

import sys


def echo_pip(text: str) -> None:
    """Print pip's (already cleaned) output on stderr."""
    sys.stderr.write(text)
    sys.stderr.flush()
