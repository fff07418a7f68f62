"""Two reviewers' stores syncing through one dataset folder."""

import contextlib
import json
import os

from app.sync import engine
from app.sync.engine import sync_dataset
from app.sync.layout import atomic_write
from app.sync.samples import read_sample_entry
from tests.sync.signed import signed


def _files(root):
    out = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            out[os.path.relpath(p, root)] = os.stat(p).st_mtime_ns
    return out


def test_two_reviewers_share_labels_samples_osv_and_manifest(tmp_path, desks, artifact):
    ds = tmp_path / "dataset"
    alice, bob = desks("alice"), desks("bob")
    art = artifact()
    a_item = alice.decide(
        "Evil_Pkg",
        "1.0",
        "malicious",
        "remove_project",
        "posts ~/.ssh to 203.0.113.5",
        artifact=art,
        hit_labels=[
            {"capability": "network.http", "path": "setup.py", "line": 4, "label": "confirmed"}
        ],
    )
    alice.decide("good-lib", "2.0", "benign")
    r1 = sync_dataset(alice.store, ds, "alice")
    assert sorted(r1.pushed) == [
        "labels/pypi/evil-pkg/1.0/alice.json",
        "labels/pypi/good-lib/2.0/alice.json",
    ]
    label = json.loads((ds / "labels/pypi/evil-pkg/1.0/alice.json").read_text())
    assert label["verdict"] == "malicious" and label["action"] == "remove_project"
    assert label["hit_labels"][0]["label"] == "confirmed"
    sample = ds / "samples/pypi/evil-pkg/1.0/evil_pkg-1.0.tar.gz.zip"
    assert label["artifact"]["sample"] == "samples/pypi/evil-pkg/1.0/evil_pkg-1.0.tar.gz.zip"
    assert read_sample_entry(sample.read_bytes()) == art.read_bytes()
    assert not (ds / "samples/pypi/good-lib").exists()  # benign: no sample
    assert json.loads((ds / "manifest.json").read_text()) == {"pypi": {"evil-pkg": ["1.0"]}}
    osv = json.loads(
        (ds / "osv/malicious/pypi/evil-pkg/MAL-0000-vetbench-evil-pkg.json").read_text()
    )
    assert osv["affected"][0]["versions"] == ["1.0"] and "id" not in osv
    assert all(d.synced_at for d in alice.store.decisions_for(a_item.id))

    # Bob has not looked at evil-pkg; he pulls alice's labels as read-only records.
    bob.decide("other", "0.1", "malicious", "remove_release", "typosquat")
    r2 = sync_dataset(bob.store, ds, "bob")
    assert sorted(r2.pulled) == [
        "labels/pypi/evil-pkg/1.0/alice.json",
        "labels/pypi/good-lib/2.0/alice.json",
    ]
    ext = bob.external(("pypi", "evil-pkg", "1.0"))
    assert [(e.reviewer, e.label["verdict"]) for e in ext] == [("alice", "malicious")]
    assert json.loads((ds / "manifest.json").read_text()) == {
        "pypi": {"evil-pkg": ["1.0"], "other": ["0.1"]}
    }

    # Alice pulls bob's; nothing of her own comes back as "external".
    sync_dataset(alice.store, ds, "alice")
    assert [e.reviewer for e in alice.external(("pypi", "other", "0.1"))] == ["bob"]
    assert alice.external(("pypi", "evil-pkg", "1.0")) == []


def test_second_sync_changes_nothing_and_reads_nothing(tmp_path, desks, artifact, monkeypatch):
    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    alice.decide("evil-pkg", "1.0", "malicious", "remove_project", "x", artifact=artifact())
    bob.decide("evil-pkg", "1.0", "malicious", "quarantine_project")
    sync_dataset(alice.store, ds, "alice")
    sync_dataset(bob.store, ds, "bob")
    sync_dataset(alice.store, ds, "alice")
    before = _files(ds)
    log_before = len(alice.store.log(limit=1000))
    reads = []
    real = engine.read_label_file
    monkeypatch.setattr(engine, "read_label_file", lambda r, rel: reads.append(rel) or real(r, rel))
    for desk in (alice, bob):
        report = sync_dataset(desk.store, ds, desk.reviewer)
        assert not report.changed, report.to_json()
    assert reads == []
    assert _files(ds) == before  # not even rewritten
    assert len(alice.store.log(limit=1000)) == log_before
    assert len(alice.external(("pypi", "evil-pkg", "1.0"))) == 1

    # One changed label costs one read.
    bob.decide("evil-pkg", "1.0", "malicious", "remove_project", "confirmed by the payload")
    sync_dataset(bob.store, ds, "bob")
    reads.clear()
    report = sync_dataset(alice.store, ds, "alice")
    assert reads == ["labels/pypi/evil-pkg/1.0/bob.json"]
    assert report.pulled == ["labels/pypi/evil-pkg/1.0/bob.json"]
    assert alice.external(("pypi", "evil-pkg", "1.0"))[0].label["action"] == "remove_project"


def test_conflict_reopens_both_queues_once(tmp_path, desks):
    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    a = alice.decide("dual", "3.1", "malicious", "remove_release", "drops a miner")
    b = bob.decide("dual", "3.1", "benign")
    sync_dataset(alice.store, ds, "alice")
    rb = sync_dataset(bob.store, ds, "bob")
    assert rb.reopened == [b.id]
    assert rb.conflicts[0]["reasons"] == ["verdict", "remove_vs_keep"]
    assert bob.store.get_item(b.id).status == "needs_second_review"
    ra = sync_dataset(alice.store, ds, "alice")
    assert ra.reopened == [a.id]
    assert alice.store.get_item(a.id).status == "needs_second_review"
    # Alice looks again and keeps her verdict: the same conflict does not re-open it again.
    alice.store.record_decision(
        a.id,
        alice.store.current_decision(a.id).__class__(
            verdict="malicious",
            action="remove_release",
            reason="drops a miner, checked twice",
            reviewer="alice",
        ),
    )
    assert alice.store.get_item(a.id).status == "decided"
    ra2 = sync_dataset(alice.store, ds, "alice")
    assert ra2.reopened == [] and alice.store.get_item(a.id).status == "decided"
    # The manifest does not call a disputed version malicious.
    assert json.loads((ds / "manifest.json").read_text()) == {}


def test_undone_decision_withdraws_its_label(tmp_path, desks, monkeypatch):
    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    item = alice.decide("oops", "1.0", "malicious", "remove_project", "wrong package")
    # A sync that wrote the label but died before marking the decision synced...
    monkeypatch.setattr(
        alice.store, "mark_synced", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    with contextlib.suppress(KeyboardInterrupt):
        sync_dataset(alice.store, ds, "alice")
    monkeypatch.undo()
    assert (ds / "labels/pypi/oops/1.0/alice.json").exists()
    sync_dataset(bob.store, ds, "bob")
    assert bob.external(("pypi", "oops", "1.0"))[0].label["withdrawn"] is False
    # ...so the decision can still be undone, and the next sync withdraws the label.
    alice.store.undo_last("alice")
    r = sync_dataset(alice.store, ds, "alice")
    assert r.withdrawn == ["labels/pypi/oops/1.0/alice.json"]
    assert json.loads((ds / "labels/pypi/oops/1.0/alice.json").read_text())["withdrawn"] is True
    assert alice.store.get_item(item.id).status != "decided"
    assert json.loads((ds / "manifest.json").read_text()) == {}
    assert not (ds / "osv/malicious/pypi/oops").exists() or not any(
        (ds / "osv/malicious/pypi/oops").iterdir()
    )
    sync_dataset(bob.store, ds, "bob")
    assert bob.external(("pypi", "oops", "1.0"))[0].label["withdrawn"] is True
    # A decision undone before it was ever synced leaves no trace in the dataset.
    alice.decide("never", "1.0", "benign")
    alice.store.undo_last("alice")
    r = sync_dataset(alice.store, ds, "alice")
    assert not (ds / "labels/pypi/never").exists() and r.marked_synced == 1


def test_deleted_label_file_becomes_a_withdrawn_record(tmp_path, desks):
    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    alice.decide("gone", "1.0", "malicious", "remove_project", "x")
    sync_dataset(alice.store, ds, "alice")
    sync_dataset(bob.store, ds, "bob")
    (ds / "labels/pypi/gone/1.0/alice.json").unlink()
    r = sync_dataset(bob.store, ds, "bob")
    assert r.removed == ["labels/pypi/gone/1.0/alice.json"]
    assert bob.external(("pypi", "gone", "1.0"))[0].label["withdrawn"] is True


def test_label_written_by_hand_elsewhere_is_validated_on_pull(tmp_path, desks):
    from app.sync.labels import dump_label, make_label

    ds = tmp_path / "ds"
    ds.mkdir()
    bob = desks("bob")
    lb = make_label(
        ecosystem="npm",
        name="@evil/pkg",
        version="1.0.0",
        reviewer="carol",
        verdict="malicious",
        action="remove_project",
        reason="postinstall stealer",
    )
    atomic_write(ds, "labels/npm/@evil/pkg/1.0.0/carol.json", dump_label(signed(lb)))
    r = sync_dataset(bob.store, ds, "bob")
    assert r.pulled == ["labels/npm/@evil/pkg/1.0.0/carol.json"]
    assert json.loads((ds / "manifest.json").read_text()) == {"npm": {"@evil/pkg": ["1.0.0"]}}
    assert (ds / "osv/malicious/npm/@evil/pkg/MAL-0000-vetbench-evil-pkg.json").is_file()


def test_a_new_store_at_the_same_path_pulls_everything_again(tmp_path, desks):
    from app.core.store.db import Store

    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    alice.decide("p", "1.0", "benign")
    sync_dataset(alice.store, ds, "alice")
    sync_dataset(bob.store, ds, "bob")
    bob.store.close()
    for suffix in ("", "-wal", "-shm"):
        p = tmp_path / f"bob.db{suffix}"
        if p.exists():
            p.unlink()
    bob.store = Store.open(bob.path)
    r = sync_dataset(bob.store, ds, "bob")
    assert r.pulled == ["labels/pypi/p/1.0/alice.json"]
