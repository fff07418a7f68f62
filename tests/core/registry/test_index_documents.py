"""Recorded PyPI / npm documents read into releases, files, upload times and yanked state."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from app.core.registry import (
    NotFound,
    OfflineMiss,
    fetch_project,
    fetch_release,
    fetch_with_baseline,
    normalize_name,
)
from app.core.registry.npm import sri_to_hex
from app.core.registry.pypi import (
    parse_json_api,
    parse_simple_html,
    parse_simple_json,
    version_from_filename,
)
from tests.core.registry.conftest import assert_cache_clean
from tests.core.registry.servers import FIXTURES


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Foo.Bar", "foo-bar"),
        ("foo__bar", "foo-bar"),
        ("FOO-._bar", "foo-bar"),
        ("six", "six"),
    ],
)
def test_pep503_normalisation(raw, normal):
    assert normalize_name(raw) == normal


@pytest.mark.parametrize(
    ("filename", "project", "version"),
    [
        ("zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl", "zope.interface", "6.0"),
        ("Zope.Interface-6.0.tar.gz", "zope-interface", "6.0"),
        ("python-dateutil-2.8.2.tar.gz", "python_dateutil", "2.8.2"),
        ("demo_pkg-1.0rc1.zip", "Demo.Pkg", "1.0rc1"),
        ("other-1.0.tar.gz", "demo", None),
    ],
)
def test_version_from_filename(filename, project, version):
    assert version_from_filename(filename, project) == version


def test_recorded_json_api_document_reads_every_release():
    doc = json.loads((FIXTURES / "pypi" / "idna.json").read_text())
    project = parse_json_api(doc, "https://pypi.org/pypi/idna/json", "https://pypi.org/")
    assert project.name == "idna" and project.latest == doc["info"]["version"]
    assert set(project.releases) == set(doc["releases"])
    files = project.files("3.7")
    assert sorted(f.packagetype for f in files) == ["sdist", "wheel"]
    # a release's upload time is its first file's (the wheel went up 2 s before the sdist)
    assert project.upload_time("3.7") == datetime(2024, 4, 11, 3, 34, 41, 447563, tzinfo=UTC)
    # relative URLs in the recording resolve against the document's URL
    assert all(f.url.startswith("https://") for f in project.files(project.latest))


def test_pep503_html_page_with_yank_and_hash_fragment():
    html = """<html><body>
      <a href="../../files/demo_pkg-1.0.tar.gz#sha256=aa11">demo_pkg-1.0.tar.gz</a>
      <a href="../../files/demo_pkg-1.1-py3-none-any.whl#sha256=bb22" data-yanked="broken">demo_pkg-1.1-py3-none-any.whl</a>
    </body></html>"""
    project = parse_simple_html(
        html, "http://127.0.0.1:1/simple/demo-pkg/", "http://127.0.0.1:1/simple/", "demo-pkg"
    )
    assert project.files("1.0")[0].hashes == {"sha256": "aa11"}
    assert project.files("1.0")[0].url == "http://127.0.0.1:1/files/demo_pkg-1.0.tar.gz"
    assert project.is_yanked("1.1") and project.yanked_reason("1.1") == "broken"
    assert not project.is_yanked("1.0")


def test_pep691_json_yanked_reason_and_versions_without_files():
    doc = {
        "meta": {"api-version": "1.1"},
        "name": "demo-pkg",
        "versions": ["1.0", "1.1", "2.0"],
        "files": [
            {
                "filename": "demo_pkg-1.0.tar.gz",
                "url": "/f/demo_pkg-1.0.tar.gz",
                "hashes": {"sha256": "aa"},
                "upload-time": "2025-01-02T03:04:05.000006Z",
            },
            {
                "filename": "demo_pkg-1.1.tar.gz",
                "url": "/f/demo_pkg-1.1.tar.gz",
                "hashes": {"sha256": "bb"},
                "yanked": "credential stealer",
            },
        ],
    }
    project = parse_simple_json(
        doc, "http://127.0.0.1:1/simple/demo-pkg/", "http://127.0.0.1:1/simple/", "Demo.Pkg"
    )
    assert project.files("1.0")[0].url == "http://127.0.0.1:1/f/demo_pkg-1.0.tar.gz"
    assert project.upload_time("1.0") == datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert project.is_yanked("1.1") and project.yanked_reason("1.1") == "credential stealer"
    assert project.files("2.0") == [] and not project.is_yanked("2.0")


def test_sri_integrity_to_hex():
    assert sri_to_hex("sha512-3q2+7w== sha1-AAEC") == {"sha512": "deadbeef", "sha1": "000102"}
    assert sri_to_hex("sha512-not*base64") == {}


@pytest.mark.network
def test_names_needing_normalisation_follow_the_index(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.load_simple("idna")
    files = fetch_release(
        "pypi", "SIX", "1.17.0", cache_dir=cache_dir, index_url=replay.base, http=http
    )
    assert {f.name for f in files} == {"six"}
    assert replay.hits["/pypi/SIX/json"] == 1 and replay.hits["/pypi/six/json"] == 1  # redirected
    files = fetch_release(
        "pypi", "IDNA", "3.7", cache_dir=cache_dir, index_url=replay.base + "/simple/", http=http
    )
    assert sorted(f.filename for f in files) == ["idna-3.7-py3-none-any.whl", "idna-3.7.tar.gz"]
    assert replay.hits["/simple/idna/"] == 1  # asked for the normalized name directly


@pytest.mark.network
def test_yanked_release_is_fetched_and_marked_but_never_a_baseline(replay, http, cache_dir):
    replay.load_pypi("six", yank={"1.16.0": "Broken wheel metadata"})
    result = fetch_with_baseline(
        "pypi", "six", "1.16.0", cache_dir=cache_dir, index_url=replay.base, http=http
    )
    assert result.yanked and result.yanked_reason == "Broken wheel metadata"
    assert all(f.yanked for f in result.files)
    assert result.baseline_version == "1.15.0"
    later = fetch_with_baseline(
        "pypi", "six", "1.17.0", cache_dir=cache_dir, index_url=replay.base, http=http
    )
    assert not later.yanked and later.baseline_version == "1.15.0"  # skips the yanked 1.16.0


@pytest.mark.network
def test_npm_package_document_and_tarballs(replay, http, cache_dir):
    replay.load_npm("is-number")
    result = fetch_with_baseline(
        "npm", "is-number", "7.0.0", cache_dir=cache_dir, index_url=replay.base + "/npm/", http=http
    )
    assert result.baseline_version == "6.0.0"
    assert [f.filename for f in result.all_files()] == [
        "is-number-7.0.0.tgz",
        "is-number-6.0.0.tgz",
    ]
    assert all("/sha512/" in str(f.path) for f in result.all_files())  # keyed by the SRI hash
    latest = fetch_release(
        "npm", "is-number", None, cache_dir=cache_dir, index_url=replay.base + "/npm/", http=http
    )
    assert latest[0].version == "7.0.0"  # dist-tags.latest
    assert_cache_clean(cache_dir)


@pytest.mark.network
def test_npm_integrity_mismatch_is_refused(replay, http, cache_dir):
    replay.load_npm("is-number")
    replay.modes["/npm/is-number/-/is-number-7.0.0.tgz"] = "mismatch"
    with pytest.raises(Exception, match="hash mismatch for is-number 7.0.0 .* sha512"):
        fetch_release(
            "npm",
            "is-number",
            "7.0.0",
            cache_dir=cache_dir,
            index_url=replay.base + "/npm/",
            http=http,
        )
    assert_cache_clean(cache_dir)


@pytest.mark.network
def test_offline_works_from_the_cache_and_says_what_is_missing(replay, http, cache_dir):
    replay.load_pypi("six")
    online = fetch_with_baseline(
        "pypi", "six", "1.17.0", cache_dir=cache_dir, index_url=replay.base, http=http
    )
    replay.stop()  # the network is gone
    offline = fetch_with_baseline(
        "pypi", "six", "1.17.0", cache_dir=cache_dir, index_url=replay.base, offline=True
    )
    assert [f.path for f in offline.all_files()] == [f.path for f in online.all_files()]
    assert (
        fetch_project(
            "pypi", "six", cache_dir=cache_dir, index_url=replay.base, offline=True
        ).latest
        == "1.17.0"
    )
    with pytest.raises(
        OfflineMiss, match=r"offline: six 1\.14\.0 file six-1\.14\.0.* not in the download cache"
    ):
        fetch_release(
            "pypi", "six", "1.14.0", cache_dir=cache_dir, index_url=replay.base, offline=True
        )
    with pytest.raises(OfflineMiss, match="offline: no cached pypi metadata for 'idna'"):
        fetch_release(
            "pypi", "idna", None, cache_dir=cache_dir, index_url=replay.base, offline=True
        )
    with pytest.raises(NotFound, match=r"six has no release 9\.9"):
        fetch_release(
            "pypi", "six", "9.9", cache_dir=cache_dir, index_url=replay.base, offline=True
        )
