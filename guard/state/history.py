"""What safepip saw of each project the last time: its PyPI owners and uploads,
and the trusted publisher (PEP 740) its attested files came from.

The ``maintainers-changed`` rule compares a project's owners today with the ones
recorded here. The vetting loads the history from its store (``guard.state.store``)
before the rules run (the snapshot goes into ``Context.history``) and records what
it saw after judging; rules never touch the file.

The CLI keeps the file at ``default_path()``: ``history.json`` under
``platformdirs.user_data_dir("safepip")`` (``$XDG_DATA_HOME/safepip`` on Linux);
nothing else reaches for that path. Writes are atomic (a temporary file in the same
directory, then ``os.replace``); the file keeps at most ``MAX_ENTRIES`` projects,
the most recently seen; a missing, unreadable or corrupt file reads as an empty
history and is rewritten on the next save. Neither ``load`` nor ``save`` raises for
file-system or format problems: history is a hint, never a reason to crash.

When the owners change, the entry keeps the previous owners and the window in
which the change happened (``changed_after`` .. ``changed_by``), so the change
is still reported on later runs, until ``CHANGE_MEMORY`` has passed.

The publisher is the first one recorded for the project, refreshed only by a file
from the same repository and workflow: a release from elsewhere does not replace
it, so ``provenance-changed`` keeps reporting the change on later runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import platformdirs
from packaging.utils import NormalizedName, canonicalize_name

from guard.files import atomic_write
from guard.models import Ownership, Project, Publisher

FILENAME = "history.json"
FORMAT = 1
MAX_ENTRIES = 20_000
CHANGE_MEMORY = timedelta(days=90)  # how long a recorded owner change is remembered


@dataclass(frozen=True)
class Seen:
    """One project as safepip last saw it."""

    owners: tuple[str, ...]  # PyPI user names with a role, lower-case, sorted
    organization: str | None
    seen_at: datetime  # when these owners were last seen (UTC)
    last_upload: datetime | None  # the project's newest upload at that time
    # Set when the owners differed from the previous observation:
    previous_owners: tuple[str, ...] = ()
    previous_organization: str | None = None
    changed_after: datetime | None = None  # the previous owners were last seen then
    changed_by: datetime | None = None  # the new owners were first seen then
    # The trusted publisher of the project's attested files (None: none seen).
    publisher: Publisher | None = None

    @property
    def ownership(self) -> Ownership:
        return Ownership(self.organization, self.owners)

    @property
    def previous_ownership(self) -> Ownership:
        return Ownership(self.previous_organization, self.previous_owners)


def default_path() -> Path:
    """Where the history lives; read at each call so XDG_DATA_HOME is honoured."""
    return Path(platformdirs.user_data_dir("safepip")) / FILENAME


def observe(project: Project, now: datetime, before: Seen | None = None) -> Seen | None:
    """The entry to store after seeing ``project`` now, given the stored one.

    None when the index gives no ownership: there is nothing to compare later,
    and an old entry is kept as it is.
    """
    own = project.ownership
    if not own.known:
        return None
    owners = tuple(sorted(own.users))
    if before is None:
        return Seen(owners, own.organization, now, project.last_upload)
    return replace(_observe_owners(own, owners, project, now, before), publisher=before.publisher)


def _observe_owners(
    own: Ownership, owners: tuple[str, ...], project: Project, now: datetime, before: Seen
) -> Seen:
    if not before.ownership.known:  # only a publisher was recorded: a first sighting
        return Seen(owners, own.organization, now, project.last_upload)
    if (owners, own.organization) != (before.owners, before.organization):
        return Seen(
            owners,
            own.organization,
            now,
            project.last_upload,
            previous_owners=before.owners,
            previous_organization=before.organization,
            changed_after=before.seen_at,
            changed_by=now,
        )
    keep_change = before.changed_by is not None and now - before.changed_by < CHANGE_MEMORY
    if keep_change:
        return replace(before, seen_at=now, last_upload=project.last_upload)
    return Seen(owners, own.organization, now, project.last_upload)


# --- the file ----------------------------------------------------------------


def _time(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _names(raw: object) -> tuple[str, ...] | None:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        return None
    return tuple(sorted(item.lower() for item in raw))


def _org(raw: object) -> str | None:
    return raw if isinstance(raw, str) and raw else None


def _publisher(raw: object) -> Publisher | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str) or not raw["kind"]:
        return None
    fields = [raw.get(k) for k in ("repository", "workflow", "environment")]
    texts = [f if isinstance(f, str) else "" for f in fields]
    return Publisher(raw["kind"], *texts)


def _entry(raw: object) -> Seen | None:
    if not isinstance(raw, dict):
        return None
    owners = _names(raw.get("owners"))
    seen_at = _time(raw.get("seen_at"))
    if owners is None or seen_at is None:
        return None
    return Seen(
        owners=owners,
        organization=_org(raw.get("organization")),
        seen_at=seen_at,
        last_upload=_time(raw.get("last_upload")),
        previous_owners=_names(raw.get("previous_owners")) or (),
        previous_organization=_org(raw.get("previous_organization")),
        changed_after=_time(raw.get("changed_after")),
        changed_by=_time(raw.get("changed_by")),
        publisher=_publisher(raw.get("publisher")),
    )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dump(seen: Seen) -> dict[str, object]:
    out: dict[str, object] = {
        "owners": list(seen.owners),
        "organization": seen.organization,
        "seen_at": _iso(seen.seen_at),
        "last_upload": _iso(seen.last_upload),
    }
    if seen.changed_by is not None:
        out.update(
            previous_owners=list(seen.previous_owners),
            previous_organization=seen.previous_organization,
            changed_after=_iso(seen.changed_after),
            changed_by=_iso(seen.changed_by),
        )
    if seen.publisher is not None:
        p = seen.publisher
        out["publisher"] = {
            "kind": p.kind,
            "repository": p.repository,
            "workflow": p.workflow,
            "environment": p.environment,
        }
    return out


def parse(data: object) -> dict[NormalizedName, Seen]:
    """The entries of a parsed history document; malformed entries are dropped."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    projects = data.get("projects")
    if not isinstance(projects, dict):
        return {}
    out: dict[NormalizedName, Seen] = {}
    for name, raw in projects.items():
        seen = _entry(raw)
        if isinstance(name, str) and seen is not None:
            out[canonicalize_name(name)] = seen
    return out


def load(path: Path) -> dict[NormalizedName, Seen]:
    """The history stored at ``path``; empty when the file is missing, unreadable or
    corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
        return parse(json.loads(text))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}


def save(entries: Mapping[NormalizedName, Seen], path: Path) -> bool:
    """Write the history to ``path`` atomically, keeping the newest ``MAX_ENTRIES``.

    Returns False when the file could not be written (the run goes on).
    """
    newest = sorted(entries.items(), key=lambda item: item[1].seen_at, reverse=True)
    document = {
        "format": FORMAT,
        "projects": {name: _dump(seen) for name, seen in sorted(newest[:MAX_ENTRIES])},
    }
    try:
        atomic_write(path, json.dumps(document, indent=0, sort_keys=True).encode("utf-8"))
    except OSError:
        return False
    return True


def merge(
    entries: Mapping[NormalizedName, Seen],
    projects: Mapping[NormalizedName, Project],
    now: datetime,
    publishers: Mapping[NormalizedName, Publisher] | None = None,
) -> dict[NormalizedName, Seen]:
    """The stored ``entries`` updated with what a run saw of ``projects`` at ``now``,
    and with the trusted ``publishers`` of the files it saw attested."""
    merged = dict(entries)
    for name, project in projects.items():
        seen = observe(project, now, merged.get(name))
        if seen is not None:
            merged[name] = seen
    for name, publisher in (publishers or {}).items():
        merged[name] = published(merged.get(name), publisher, now)
    return merged


def published(before: Seen | None, publisher: Publisher, now: datetime) -> Seen:
    """The entry after seeing a file attested by ``publisher``: recorded when none
    was, refreshed when it is the same repository and workflow, else kept."""
    if before is None:
        return Seen((), None, now, None, publisher=publisher)
    old = before.publisher
    if old is None or old.same_source(publisher):
        return replace(before, publisher=publisher)
    return before
