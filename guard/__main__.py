"""``python -m guard``: the same as the ``safepip`` command."""

import sys

from guard.cli import main

sys.exit(main())
