"""False alarms on benign projects whose purpose is sensitive: the "hard benign" check.

Run from the repository root (the network is needed the first time)::

    python benchmarks/hard_benign.py [--jobs J] [--cache DIR] [--budget SECONDS] [NAME ...]

Cookie readers, credential stores, cloud SDKs, remote shells, screen and keyboard
tools, wallets, exploit kits, packagers and HTTP clients do on purpose what malware
does; a scan rule that blocks one of them is wrong. For each project the latest
sdist and pure wheel are scanned (as benchmarks/malware_recall.py judges them, under
the built-in default policy); a project with neither (pywin32) gets one platform
wheel instead. Downloads are checked against their sha256 and kept in ``--cache``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from malware_recall import benign_report, header, judge_all, set_budget
from scan_quality import PURE_TAGS, PYPI, TIMEOUT, WORKERS, download

HARD_BENIGN = [
    "yt-dlp",
    "browser-cookie3",
    "pycookiecheat",
    "keyring",
    "boto3",
    "botocore",
    "awscli",
    "discord.py",
    "python-telegram-bot",
    "pywin32",
    "psutil",
    "paramiko",
    "fabric",
    "ansible-core",
    "sentry-sdk",
    "virtualenv",
    "setuptools",
    "pip",
    "pyinstaller",
    "playwright",
    "selenium",
    "webdriver-manager",
    "undetected-chromedriver",
    "pyautogui",
    "pynput",
    "mss",
    "pyperclip",
    "web3",
    "eth-account",
    "solana",
    "bitcoinlib",
    "pwntools",
    "impacket",
    "scapy",
    "requests",
    "httpx",
    "urllib3",
    "certifi",
    "docker",
    "kubernetes",
    "google-auth",
    "azure-identity",
]
# A platform wheel, when a project ships neither an sdist nor a pure wheel.
PLATFORM_PREFERENCE = ("win_amd64.whl", "manylinux", ".whl")


def pick(doc: dict[str, Any]) -> list[dict[str, Any]]:
    files = [f for f in doc.get("urls", []) if not f.get("yanked")]
    sdists = [f for f in files if f.get("packagetype") == "sdist"]
    wheels = [f for f in files if f["filename"].endswith(PURE_TAGS)]
    if sdists or wheels:
        return sdists[:1] + wheels[:1]
    for marker in PLATFORM_PREFERENCE:
        found = [f for f in files if marker in f["filename"]]
        if found:
            return found[:1]
    return []


def fetch(session: requests.Session, name: str, cache: Path) -> list[tuple[Path, str]]:
    response = session.get(PYPI.format(name=name), timeout=TIMEOUT)
    response.raise_for_status()
    out = []
    for info in pick(response.json()):
        url = urljoin(response.url, info["url"])
        path = download(session, url, info["digests"]["sha256"], cache / info["filename"])
        out.append((path, str(info["filename"])))
    return out


def fetch_all(names: Sequence[str], cache: Path) -> tuple[list[tuple[Path, str]], list[str]]:
    session = requests.Session()
    session.headers["User-Agent"] = "safepip-benchmark (hard_benign.py)"

    def one(name: str) -> list[tuple[Path, str]] | None:
        try:
            return fetch(session, name, cache)
        except (requests.RequestException, RuntimeError, ValueError, KeyError):
            return None

    items: list[tuple[Path, str]] = []
    failed: list[str] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for name, found in zip(names, pool.map(one, names), strict=True):
            if not found:
                failed.append(name)
            else:
                items.extend(found)
    return items, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(HARD_BENIGN))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "scan-quality")
    parser.add_argument("--budget", type=float, help="scan budget in seconds of analysis work")
    args = parser.parse_args(argv)
    if args.budget is not None:
        set_budget(args.budget)
    args.cache.mkdir(parents=True, exist_ok=True)
    print("\n".join(header(args.jobs)).replace("malware recall", "hard benign", 1), flush=True)
    items, failed = fetch_all(args.names, args.cache)
    records = judge_all(items, args.jobs, explain=False)
    title = f"{len(args.names)} projects of sensitive purpose"
    print("\n".join(benign_report(title, records, len(failed))))
    if failed:
        print("could not be fetched: " + ", ".join(failed))
    blocked = sorted(r.filename for r in records if r.decision == "block")
    return 1 if blocked else 0


if __name__ == "__main__":
    raise SystemExit(main())
