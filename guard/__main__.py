"""``python -m guard``: the same as the ``safepip`` command."""

from guard.cli.launch import run

run()
