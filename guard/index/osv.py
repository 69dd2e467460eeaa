"""The OSV API client (https://google.github.io/osv.dev/): the advisories of
given releases, malicious-package (``MAL-``) ones above all.

``POST {base}/v1/querybatch`` asks about up to 1000 releases at once and answers,
in the order asked, each release's advisory ids and modification times, with a
``next_page_token`` for a release that has more; ``GET {base}/v1/vulns/{id}``
gives one advisory. Answers are cached on disk for a short time (each release's
ids, unless the caller revalidates, as audit does; each advisory by id and
modification time).

Nothing here raises for a failed or malformed answer: ``Advisories.unavailable``
says which part is missing and why, and the caller decides what that means.
The parsers (``batch_request``, ``parse_batch``, ``parse_vulnerability``) are pure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from guard.deadline import Deadline
from guard.errors import IndexError_
from guard.index.cache import Cache, CachedResponse
from guard.index.concurrency import MAX_WORKERS, map_concurrently
from guard.index.http import WHOLE_ANSWER_FACTOR, read_capped, request_error
from guard.index.watch import limited
from guard.models import Advisories, ReleaseKey, Vulnerability

if TYPE_CHECKING:
    import requests

    from guard.index.http import Session

DEFAULT_OSV_URL = "https://api.osv.dev"
ECOSYSTEM = "PyPI"
BATCH_LIMIT = 1000  # queries per querybatch request, the API's limit
MAX_PAGES = 20  # rounds of next_page_token followed at most
CACHE_SECONDS = 600  # how long an answer is reused (the cache caps it there too)
CONNECT_TIMEOUT = 5.0  # seconds: an unreachable OSV must not hold the run up
MAX_BODY = 32 * 1024 * 1024
SUMMARY_FROM_DETAILS = 200

# An advisory as querybatch names it: (id, modified).
Ref = tuple[str, str]


@dataclass(frozen=True)
class Query:
    """One release to ask about, and where its answer left off (a page token)."""

    release: ReleaseKey
    page_token: str = ""


@dataclass(frozen=True)
class Page:
    """One querybatch result: advisory refs, and the token of the next page ("": none)."""

    refs: tuple[Ref, ...]
    next_token: str = ""


def batch_request(queries: Sequence[Query]) -> bytes:
    """The querybatch payload for ``queries``."""
    items = []
    for query in queries:
        name, version = query.release
        item: dict[str, object] = {
            "package": {"name": name, "ecosystem": ECOSYSTEM},
            "version": str(version),
        }
        if query.page_token:
            item["page_token"] = query.page_token
        items.append(item)
    return json.dumps({"queries": items}).encode()


def _decode(body: bytes, what: str) -> dict[str, object]:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise IndexError_(f"{what}: the answer is not JSON") from exc
    if not isinstance(document, dict):
        raise IndexError_(f"{what}: the answer is not a JSON object")
    return document


def _page(raw: object) -> Page:
    if not isinstance(raw, dict):
        raise IndexError_("OSV querybatch: a result is not an object")
    vulns = raw.get("vulns", [])
    if not isinstance(vulns, list):
        raise IndexError_("OSV querybatch: a result's vulns is not a list")
    refs = []
    for vuln in vulns:
        if isinstance(vuln, dict) and isinstance(vuln.get("id"), str) and vuln["id"]:
            modified = vuln.get("modified")
            refs.append((str(vuln["id"]), modified if isinstance(modified, str) else ""))
    token = raw.get("next_page_token")
    return Page(tuple(refs), token if isinstance(token, str) else "")


def parse_batch(body: bytes, count: int) -> list[Page]:
    """The pages of a querybatch answer to ``count`` queries, in their order."""
    results = _decode(body, "OSV querybatch").get("results")
    if not isinstance(results, list) or len(results) != count:
        raise IndexError_(f"OSV querybatch: expected {count} results")
    return [_page(raw) for raw in results]


def _fixed_in(affected: object) -> tuple[str, ...]:
    """The versions an OSV record's ``affected`` ranges say are fixed."""
    fixed: list[str] = []
    for entry in affected if isinstance(affected, list) else ():
        ranges = entry.get("ranges") if isinstance(entry, dict) else None
        for rng in ranges if isinstance(ranges, list) else ():
            events = rng.get("events") if isinstance(rng, dict) else None
            for event in events if isinstance(events, list) else ():
                value = event.get("fixed") if isinstance(event, dict) else None
                if isinstance(value, str) and value and value not in fixed:
                    fixed.append(value)
    return tuple(fixed)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def parse_vulnerability(body: bytes, vuln_id: str) -> Vulnerability | None:
    """One ``/v1/vulns/{id}`` record; None when it was withdrawn."""
    record = _decode(body, f"OSV {vuln_id}")
    if record.get("withdrawn"):
        return None
    aliases = record.get("aliases")
    return Vulnerability(
        id=vuln_id,
        aliases=tuple(a for a in aliases if isinstance(a, str))
        if isinstance(aliases, list)
        else (),
        summary=_text(record.get("summary")) or _text(record.get("details"))[:SUMMARY_FROM_DETAILS],
        fixed_in=_fixed_in(record.get("affected")),
        link=f"https://osv.dev/vulnerability/{quote(vuln_id)}",
    )


def _body(response: requests.Response, url: str) -> bytes:
    """The streamed body, refused when it grows past ``MAX_BODY``."""
    body = read_capped(response, MAX_BODY)
    if body is None:
        raise IndexError_(f"{url}: answer larger than {MAX_BODY} bytes")
    return body


def _chunks(items: Sequence[Query], size: int) -> list[Sequence[Query]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class OSVClient:
    """Asks an OSV API about releases of the PyPI ecosystem."""

    def __init__(
        self,
        base_url: str,
        session: Session,
        cache: Cache | None,
        timeout: float,
        deadline: Deadline | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.cache = cache
        self.read_timeout = timeout
        self.timeout = (min(timeout, CONNECT_TIMEOUT), timeout)
        self.deadline = deadline

    def _limited(self, url: str) -> AbstractContextManager[float]:
        """One request within the run's deadline, and within a few per-read
        timeouts in all (a server that dribbles cannot hold the run)."""
        whole = WHOLE_ANSWER_FACTOR * self.read_timeout
        return limited(self.deadline, url, timeout=self.read_timeout, cap=whole)

    def advisories(self, releases: Iterable[ReleaseKey], revalidate: bool = False) -> Advisories:
        """The advisories of each release, each asked once; a release answered less
        than ``CACHE_SECONDS`` ago is not asked again unless ``revalidate``."""
        wanted = sorted(set(releases), key=lambda key: (key[0], key[1]))
        refs = {}
        if not revalidate:
            refs = {k: cached for k in wanted if (cached := self._cached_refs(k)) is not None}
        asked = [Query(key) for key in wanted if key not in refs]
        problem = ""
        for chunk in _chunks(asked, BATCH_LIMIT):
            try:
                refs.update(self._ask(chunk))
            except IndexError_ as exc:
                problem = str(exc)
        details = self._details({ref for found in refs.values() for ref in found})
        answers = {
            key: tuple(v for ref in named if (v := details.get(ref)) is not None)
            for key, named in refs.items()
        }
        return Advisories(answers, problem)

    def _ask(self, queries: Sequence[Query]) -> dict[ReleaseKey, tuple[Ref, ...]]:
        """The refs of each queried release, every page of them."""
        refs: dict[ReleaseKey, list[Ref]] = {q.release: [] for q in queries}
        todo = list(queries)
        for _ in range(MAX_PAGES):
            pages = self._post(todo)
            for query, page in zip(todo, pages, strict=True):
                refs[query.release].extend(page.refs)
            todo = [
                Query(q.release, p.next_token)
                for q, p in zip(todo, pages, strict=True)
                if p.next_token
            ]
            if not todo:
                break
        else:
            raise IndexError_(f"OSV querybatch: more than {MAX_PAGES} pages of results")
        for key, found in refs.items():
            self._put(self._refs_key(key), json.dumps(found).encode())
        return {key: tuple(found) for key, found in refs.items()}

    def _post(self, queries: Sequence[Query]) -> list[Page]:
        url = f"{self.base_url}/v1/querybatch"
        unreachable = f"{url}#unreachable"
        remembered = self.cache.get(unreachable) if self.cache else None
        if remembered is not None and remembered.fresh():
            # Asked in the last few minutes and nobody answered: do not make every
            # run wait for the same silence again.
            raise IndexError_(f"{url}: could not connect (tried {_ago(remembered)})")
        try:
            with self._limited(url) as read_timeout:
                response = self.session.post(
                    url,
                    data=batch_request(queries),
                    headers={"Content-Type": "application/json", "Accept": "application/json"},
                    timeout=(min(read_timeout, CONNECT_TIMEOUT), read_timeout),
                    stream=True,
                )
                body = _body(response, url) if response.status_code == 200 else b""
        except request_error() as exc:
            if _unreachable(exc):
                self._put(unreachable, b"")
            raise IndexError_(f"{url}: {_short(exc)}") from exc
        if response.status_code != 200:
            raise IndexError_(f"{url}: HTTP {response.status_code}")
        return parse_batch(body, len(queries))

    def _details(self, refs: set[Ref]) -> dict[Ref, Vulnerability | None]:
        ordered = sorted(refs)
        found = map_concurrently(self._vulnerability, ordered, MAX_WORKERS)
        return dict(zip(ordered, found, strict=True))

    def _vulnerability(self, ref: Ref) -> Vulnerability | None:
        """One advisory's record; only its id when the record cannot be had (the id
        alone still says whether it is a malicious-package advisory)."""
        vuln_id, modified = ref
        url = f"{self.base_url}/v1/vulns/{quote(vuln_id, safe='')}"
        key = f"{url}#{modified}"
        cached = self.cache.get(key) if self.cache else None
        try:
            if cached is not None and cached.fresh():
                return parse_vulnerability(cached.body, vuln_id)
            with self._limited(url) as read_timeout:
                timeout = (min(read_timeout, CONNECT_TIMEOUT), read_timeout)
                response = self.session.get(url, timeout=timeout, stream=True)
                if response.status_code != 200:
                    return Vulnerability(vuln_id)
                body = _body(response, url)
            vuln = parse_vulnerability(body, vuln_id)
        except (request_error(), IndexError_):
            return Vulnerability(vuln_id)
        self._put(key, body)
        return vuln

    def _refs_key(self, key: ReleaseKey) -> str:
        name, version = key
        return f"{self.base_url}/v1/querybatch#{ECOSYSTEM}/{name}=={version}"

    def _cached_refs(self, key: ReleaseKey) -> tuple[Ref, ...] | None:
        cached = self.cache.get(self._refs_key(key)) if self.cache else None
        if cached is None or not cached.fresh():
            return None
        try:
            raw = json.loads(cached.body)
            return tuple((str(i), str(m)) for i, m in raw)
        except (ValueError, TypeError):
            return None

    def _put(self, key: str, body: bytes) -> None:
        if self.cache:
            self.cache.put(CachedResponse(key, body, "", "", time.time(), CACHE_SECONDS))


def _unreachable(exc: requests.RequestException) -> bool:
    """The service could not be reached (no connection, or no answer in time)."""
    import requests  # noqa: PLC0415 - loaded by now: the request failed

    return isinstance(exc, requests.ConnectionError | requests.Timeout)


def _short(exc: requests.RequestException) -> str:
    """Why a request failed, in a few words (the report's note is one line)."""
    import requests  # noqa: PLC0415 - loaded by now: the request failed

    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        return "could not connect"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return f"{type(exc).__name__}: {exc}"[:200]


def _ago(entry: CachedResponse) -> str:
    """'3 minutes ago', for a remembered failure."""
    minutes = max(int((time.time() - entry.fetched_at) // 60), 0)
    return "less than a minute ago" if minutes < 1 else f"{minutes} minute(s) ago"
