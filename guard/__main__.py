"""``python -m guard``: the same as the ``safepip`` command.

Until safepip's own Ctrl-C handling is in place (``guard.cli.main``), Ctrl-C
ends the process quietly, as it ends any program, with nothing installed,
instead of printing a traceback of the module being imported.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_DFL)

from guard.cli.launch import run  # noqa: E402 - after the handler, on purpose

run()
