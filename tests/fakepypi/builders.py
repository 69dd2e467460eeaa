"""Real wheels and sdists, written by hand in memory for the fake index.

Nothing here runs setuptools or a subprocess: a wheel is a zip with a correct
``RECORD``, and an sdist is a tarball whose ``pyproject.toml`` names an in-tree
PEP 517 backend (``backend.py``, stdlib only), so pip builds it offline, with
build isolation and without asking any index for build dependencies.

The wheel-writing core below (the functions between the ``core`` markers) is
self-contained on purpose: its source is copied into every sdist's
``backend.py``, so a wheel built by pip from one of our sdists is made by the
very same code as the wheels we serve directly.
"""

from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import inspect
import io
import re
import tarfile
import textwrap
import zipfile
from collections.abc import Mapping, Sequence

from packaging.version import InvalidVersion, Version

# --- core: copied verbatim into backend.py (stdlib only, no module globals) ---


def _dist_name(name: str) -> str:
    """The distribution name as it appears in file names (PEP 427 / PEP 625)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _record_digest(data: bytes) -> str:
    """A RECORD hash: sha256, urlsafe base64 without padding."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def _metadata_text(
    name: str,
    version: str,
    summary: str,
    requires: Sequence[str],
    extra: Sequence[tuple[str, str]],
) -> str:
    """Core metadata (Metadata-Version 2.1) as an email-style header block."""

    def fold(value: str) -> str:
        return "\n        ".join(value.splitlines()) if value else value

    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if summary:
        lines.append(f"Summary: {fold(summary)}")
    lines.extend(f"Requires-Dist: {req}" for req in requires)
    lines.extend(f"{key}: {fold(value)}" for key, value in extra)
    return "\n".join(lines) + "\n"


def _wheel_text() -> str:
    """The WHEEL file of a pure-Python wheel."""
    return "Wheel-Version: 1.0\nGenerator: fakepypi\nRoot-Is-Purelib: true\nTag: py3-none-any\n"


def _zip_wheel(dist_info: str, entries: Mapping[str, bytes]) -> bytes:
    """Zip ``entries`` into a wheel, adding a RECORD unless one is given.

    Files outside the dist-info directory come first and RECORD last, as wheel
    writers do. Timestamps are fixed so equal inputs give equal bytes.
    """
    record_path = f"{dist_info}/RECORD"
    ordered = sorted(
        (path for path in entries if path != record_path),
        key=lambda path: (path.startswith(f"{dist_info}/"), path),
    )
    if record_path in entries:
        record = entries[record_path]
    else:
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        for path in ordered:
            data = entries[path]
            writer.writerow([path, _record_digest(data), str(len(data))])
        writer.writerow([record_path, "", ""])
        record = text.getvalue().encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in [*((p, entries[p]) for p in ordered), (record_path, record)]:
            info = zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# --- end of core ---

_CORE_FUNCTIONS = (_dist_name, _record_digest, _metadata_text, _wheel_text, _zip_wheel)

_BACKEND_HOOKS = """

def _dist_info() -> str:
    return f"{_dist_name(NAME)}-{VERSION}.dist-info"


def _metadata() -> bytes:
    return _metadata_text(NAME, VERSION, SUMMARY, REQUIRES, EXTRA).encode("utf-8")


def get_requires_for_build_wheel(config_settings: object = None) -> list[str]:
    return []


def get_requires_for_build_sdist(config_settings: object = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(
    metadata_directory: str, config_settings: object = None
) -> str:
    target = os.path.join(metadata_directory, _dist_info())
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, "METADATA"), "wb") as handle:
        handle.write(_metadata())
    with open(os.path.join(target, "WHEEL"), "w", encoding="utf-8") as handle:
        handle.write(_wheel_text())
    return _dist_info()


def build_wheel(
    wheel_directory: str, config_settings: object = None, metadata_directory: object = None
) -> str:
    root = os.path.dirname(os.path.abspath(__file__))
    entries: dict[str, bytes] = {}
    for path in WHEEL_FILES:
        with open(os.path.join(root, *path.split("/")), "rb") as handle:
            entries[path] = handle.read()
    entries[f"{_dist_info()}/METADATA"] = _metadata()
    entries[f"{_dist_info()}/WHEEL"] = _wheel_text().encode("utf-8")
    filename = f"{_dist_name(NAME)}-{VERSION}-py3-none-any.whl"
    with open(os.path.join(wheel_directory, filename), "wb") as handle:
        handle.write(_zip_wheel(_dist_info(), entries))
    return filename


def build_sdist(sdist_directory: str, config_settings: object = None) -> str:
    root = os.path.dirname(os.path.abspath(__file__))
    base = f"{_dist_name(NAME)}-{VERSION}"
    filename = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as archive:
        for path in SDIST_FILES:
            archive.add(os.path.join(root, *path.split("/")), arcname=f"{base}/{path}")
    return filename
"""


def _normalize_version(version: str) -> str:
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def import_name(name: str) -> str:
    """The default top-level package of a project: ``Foo-Bar`` -> ``foo_bar``."""
    return _dist_name(name)


def wheel_filename(name: str, version: str) -> str:
    """``{name}-{version}-py3-none-any.whl`` with both parts normalised."""
    return f"{_dist_name(name)}-{_normalize_version(version)}-py3-none-any.whl"


def sdist_filename(name: str, version: str) -> str:
    """``{name}-{version}.tar.gz`` with both parts normalised (PEP 625)."""
    return f"{_dist_name(name)}-{_normalize_version(version)}.tar.gz"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _default_init(version: str) -> bytes:
    return f'"""A package served by fakepypi."""\n\n__version__ = {version!r}\n'.encode()


def build_wheel(
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    summary: str = "",
    files: Mapping[str, str | bytes] | None = None,
    pth: str | None = None,
    extra_metadata: Sequence[tuple[str, str]] = (),
) -> bytes:
    """A pure-Python wheel (``wheel_filename(name, version)``) as bytes.

    It holds ``{import_name}/__init__.py`` with ``__version__``, and a
    dist-info directory with METADATA, WHEEL and a correct RECORD. ``files``
    maps archive paths to contents to add or override (a given
    ``.dist-info/RECORD`` is used as is, so a broken one can be served); ``pth``
    adds ``{import_name}.pth`` with that content, which Python runs at start-up
    when it holds an ``import`` line. ``extra_metadata`` adds METADATA headers,
    e.g. ``[("Requires-Python", ">=3.8")]``.
    """
    version = _normalize_version(version)
    dist_info = f"{_dist_name(name)}-{version}.dist-info"
    metadata = _metadata_text(name, version, summary, requires, extra_metadata)
    entries: dict[str, bytes] = {
        f"{import_name(name)}/__init__.py": _default_init(version),
        f"{dist_info}/METADATA": metadata.encode("utf-8"),
        f"{dist_info}/WHEEL": _wheel_text().encode("utf-8"),
    }
    if pth is not None:
        entries[f"{import_name(name)}.pth"] = pth.encode("utf-8")
    for path, content in (files or {}).items():
        entries[path] = _as_bytes(content)
    return _zip_wheel(dist_info, entries)


def marker_code(path: str) -> str:
    """``build_code`` that appends a line ``ran`` to ``path`` each time it runs."""
    return f"with open({path!r}, 'a', encoding='utf-8') as _marker:\n    _marker.write('ran\\n')\n"


def _backend_source(
    *,
    name: str,
    version: str,
    summary: str,
    requires: Sequence[str],
    extra: Sequence[tuple[str, str]],
    wheel_files: Sequence[str],
    sdist_files: Sequence[str],
    build_code: str,
) -> str:
    core = "\n\n".join(inspect.getsource(function) for function in _CORE_FUNCTIONS)
    header = (
        '"""In-tree PEP 517 backend of a fakepypi sdist (stdlib only)."""\n\n'
        "from __future__ import annotations\n\n"
        "import base64\nimport csv\nimport hashlib\nimport io\nimport os\nimport re\n"
        "import tarfile\nimport zipfile\nfrom collections.abc import Mapping, Sequence\n\n"
        f"NAME = {name!r}\nVERSION = {version!r}\nSUMMARY = {summary!r}\n"
        f"REQUIRES = {list(requires)!r}\nEXTRA = {[tuple(e) for e in extra]!r}\n"
        f"WHEEL_FILES = {list(wheel_files)!r}\nSDIST_FILES = {list(sdist_files)!r}\n\n"
        "# --- build code: runs whenever pip loads this backend ---\n"
    )
    code = textwrap.dedent(build_code)
    return f"{header}{code}\n# --- end of build code ---\n\n\n{core}\n{_BACKEND_HOOKS}"


def build_sdist(
    name: str,
    version: str,
    *,
    requires: Sequence[str] = (),
    summary: str = "",
    build_code: str = "",
    extra_metadata: Sequence[tuple[str, str]] = (),
    metadata_version: str = "2.1",
    dynamic: Sequence[str] = (),
) -> bytes:
    """An sdist (``sdist_filename(name, version)``) as gzipped tar bytes.

    Its PKG-INFO has ``metadata_version`` (2.2 or later makes the fields not
    named in ``dynamic`` static, PEP 643) and a ``Dynamic:`` line for each of
    ``dynamic``.

    It holds PKG-INFO, the package, a ``pyproject.toml`` naming the in-tree
    backend ``backend.py`` (``requires = []``, ``backend-path = ["."]``) and a
    ``setup.py``. ``build_code`` is Python run at module level of both
    ``backend.py`` and ``setup.py``: pip runs it whenever it builds the sdist or
    asks it for metadata (see ``marker_code``).
    """
    version = _normalize_version(version)
    base = f"{_dist_name(name)}-{version}"
    package_file = f"{import_name(name)}/__init__.py"
    metadata = _metadata_text(
        name, version, summary, requires, [*extra_metadata, *(("Dynamic", d) for d in dynamic)]
    ).replace("Metadata-Version: 2.1", f"Metadata-Version: {metadata_version}", 1)
    pyproject = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
    setup_py = (
        f"{textwrap.dedent(build_code)}\n"
        "from setuptools import setup\n\n"
        f"setup(name={name!r}, version={version!r}, description={summary!r}, "
        f"packages=[{import_name(name)!r}], install_requires={list(requires)!r})\n"
    )
    members: dict[str, bytes] = {
        "PKG-INFO": metadata.encode("utf-8"),
        "pyproject.toml": pyproject.encode("utf-8"),
        "setup.py": setup_py.encode("utf-8"),
        package_file: _default_init(version),
    }
    members["backend.py"] = _backend_source(
        name=name,
        version=version,
        summary=summary,
        requires=requires,
        extra=extra_metadata,
        wheel_files=[package_file],
        sdist_files=[*members, "backend.py"],
        build_code=build_code,
    ).encode("utf-8")
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for directory in (base, f"{base}/{import_name(name)}"):
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = 1577836800
            archive.addfile(info)
        for path, data in members.items():
            info = tarfile.TarInfo(f"{base}/{path}")
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 1577836800
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def metadata_of(wheel: bytes) -> bytes:
    """The ``*.dist-info/METADATA`` of a wheel (what PEP 658 serves)."""
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        for member in archive.namelist():
            parts = member.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return archive.read(member)
    raise ValueError("the wheel has no .dist-info/METADATA")
