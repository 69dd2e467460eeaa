"""Data shipped inside the package: the most-downloaded PyPI projects, their
repositories and look-alike index, disposable e-mail domains, name aliases.

``read_text`` reads one of these files. It reads the file beside this module
directly (importing ``importlib.resources`` and resolving a package through it
costs a warm run's start-up time), and goes through ``importlib.resources``
only when the package does not sit in a directory (a zip import).
"""

from __future__ import annotations

from pathlib import Path


def read_text(name: str, encoding: str = "utf-8") -> str:
    """The text of the shipped data file ``name``; OSError or UnicodeDecodeError
    when it cannot be read."""
    try:
        return (Path(__file__).parent / name).read_text(encoding=encoding)
    except FileNotFoundError:
        from importlib import resources  # noqa: PLC0415 - only for a zipped install

        return resources.files(__name__).joinpath(name).read_text(encoding=encoding)
