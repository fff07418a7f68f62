"""Every way a download can go wrong: one clear error, and nothing unverified left behind."""

from __future__ import annotations

import threading

import pytest

from app.core.registry import (
    Cancelled,
    DownloadError,
    HttpConfig,
    IntegrityError,
    NotFound,
    RegistryHttp,
    ServerError,
    TooLarge,
    fetch_release,
)
from tests.core.registry.conftest import assert_cache_clean

pytestmark = pytest.mark.network


def _fetch(replay, http, cache_dir, spec=("six", "1.17.0"), **kw):
    return fetch_release("pypi", *spec, cache_dir=cache_dir, index_url=replay.base, http=http, **kw)


def test_every_file_of_a_release_is_fetched_and_verified(replay, http, cache_dir):
    doc = replay.load_pypi("tomli")
    files = _fetch(replay, http, cache_dir, ("tomli", "2.5.0"))
    listed = sorted(f["filename"] for f in doc["releases"]["2.5.0"])
    assert len(listed) > 20  # an sdist and many platform wheels
    assert sorted(f.filename for f in files) == listed
    assert all(f.path.is_absolute() and f.path.is_file() and f.verified for f in files)
    by_name = {f["filename"]: f["digests"]["sha256"] for f in doc["releases"]["2.5.0"]}
    assert all(f.sha256 == by_name[f.filename] for f in files)
    assert_cache_clean(cache_dir)


def test_a_file_downloads_once(replay, http, cache_dir):
    replay.load_pypi("six")
    first = _fetch(replay, http, cache_dir)
    second = _fetch(replay, http, cache_dir)
    assert [f.path for f in first] == [f.path for f in second]
    assert all(replay.hits[f"/files/{f.filename}"] == 1 for f in first)
    assert replay.hits["/pypi/six/json"] == 2  # metadata is refreshed, files are not


def test_hash_mismatch_is_an_error_and_the_file_is_discarded(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.modes["/files/six-1.17.0.tar.gz"] = "mismatch"
    with pytest.raises(
        IntegrityError, match=r"hash mismatch for six 1\.17\.0 file six-1\.17\.0\.tar\.gz"
    ):
        _fetch(replay, http, cache_dir)
    assert not list((cache_dir / "files").rglob("six-1.17.0.tar.gz"))
    assert_cache_clean(cache_dir)


def test_truncated_download_is_retried_then_reported(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.modes["/files/six-1.17.0-py2.py3-none-any.whl"] = "truncate"
    with pytest.raises(
        DownloadError, match=r"failed after 3 attempts: .*(truncated|broken|incomplete)"
    ):
        _fetch(replay, http, cache_dir)
    assert replay.hits["/files/six-1.17.0-py2.py3-none-any.whl"] == 3
    assert not list((cache_dir / "files").rglob("six-1.17.0-py2.py3-none-any.whl"))
    assert_cache_clean(cache_dir)


def test_missing_file_is_not_found_without_retries(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.modes["/files/six-1.17.0.tar.gz"] = "404"
    with pytest.raises(NotFound, match=r"HTTP 404.*six-1\.17\.0\.tar\.gz"):
        _fetch(replay, http, cache_dir)
    assert replay.hits["/files/six-1.17.0.tar.gz"] == 1
    assert_cache_clean(cache_dir)


def test_unknown_project_is_not_found(replay, http, cache_dir):
    with pytest.raises(NotFound, match="no project 'no-such-project'"):
        _fetch(replay, http, cache_dir, ("no-such-project", None))


def test_server_error_then_success(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.modes["/pypi/six/json"] = "500-once"
    replay.modes["/files/six-1.17.0.tar.gz"] = "500-once"
    files = _fetch(replay, http, cache_dir)
    assert len(files) == 2
    assert replay.hits["/pypi/six/json"] == 2
    assert replay.hits["/files/six-1.17.0.tar.gz"] == 2
    assert_cache_clean(cache_dir)


def test_server_error_that_persists_says_so(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.modes["/pypi/six/json"] = "500"
    with pytest.raises(ServerError, match=r"/pypi/six/json failed after 3 attempts: HTTP 500"):
        _fetch(replay, http, cache_dir)


def test_too_slow_server_times_out(replay, http, cache_dir):
    replay.load_pypi("six")
    replay.slow_seconds = 0.8  # the client's read timeout is 0.3 s
    replay.modes["/files/six-1.17.0.tar.gz"] = "slow"
    with pytest.raises(DownloadError, match="timed out"):
        _fetch(replay, http, cache_dir)
    assert_cache_clean(cache_dir)


def test_a_server_trickling_a_byte_a_second_is_cut_off_by_the_deadline(
    replay, cache_dir, monkeypatch
):
    """Each byte arrives well inside the read timeout, so only the overall deadline (lowered
    here through its variable) ends the download: one clear error, nothing left behind."""
    replay.load_pypi("six")
    replay.modes["/files/six-1.17.0.tar.gz"] = "trickle"
    monkeypatch.setenv("VETBENCH_HTTP_DEADLINE", "2")
    client = RegistryHttp(HttpConfig(read_timeout=5.0, retries=2, backoff=0.01))
    try:
        with pytest.raises(DownloadError, match=r"took longer than the 2-second deadline"):
            _fetch(replay, client, cache_dir)
    finally:
        client.close()
    size = len(replay.files["/files/six-1.17.0.tar.gz"])
    assert 0 < replay.trickled < size  # it was cut off, not waited out
    assert replay.hits["/files/six-1.17.0.tar.gz"] == 1  # a passed deadline is not retried
    assert not list((cache_dir / "files").rglob("six-1.17.0.tar.gz"))
    assert_cache_clean(cache_dir)


def test_size_cap_refuses_large_files(replay, cache_dir):
    replay.load_pypi("six")
    small = RegistryHttp(HttpConfig(max_bytes=100, retries=0))
    try:
        with pytest.raises(TooLarge, match="above the 100-byte download cap"):
            _fetch(replay, small, cache_dir)
    finally:
        small.close()
    assert not (cache_dir / "files").exists()
    assert_cache_clean(cache_dir)


def test_cancel_removes_the_partial_file(replay, http, cache_dir):
    replay.load_pypi("six")
    stop = threading.Event()
    seen = []

    def progress(label, done, total):
        seen.append((label, done, total))
        if done > 0:
            stop.set()

    with pytest.raises(Cancelled, match="cancelled"):
        _fetch(replay, http, cache_dir, progress=progress, cancel=stop)
    assert seen and seen[0][2] is not None
    assert_cache_clean(cache_dir)


def test_backoff_grows_and_honours_retry_after(replay, cache_dir):
    replay.load_pypi("six")
    replay.modes["/pypi/six/json"] = "429-once"
    replay.modes["/files/six-1.17.0.tar.gz"] = "truncate"
    slept: list[float] = []
    client = RegistryHttp(HttpConfig(retries=3, backoff=0.5, max_backoff=8.0), sleep=slept.append)
    try:
        with pytest.raises(DownloadError, match="failed after 4 attempts"):
            _fetch(replay, client, cache_dir)
    finally:
        client.close()
    # 429 with Retry-After: 3 -> waits 3 s; then the truncated file: 0.5, 1, 2 s
    assert slept == [3.0, 0.5, 1.0, 2.0]
    assert_cache_clean(cache_dir)


def test_user_agent_names_vetbench(replay, cache_dir):
    replay.load_pypi("six")
    client = RegistryHttp(HttpConfig())
    try:
        _fetch(replay, client, cache_dir)
    finally:
        client.close()
    assert len(replay.user_agents) == 1
    assert next(iter(replay.user_agents)).startswith("vetbench/0.")
