"""``python -m guard``: the same as the ``safepip`` command."""

import sys

from guard.launch import main

sys.exit(main())
