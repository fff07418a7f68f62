"""Dataset layout, safe writes and the vetbench.label/1 schema."""

import json
import os

import pytest

from app.sync import layout
from app.sync.dataset import read_all_labels, read_label_file
from app.sync.labels import LabelError, dump_label, label_path, make_label, parse_label
from app.sync.layout import DatasetError, UnsafePath
from tests.sync.signed import signed


def _label(**kw):
    base = dict(
        ecosystem="pypi",
        name="Evil_Pkg",
        version="1.0.2",
        reviewer="alice",
        verdict="malicious",
        action="remove_project",
        reason="steals tokens",
        confidence="high",
    )
    base.update(kw)
    return make_label(**base)


def test_names_are_normalised_and_paths_follow_the_layout():
    assert layout.normalize_name("pypi", "Evil_Pkg.Two") == "evil-pkg-two"
    assert layout.normalize_name("npm", "@Scope/Pkg") == "@scope/pkg"
    assert (
        layout.label_relpath("pypi", "Evil_Pkg", "1.0", "alice")
        == "labels/pypi/evil-pkg/1.0/alice.json"
    )
    assert (
        layout.label_relpath("npm", "@s/p", "1.0.0", "import:osv")
        == "labels/npm/@s/p/1.0.0/import%3Aosv.json"
    )
    assert layout.reviewer_from_filename("import%3Aosv.json") == "import:osv"
    assert (
        layout.sample_relpath("pypi", "a", "1", "a-1.tar.gz") == "samples/pypi/a/1/a-1.tar.gz.zip"
    )
    assert layout.osv_relpath("npm", "@s/p") == "osv/malicious/npm/@s/p/MAL-0000-vetbench-s-p.json"


@pytest.mark.parametrize("bad", ["../x", "..", "", "a/b", ".hidden", "1.0/../../x", "x\x00"])
def test_unusable_versions_are_refused(bad):
    with pytest.raises(DatasetError):
        layout.check_version(bad)


@pytest.mark.parametrize("bad", ["../evil", "a/b/c", "@x", "", "x" * 300, "-bad"])
def test_unusable_names_are_refused(bad):
    eco = "npm" if bad.startswith("@") or "/" in bad else "pypi"
    with pytest.raises(DatasetError):
        layout.normalize_name(eco, bad)


def test_label_roundtrip_and_canonical_bytes():
    lb = _label(
        hit_labels=[
            {
                "capability": "network.http",
                "path": "setup.py",
                "line": 3,
                "match": "urlopen",
                "label": "confirmed",
            }
        ]
    )
    assert lb["name"] == "evil-pkg"
    data = dump_label(lb)
    assert parse_label(data) == lb
    assert dump_label(json.loads(data)) == data  # same content, same bytes
    assert label_path(lb) == "labels/pypi/evil-pkg/1.0.2/alice.json"


@pytest.mark.parametrize(
    "patch, msg",
    [
        ({"verdict": "evil"}, "verdict"),
        ({"schema": "other/1"}, "schema"),
        ({"action": "remove_project", "reason": ""}, "reason"),
        ({"hit_labels": [{"label": "maybe"}]}, "hit label"),
        ({"name": "Evil_Pkg"}, "normalised"),
        ({"seconds_spent": -1}, "seconds_spent"),
        ({"artifact": {"sha256": "XYZ"}}, "sha256"),
    ],
)
def test_invalid_labels_say_which_field(patch, msg):
    lb = _label()
    lb.update(patch)
    with pytest.raises(LabelError, match=msg):
        parse_label(json.dumps(lb).encode(), "f.json")


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    layout.atomic_write(tmp_path, "a/b/c.json", b"one")
    layout.atomic_write(tmp_path, "a/b/c.json", b"two")
    assert (tmp_path / "a/b/c.json").read_bytes() == b"two"
    assert os.listdir(tmp_path / "a/b") == ["c.json"]


def test_writes_never_follow_symlinks_out_of_the_dataset(tmp_path):
    ds, outside = tmp_path / "ds", tmp_path / "outside"
    ds.mkdir()
    outside.mkdir()
    (ds / "labels").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePath, match="symlink"):
        layout.atomic_write(ds, "labels/pypi/x/1/a.json", b"x")
    assert list(outside.iterdir()) == []
    # A symlinked final file is replaced by a file; its target is untouched.
    (ds / "f.json").symlink_to(outside / "victim")
    (outside / "victim").write_text("keep")
    layout.atomic_write(ds, "f.json", b"new")
    assert (outside / "victim").read_text() == "keep"
    assert not (ds / "f.json").is_symlink()
    for rel in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(UnsafePath):
            layout.atomic_write(ds, rel, b"x")


def test_reading_refuses_symlinks_and_misplaced_labels(tmp_path):
    good = signed(_label())
    layout.atomic_write(tmp_path, label_path(good), dump_label(good))
    assert read_label_file(tmp_path, label_path(good)) == good
    # Bob's file claiming to be alice's label is refused.
    layout.atomic_write(tmp_path, "labels/pypi/evil-pkg/1.0.2/bob.json", dump_label(good))
    secret = tmp_path / "secret.json"
    secret.write_bytes(dump_label(_label(reviewer="carol")))
    os.symlink(secret, tmp_path / "labels/pypi/evil-pkg/1.0.2/carol.json")
    (tmp_path / "labels/pypi/evil-pkg/1.0.2/dave.json").write_text("{not json")
    labels, problems = read_all_labels(tmp_path)
    assert [lb["reviewer"] for lb in labels] == ["alice"]
    errors = {p.path.rsplit("/", 1)[-1]: str(p) for p in problems}
    assert "belongs at" in errors["bob.json"]
    assert "symlink" in errors["carol.json"]
    assert "not valid JSON" in errors["dave.json"]
