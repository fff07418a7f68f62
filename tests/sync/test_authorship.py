"""A label is its reviewer's: changes made in someone else's name are undone or not counted.

Every writer of the shared folder can write any file in it. Alice's sync puts back a label of
hers that her store did not write; everybody's sync counts a label as carol's only when carol's
key signed it.
"""

import json
import subprocess

from app.cli import main
from app.core.store.db import Store
from app.sync.engine import sync_dataset
from app.sync.labels import dump_label, make_label
from app.sync.layout import atomic_write
from app.sync.signing import Keyring, SigningKey
from tests.sync.signed import signed, signed_bytes

ALICE = "labels/pypi/acme/1.1/alice.json"


def _rewrite_as_benign(path, key=None):
    """What a co-writer of the folder does: alice's malicious verdict becomes benign."""
    label = json.loads(path.read_text())
    label.update(verdict="benign", action="not_malware", kind=None, reason="looks fine")
    label.pop("signature")
    data = dump_label(key.sign(label)) if key else dump_label(label)
    path.write_bytes(data)


def _manifest(ds):
    return json.loads((ds / "manifest.json").read_text())


def test_my_label_rewritten_or_deleted_by_someone_else_is_restored(tmp_path, desks):
    ds = tmp_path / "ds"
    alice, bob = desks("alice"), desks("bob")
    alice.decide("acme", "1.1", "malicious", "remove_project", "posts ~/.ssh to 192.0.2.7")
    sync_dataset(alice.store, ds, "alice")
    original = (ds / ALICE).read_bytes()
    assert json.loads(original)["signature"]["alg"] == "ed25519"

    # Bob rewrites alice's label, signing it with his own key for good measure.
    _rewrite_as_benign(ds / ALICE, SigningKey.generate())
    r = sync_dataset(alice.store, ds, "alice")
    assert (ds / ALICE).read_bytes() == original
    assert r.restored == [
        {
            "path": ALICE,
            "reviewer": "alice",
            "ecosystem": "pypi",
            "name": "acme",
            "version": "1.1",
            "change": "changed",
        }
    ]
    assert r.tampered and r.to_json()["restored"] == r.restored
    assert _manifest(ds) == {"pypi": {"acme": ["1.1"]}}

    # Deleted: back again.
    (ds / ALICE).unlink()
    r = sync_dataset(alice.store, ds, "alice")
    assert (ds / ALICE).read_bytes() == original
    assert [x["change"] for x in r.restored] == ["deleted"]
    # Nothing more to restore: a quiet sync.
    r = sync_dataset(alice.store, ds, "alice")
    assert not r.tampered and not r.changed

    # Bob's sync, meanwhile, counts only what alice signed.
    sync_dataset(bob.store, ds, "bob")
    (ext,) = bob.external(("pypi", "acme", "1.1"))
    assert ext.label["verdict"] == "malicious"


def test_a_forgery_is_flagged_and_never_counted(tmp_path, desks):
    ds = tmp_path / "ds"
    ds.mkdir()
    bob = desks("bob")
    carol = make_label(
        ecosystem="pypi",
        name="widget",
        version="2.0",
        reviewer="carol",
        verdict="benign",
        action="not_malware",
    )
    atomic_write(ds, "labels/pypi/widget/2.0/carol.json", signed_bytes(carol))
    r = sync_dataset(bob.store, ds, "bob")
    assert r.pulled == ["labels/pypi/widget/2.0/carol.json"] and r.forged == []

    def forge(rel, data):
        atomic_write(ds, rel, data)
        return sync_dataset(bob.store, ds, "bob")

    evil = {**carol, "name": "evil", "verdict": "malicious", "action": "remove_project"}
    evil["reason"] = "made up"
    cases = {
        # Unsigned, in carol's name.
        "labels/pypi/evil/2.0/carol.json": dump_label(evil),
        # Signed by someone else's key than the one carol signed with before.
        "labels/pypi/evil/2.1/carol.json": dump_label(
            SigningKey.generate().sign({**evil, "version": "2.1"})
        ),
        # Carol's real signature, on content changed afterwards.
        "labels/pypi/evil/2.2/carol.json": json.dumps(
            {**signed({**evil, "version": "2.2"}), "verdict": "benign", "action": "not_malware"}
        ).encode(),
    }
    whys = []
    for rel, data in cases.items():
        r = forge(rel, data)
        assert rel in [f["path"] for f in r.forged], rel
        assert r.pulled == [] and r.tampered
        whys += [f["why"] for f in r.forged if f["path"] == rel]
    assert whys[0] == "unsigned"
    assert "not the key carol signed with before" in whys[1]
    assert "bad signature" in whys[2]
    # Not carol's: not in bob's store, the manifest or the OSV records.
    assert bob.external(("pypi", "evil")) == []
    assert _manifest(ds) == {}
    assert not (ds / "osv/malicious/pypi/evil").exists()
    # Still there, still said on every sync.
    r = sync_dataset(bob.store, ds, "bob")
    assert sorted(f["path"] for f in r.forged) == sorted(cases)
    # The conflicts/agreement commands' reader skips the ones whose signature fails too.
    from app.sync.dataset import read_all_labels

    labels, problems = read_all_labels(ds)
    assert [lb["name"] for lb in labels] == ["evil", "widget"]  # 2.1: valid, unpinned key
    assert {p.path for p in problems} == {
        "labels/pypi/evil/2.0/carol.json",
        "labels/pypi/evil/2.2/carol.json",
    }


def test_a_label_in_my_name_my_store_never_made_is_not_counted(tmp_path, desks):
    ds = tmp_path / "ds"
    alice, dave = desks("alice"), desks("dave")
    alice.decide("real", "1.0", "benign")
    sync_dataset(alice.store, ds, "alice")
    sync_dataset(dave.store, ds, "dave")  # dave pins alice's key
    fake = make_label(
        ecosystem="pypi",
        name="rival",
        version="3.0",
        reviewer="alice",
        verdict="malicious",
        action="remove_project",
        reason="framed",
    )
    atomic_write(ds, "labels/pypi/rival/3.0/alice.json", signed_bytes(fake))
    ra = sync_dataset(alice.store, ds, "alice")
    assert [f["path"] for f in ra.forged] == ["labels/pypi/rival/3.0/alice.json"]
    assert "no decision of alice" in ra.forged[0]["why"]
    rd = sync_dataset(dave.store, ds, "dave")
    assert [f["path"] for f in rd.forged] == ["labels/pypi/rival/3.0/alice.json"]
    assert dave.external(("pypi", "rival", "3.0")) == []
    assert _manifest(ds) == {}


def test_labels_from_before_signing_are_signed_not_reported(tmp_path, desks):
    ds = tmp_path / "ds"
    alice = desks("alice")
    alice.decide("old", "1.0", "malicious", "remove_release", "dropper")
    sync_dataset(alice.store, ds, "alice")
    # As an older Vetbench wrote it: the same label without a signature, and a fresh state.
    label = json.loads((ds / "labels/pypi/old/1.0/alice.json").read_text())
    label.pop("signature")
    (ds / "labels/pypi/old/1.0/alice.json").write_bytes(dump_label(label))
    for p in tmp_path.glob("alice.db.sync-*"):
        p.unlink()
    r = sync_dataset(alice.store, ds, "alice")
    assert r.resigned == ["labels/pypi/old/1.0/alice.json"] and not r.tampered
    assert "signature" in json.loads((ds / "labels/pypi/old/1.0/alice.json").read_text())


def test_the_key_stays_beside_the_store_and_is_private(tmp_path, desks):
    alice = desks("alice")
    alice.decide("p", "1.0", "benign")
    sync_dataset(alice.store, tmp_path / "ds", "alice")
    (key_file,) = (tmp_path / "alice.db.keys").glob("own-*.pem")
    assert key_file.stat().st_mode & 0o077 == 0
    assert not list((tmp_path / "ds").rglob("*.pem"))
    pub = json.loads((tmp_path / "ds/labels/pypi/p/1.0/alice.json").read_text())["signature"]
    assert pub["public_key"] == Keyring(tmp_path / "alice.db.keys").own("alice").public_hex


def _git(cwd, *args):
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True
    ).stdout


def test_git_a_rewrite_committed_by_another_writer_is_restored_and_pushed(tmp_path, capsys):
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    wcs = {}
    for who in ("alice", "bob"):
        wc = tmp_path / f"w{who}"
        subprocess.run(["git", "clone", "-q", str(remote), str(wc)], check=True)
        _git(wc, "config", "user.name", who)
        _git(wc, "config", "user.email", f"{who}@example.invalid")
        _git(wc, "config", "commit.gpgsign", "false")
        wcs[who] = wc
    db = tmp_path / "alice.db"
    with Store.open(db) as s:
        from app.core.decisions import Decision

        item, _ = s.add_item("pypi", "acme", ["1.1"])
        s.record_decision(
            item.id, Decision("malicious", "remove_project", reason="stealer", reviewer="alice")
        )
    argv = ["sync", "--dataset", str(wcs["alice"]), "--git", "--db", str(db), "--reviewer"]
    assert main([*argv, "alice"]) == 0
    capsys.readouterr()
    original = (wcs["alice"] / ALICE).read_bytes()

    bob = wcs["bob"]
    _git(bob, "pull", "-q")
    _rewrite_as_benign(bob / ALICE)
    _git(bob, "commit", "-q", "-am", "fix alice's label")
    _git(bob, "push", "-q", "origin", "HEAD:main")

    assert main([*argv, "alice"]) == 1
    err = capsys.readouterr().err
    assert "label of alice for acme 1.1 was changed in the dataset by someone else; restored" in err
    assert (wcs["alice"] / ALICE).read_bytes() == original
    _git(bob, "pull", "-q")
    assert (bob / ALICE).read_bytes() == original  # the restore was committed and pushed
    assert "restored 1 label(s) changed by someone else" in _git(bob, "log", "-1", "--format=%s")

    # Deleted in a commit: restored, and --json says so.
    _git(bob, "rm", "-q", ALICE)
    _git(bob, "commit", "-q", "-m", "drop alice's label")
    _git(bob, "push", "-q", "origin", "HEAD:main")
    assert main([*argv, "alice", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert [(x["path"], x["change"]) for x in out["restored"]] == [(ALICE, "deleted")]
    assert out["git"]["pushed"] and (wcs["alice"] / ALICE).read_bytes() == original


def test_a_damaged_key_file_is_one_line_not_a_traceback(tmp_path, desks, capsys):
    alice = desks("alice")
    alice.decide("p", "1.0", "benign")
    alice.store.close()
    keys = tmp_path / "alice.db.keys"
    keys.mkdir()
    (keys / f"own-{b'alice'.hex()}.pem").write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n")
    argv = ["sync", "--dataset", str(tmp_path / "ds"), "--db", str(alice.path), "--reviewer"]
    assert main([*argv, "alice"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "signing key" in err and "unusable" in err
    alice.store = Store.open(alice.path)


def test_an_older_signed_label_copied_back_is_a_replay_not_counted(tmp_path, desks):
    ds = tmp_path / "ds"
    ds.mkdir()
    bob = desks("bob")
    rel = "labels/pypi/acme/1.1/carol.json"
    first = make_label(
        ecosystem="pypi",
        name="acme",
        version="1.1",
        reviewer="carol",
        verdict="benign",
        action="not_malware",
        decided_at="2026-11-01T10:00:00Z",
    )
    atomic_write(ds, rel, signed_bytes(first))
    sync_dataset(bob.store, ds, "bob")
    old_file = (ds / rel).read_bytes()
    # Carol looks again: malicious. Then someone puts her first, benign file back.
    second = {
        **first,
        "verdict": "malicious",
        "action": "remove_project",
        "kind": "is_malware",
        "reason": "second look: posts ~/.ssh to 192.0.2.7",
        "decided_at": "2026-11-02T10:00:00Z",
    }
    atomic_write(ds, rel, signed_bytes(second))
    assert sync_dataset(bob.store, ds, "bob").pulled == [rel]
    atomic_write(ds, rel, old_file)
    for _ in range(2):  # said on every sync while the old file is there
        r = sync_dataset(bob.store, ds, "bob")
        assert [f["path"] for f in r.forged] == [rel] and "replayed?" in r.forged[0]["why"]
        (ext,) = bob.external(("pypi", "acme", "1.1"))
        assert ext.label["verdict"] == "malicious"
        assert _manifest(ds) == {"pypi": {"acme": ["1.1"]}}


def test_a_withdrawn_label_cannot_be_brought_back_by_copying_the_old_file(tmp_path, desks):
    ds = tmp_path / "ds"
    ds.mkdir()
    bob = desks("bob")
    rel = "labels/pypi/acme/1.1/carol.json"
    active = make_label(
        ecosystem="pypi",
        name="acme",
        version="1.1",
        reviewer="carol",
        verdict="malicious",
        action="remove_project",
        reason="wrong package",
        decided_at="2026-11-01T10:00:00Z",
    )
    atomic_write(ds, rel, signed_bytes(active))
    sync_dataset(bob.store, ds, "bob")
    old_file = (ds / rel).read_bytes()
    withdrawn = {**active, "withdrawn": True, "withdrawn_at": "2026-11-01T11:00:00Z"}
    atomic_write(ds, rel, signed_bytes(withdrawn))
    sync_dataset(bob.store, ds, "bob")
    atomic_write(ds, rel, old_file)
    r = sync_dataset(bob.store, ds, "bob")
    assert [f["path"] for f in r.forged] == [rel]
    assert bob.external(("pypi", "acme", "1.1"))[0].label["withdrawn"] is True
    assert _manifest(ds) == {}


def test_unsigned_labels_of_a_reviewer_never_seen_signing_are_counted_and_said(tmp_path, desks):
    """Datasets written before labels were signed (or by hand, or by another tool) keep
    working: dave's unsigned label counts and is listed as unsigned. Once dave is seen signing,
    an unsigned label in his name is a forgery."""
    ds = tmp_path / "ds"
    ds.mkdir()
    bob = desks("bob")
    old = make_label(
        ecosystem="pypi", name="gizmo", version="1.0", reviewer="dave",
        verdict="malicious", action="remove_project", reason="steals tokens",
    )  # fmt: skip
    atomic_write(ds, "labels/pypi/gizmo/1.0/dave.json", dump_label(old))
    r = sync_dataset(bob.store, ds, "bob")
    assert r.pulled == ["labels/pypi/gizmo/1.0/dave.json"] and r.forged == []
    assert r.unsigned == ["labels/pypi/gizmo/1.0/dave.json"] and not r.tampered
    (ext,) = bob.external(("pypi", "gizmo", "1.0"))
    assert ext.label["verdict"] == "malicious"

    from app.sync.dataset import read_all_labels

    assert [lb["name"] for lb in read_all_labels(ds)[0]] == ["gizmo"]

    # Dave now signs; an unsigned label in his name afterwards is not his.
    atomic_write(ds, "labels/pypi/gizmo/1.1/dave.json", signed_bytes({**old, "version": "1.1"}))
    sync_dataset(bob.store, ds, "bob")
    fake = {**old, "version": "1.2", "verdict": "benign", "action": "not_malware", "reason": None}
    atomic_write(ds, "labels/pypi/gizmo/1.2/dave.json", dump_label(fake))
    r = sync_dataset(bob.store, ds, "bob")
    assert [(f["path"], f["why"]) for f in r.forged] == [
        ("labels/pypi/gizmo/1.2/dave.json", "unsigned")
    ]
    assert bob.external(("pypi", "gizmo", "1.2")) == []
    # A reader without a store knows no history: a signer's unsigned labels are all doubtful
    # (dave's own next sync signs his old ones).
    labels, problems = read_all_labels(ds)
    assert [lb["version"] for lb in labels] == ["1.1"]
    assert sorted(p.path for p in problems) == [
        "labels/pypi/gizmo/1.0/dave.json",
        "labels/pypi/gizmo/1.2/dave.json",
    ]
