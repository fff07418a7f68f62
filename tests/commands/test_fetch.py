"""``vetbench fetch``: paths on stdout, one clear line on stderr for every failure."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.core.registry.conftest import assert_cache_clean
from tests.core.registry.servers import ReplayRegistry

pytestmark = pytest.mark.network


@pytest.fixture
def replay():
    server = ReplayRegistry().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def fast_network(monkeypatch):
    monkeypatch.setenv("VETBENCH_HTTP_TIMEOUT", "0.3")
    monkeypatch.setenv("VETBENCH_HTTP_RETRIES", "1")
    monkeypatch.setenv("VETBENCH_HTTP_BACKOFF", "0.01")


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_fetch_release_and_baseline_prints_every_path(replay, tmp_path, capsys):
    doc = replay.load_pypi("idna")
    cache = tmp_path / "cache"
    code, lines, err = _run(
        capsys,
        "fetch",
        "idna==3.7",
        "--baseline",
        "--index",
        replay.base,
        "--cache-dir",
        str(cache),
    )
    assert code == 0, err
    names = [line.rsplit("/", 1)[1] for line in lines]
    assert sorted(names[:2]) == sorted(f["filename"] for f in doc["releases"]["3.7"])
    assert sorted(names[2:]) == sorted(f["filename"] for f in doc["releases"]["3.6"])
    for line in lines:
        assert line.startswith(str(cache.absolute()) + "/")
        assert replay.files["/files/" + line.rsplit("/", 1)[1]] == Path(line).read_bytes()


def test_fetch_json_and_uploaded_before_strategy(replay, tmp_path, capsys):
    replay.load_pypi("six")
    code, lines, _ = _run(
        capsys,
        "fetch",
        "six==1.17.0",
        "--baseline",
        "--strategy",
        "uploaded-before",
        "--index",
        replay.base,
        "--cache-dir",
        str(tmp_path),
        "--json",
    )
    assert code == 0
    doc = json.loads(lines[0])
    assert doc["version"] == "1.17.0" and doc["baseline"]["version"] == "1.16.0"
    assert doc["baseline"]["strategy"] == "uploaded-before"
    assert {f["role"] for f in doc["files"]} == {"release"}
    assert all(len(f["sha256"]) == 64 and f["verified"] for f in doc["files"])


def test_fetch_npm_with_at_spec(replay, tmp_path, capsys):
    replay.load_npm("is-number")
    code, lines, _ = _run(
        capsys,
        "fetch",
        "is-number@6.0.0",
        "--ecosystem",
        "npm",
        "--baseline",
        "--index",
        replay.base + "/npm/",
        "--cache-dir",
        str(tmp_path),
    )
    assert code == 0
    assert [line.rsplit("/", 1)[1] for line in lines] == [
        "is-number-6.0.0.tgz",
        "is-number-5.0.0.tgz",
    ]


def test_offline_fetch_uses_the_cache_then_names_what_is_missing(replay, tmp_path, capsys):
    replay.load_pypi("six")
    args = ["--index", replay.base, "--cache-dir", str(tmp_path)]
    code, online, _ = _run(capsys, "fetch", "six==1.17.0", *args)
    replay.stop()
    code, offline, err = _run(capsys, "fetch", "six==1.17.0", "--offline", *args)
    assert code == 0 and offline == online
    code, lines, err = _run(capsys, "fetch", "six==1.16.0", "--offline", *args)
    assert code == 2 and lines == []
    assert err.startswith("vetbench: offline: six 1.16.0 file six-1.16.0") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("mismatch", "hash mismatch for six 1.17.0 file six-1.17.0.tar.gz"),
        ("truncate", "failed after 2 attempts"),
        ("404", "not found (HTTP 404)"),
        ("slow", "timed out"),
    ],
)
def test_each_failure_is_one_line_and_leaves_no_partial_file(
    replay, tmp_path, capsys, mode, message
):
    replay.load_pypi("six")
    replay.slow_seconds = 0.8
    replay.modes["/files/six-1.17.0.tar.gz"] = mode
    code, lines, err = _run(
        capsys, "fetch", "six==1.17.0", "--index", replay.base, "--cache-dir", str(tmp_path)
    )
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert_cache_clean(tmp_path)
    assert not list(tmp_path.rglob("six-1.17.0.tar.gz"))


@pytest.mark.parametrize("spec", ["six>=1.0", "==1.0", "six==", "six==1.*"])
def test_unusable_specs_are_usage_errors(spec, tmp_path, capsys):
    code, lines, err = _run(capsys, "fetch", spec, "--cache-dir", str(tmp_path), "--offline")
    assert code == 2 and lines == [] and err.startswith("vetbench: ")


def test_no_traceback_from_the_real_entry_point(tmp_path):
    """The installed command path, offline, with an empty cache: one line, exit 2."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "fetch",
            "idna==3.7",
            "--offline",
            "--cache-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith("vetbench: offline: no cached pypi metadata for 'idna'")
    assert "Traceback" not in proc.stderr


def test_local_artifact_gets_its_baseline_even_if_the_index_removed_it(replay, tmp_path, capsys):
    from tests.core.registry.archives import make_wheel

    replay.load_pypi("six")
    local = tmp_path / "six-1.17.1-py2.py3-none-any.whl"  # a release the index no longer lists
    local.write_bytes(make_wheel("six", "1.17.1"))
    args = ["--index", replay.base, "--cache-dir", str(tmp_path / "cache")]
    code, lines, err = _run(capsys, "fetch", str(local), "--baseline", *args)
    assert code == 0, err
    assert lines[0] == str(local.resolve())
    assert sorted(line.rsplit("/", 1)[1] for line in lines[1:]) == [
        "six-1.17.0-py2.py3-none-any.whl",
        "six-1.17.0.tar.gz",
    ]
    replay.stop()
    code, offline, _ = _run(capsys, "fetch", str(local), "--baseline", "--offline", *args)
    assert code == 0 and offline == lines


def test_a_file_without_a_published_sha256_is_flagged_unverified(replay, tmp_path, capsys):
    doc = replay.add_project("plainpkg", {"1.0": {"plainpkg-1.0.tar.gz": b"not checked"}})
    for f in doc["releases"]["1.0"]:
        f["digests"] = {"md5": f["digests"]["md5"]}  # md5 only: nothing usable
    cache = ["--index", replay.base, "--cache-dir", str(tmp_path / "cache")]
    code, lines, err = _run(capsys, "fetch", "plainpkg==1.0", *cache)
    assert code == 0, err
    assert "plainpkg-1.0.tar.gz is UNVERIFIED" in err
    code, lines, err = _run(capsys, "fetch", "plainpkg==1.0", "--json", *cache)
    (f,) = json.loads(lines[0])["files"]
    assert f["verified"] is False


def test_a_published_sha1_alone_does_not_make_a_file_verified(replay, tmp_path, capsys):
    doc = replay.add_project("sha1pkg", {"1.0": {"sha1pkg-1.0.tar.gz": b"sha1 only"}})
    for f in doc["releases"]["1.0"]:
        f["digests"] = {"sha1": hashlib.sha1(b"sha1 only").hexdigest()}
    cache = ["--index", replay.base, "--cache-dir", str(tmp_path / "cache"), "--json"]
    code, lines, err = _run(capsys, "fetch", "sha1pkg==1.0", *cache)
    assert code == 0, err
    (f,) = json.loads(lines[0])["files"]
    assert f["verified"] is False
    code, lines, err = _run(capsys, "fetch", "sha1pkg==1.0", *cache[:-1])
    assert "sha1pkg-1.0.tar.gz is UNVERIFIED" in err


def test_a_redirect_to_another_host_is_refused(replay, tmp_path, capsys):
    replay.load_pypi("six")
    replay.modes["/files/six-1.17.0.tar.gz"] = "redirect-away"
    code, lines, err = _run(
        capsys, "fetch", "six==1.17.0", "--index", replay.base, "--cache-dir", str(tmp_path / "c")
    )
    assert code != 0
    assert "refused a redirect from http://127.0.0.1 to http://localhost" in err
    assert err.count("\n") == 1
    assert replay.hits["/files/six-1.17.0.tar.gz"] == 1  # the other host was never asked
    assert_cache_clean(tmp_path / "c")
