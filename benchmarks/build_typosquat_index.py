"""Write ``guard/data/typosquat-index.txt``: the default detector's indices, precomputed.

Run from the repository root after the shipped popular list, the detector's
default configuration or its index code change (``tests/test_typosquat.py``
fails while the file is out of date)::

    python benchmarks/build_typosquat_index.py [--check]

The indices are built from the shipped ``guard/data/top-pypi-packages.csv``
(never a user's refreshed copy) with this interpreter's standard library, so
run it with the project's Python (3.11).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from guard.analysis.typosquat import INDEX_FILE, Detector, index_text  # noqa: E402
from guard.index import popular  # noqa: E402

DATA = ROOT / "guard" / "data"


def expected() -> str:
    """The index file's content for the shipped list and the default configuration."""
    names = popular.parse_csv((DATA / popular.FILENAME).read_text(encoding="utf-8"))
    return index_text(Detector(names, use_index=False), names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is current")
    args = parser.parse_args(argv)
    path = DATA / INDEX_FILE
    text = expected()
    current = path.exists() and path.read_text(encoding="ascii") == text
    if args.check:
        print(f"{path}: {'up to date' if current else 'out of date'}")
        return 0 if current else 1
    if not current:
        path.write_text(text, encoding="ascii", newline="\n")
    print(f"{path}: {'unchanged' if current else 'written'} ({len(text):,} characters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
