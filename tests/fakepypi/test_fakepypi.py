"""The loopback PyPI is real enough: pip installs from it, and it answers like PyPI."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import subprocess
import sys
import tarfile
import threading
import time
import urllib.parse
import zipfile
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path

import pytest

from tests.fakepypi import (
    FakePyPI,
    MakeVenv,
    build_sdist,
    build_wheel,
    fetch,
    installed,
    installed_versions,
    marker_code,
    metadata_of,
    sha256_hex,
    site_packages,
)
from tests.fakepypi.server import SIMPLE_JSON

WHEN = datetime(2024, 12, 4, 17, 35, 26, 123456, tzinfo=UTC)


def pip(env: dict[str, str], python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- builders ---


def test_wheel_has_a_correct_record_and_metadata() -> None:
    data = build_wheel(
        "Foo.Bar",
        "1.0.0",
        requires=["dep>=1"],
        summary="A summary",
        files={"foo_bar/extra.py": "X = 1\n"},
        pth="import os\n",
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        record = archive.read("foo_bar-1.0.0.dist-info/RECORD").decode()
        rows = list(csv.reader(io.StringIO(record)))
        for path, digest, size in rows:
            if path.endswith("RECORD"):
                assert (digest, size) == ("", "")
                continue
            content = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(content)
        assert {row[0] for row in rows} == set(names)
        assert b"__version__ = '1.0.0'" in archive.read("foo_bar/__init__.py")
        assert archive.read("foo_bar.pth") == b"import os\n"
        assert archive.read("foo_bar-1.0.0.dist-info/WHEEL").startswith(b"Wheel-Version: 1.0")
    metadata = metadata_of(data).decode()
    assert "Metadata-Version: 2.1\nName: Foo.Bar\nVersion: 1.0.0\n" in metadata
    assert "Summary: A summary\nRequires-Dist: dep>=1\n" in metadata
    assert build_wheel("Foo.Bar", "1.0.0") == build_wheel("Foo.Bar", "1.0.0")  # reproducible


def test_sdist_layout() -> None:
    data = build_sdist("Foo-Bar", "2.0", requires=["dep"], build_code="X = 1")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        names = set(archive.getnames())
        pyproject = archive.extractfile("foo_bar-2.0/pyproject.toml")
        assert pyproject is not None
        text = pyproject.read().decode()
        backend = archive.extractfile("foo_bar-2.0/backend.py")
        assert backend is not None
        backend_text = backend.read().decode()
    assert {
        "foo_bar-2.0/PKG-INFO",
        "foo_bar-2.0/setup.py",
        "foo_bar-2.0/backend.py",
        "foo_bar-2.0/foo_bar/__init__.py",
    } <= names
    assert 'build-backend = "backend"' in text
    assert 'backend-path = ["."]' in text
    assert "requires = []" in text
    assert "\nX = 1\n" in backend_text
    compile(backend_text, "backend.py", "exec")


# --- pip against the fake index ---


def test_pip_installs_a_wheel_with_its_dependency(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv
) -> None:
    fake_pypi.add_release("Top_Pkg", "1.0", requires=["dep-pkg>=1"])
    fake_pypi.add_release("dep-pkg", "0.9")
    fake_pypi.add_release("dep-pkg", "1.1", pth="# a .pth file\n")
    python = make_venv()
    result = pip(pip_env, python, "install", "top-pkg")
    assert result.returncode == 0, result.stderr
    assert installed_versions(python) == {"top-pkg": "1.0", "dep-pkg": "1.1"}
    assert (site_packages(python) / "top_pkg" / "__init__.py").is_file()
    assert (site_packages(python) / "dep_pkg.pth").read_text() == "# a .pth file\n"
    assert sorted(fake_pypi.downloads()) == [
        "dep_pkg-1.1-py3-none-any.whl",
        "top_pkg-1.0-py3-none-any.whl",
    ]
    assert ("GET", "/files/top_pkg-1.0-py3-none-any.whl.metadata") in fake_pypi.requests_log
    imported = subprocess.run(
        [str(python), "-c", "import top_pkg; print(top_pkg.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "1.0"


def test_pip_builds_an_sdist_with_the_in_tree_backend(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, marker: Path
) -> None:
    fake_pypi.add_release(
        "built-pkg", "0.1", wheel=False, sdist=True, build_code=marker_code(str(marker))
    )
    python = make_venv()
    assert not marker.exists()
    result = pip(pip_env, python, "install", "built-pkg")
    assert result.returncode == 0, result.stderr
    assert marker.read_text().startswith("ran\n")  # the build code really ran
    assert installed(python) == {"built-pkg"}
    assert fake_pypi.downloads() == ["built_pkg-0.1.tar.gz"]


def test_a_swapped_file_fails_require_hashes(
    fake_pypi: FakePyPI, pip_env: dict[str, str], make_venv: MakeVenv, tmp_path: Path
) -> None:
    (good,) = fake_pypi.add_release("victim", "1.0")
    fake_pypi.swap_file(good.filename, build_wheel("victim", "1.0", files={"evil.py": "1"}))
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"victim==1.0 --hash=sha256:{good.sha256}\n")
    python = make_venv()
    result = pip(
        pip_env, python, "install", "--no-deps", "--require-hashes", "-r", str(requirements)
    )
    assert result.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr
    assert installed(python) == set()
    # The index still lists the vetted hash.
    listing = fetch(fake_pypi.simple_url + "victim/", {"Accept": SIMPLE_JSON}).json()
    assert listing["files"][0]["hashes"]["sha256"] == good.sha256


# --- the simple index ---


def test_simple_json_pep691(fake_pypi: FakePyPI) -> None:
    wheel, sdist = fake_pypi.add_release(
        "Some_Proj", "1.0", sdist=True, upload_time=WHEN, requires_python=">=3.8"
    )
    fake_pypi.add_release("some-proj", "1.1", yanked=True, yanked_reason="broken")
    answer = fetch(
        fake_pypi.simple_url + "some-proj/",
        {"Accept": f"{SIMPLE_JSON}, application/vnd.pypi.simple.v1+html;q=0.1"},
    )
    assert answer.status == 200
    assert answer.headers["content-type"] == SIMPLE_JSON
    document = answer.json()
    assert document["meta"] == {"api-version": "1.1"}
    assert document["name"] == "some-proj"
    assert document["versions"] == ["1.0", "1.1"]
    first = document["files"][0]
    assert first["filename"] == "some_proj-1.0-py3-none-any.whl"
    assert first["upload-time"] == "2024-12-04T17:35:26.123456Z"
    assert first["hashes"] == {"sha256": wheel.sha256}
    assert first["requires-python"] == ">=3.8"
    assert first["size"] == wheel.size
    assert first["yanked"] is False
    assert first["core-metadata"] == {"sha256": sha256_hex(metadata_of(wheel.data))}
    assert document["files"][1]["core-metadata"] is False  # the sdist
    assert document["files"][2]["yanked"] == "broken"
    metadata = fetch(first["url"] + ".metadata")
    assert sha256_hex(metadata.body) == first["core-metadata"]["sha256"]
    assert fetch(first["url"]).body == wheel.data
    assert sha256_hex(fetch(document["files"][1]["url"]).body) == sdist.sha256


def test_simple_html_pep503(fake_pypi: FakePyPI) -> None:
    (wheel,) = fake_pypi.add_release("proj", "1.0", requires_python=">=3.8")
    fake_pypi.add_release("proj", "2.0", yanked=True, yanked_reason="bad")
    answer = fetch(fake_pypi.simple_url + "proj/", {"Accept": "text/html"})
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.body.decode()
    metadata_hash = sha256_hex(metadata_of(wheel.data))
    assert f'href="{fake_pypi.url}/files/{wheel.filename}#sha256={wheel.sha256}"' in html
    assert 'data-requires-python="&gt;=3.8"' in html
    assert f'data-dist-info-metadata="sha256={metadata_hash}"' in html
    assert f'data-core-metadata="sha256={metadata_hash}"' in html
    assert 'data-yanked="bad"' in html
    root = fetch(fake_pypi.simple_url).body.decode()
    assert '<a href="/simple/proj/">proj</a>' in root
    root_json = fetch(fake_pypi.simple_url, {"Accept": SIMPLE_JSON}).json()
    assert root_json["projects"] == [{"name": "proj"}]


def test_names_redirect_or_404_like_pypi(fake_pypi: FakePyPI) -> None:
    fake_pypi.add_release("Foo_Bar", "1.0")
    moved = fetch(fake_pypi.simple_url + "Foo.Bar/")
    assert (moved.status, moved.headers["location"]) == (301, "/simple/foo-bar/")
    assert fetch(fake_pypi.url + "/simple/foo-bar").status == 301
    assert fetch(fake_pypi.simple_url + "nothing/").status == 404
    assert fetch(fake_pypi.url + "/files/nothing.whl").status == 404
    moved = fetch(fake_pypi.json_url("foo-bar"))
    assert (moved.status, moved.headers["location"]) == (301, "/pypi/Foo_Bar/json")
    assert fetch(fake_pypi.json_url("foo-bar", "1.0")).headers["location"] == (
        "/pypi/Foo_Bar/1.0/json"
    )


# --- the JSON API ---


def test_json_api_shape(fake_pypi: FakePyPI) -> None:
    fake_pypi.add_release("proj", "1.0", upload_time=WHEN, summary="old")
    wheel, sdist = fake_pypi.add_release(
        "proj",
        "1.1",
        sdist=True,
        upload_time=WHEN,
        requires=["dep>=1"],
        summary="new",
        author_email="a@example.org",
        home_page="https://example.org",
        project_urls={"Source": "https://github.com/o/proj"},
        description="Long text",
        vulnerabilities=[{"id": "PYSEC-1", "aliases": ["CVE-1"], "fixed_in": ["1.2"]}],
        ownership={"organization": "acme", "roles": [{"role": "Owner", "user": "alice"}]},
    )
    fake_pypi.add_release("proj", "2.0rc1")  # a pre-release is not "latest"
    answer = fetch(fake_pypi.json_url("proj"))
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/json"
    document = answer.json()
    assert set(document) == {
        "info",
        "last_serial",
        "releases",
        "urls",
        "vulnerabilities",
        "ownership",
    }
    info = document["info"]
    assert info["name"] == "proj"
    assert info["version"] == "1.1"
    assert info["summary"] == "new"
    assert info["requires_dist"] == ["dep>=1"]
    assert info["author_email"] == "a@example.org"
    assert info["home_page"] == "https://example.org"
    assert info["project_urls"] == {"Source": "https://github.com/o/proj"}
    assert info["description"] == "Long text"
    assert info["yanked"] is False
    assert set(document["releases"]) == {"1.0", "1.1", "2.0rc1"}
    assert [f["filename"] for f in document["urls"]] == [wheel.filename, sdist.filename]
    file = document["urls"][0]
    assert file["digests"] == {
        "sha256": wheel.sha256,
        "md5": hashlib.md5(wheel.data, usedforsecurity=False).hexdigest(),
        "blake2b_256": hashlib.blake2b(wheel.data, digest_size=32).hexdigest(),
    }
    assert file["packagetype"] == "bdist_wheel"
    assert document["urls"][1]["packagetype"] == "sdist"
    assert file["python_version"] == "py3"
    assert file["upload_time"] == "2024-12-04T17:35:26"
    assert file["upload_time_iso_8601"] == "2024-12-04T17:35:26.123456Z"
    assert file["size"] == wheel.size
    assert file["url"] == f"{fake_pypi.url}/files/{wheel.filename}"
    assert (file["yanked"], file["yanked_reason"]) == (False, None)
    (vulnerability,) = document["vulnerabilities"]
    assert vulnerability["id"] == "PYSEC-1"
    assert vulnerability["aliases"] == ["CVE-1"]
    assert vulnerability["fixed_in"] == ["1.2"]
    assert vulnerability["withdrawn"] is None
    assert {"details", "summary", "link", "source"} <= set(vulnerability)
    assert document["ownership"]["organization"] == "acme"
    assert isinstance(document["last_serial"], int)

    old = fetch(fake_pypi.json_url("proj", "1.0")).json()
    assert "releases" not in old
    assert (old["info"]["version"], old["info"]["summary"]) == ("1.0", "old")
    assert old["info"]["requires_dist"] is None
    assert old["vulnerabilities"] == []

    missing = fetch(fake_pypi.json_url("nothing"))
    assert (missing.status, missing.json()) == (404, {"message": "Not Found"})
    assert fetch(fake_pypi.json_url("proj", "9.9")).status == 404
    fake_pypi.per_version_json = False
    assert fetch(fake_pypi.json_url("proj", "1.0")).status == 404
    fake_pypi.ownership_field = False
    assert "ownership" not in fetch(fake_pypi.json_url("proj")).json()


def test_revalidation_with_etag_and_last_modified(fake_pypi: FakePyPI) -> None:
    fake_pypi.add_release("proj", "1.0")
    first = fetch(fake_pypi.json_url("proj"))
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    same = fetch(fake_pypi.json_url("proj"), {"If-None-Match": etag})
    assert (same.status, same.body, same.headers["etag"]) == (304, b"", etag)
    assert fetch(fake_pypi.json_url("proj"), {"If-Modified-Since": modified}).status == 304
    assert fetch(fake_pypi.json_url("proj"), {"If-None-Match": '"other"'}).status == 200
    earlier = formatdate(time.time() - 3600, usegmt=True)
    assert fetch(fake_pypi.json_url("proj"), {"If-Modified-Since": earlier}).status == 200

    fake_pypi.add_release("proj", "1.1")  # a change, within the same second
    changed = fetch(fake_pypi.json_url("proj"), {"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["etag"] != etag
    assert changed.json()["info"]["version"] == "1.1"
    assert fetch(fake_pypi.json_url("proj"), {"If-Modified-Since": modified}).status == 200
    fake_pypi.yank("proj", "1.1")
    assert fetch(fake_pypi.json_url("proj")).headers["etag"] != changed.headers["etag"]


def test_pages_and_files_revalidate_with_etags(fake_pypi: FakePyPI) -> None:
    (wheel,) = fake_pypi.add_release("proj", "1.0")
    page_url = fake_pypi.simple_url + "proj/"
    urls = (
        page_url,
        fake_pypi.file_url(wheel.filename),
        fake_pypi.file_url(wheel.filename) + ".metadata",
    )
    for url in urls:
        first = fetch(url)
        assert first.status == 200
        assert "cache-control" not in first.headers  # only with cache_headers=True
        etag = first.headers["etag"]
        same = fetch(url, {"If-None-Match": etag})
        assert (same.status, same.body, same.headers["etag"]) == (304, b"", etag)
        assert fetch(url, {"If-None-Match": '"other"'}).body == first.body
    etag = fetch(page_url).headers["etag"]
    fake_pypi.add_release("proj", "1.1")
    changed = fetch(page_url, {"If-None-Match": etag})
    assert changed.status == 200
    assert "proj-1.1-py3-none-any.whl" in changed.body.decode()
    json_page = fetch(page_url, {"Accept": SIMPLE_JSON})
    assert json_page.headers["etag"] != changed.headers["etag"]


def test_cache_headers_like_pypi(fake_pypi: FakePyPI) -> None:
    (wheel,) = fake_pypi.add_release("proj", "1.0")
    fake_pypi.cache_headers = True
    page = fetch(fake_pypi.simple_url + "proj/")
    assert page.headers["cache-control"] == "max-age=600, public"
    for url in (
        fake_pypi.file_url(wheel.filename),
        fake_pypi.file_url(wheel.filename) + ".metadata",
    ):
        assert fetch(url).headers["cache-control"] == "max-age=365000000, immutable, public"
    revalidated = fetch(fake_pypi.simple_url + "proj/", {"If-None-Match": page.headers["etag"]})
    assert revalidated.status == 304
    assert revalidated.headers["cache-control"] == "max-age=600, public"
    answer = fetch(fake_pypi.json_url("proj"))
    assert answer.headers["cache-control"] == "max-age=900, public"
    again = fetch(fake_pypi.json_url("proj"), {"If-None-Match": answer.headers["etag"]})
    assert again.status == 304
    assert again.headers["cache-control"] == "max-age=900, public"
    assert fetch(fake_pypi.simple_url + "nothing/").status == 404


def test_files_are_found_after_changes(fake_pypi: FakePyPI) -> None:
    (old,) = fake_pypi.add_release("proj", "1.0")
    assert fetch(fake_pypi.file_url(old.filename)).body == old.data
    (new,) = fake_pypi.add_release("proj", "2.0")
    assert fetch(fake_pypi.file_url(new.filename)).body == new.data
    fake_pypi.yank("proj", "2.0")
    assert fake_pypi.artifact(new.filename).yanked
    fake_pypi.remove("proj", "1.0")
    assert fetch(fake_pypi.file_url(old.filename)).status == 404
    fake_pypi.remove("proj")
    assert fetch(fake_pypi.file_url(new.filename)).status == 404
    with pytest.raises(KeyError):
        fake_pypi.artifact(new.filename)


def test_relative_json_urls(fake_pypi: FakePyPI) -> None:
    (wheel,) = fake_pypi.add_release("proj", "1.0")
    fake_pypi.relative_json_urls = True
    for url in (fake_pypi.json_url("proj"), fake_pypi.json_url("proj", "1.0")):
        relative = fetch(url).json()["urls"][0]["url"]
        assert relative.startswith("../")
        absolute = urllib.parse.urljoin(url, relative)
        assert absolute == fake_pypi.file_url(wheel.filename)
        assert fetch(absolute).body == wheel.data


# --- faults and the log ---


def test_fail_json(fake_pypi: FakePyPI) -> None:
    fake_pypi.add_release("one", "1.0")
    fake_pypi.add_release("two", "1.0")
    fake_pypi.fail_json(503, name="One")
    assert fetch(fake_pypi.json_url("one")).status == 503
    assert fetch(fake_pypi.json_url("two")).status == 200
    fake_pypi.fail_json()
    assert fetch(fake_pypi.json_url("two")).status == 500
    assert fetch(fake_pypi.json_url("nothing")).status == 500
    assert fetch(fake_pypi.simple_url + "two/").status == 200  # the index is unaffected
    fake_pypi.clear_faults()
    assert fetch(fake_pypi.json_url("one")).status == 200


def test_delay_json_is_bounded_and_stop_does_not_hang() -> None:
    fake = FakePyPI().start()
    fake.add_release("slow", "1.0")
    fake.add_release("fast", "1.0")
    fake.delay_json(0.3, name="slow")
    started = time.monotonic()
    assert fetch(fake.json_url("slow")).status == 200
    assert time.monotonic() - started >= 0.3
    fake.delay_json(600)
    with pytest.raises(TimeoutError):
        fetch(fake.json_url("fast"), timeout=0.2)
    pending = threading.Thread(target=fetch, args=(fake.json_url("fast"),), daemon=True)
    pending.start()
    time.sleep(0.1)
    started = time.monotonic()
    fake.stop()
    pending.join(timeout=5)
    assert time.monotonic() - started < 3
    assert not pending.is_alive()
    assert fake.errors == []


def test_requests_log_and_helpers(fake_pypi: FakePyPI) -> None:
    (wheel,) = fake_pypi.add_release("proj", "1.0")
    fetch(fake_pypi.json_url("proj"))
    fetch(fake_pypi.file_url(wheel.filename))
    fetch(fake_pypi.file_url(wheel.filename) + ".metadata")
    assert fake_pypi.requests_log == [
        ("GET", "/pypi/proj/json"),
        ("GET", f"/files/{wheel.filename}"),
        ("GET", f"/files/{wheel.filename}.metadata"),
    ]
    assert fake_pypi.downloads() == [wheel.filename]
    assert fake_pypi.json_requests("PROJ") == ["/pypi/proj/json"]
    fake_pypi.clear_log()
    assert fake_pypi.requests_log == []
    with pytest.raises(ValueError, match="already there"):
        fake_pypi.add_release("proj", "1.0")
    with pytest.raises(ValueError, match="timezone-aware"):
        fake_pypi.add_release("proj", "3.0", upload_time=datetime(2024, 1, 1))
