"""The session fixture keeps every test away from the user's real dirs."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from guard.index.cache import default_cache_dir
from guard.index.popular import user_copy_path
from guard.state.history import default_path


def test_safepip_dirs_resolve_inside_the_session_home(isolated_home: Path) -> None:
    for path in (
        default_cache_dir(),
        default_path(),
        user_copy_path(),
        Path(platformdirs.user_config_dir("safepip")),
    ):
        assert path.is_relative_to(isolated_home), path
