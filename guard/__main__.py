"""``python -m guard``: the same as the ``safepip`` command."""

import sys

from guard.cli.launch import main

sys.exit(main())
