"""A sync killed with SIGKILL at any point, then run again: nothing lost, nothing duplicated."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.sync.layout import TMP_SUFFIX

REPO = Path(__file__).resolve().parents[2]


def _sync_cmd(ds, db, reviewer):
    return [
        sys.executable,
        "-m",
        "app",
        "sync",
        "--dataset",
        str(ds),
        "--db",
        str(db),
        "--reviewer",
        reviewer,
        "--json",
    ]


def _run_until_paused_then_kill(cmd, pause):
    env = {**os.environ, "VETBENCH_SYNC_PAUSE": pause, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if line.startswith("PAUSED") or not line and proc.poll() is not None:
            break
    assert line.startswith("PAUSED"), f"sync did not reach {pause}: {line!r} {proc.poll()}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return line


def _sync(cmd):
    """The re-run after the kill: the same command, in-process (faster than a subprocess)."""
    import contextlib
    import io

    from app.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(cmd[3:]) == 0
    return json.loads(buf.getvalue())


@pytest.mark.parametrize("pause", ["write:2", "write:5", "mark:2"])
def test_killed_push_then_resync_loses_and_duplicates_nothing(tmp_path, desks, artifact, pause):
    ds = tmp_path / "ds"
    alice = desks("alice")
    names = ["aaa", "bbb", "ccc"]
    items = [
        alice.decide(
            n,
            "1.0",
            "malicious",
            "remove_project",
            f"{n} steals",
            artifact=artifact(f"{n}-1.0.tar.gz", n.encode() * 50),
        )
        for n in names
    ]
    alice.store.close()
    _run_until_paused_then_kill(_sync_cmd(ds, alice.path, "alice"), pause)
    report = _sync(_sync_cmd(ds, alice.path, "alice"))
    assert report["problems"] == []
    again = _sync(_sync_cmd(ds, alice.path, "alice"))
    assert again["pushed"] == [] and again["marked_synced"] == 0 and again["derived"] == []

    from app.core.store.db import Store

    with Store.open(alice.path) as store:
        for item in items:
            (d,) = store.decisions_for(item.id)
            assert d.synced_at is not None
        synced_log = [e for e in store.log(limit=1000) if e.action == "synced"]
        assert sorted(e.decision_id for e in synced_log) == sorted(
            store.current_decision(i.id).id for i in items
        )
    labels = sorted(p.relative_to(ds).as_posix() for p in (ds / "labels").rglob("*.json"))
    assert labels == [f"labels/pypi/{n}/1.0/alice.json" for n in names]
    for n in names:
        assert (
            json.loads((ds / f"labels/pypi/{n}/1.0/alice.json").read_text())["reason"]
            == f"{n} steals"
        )
    assert json.loads((ds / "manifest.json").read_text()) == {"pypi": {n: ["1.0"] for n in names}}
    # A temp file a killed writer left behind is never mistaken for a label.
    leftovers = [p for p in ds.rglob("*") if p.name.endswith(TMP_SUFFIX)]
    assert all(p.name.startswith(".") for p in leftovers)


def test_killed_pull_then_resync(tmp_path, desks):
    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    for n in ("aaa", "bbb", "ccc", "ddd"):
        alice.decide(n, "1.0", "benign")
    from app.sync.engine import sync_dataset

    sync_dataset(alice.store, ds, "alice")
    bob.store.close()
    _run_until_paused_then_kill(_sync_cmd(ds, bob.path, "bob"), "pull:3")
    first = _sync(_sync_cmd(ds, bob.path, "bob"))
    assert len(first["pulled"]) >= 2  # what the killed run had not recorded yet
    assert _sync(_sync_cmd(ds, bob.path, "bob"))["pulled"] == []
    from app.core.store.db import Store

    with Store.open(bob.path) as store:
        rows = store._conn.execute(
            "SELECT reviewer, project, version FROM external_labels ORDER BY project"
        ).fetchall()
    assert [tuple(r) for r in rows] == [("alice", n, "1.0") for n in ("aaa", "bbb", "ccc", "ddd")]


def test_killed_before_conflict_check_still_reopens_on_the_next_sync(tmp_path, desks):
    from app.core.store.db import Store
    from app.sync.engine import sync_dataset

    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    alice.decide("disputed", "1.0", "malicious", "remove_project", "miner")
    item = bob.decide("disputed", "1.0", "benign")
    sync_dataset(alice.store, ds, "alice")
    bob.store.close()
    _run_until_paused_then_kill(_sync_cmd(ds, bob.path, "bob"), "derive:1")
    report = _sync(_sync_cmd(ds, bob.path, "bob"))
    assert report["pulled"] == []  # the killed run had pulled and recorded it...
    assert report["reopened"] == [item.id]  # ...but the conflict was still acted on
    with Store.open(bob.path) as store:
        assert store.get_item(item.id).status == "needs_second_review"
    assert json.loads((ds / "manifest.json").read_text()) == {}
