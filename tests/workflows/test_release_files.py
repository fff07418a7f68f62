"""Every file of a release is reviewable: each keeps its own risk, the riskiest opens first,
files that disagree in code are a finding, and older releases only ever become baselines."""

from __future__ import annotations

import json

import pytest

from app.cli import main
from app.core.store.db import Store
from app.workflows.queueing import queue_artifact
from app.workflows.release import ReleaseCache, load_release
from tests.workflows.release_fixtures import NAME, make_sdist, make_wheel, queue_release


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


@pytest.mark.parametrize("sdist_first", [True, False])
def test_the_wheel_with_the_payload_is_reviewed_whatever_order_the_files_came_in(
    store, tmp_path, sdist_first
):
    item_id = queue_release(store, tmp_path / "files", sdist_first=sdist_first)
    bundle = load_release(store, item_id, ReleaseCache())
    assert bundle.file.kind == "wheel" and bundle.file.filename.endswith(".whl")
    risks = {f.kind: (f.risk_level, f.risk_score) for f in bundle.release_files}
    assert risks["sdist"] == ("none", 0.0)
    assert risks["wheel"][1] > 5 and bundle.risk.score == risks["wheel"][1]
    assert any(f.path == f"{NAME}_init.pth" and f.status == "added" for f in bundle.files)
    # The baseline of a wheel is the previous wheel, not the previous sdist.
    assert bundle.baseline.path.endswith("colorkit-1.0-py3-none-any.whl")


def test_files_that_disagree_in_code_are_a_finding_naming_both(store, tmp_path):
    item_id = queue_release(store, tmp_path / "files")
    bundle = load_release(store, item_id, ReleaseCache())
    assert bundle.mismatches == [
        "colorkit-1.1-py3-none-any.whl carries colorkit_init.pth, "
        "which colorkit-1.1.tar.gz does not"
    ]


def test_a_file_can_be_picked_and_gets_its_own_baseline(store, tmp_path):
    item_id = queue_release(store, tmp_path / "files")
    sdist = next(f for f in load_release(store, item_id, ReleaseCache()).release_files)
    bundle = load_release(store, item_id, ReleaseCache(), artifact_path=sdist.path)
    assert bundle.file.kind == "sdist" and bundle.risk.score == 0.0
    assert bundle.baseline.path.endswith("colorkit-1.0.tar.gz")
    changed = {f.path for f in bundle.files if f.status != "unchanged"}
    assert changed <= {"setup.py", "<metadata>/PKG-INFO", "PKG-INFO"}  # the version bump only


def test_picker_labels_are_unique_and_offer_the_last_reviewed_release(store, tmp_path):
    from app.core.decisions import Decision

    # 0.9 was decided as its own item earlier; its file sits under the same name in two
    # folders (the picker must still tell them apart).
    (tmp_path / "old").mkdir()
    (tmp_path / "again").mkdir()
    first = make_sdist(tmp_path / "old", "0.9")
    twin = make_sdist(tmp_path / "again", "0.9")
    other, _ = store.add_item("pypi", NAME, ["0.9"], artifact_path=str(first))
    store.attach_artifact(other.id, "new", str(twin), None, version="0.9")
    store.record_decision(other.id, Decision("malicious", reviewer="alice"))
    item_id = queue_release(store, tmp_path / "files")
    assert item_id != other.id
    labels = [b.label for b in load_release(store, item_id, ReleaseCache()).baselines]
    assert len(labels) == len(set(labels))
    assert any("0.9 (last reviewed)" in label for label in labels)


def test_an_older_release_of_a_queued_project_becomes_a_baseline_candidate(store, tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    newer, _ = queue_artifact(store, make_wheel(folder, "1.1", payload=True))
    older = make_sdist(folder, "1.0")
    item, as_baseline = queue_artifact(store, older)
    assert as_baseline and item.id == newer.id and item.versions == ("1.1",)
    bundle = load_release(store, item.id, ReleaseCache())
    assert bundle.file.filename == "colorkit-1.1-py3-none-any.whl"
    assert bundle.baseline.path == str(older.resolve())


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_queue_show_json_lists_each_file_with_its_risk(capsys, tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db) as store:
        item_id = queue_release(store, tmp_path / "files")
    code, out, _ = run(capsys, "queue", "show", str(item_id), "--json", "--db", db)
    assert code == 0
    doc = json.loads(out)
    new = {a["filename"]: a for a in doc["artifacts"] if a["role"] == "new"}
    wheel = new["colorkit-1.1-py3-none-any.whl"]
    assert wheel["kind"] == "wheel" and len(wheel["sha256"]) == 64
    assert wheel["risk"]["level"] in ("high", "critical") and wheel["risk"]["score"] > 5
    assert new["colorkit-1.1.tar.gz"]["risk"] == {"level": "none", "score": 0.0}
    assert "colorkit_init.pth" in doc["release_mismatches"][0]


def test_queue_add_baseline_file_for_a_local_artifact(capsys, tmp_path):
    db = tmp_path / "s.sqlite3"
    folder = tmp_path / "files"
    folder.mkdir()
    new = make_wheel(folder, "1.1", payload=True)
    old = make_wheel(folder, "1.0", payload=False)
    code, out, _ = run(capsys, "queue", "add", new, "--baseline", old, "--db", db)
    assert code == 0 and "baseline 1.0" in out
    with Store.open(db) as store:
        item = store.list_items()[0]
        bundle = load_release(store, item.id, ReleaseCache())
    assert bundle.baseline.path == str(old.resolve())
    assert [f.path for f in bundle.files if f.status == "added"] == [f"{NAME}_init.pth"]


def test_queue_add_baseline_bad_input_is_one_line_and_exit_2(capsys, tmp_path):
    db = tmp_path / "s.sqlite3"
    folder = tmp_path / "files"
    folder.mkdir()
    new = make_wheel(folder, "1.1", payload=True)
    code, _, err = run(capsys, "queue", "add", new, "--baseline", "nope/x.whl", "--db", db)
    assert code == 2 and err.count("\n") == 1 and "no such file" in err
    code, _, err = run(capsys, "queue", "add", new, "--baseline", "0.1", "--no-fetch", "--db", db)
    assert code == 2 and "at hand" in err and "Traceback" not in err


def test_a_renamed_top_folder_of_an_sdist_is_not_a_change(store, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    old = make_sdist(tmp_path / "old", "5.2", top="Colorkit-5.2")
    new = make_sdist(tmp_path / "new", "5.2", top="colorkit-5.2.1")
    item, _ = store.add_item("pypi", NAME, ["5.2.1"], artifact_path=str(new))
    store.attach_artifact(item.id, "baseline", str(old), None, version="5.2")
    bundle = load_release(store, item.id, ReleaseCache())
    assert {f.status for f in bundle.files} == {"unchanged"}
    assert not bundle.diff.capabilities.added and not bundle.diff.capabilities.removed
    assert not bundle.diff.install_surface
