"""Two machines syncing through a bare git remote on disk."""

import json
import subprocess

import pytest

from app.core.store.db import Store
from app.sync.engine import sync_dataset
from app.sync.gitsync import GitDataset, GitSyncError, git_sync


def git(cwd, *args):
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True
    ).stdout


def clone(remote, path, who):
    subprocess.run(["git", "clone", "-q", str(remote), str(path)], check=True, capture_output=True)
    git(path, "config", "user.name", who)
    git(path, "config", "user.email", f"{who}@example.invalid")
    git(path, "config", "commit.gpgsign", "false")
    return path


@pytest.fixture
def remote(tmp_path):
    r = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(r)], check=True)
    return r


def _sync(desk, wc):
    return git_sync(lambda: Store.open(desk.path), wc, desk.reviewer)


def test_two_machines_through_a_bare_remote(tmp_path, remote, desks, artifact):
    alice, bob = desks("alice"), desks("bob")
    wa = clone(remote, tmp_path / "wa", "alice")
    wb = clone(remote, tmp_path / "wb", "bob")
    alice.decide("evil-a", "1.0", "malicious", "remove_project", "stealer", artifact=artifact())
    ra = _sync(alice, wa)
    assert ra.git["pushed"] and ra.git["committed"]
    bob.decide("evil-b", "2.0", "malicious", "remove_release", "dropper")
    rb = _sync(bob, wb)
    assert rb.pulled == ["labels/pypi/evil-a/1.0/alice.json"]
    assert rb.pushed == ["labels/pypi/evil-b/2.0/bob.json"]
    ra2 = _sync(alice, wa)
    assert ra2.pulled == ["labels/pypi/evil-b/2.0/bob.json"]
    assert [e.reviewer for e in alice.external(("pypi", "evil-b", "2.0"))] == ["bob"]
    expected = {"pypi": {"evil-a": ["1.0"], "evil-b": ["2.0"]}}
    for wc in (wa, wb):
        git(wc, "pull", "-q", "--rebase")
        assert json.loads((wc / "manifest.json").read_text()) == expected
        assert git(wc, "status", "--porcelain") == ""
    assert (wb / "samples/pypi/evil-a/1.0/evil_pkg-1.0.tar.gz.zip").is_file()
    # Idempotent over git too: nothing to commit, nothing pushed.
    r = _sync(alice, wa)
    assert not r.git["committed"] and r.git["message"] == "nothing to push" and not r.changed


def test_concurrent_manifest_changes_are_settled_by_regenerating(tmp_path, remote, desks):
    alice, bob = desks("alice"), desks("bob")
    wa = clone(remote, tmp_path / "wa", "alice")
    wb = clone(remote, tmp_path / "wb", "bob")
    alice.decide("evil-a", "1.0", "malicious", "remove_project", "x")
    _sync(alice, wa)
    # Bob synced offline and committed: his manifest.json and alice's now collide.
    bob.decide("evil-b", "2.0", "malicious", "remove_project", "y")
    sync_dataset(bob.store, wb, "bob")
    GitDataset(wb, "bob").commit("offline sync")
    rb = _sync(bob, wb)
    assert rb.git["derived_rebuilt"] and rb.git["pushed"]
    assert json.loads((wb / "manifest.json").read_text()) == {
        "pypi": {"evil-a": ["1.0"], "evil-b": ["2.0"]}
    }
    assert git(wb, "status", "--porcelain") == ""
    _sync(alice, wa)
    assert json.loads((wa / "manifest.json").read_text()) == {
        "pypi": {"evil-a": ["1.0"], "evil-b": ["2.0"]}
    }


def test_missing_remote_is_one_clear_error_and_no_store(tmp_path, desks):
    wc = tmp_path / "wc"
    wc.mkdir()
    subprocess.run(["git", "init", "-q", str(wc)], check=True)
    db = tmp_path / "never.db"
    with pytest.raises(GitSyncError, match="no git remote"):
        git_sync(lambda: Store.open(db), wc, "alice")
    assert not db.exists()
    git(wc, "remote", "add", "origin", str(tmp_path / "nowhere.git"))
    with pytest.raises(GitSyncError, match="cannot reach git remote 'origin'"):
        git_sync(lambda: Store.open(db), wc, "alice")
    assert not db.exists()
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GitSyncError, match="not a git working copy"):
        git_sync(lambda: Store.open(db), plain, "alice")


def test_merge_trouble_aborts_and_leaves_the_store_untouched(tmp_path, remote, desks):
    bob = desks("bob")
    wa = clone(remote, tmp_path / "wa", "alice")
    wb = clone(remote, tmp_path / "wb", "bob")
    (wa / "NOTES.md").write_text("alice's notes\n")
    git(wa, "add", "NOTES.md")
    git(wa, "commit", "-q", "-m", "notes")
    git(wa, "push", "-q", "origin", "HEAD:main")
    (wb / "NOTES.md").write_text("bob's notes\n")
    git(wb, "add", "NOTES.md")
    git(wb, "commit", "-q", "-m", "other notes")
    item = bob.decide("evil", "1.0", "malicious", "remove_project", "x")
    log_before = len(bob.store.log(limit=1000))
    with pytest.raises(GitSyncError, match=r"merge trouble .*NOTES\.md.*store was not changed"):
        _sync(bob, wb)
    assert bob.store.current_decision(item.id).synced_at is None
    assert len(bob.store.log(limit=1000)) == log_before
    assert not (wb / ".git/rebase-merge").exists()
    assert git(wb, "status", "--porcelain") == ""
