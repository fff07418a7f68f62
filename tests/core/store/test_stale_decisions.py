"""A decision based on what a moderator saw is refused if another process changed the item
since (decided, skipped, undid, re-reported it): never silently applied over their work."""

from __future__ import annotations

import pytest

from app.core.decisions import Decision
from app.core.store.db import Store
from app.core.store.errors import StaleItem
from app.core.store.records import ItemState


@pytest.fixture
def two_connections(tmp_path):
    path = tmp_path / "store.sqlite3"
    mine, theirs = Store.open(path), Store.open(path)
    yield mine, theirs
    mine.close()
    theirs.close()


def benign(reviewer: str) -> Decision:
    return Decision(verdict="benign", action="not_malware", reviewer=reviewer)


def test_decision_by_another_process_since_opening_is_refused_and_named(two_connections):
    mine, theirs = two_connections
    item, _ = mine.add_item("pypi", "colorstrip", ["1.4.1"])
    seen = ItemState.of(mine.get_item(item.id))
    theirs.record_decision(
        item.id,
        Decision(
            verdict="malicious", action="quarantine_release", reason="stealer", reviewer="ana"
        ),
    )
    with pytest.raises(StaleItem) as refused:
        mine.record_decision(item.id, benign("tester"), expect=seen)
    message = str(refused.value)
    assert "colorstrip 1.4.1 changed since you opened it" in message
    assert "ana decided malicious · quarantine_release" in message
    current = mine.current_decision(item.id)
    assert (current.verdict, current.reviewer) == ("malicious", "ana")
    assert len(mine.decisions_for(item.id)) == 1


def test_a_skip_or_a_new_version_reported_elsewhere_also_refuses(two_connections):
    mine, theirs = two_connections
    item, _ = mine.add_item("pypi", "colorstrip", ["1.4.1"])
    seen = ItemState.of(mine.get_item(item.id))
    theirs.skip_item(item.id, "bo")
    with pytest.raises(StaleItem, match="bo set it skipped"):
        mine.record_decision(item.id, benign("tester"), expect=seen)
    theirs.set_status(item.id, "new", actor="bo")
    seen = ItemState.of(mine.get_item(item.id))
    theirs.add_item("pypi", "colorstrip", ["1.4.2"], reporter="scanner-x")
    with pytest.raises(StaleItem, match="scanner-x reported it again"):
        mine.record_decision(item.id, benign("tester"), expect=seen)
    assert mine.current_decision(item.id) is None


def test_unchanged_item_or_a_rescored_risk_records(two_connections):
    mine, theirs = two_connections
    item, _ = mine.add_item("pypi", "colorstrip", ["1.4.1"])
    seen = ItemState.of(mine.get_item(item.id))
    theirs.set_risk(item.id, "high", 7.5)  # a rescan does not change what was judged
    change = mine.record_decision(item.id, benign("tester"), expect=seen)
    assert mine.current_decision(item.id).id in change.decision_ids
