"""``queue add NAME==VERSION`` and inbox reports without an artifact get release + baseline."""

from __future__ import annotations

import json
import threading

import pytest

from app.cli import main
from app.core.store.db import Store
from app.workflows.fetching import fetch_in_background

pytestmark = pytest.mark.network


@pytest.fixture
def env(replay, tmp_path, monkeypatch):
    monkeypatch.setenv("VETBENCH_PYPI_INDEX", replay.base)
    monkeypatch.setenv("VETBENCH_NPM_REGISTRY", replay.base + "/npm/")
    monkeypatch.setenv("VETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VETBENCH_HTTP_TIMEOUT", "0.3")
    monkeypatch.setenv("VETBENCH_HTTP_RETRIES", "1")
    monkeypatch.setenv("VETBENCH_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("VETBENCH_REVIEWER", "tester")
    return tmp_path / "store.sqlite3"


def _show(db, item_id, capsys):
    capsys.readouterr()
    assert main(["queue", "show", str(item_id), "--json", "--db", str(db)]) == 0
    return json.loads(capsys.readouterr().out)


def test_queue_add_spec_fetches_release_and_baseline(replay, env, capsys):
    doc = replay.load_pypi("six")
    assert main(["queue", "add", "six==1.17.0", "--db", str(env)]) == 0
    item = _show(env, 1, capsys)
    new = sorted(
        (a["version"], a["path"].rsplit("/", 1)[1]) for a in item["artifacts"] if a["role"] == "new"
    )
    base = sorted(
        (a["version"], a["path"].rsplit("/", 1)[1])
        for a in item["artifacts"]
        if a["role"] == "baseline"
    )
    assert new == sorted(("1.17.0", f["filename"]) for f in doc["releases"]["1.17.0"])
    assert base == sorted(("1.16.0", f["filename"]) for f in doc["releases"]["1.16.0"])
    assert all(len(a["sha256"]) == 64 for a in item["artifacts"])
    assert item["risk"]["level"] is not None  # the release files were scanned


def test_queue_add_of_unknown_release_still_queues_and_says_why(replay, env, capsys):
    replay.load_pypi("six")
    assert main(["queue", "add", "six==9.9.9", "--db", str(env)]) == 0
    err = capsys.readouterr().err
    assert "queued #1 but could not fetch it: six has no release 9.9.9" in err
    assert _show(env, 1, capsys)["artifacts"] == []


def test_npm_queue_add(replay, env, capsys):
    replay.load_npm("is-number")
    assert main(["queue", "add", "is-number==7.0.0", "--ecosystem", "npm", "--db", str(env)]) == 0
    item = _show(env, 1, capsys)
    assert sorted((a["role"], a["version"]) for a in item["artifacts"]) == [
        ("baseline", "6.0.0"),
        ("new", "7.0.0"),
    ]


def test_inbox_report_without_artifact_is_fetched(replay, env, tmp_path, capsys):
    replay.load_pypi("idna")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "r1.json").write_text(
        json.dumps(
            [
                {
                    "ecosystem": "pypi",
                    "name": "IDNA",
                    "version": "3.7",
                    "reason": "test",
                    "baseline": "3.4",
                },
                {"ecosystem": "pypi", "name": "nope-not-here", "version": "1.0", "reason": "test"},
            ]
        )
    )
    assert main(["inbox", "import", "--inbox", str(inbox), "--db", str(env)]) == 0
    err = capsys.readouterr().err
    assert "could not fetch it: no project 'nope-not-here'" in err
    item = _show(env, 1, capsys)
    versions = sorted((a["role"], a["version"]) for a in item["artifacts"])
    assert versions == [("baseline", "3.4"), ("baseline", "3.4"), ("new", "3.7"), ("new", "3.7")]


def test_background_fetch_and_benign_baseline(replay, env, capsys):
    replay.load_pypi("six")
    # a moderator cleared 1.15.0 earlier
    assert main(["queue", "add", "six==1.15.0", "--no-fetch", "--db", str(env)]) == 0
    assert main(["decide", "1", "--verdict", "benign", "--db", str(env)]) == 0
    with Store.open(env) as store:
        item, _ = store.add_item("pypi", "six", ["1.17.0"], source="report")
    done = threading.Event()
    seen = {}

    def on_done(ids, failures):
        seen.update(ids=ids, failures=failures)
        done.set()

    fetch_in_background(env, [item.id], on_done=on_done, strategy="benign").join(30)
    assert done.is_set() and seen == {"ids": [item.id], "failures": []}
    shown = _show(env, item.id, capsys)
    assert {a["version"] for a in shown["artifacts"] if a["role"] == "baseline"} == {"1.15.0"}
