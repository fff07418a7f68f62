"""The app's Ctrl+Z (store.undo_last_step) takes back a campaign decision as one step."""

from __future__ import annotations

from app.core.campaigns import grouping as camp
from app.core.decisions import Decision
from app.core.store.db import Store
from tests.core.campaigns.test_grouping import benign, malicious


def test_one_undo_step_takes_back_every_member_of_a_campaign_decision(tmp_path):
    with Store.open(tmp_path / "s.sqlite3") as store:
        ids = [
            store.add_item("pypi", n, ["1.0"], artifact_path=str(malicious(tmp_path, n)))[0].id
            for n in ("copy-a", "copy-b", "copy-c")
        ]
        lone = store.add_item("pypi", "lone", ["1.0"], artifact_path=str(benign(tmp_path, "lone")))[
            0
        ].id
        camp.refresh(store)
        store.record_decision(lone, Decision(verdict="benign", reviewer="ana"))
        (campaign,) = {store.campaign_of_item(i) for i in ids}
        camp.decide_campaign(store, campaign, Decision(verdict="malicious", reviewer="ana"))
        assert all(store.current_decision(i) for i in ids)

        change = store.undo_last_step("ana")
        assert set(change.item_ids) == set(ids) and len(change.decision_ids) == 3
        assert not any(store.current_decision(i) for i in ids)
        assert store.current_decision(lone).verdict == "benign"  # the step before stays
        change = store.undo_last_step("ana")
        assert set(change.item_ids) == {lone}
