"""The store as a reviewer uses it: queue, folding reports, decisions, undo, the log."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from app.core.decisions import Decision, DecisionError
from app.core.store.db import ItemNotFound, Store, StoreError
from app.errors import UsageError


@pytest.fixture(scope="session")
def empty_store_template(tmp_path_factory):
    """One migrated empty store, copied for each test (cheaper than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    Store.open(path).close()
    return path


@pytest.fixture
def store(empty_store_template, tmp_path):
    path = tmp_path / "store.sqlite3"
    shutil.copy(empty_store_template, path)
    s = Store.open(path)
    yield s
    s.close()


def malicious(reviewer="ana", **kw) -> Decision:
    kw.setdefault("action", "remove_project")
    kw.setdefault("reason", "posts os.environ to 203.0.113.9")
    return Decision(verdict="malicious", reviewer=reviewer, **kw)


def test_new_store_is_wal_with_foreign_keys_and_current_schema(store):
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version >= 2


def test_reports_on_one_project_fold_into_one_item(store):
    a, _ = store.add_item("pypi", "Requests_Two", ["1.0"], reporter="alice", report_text="typo")
    b, change = store.add_item("pypi", "requests-two", ["1.1"], reporter="bob", report_text="c2")
    c, _ = store.add_item("pypi", "requests.two", ["1.1"], reporter="alice")
    assert a.id == b.id == c.id
    item = store.get_item(a.id)
    assert item.versions == ("1.0", "1.1")
    assert item.report_count == 3
    assert item.reporters == ("alice", "bob")
    assert [r.text for r in store.reports_for(a.id)] == ["typo", "c2", None]
    assert change.item_ids == {a.id} and change.touches("item")
    other, _ = store.add_item("npm", "requests-two", ["1.0.0"])
    assert other.id != a.id


def test_report_on_decided_release_is_counted_but_new_release_opens_new_item(store):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    store.record_decision(item.id, malicious())
    again, _ = store.add_item("pypi", "evil", ["1.0"], reporter="late")
    assert again.id == item.id and again.status == "decided" and again.report_count == 2
    newer, _ = store.add_item("pypi", "evil", ["1.1"])
    assert newer.id != item.id and newer.status == "new"


def test_list_filters_and_orders_by_risk(store):
    specs = [
        ("alpha", "low", 2.0),
        ("beta", "critical", 9.5),
        ("gamma", "high", 7.0),
        ("alphabet", None, None),
    ]
    ids = {}
    for name, level, score in specs:
        ids[name] = store.add_item("pypi", name, ["1"], risk_level=level, risk_score=score)[0].id
    assert [i.project for i in store.list_items()] == ["beta", "gamma", "alpha", "alphabet"]
    assert [i.project for i in store.list_items(text="ALPHA")] == ["alpha", "alphabet"]
    assert [i.project for i in store.list_items(min_risk="high")] == ["beta", "gamma"]
    assert [i.project for i in store.list_items(min_risk=5)] == ["beta", "gamma"]
    assert store.count_items(text="alpha") == 2
    store.set_status(ids["beta"], "skipped")
    assert [i.project for i in store.list_items(status="skipped")] == ["beta"]
    assert [i.project for i in store.list_items(status=["new"], limit=1, offset=1)] == ["alpha"]
    assert [i.project for i in store.list_items(order="newest")][0] == "alphabet"
    assert store.status_counts()["skipped"] == 1
    with pytest.raises(StoreError):
        store.list_items(status="bogus")


def test_text_filter_treats_like_wildcards_literally(store):
    store.add_item("npm", "a_b", ["1"])
    store.add_item("npm", "axb", ["1"])
    assert [i.project for i in store.list_items(text="a_b")] == ["a_b"]
    assert store.list_items(text="%") == []


def test_decision_maps_pypi_fields_and_derives_outcome(store):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    change = store.record_decision(
        item.id,
        malicious(
            kind="is_typosquat",
            confidence="high",
            evidence=[
                {
                    "path": "setup.py",
                    "line_start": 3,
                    "line_end": 9,
                    "capabilities": ["net.http_post"],
                }
            ],
            hit_labels=[
                {
                    "capability": "net.http_post",
                    "path": "setup.py",
                    "line": 4,
                    "match": "urlopen",
                    "label": "confirmed",
                }
            ],
            started_at="2026-01-01T10:00:00Z",
            decided_at="2026-01-01T10:01:30Z",
        ),
    )
    (did,) = change.decision_ids
    d = store.current_decision(item.id)
    assert d.id == did and d.outcome == "true_positive" and d.kind == "is_typosquat"
    assert d.seconds_spent == 90.0
    assert d.evidence[0].line_start == 3 and d.evidence[0].capabilities == ("net.http_post",)
    assert d.hit_labels[0].label == "confirmed"
    assert store.get_item(item.id).status == "decided"
    benign = Decision(verdict="benign", reviewer="bo")
    store.record_decision(item.id, benign)
    current = store.current_decision(item.id)
    assert current.action == "not_malware" and current.outcome == "false_positive"
    assert len(store.decisions_for(item.id)) == 2


@pytest.mark.parametrize(
    "decision, message",
    [
        (Decision(verdict="evil", reviewer="a"), "verdict"),
        (Decision(verdict="malicious", action="remove_release", reviewer="a"), "reason"),
        (Decision(verdict="benign", action="quarantine_project", reviewer="a"), "contradicts"),
        (Decision(verdict="malicious", kind="is_bad", reviewer="a"), "kind"),
        (Decision(verdict="malicious", confidence="total", reviewer="a"), "confidence"),
        (Decision(verdict="malicious", reviewer=""), "reviewer"),
        (
            Decision(
                verdict="malicious",
                reviewer="a",
                hit_labels=[{"capability": "x", "path": "p", "line": 1, "label": "maybe"}],
            ),
            "hit label",
        ),
    ],
)
def test_invalid_decisions_are_refused_with_one_line(store, decision, message):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    with pytest.raises(DecisionError, match=message) as info:
        store.record_decision(item.id, decision)
    assert isinstance(info.value, ValueError) and isinstance(info.value, UsageError)
    assert "\n" not in str(info.value)
    assert store.decisions_for(item.id) == []


def test_indeterminate_asks_for_second_review(store):
    item, _ = store.add_item("pypi", "odd", ["1.0"])
    store.record_decision(item.id, Decision(verdict="indeterminate", reviewer="a"))
    assert store.get_item(item.id).status == "needs_second_review"
    assert store.current_decision(item.id).outcome == "pending"


def test_decision_on_unknown_item(store):
    with pytest.raises(ItemNotFound):
        store.record_decision(42, malicious())


def test_undo_restores_previous_state_and_keeps_history(store):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    store.set_status(item.id, "in_review")
    store.record_decision(item.id, Decision(verdict="indeterminate", reviewer="ana"))
    store.record_decision(item.id, malicious())
    change = store.undo_last()
    assert change.item_ids == {item.id}
    assert store.get_item(item.id).status == "needs_second_review"
    assert store.current_decision(item.id).verdict == "indeterminate"
    store.undo_last()
    assert store.get_item(item.id).status == "in_review"
    assert store.current_decision(item.id) is None
    assert store.undo_last() is None
    decisions = store.decisions_for(item.id)
    assert len(decisions) == 2 and all(d.undone for d in decisions)
    actions = [e.action for e in store.log(limit=10)]
    assert actions[:4] == ["undone", "undone", "decide", "decide"]


def test_ctrl_z_takes_back_skips_and_decisions_newest_first(store):
    a, _ = store.add_item("pypi", "alpha", ["1.0"])
    b, _ = store.add_item("pypi", "beta", ["1.0"])
    c, _ = store.add_item("pypi", "gamma", ["1.0"])
    d, _ = store.add_item("pypi", "delta", ["1.0"])
    store.set_status(a.id, "in_review")
    store.skip_item(a.id, "ana")
    store.record_decision(b.id, Decision(verdict="malicious", reviewer="ana"))
    store.skip_item(c.id, "ana")
    store.skip_item(d.id, "bo")  # another reviewer's skip is not ana's to undo

    assert store.undo_last_step("ana").item_ids == {c.id}  # the newest step: the skip of gamma
    assert store.get_item(c.id).status == "new"
    assert store.undo_last_step("ana").item_ids == {b.id}  # then the decision on beta
    assert store.current_decision(b.id) is None
    assert store.undo_last_step("ana").item_ids == {a.id}  # then the skip of alpha
    assert store.get_item(a.id).status == "in_review"  # back where it was, not "new"
    assert store.undo_last_step("ana") is None
    assert store.get_item(d.id).status == "skipped"  # bo's skip stands
    assert [e.action for e in store.log(limit=3)] == ["unskip", "undone", "unskip"]


def test_a_skip_overtaken_by_later_work_is_not_undone(store):
    a, _ = store.add_item("pypi", "alpha", ["1.0"])
    store.skip_item(a.id, "ana")
    store.set_status(a.id, "in_review")  # reopened since
    assert store.undo_last_step("ana") is None
    assert store.get_item(a.id).status == "in_review"


def test_undo_after_restart(store):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    store.record_decision(item.id, malicious())
    path = store.path
    store.close()
    with Store.open(path) as reopened:
        assert reopened.undo_last() is not None
        assert reopened.current_decision(item.id) is None
        assert reopened.get_item(item.id).status == "new"


def test_undo_per_reviewer(store):
    a, _ = store.add_item("pypi", "one", ["1"])
    b, _ = store.add_item("pypi", "two", ["1"])
    store.record_decision(a.id, malicious(reviewer="ana"))
    store.record_decision(b.id, malicious(reviewer="bo"))
    change = store.undo_last(reviewer="ana")
    assert change.item_ids == {a.id}
    assert store.current_decision(b.id) is not None


def test_synced_decision_cannot_be_undone(store):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    did = next(iter(store.record_decision(item.id, malicious()).decision_ids))
    assert [d.id for d in store.unsynced_decisions()] == [did]
    store.mark_synced(did, ref="labels/pypi/evil/1.0/ana.json")
    assert store.unsynced_decisions() == []
    with pytest.raises(StoreError, match="synced"):
        store.undo_last()
    assert store.current_decision(item.id).sync_ref == "labels/pypi/evil/1.0/ana.json"


def test_action_log_is_append_only_in_the_database(store):
    item, _ = store.add_item("pypi", "evil", ["1.0"])
    store.record_decision(item.id, malicious())
    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE action_log SET action = 'nothing'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM action_log")
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            conn.execute("DELETE FROM decisions")
    finally:
        conn.close()
    assert len(store.log()) == 2


def test_artifacts_status_and_risk_changes_are_logged(store):
    item, _ = store.add_item("pypi", "evil", ["1.1"], baseline="1.0")
    ref, change = store.attach_artifact(item.id, "baseline", "/cache/evil-1.0.tar.gz", "ab" * 32)
    assert ref.version == "1.0" and change.touches("artifact")
    store.attach_artifact(item.id, url="https://files.example.invalid/evil-1.1.tar.gz")
    assert [a.role for a in store.artifacts_for(item.id)] == ["baseline", "new"]
    assert store.set_status(item.id, "in_review").touches("item")
    assert not store.set_status(item.id, "in_review")  # nothing changed, nothing logged
    store.set_risk(item.id, "high", 7.5)
    assert store.get_item(item.id).risk_level == "high"
    assert [e.action for e in store.log(item_id=item.id)] == [
        "risk",
        "status",
        "artifact",
        "artifact",
        "queue_add",
    ]
    with pytest.raises(StoreError):
        store.set_status(item.id, "finished")


def test_batch_is_all_or_nothing(store):
    with pytest.raises(RuntimeError), store.batch():
        store.add_item("pypi", "one", ["1"])
        raise RuntimeError("crash mid-batch")
    assert store.count_items() == 0


def test_external_labels_are_kept_per_reviewer(store):
    item, _ = store.add_item("pypi", "Evil_Pkg", ["1.0", "1.1"])
    change = store.upsert_external_label("pypi", "evil-pkg", "1.0", "zoe", {"verdict": "benign"})
    assert change.item_ids == {item.id}
    store.upsert_external_label("pypi", "evil-pkg", "1.0", "zoe", '{"verdict": "malicious"}')
    store.upsert_external_label("pypi", "evil-pkg", "2.0", "max", {"verdict": "malicious"})
    labels = store.external_labels_for(item.id)
    assert [(x.version, x.reviewer, x.label["verdict"]) for x in labels] == [
        ("1.0", "zoe", "malicious")
    ]
    assert len(store.external_labels_for(("pypi", "EVIL.PKG"))) == 2
    assert store.log() and all(e.action != "external_label" for e in store.log())


def test_undo_a_given_decision(store):
    a, _ = store.add_item("pypi", "one", ["1"])
    first = next(iter(store.record_decision(a.id, malicious()).decision_ids))
    second = next(
        iter(store.record_decision(a.id, Decision(verdict="benign", reviewer="bo")).decision_ids)
    )
    change = store.undo_decision(first)
    assert change.decision_ids == {first}
    item = store.get_item(a.id)
    assert item.decision_id == second and item.status == "decided"  # the newer one stays
    with pytest.raises(StoreError, match="already undone"):
        store.undo_decision(first)
    with pytest.raises(ItemNotFound):
        store.undo_decision(999)
    store.undo_decision(second)
    assert store.get_item(a.id).status == "new" and store.current_decision(a.id) is None
