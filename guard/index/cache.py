"""On-disk cache under platformdirs' user cache dir: JSON API answers (with
their validators, for ETag / Last-Modified revalidation) and artifacts stored
by their sha256. Every write is atomic (temp file + rename); a corrupt entry is
a miss, never a crash or a stale answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from guard.files import atomic_write

# Longest time an answer is used without asking the server again, whatever
# its Cache-Control says.
MAX_FRESH_SECONDS = 600


def default_cache_dir() -> Path:
    override = os.environ.get("SAFEPIP_CACHE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("safepip"))


@dataclass(frozen=True)
class CachedResponse:
    url: str
    body: bytes
    etag: str
    last_modified: str
    fetched_at: float  # time.time()
    max_age: int  # seconds the server said it may be reused, capped

    def fresh(self, now: float | None = None) -> bool:
        age = (time.time() if now is None else now) - self.fetched_at
        return 0 <= age < min(self.max_age, MAX_FRESH_SECONDS)


class Cache:
    """The response cache and the artifact store, both under one directory."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_cache_dir()

    def _response_path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.root / "http" / digest[:2] / f"{digest}.json"

    def get(self, url: str) -> CachedResponse | None:
        path = self._response_path(url)
        try:
            raw = json.loads(path.read_bytes())
            entry = CachedResponse(
                url=str(raw["url"]),
                body=str(raw["body"]).encode("utf-8"),
                etag=str(raw.get("etag", "")),
                last_modified=str(raw.get("last_modified", "")),
                fetched_at=float(raw["fetched_at"]),
                max_age=int(raw.get("max_age", 0)),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return entry if entry.url == url else None

    def put(self, entry: CachedResponse) -> None:
        record = {
            "url": entry.url,
            "body": entry.body.decode("utf-8", errors="replace"),
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "fetched_at": entry.fetched_at,
            "max_age": entry.max_age,
        }
        try:
            atomic_write(self._response_path(entry.url), json.dumps(record).encode(), durable=False)
        except OSError:
            return  # a cache that cannot be written only costs speed

    def artifact_path(self, sha256: str) -> Path:
        return self.root / "artifacts" / sha256[:2] / sha256
