"""Labels another reviewer writes reach a running app within a second (headless)."""

import threading
import time

from app.sync.labels import dump_label, make_label
from app.sync.layout import atomic_write
from app.sync.watch import watch_dataset
from tests.sync.signed import signed


def test_label_written_by_another_reviewer_arrives_within_a_second(tmp_path, desks):
    ds = tmp_path / "ds"
    ds.mkdir()
    me = desks("me")
    item = me.decide("live-pkg", "1.0", "benign")
    got, arrived, refused = [], threading.Event(), threading.Event()

    def on_change(change):
        got.append(change)
        if change.labels:
            arrived.set()
        if change.problems:
            refused.set()

    watcher = watch_dataset(ds, on_change, store=me.store, local_reviewers={"me"})
    try:
        time.sleep(0.2)  # let the observer settle
        lb = make_label(
            ecosystem="pypi",
            name="live-pkg",
            version="1.0",
            reviewer="bob",
            verdict="malicious",
            action="remove_project",
            reason="beacon",
        )
        t0 = time.monotonic()
        atomic_write(ds, "labels/pypi/live-pkg/1.0/bob.json", dump_label(signed(lb)))
        (ds / "labels/pypi/live-pkg/1.0/evil.json").write_text("{broken")
        assert arrived.wait(5)
        elapsed = time.monotonic() - t0
        assert refused.wait(5)
    finally:
        watcher.stop()
    assert elapsed < 1.0
    labels = [lb for c in got for lb in c.labels]
    assert [lb["reviewer"] for lb in labels] == ["bob"]
    problems = [p.path for c in got for p in c.problems]
    assert problems == ["labels/pypi/live-pkg/1.0/evil.json"]
    assert [e.reviewer for e in me.store.external_labels_for(item.id)] == ["bob"]
    # Bob's malicious/remove contradicts my benign: my item is back for a second review.
    assert [i for c in got for i in c.reopened] == [item.id]
    assert me.store.get_item(item.id).status == "needs_second_review"
