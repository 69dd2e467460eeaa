"""Hits that only a pair of behaviours in one file makes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from guard.analysis.scan.hits import (
    CREDENTIAL_ACCESS,
    DROPPER,
    EXFIL_ENDPOINT,
    INSTALL_TIME_CODE,
    Hit,
)
from guard.analysis.scan.python.covert import hook_acts, script_drops

_NETWORK = frozenset({"network"})
_RUNS = frozenset({"spawn", "spawn-shell", "exec"})
_SURE_RUNS = frozenset({"spawn-shell", "exec"})
_HOST_DATA = frozenset({"identity", "env-secret", "environ-dump", "credential"})


def combinations(hits: list[Hit], reached: Mapping[str, str] | None = None) -> list[Hit]:
    """A download with a process or exec (dropper); host data with a network call;
    in one function, a download that is written and run; secrets and a channel.
    ``reached``: function -> the class whose methods call or register it."""
    return [
        *_file_pairs(hits),
        *_drop_runs(hits),
        *_split_drop_runs(hits),
        *_fetch_then_script(hits),
        *_persistent_fetch(hits),
        *_read_and_upload(hits),
        *_send_env(hits),
        *_steal_send(hits),
        *_hooked_network(hits),
        *_reverse_shells(hits),
        *_channel_sends(hits),
        *hook_acts(hits, reached),
        *script_drops(hits),
    ]


def _channel_sends(hits: list[Hit]) -> list[Hit]:
    """A network call that runs when the file runs (at module level, or in what
    module-level code calls), an upload (a POST, a mail), or a function that
    collects host data (names, the whole environment) and talks to the network,
    in a file that names an exfiltration channel (a webhook, a paste site, a
    tunnel, a request bin, a raw IP address): the beacon shape (6). A client
    library of such a service sends through its own client object, to addresses
    its user gives it."""
    channels = [h for h in hits if _is_channel(h)]
    if not channels:
        return []
    found = _sending(hits)
    if found is None:
        return []
    at, how = found
    text = f"{how}, in a file that names {channels[0].text}"
    if at.deferred and all(c.text.startswith(_FILE_DROPS) for c in channels):
        # a function that shares a file through a file-sharing service when it is
        # called (airflow's ``info --file-io``): a feature, content at most
        return [Hit(EXFIL_ENDPOINT, "drop-upload", 3.0, at.line, at.snippet, text, True, at.scope)]
    return [Hit(EXFIL_ENDPOINT, "channel-send", 6.0, at.line, at.snippet, text, False, at.scope)]


_FILE_DROPS = ("anonymous file drop",)


def _is_channel(hit: Hit) -> bool:
    return (hit.kind == "endpoint" and not hit.text.startswith(_LOOKUPS)) or hit.kind == "raw-ip"


def _sending(hits: list[Hit]) -> tuple[Hit, str] | None:
    """The first call that sends: as the file runs, an upload, or host data sent."""
    for hit in hits:
        if hit.kind == "network" and not hit.deferred:
            return hit, "talks to the network as it runs"
    for hit in hits:
        if _uploads(hit):
            return hit, "uploads data"
    scopes = _kinds_by_scope(hits)
    for hit in _first_per_scope(hits, "network"):
        if not scopes[hit.scope].isdisjoint(_HOST_IDENTITY):
            return hit, "collects host data and sends it"
    return None


_HOST_IDENTITY = frozenset({"identity", "environ-dump"})


_LOOKUPS = ("public-IP lookup",)


def _reverse_shells(hits: list[Hit]) -> list[Hit]:
    """In one function (or at module level): a socket, a standard stream or a
    process's stream wired to a descriptor, and a process: a remote shell (6)."""
    scopes = _kinds_by_scope(hits)
    sockets = [h for h in hits if h.kind == "network" and "socket" in h.text]
    text = "wires a process's standard streams to a socket (a reverse shell)"
    return [
        _at(at, DROPPER, "reverse-shell", 6.0, text)
        for at in _first_per_scope(sockets, "network")
        if {"std-redirect", "process"} <= scopes[at.scope]
    ]


def _hooked_network(hits: list[Hit]) -> list[Hit]:
    """An overridden install command in a file that talks to the network (1.5)."""
    hooks = [h for h in hits if h.kind == "cmdclass"]
    network = _first_per_scope(hits, "network")
    if not hooks or not network:
        return []
    text = "overrides an install command and talks to the network"
    return [_at(network[0], INSTALL_TIME_CODE, "hooked-network", 1.5, text)]


def _file_pairs(hits: list[Hit]) -> list[Hit]:
    network = _of_kinds(hits, _NETWORK)
    if not network:
        return []
    first = min(network, key=lambda h: (h.deferred, h.line))
    out: list[Hit] = []
    runs = _of_kinds(hits, _RUNS)
    if runs:
        sure = bool(_of_kinds(runs, _SURE_RUNS))
        out.append(_paired(first, runs, DROPPER, "download-run", 3.0 if sure else 2.0))
    data = _of_kinds(hits, _HOST_DATA)
    if data:
        out.append(_paired(first, data, INSTALL_TIME_CODE, "send-host-data", 2.0))
    return out


def _of_kinds(hits: list[Hit], kinds: frozenset[str]) -> list[Hit]:
    return [h for h in hits if h.kind in kinds]


_TEXTS = {
    "download-run": "downloads and runs something",
    "send-host-data": "collects host data and talks to the network",
}


def _paired(first: Hit, others: list[Hit], rule: str, kind: str, weight: float) -> Hit:
    """The pair's hit, at the first network call; deferred unless both parts run."""
    deferred = first.deferred or all(h.deferred for h in others)
    return Hit(rule, kind, weight, first.line, first.snippet, _TEXTS[kind], deferred)


_DROPPED = frozenset({"write-file", "download-file"})
_SECRETS = frozenset({"cloud-credentials", "secret-store", "env-secret"})
_CHANNELS = frozenset({"endpoint", "raw-ip"})


def _drop_runs(hits: list[Hit]) -> list[Hit]:
    """In one function (or at module level): a download, then a shell, or a file
    written and a process started: the dropper shape, wherever it sits (6)."""
    scopes = _kinds_by_scope(hits)
    out = []
    for at in _first_per_scope(_downloads(hits), "network"):
        kinds = scopes[at.scope]
        # a computed command after a written download counts only where it runs
        dropped = not at.deferred and "spawn" in kinds and not kinds.isdisjoint(_DROPPED)
        if "spawn-shell" in kinds or dropped:
            out.append(_at(at, DROPPER, "drop-run", 6.0, "downloads a file and runs it"))
    return out


_FETCHERS = re.compile(r"runs '(?:curl|wget)\b", re.IGNORECASE)
_STARTS_FILE = re.compile(r"runs '(?:\.exe|a file|\.bat|\.vbs|\.scr)'", re.IGNORECASE)
# Calls that run a program to read what it prints (``vswhere.exe`` finding a compiler).
_QUERIES = re.compile(r"\((?:subprocess\.)?(?:check_output|getoutput|getstatusoutput)\)")


def _split_drop_runs(hits: list[Hit]) -> list[Hit]:
    """The dropper shape in two steps: in one function a downloader command
    (``curl``, ``wget``) and another shell command (``start``, ``cmd /c``, a
    started file); or, in one file, a download written to a file and an
    executable file started (6)."""
    return _fetch_then_start(hits) or _written_then_started(hits)


def _fetch_then_start(hits: list[Hit]) -> list[Hit]:
    shells: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        if hit.kind == "spawn-shell":
            shells[hit.scope].append(hit)
    out = []
    for members in shells.values():
        fetch = next((h for h in members if _FETCHERS.search(h.text)), None)
        if fetch is not None and any(h.line != fetch.line for h in members):
            out.append(_at(fetch, DROPPER, "drop-run", 6.0, "downloads a file and runs it"))
    return out


def _written_then_started(hits: list[Hit]) -> list[Hit]:
    scopes = _kinds_by_scope(hits)
    written = [
        h
        for h in _first_per_scope(_downloads(hits), "network")
        if not scopes[h.scope].isdisjoint(_DROPPED)
    ]
    started = any(
        h.kind == "spawn-shell" and _STARTS_FILE.search(h.text) and not _QUERIES.search(h.text)
        for h in hits
    )
    if not written or not started:
        return []
    text = "downloads a file and starts an executable file"
    return [_at(written[0], DROPPER, "drop-run", 6.0, text)]


def _fetch_then_script(hits: list[Hit]) -> list[Hit]:
    """In one function (or at module level) that runs: code fetched (a download,
    a repository cloned) and then the interpreter started on a script: what was
    fetched is run (6). A library function that does it counts where it is called."""
    scopes = _kinds_by_scope(hits)
    text = "fetches code and runs a Python script"
    return [
        _at(at, DROPPER, "drop-run", 6.0, text)
        for at in _first_per_scope(_downloads(hits), "network")
        if not at.deferred and "runs-script" in scopes[at.scope] and "socket" not in at.text
    ][:1]


_FETCHES = frozenset({"network", "fetch-text"})


def _persistent_fetch(hits: list[Hit]) -> list[Hit]:
    """In one function (or at module level): a write to an autostart location (a
    shell's rc file, the Startup folder, a run key) and a download, or a command
    that downloads written there: code fetched and run at every log-in (6)."""
    scopes = _kinds_by_scope(hits)
    return [
        _at(at, DROPPER, "persist-fetch", 6.0, _PERSISTS["network" in scopes[at.scope]])
        for at in _first_per_scope(hits, "autostart")
        if not scopes[at.scope].isdisjoint(_FETCHES)
    ][:1]


# (what the function does, by whether it downloads itself or writes a command that does)
_PERSISTS = {
    True: "downloads code into a place that runs at log-in (a persistent downloader)",
    False: "writes a command that downloads into a place that runs at log-in "
    "(a persistent downloader)",
}


def _read_and_upload(hits: list[Hit]) -> list[Hit]:
    """In one function (or at module level): a file of the user's private secrets
    read (an SSH private key, cloud credentials, the shell's history) and an upload
    or a chat bot's send: the stealer shape (6). An SSH or cloud client reads them
    to use them, not to post them."""
    scopes = _kinds_by_scope(hits)
    first: dict[str, Hit] = {}
    for hit in hits:
        sends = _uploads(hit) or hit.kind == "chat-send"
        if sends and "secret-read" in scopes[hit.scope]:
            first.setdefault(hit.scope, hit)
    return [
        _at(at, CREDENTIAL_ACCESS, "steal-send", 6.0, f"reads private secrets and {_sends(at)}")
        for at in first.values()
    ]


def _send_env(hits: list[Hit]) -> list[Hit]:
    """In one function: a copy of the environment and a network call (2)."""
    scopes = _kinds_by_scope(hits)
    text = "sends the environment to the network"
    return [
        _at(at, INSTALL_TIME_CODE, "send-env", 2.0, text)
        for at in _first_per_scope(hits, "network")
        if "environ-copy" in scopes[at.scope]
    ]


def _kinds_by_scope(hits: list[Hit]) -> dict[str, set[str]]:
    scopes: dict[str, set[str]] = defaultdict(set)
    for hit in hits:
        scopes[hit.scope].add(hit.kind)
    return scopes


def _downloads(hits: list[Hit]) -> list[Hit]:
    """The hits but the network calls that only show a page in the user's browser
    (``webbrowser.open``: nothing is fetched to run; click opens a URL so)."""
    return [h for h in hits if not (h.kind == "network" and "(webbrowser." in h.text)]


def _first_per_scope(hits: list[Hit], kind: str) -> list[Hit]:
    """The first hit of ``kind`` in each function (and at module level)."""
    first: dict[str, Hit] = {}
    for hit in hits:
        if hit.kind == kind:
            first.setdefault(hit.scope, hit)
    return list(first.values())


def _at(at: Hit, rule: str, kind: str, weight: float, text: str) -> Hit:
    """A pair's hit, at the line and scope of ``at``."""
    return Hit(rule, kind, weight, at.line, at.snippet, text, at.deferred, at.scope)


def _steal_send(hits: list[Hit]) -> list[Hit]:
    """User secrets (browser, wallet, keychain, cloud credentials) and an exfiltration
    channel in one file, or a password from the keyring and an upload in one
    function: the stealer shape (6)."""
    secrets = [h for h in hits if _is_user_secret(h)]
    channels = _channels_out(hits, any(_is_stolen_store(h) for h in secrets))
    if not channels:  # (a stored password and an upload in one function: it is sent)
        stored = {h.scope for h in secrets if h.kind == "secret-store"}
        channels = [h for h in hits if h.scope in stored and _uploads(h)]
    if not secrets or not channels:
        return []
    at = min(channels, key=lambda h: h.line)
    text = f"reads user secrets ({secrets[0].text}) and names an exfiltration channel"
    if at.kind in ("network", "chat-send"):
        text = f"reads user secrets ({secrets[0].text}) and {_sends(at)}"
    return [Hit(CREDENTIAL_ACCESS, "steal-send", 6.0, at.line, at.snippet, text, False)]


def _channels_out(hits: list[Hit], stolen_store: bool) -> list[Hit]:
    """A named channel; next to what only stealers read (``stolen_store``), also a
    chat bot that sends, else an upload call (cloud SDKs read secrets from the
    environment and post to their services: not without a stolen store)."""
    channels = [h for h in hits if h.kind in _CHANNELS]
    if channels or not stolen_store:
        return channels
    return [h for h in hits if h.kind == "chat-send"] or [h for h in hits if _uploads(h)]


def _sends(at: Hit) -> str:
    """'uploads data (requests.post)', 'sends through a chat bot (ctx.send)'."""
    return at.text if at.kind in ("chat-send", "command-upload") else f"uploads data ({at.text})"


# Calls that send data out: an upload, a mail, a file transfer.
_UPLOADS = re.compile(
    r"\((?:requests|httpx|aiohttp)(?:\.api)?\.(?:post|put|patch)\)|\((?:smtplib|ftplib)\."
    r"|with data, a post\)|\.(?:Session|session|Client|AsyncClient|ClientSession)\.(?:post|put)\)"
)


def _uploads(hit: Hit) -> bool:
    """An upload call, or a command that uploads a file (``curl -F file=@x``)."""
    return hit.kind == "command-upload" or (
        hit.kind == "network" and _UPLOADS.search(hit.text) is not None
    )


def _is_stolen_store(hit: Hit) -> bool:
    """Browser, wallet, keychain or app-token stores, or decrypting them. (Not the
    ``keyring`` API: where a tool keeps its own password, to log in with it.)"""
    return hit.kind in ("secret-store", "credential") and hit.weight >= 4


def _is_user_secret(hit: Hit) -> bool:
    """A secret of the user's (not a config file an honest client reads)."""
    return hit.kind in _SECRETS or (hit.kind == "credential" and hit.weight >= 4)
