"""Hostile dataset content: each bad file is reported, the sync goes on, nothing leaves DIR."""

import hashlib
import json
import os
import zipfile
from pathlib import Path

from app.sync.engine import sync_dataset
from app.sync.labels import dump_label, make_label
from app.sync.layout import atomic_write
from tests.sync.signed import signed


def _snapshot(root):
    out = {}
    for dirpath, dirnames, names in os.walk(root):
        for n in names + dirnames:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = (
                Path(p).read_bytes() if os.path.isfile(p) and not os.path.islink(p) else None
            )
    return out


def _label(name, reviewer, **kw):
    base = dict(
        ecosystem="pypi",
        name=name,
        version="1.0",
        reviewer=reviewer,
        verdict="malicious",
        action="remove_release",
        reason="r",
    )
    base.update(kw)
    return signed(make_label(**base))


def test_hostile_files_are_reported_one_by_one_and_never_followed(tmp_path, desks):
    ds, outside = tmp_path / "ds", tmp_path / "outside"
    ds.mkdir()
    (outside / "labels/pypi/stolen/1.0").mkdir(parents=True)
    (outside / "labels/pypi/stolen/1.0/zed.json").write_bytes(dump_label(_label("stolen", "zed")))
    (outside / "victim.json").write_text('{"keep": true}')
    w = lambda rel, data: atomic_write(ds, rel, data)  # noqa: E731
    w("labels/pypi/good/1.0/carol.json", dump_label(_label("good", "carol")))
    w("labels/pypi/bad/1.0/carol.json", b'{"schema": "vetbench.label/1", "verdict": ')
    w("labels/pypi/wrong/1.0/carol.json", json.dumps({"schema": "vetbench.label/1"}).encode())
    # Content claims another reviewer and package than its path: a forgery attempt.
    w(
        "labels/pypi/good/1.0/mallory.json",
        dump_label(_label("good", "carol", verdict="benign", action="not_malware")),
    )
    os.symlink(outside / "victim.json", ds / "labels/pypi/good/1.0/dave.json")
    os.symlink(outside / "labels/pypi/stolen", ds / "labels/pypi/stolen")
    # A sample with a zip-slip entry, referenced by an otherwise valid label.
    slip = ds / "samples/pypi/slip/1.0/slip-1.0.tar.gz.zip"
    slip.parent.mkdir(parents=True)
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../../../../tmp/owned.py", b"print('x')")
    w(
        "labels/pypi/slip/1.0/carol.json",
        dump_label(
            _label(
                "slip",
                "carol",
                artifact={
                    "filename": "slip-1.0.tar.gz",
                    "sha256": "0" * 64,
                    "sample": "samples/pypi/slip/1.0/slip-1.0.tar.gz.zip",
                },
            )
        ),
    )
    # A label pointing its sample outside the dataset.
    w(
        "labels/pypi/esc/1.0/carol.json",
        dump_label(
            _label(
                "esc",
                "carol",
                artifact={
                    "filename": "x.tar.gz",
                    "sha256": None,
                    "sample": "../outside/victim.json",
                },
            )
        ),
    )
    # Content that would put itself outside the dataset if trusted.
    escape = json.loads(dump_label(_label("esc", "carol")))
    escape.update(version="../../../../outside/x")
    w("labels/pypi/esc2/1.0/carol.json", json.dumps(escape).encode())
    # Derived files planted as symlinks to files outside.
    os.symlink(outside / "victim.json", ds / "manifest.json")
    before = _snapshot(outside)

    bob = desks("bob")
    report = sync_dataset(bob.store, ds, "bob")
    problems = {p.path: str(p) for p in report.problems}
    assert "not valid JSON" in problems["labels/pypi/bad/1.0/carol.json"]
    assert "required" in problems["labels/pypi/wrong/1.0/carol.json"]
    assert (
        "belongs at labels/pypi/good/1.0/carol.json"
        in problems["labels/pypi/good/1.0/mallory.json"]
    )
    assert "symlink" in problems["labels/pypi/good/1.0/dave.json"]
    assert "symlink" in problems["labels/pypi/stolen"]
    assert "not a usable version" in problems["labels/pypi/esc2/1.0/carol.json"]
    assert "zip-slip" in problems["samples/pypi/slip/1.0/slip-1.0.tar.gz.zip"]
    assert "not where the layout puts it" in problems["../outside/victim.json"]
    # The good labels still came through (the slip label itself is valid, its sample is not).
    assert sorted(report.pulled) == [
        "labels/pypi/esc/1.0/carol.json",
        "labels/pypi/good/1.0/carol.json",
        "labels/pypi/slip/1.0/carol.json",
    ]
    assert [e.reviewer for e in bob.external(("pypi", "good", "1.0"))] == ["carol"]
    assert bob.external(("pypi", "stolen", "1.0")) == []
    # Nothing outside the dataset changed; the planted manifest link was replaced, not followed.
    assert _snapshot(outside) == before
    assert not os.path.islink(ds / "manifest.json")
    # Broken files stay reported on the next sync (they are still broken), nothing re-pulled.
    again = sync_dataset(bob.store, ds, "bob")
    assert again.pulled == [] and "labels/pypi/bad/1.0/carol.json" in {
        p.path for p in again.problems
    }


def test_push_refuses_symlinked_folders_and_goes_on(tmp_path, desks, artifact):
    ds, outside = tmp_path / "ds", tmp_path / "outside"
    (ds / "labels").mkdir(parents=True)
    (outside / "pypi").mkdir(parents=True)
    (outside / "samples").mkdir()
    os.symlink(outside / "pypi", ds / "labels" / "pypi")  # pypi labels would leave DIR
    os.symlink(outside / "samples", ds / "samples")
    alice = desks("alice")
    art = artifact("x-1.0.tar.gz")
    py = alice.decide("x", "1.0", "malicious", "remove_project", "r", artifact=art)
    npm = alice.decide(
        "y",
        "1.0.0",
        "malicious",
        "remove_project",
        "r",
        eco="npm",
        artifact=artifact("y-1.0.0.tgz"),
    )
    report = sync_dataset(alice.store, ds, "alice")
    assert report.pushed == ["labels/npm/y/1.0.0/alice.json"]
    assert list(outside.rglob("*")) == [outside / "pypi", outside / "samples"]
    msgs = " | ".join(str(p) for p in report.problems)
    assert "labels/pypi: is a symlink" in msgs and "samples: is a symlink" in msgs
    # The refused decision stays unsynced (and undoable); the written one is marked.
    assert alice.store.current_decision(py.id).synced_at is None
    assert alice.store.current_decision(npm.id).synced_at is not None
    npm_label = json.loads((ds / "labels/npm/y/1.0.0/alice.json").read_text())
    assert npm_label["artifact"]["sample"] is None
    assert (
        npm_label["artifact"]["sha256"]
        == hashlib.sha256(b"not a real sdist: payload to 192.0.2.1").hexdigest()
    )


def test_deep_and_type_confused_labels_are_reported_one_by_one(tmp_path, desks):
    ds = tmp_path / "ds"
    ds.mkdir()
    good = json.loads(dump_label(_label("good", "carol")))
    atomic_write(ds, "labels/pypi/deep/1.0/carol.json", b"[" * 100_000 + b"]" * 100_000)
    confused = {
        "reason": {"details": 5},
        "evidence": [{"path": 5}],
        "hit_labels": [{"label": "confirmed", "capability": "net", "path": "a", "line": "x"}],
        "artifact": 5,
        "seconds_spent": "long",
        "withdrawn": "no",
    }
    for i, (key, value) in enumerate(confused.items()):
        bad = {**good, "name": f"bad{i}", key: value}
        atomic_write(ds, f"labels/pypi/bad{i}/1.0/carol.json", json.dumps(bad).encode())
    atomic_write(ds, "labels/pypi/good/1.0/carol.json", json.dumps(good).encode())
    atomic_write(ds, "manifest.json", b'{"a":' * 100_000 + b"1" + b"}" * 100_000)

    bob = desks("bob")
    report = sync_dataset(bob.store, ds, "bob")  # no RecursionError, no TypeError
    problems = {p.path: str(p) for p in report.problems}
    assert "nested deeper than 64 levels" in problems["labels/pypi/deep/1.0/carol.json"]
    for i, key in enumerate(confused):
        assert f"labels/pypi/bad{i}/1.0/carol.json" in problems, key
    assert "reason must be a string" in problems["labels/pypi/bad0/1.0/carol.json"]
    assert "evidence needs a path" in problems["labels/pypi/bad1/1.0/carol.json"]
    assert report.pulled == ["labels/pypi/good/1.0/carol.json"]
    assert [e.reviewer for e in bob.external(("pypi", "good", "1.0"))] == ["carol"]
