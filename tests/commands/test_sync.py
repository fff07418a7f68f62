"""The sync commands as a user runs them: sync, conflicts, agreement, import-dataset."""

import json
import subprocess

from app.cli import main
from app.core.decisions import Decision
from app.core.store.db import Store
from app.sync.samples import build_sample_zip


def _decide(db, reviewer, name, version, verdict, action=None, reason=""):
    with Store.open(db) as s:
        item, _ = s.add_item("pypi", name, [version])
        s.record_decision(
            item.id, Decision(verdict=verdict, action=action, reason=reason, reviewer=reviewer)
        )
        return item.id


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_sync_conflicts_agreement_round_trip(tmp_path, capsys):
    ds, a, b = tmp_path / "ds", tmp_path / "a.db", tmp_path / "b.db"
    for name, va, vb in [
        ("p1", "malicious", "malicious"),
        ("p2", "malicious", "benign"),
        ("p3", "benign", "benign"),
        ("p4", "benign", "benign"),
    ]:
        _decide(a, "alice", name, "1.0", va, "remove_project" if va == "malicious" else None, "why")
        _decide(b, "bob", name, "1.0", vb, "remove_project" if vb == "malicious" else None, "why")
    r = _json(
        capsys, ["sync", "--dataset", str(ds), "--db", str(a), "--reviewer", "alice", "--json"]
    )
    assert len(r["pushed"]) == 4 and r["problems"] == []
    r = _json(capsys, ["sync", "--dataset", str(ds), "--db", str(b), "--reviewer", "bob", "--json"])
    assert len(r["pulled"]) == 4 and len(r["reopened"]) == 1
    assert main(["sync", "--dataset", str(ds), "--db", str(b), "--reviewer", "bob"]) == 0
    assert "already in sync" in capsys.readouterr().out

    c = _json(capsys, ["conflicts", "--dataset", str(ds), "--json"])
    assert [(x["name"], x["reasons"]) for x in c["conflicts"]] == [
        ("p2", ["verdict", "remove_vs_keep"])
    ]
    assert main(["conflicts", "--dataset", str(ds)]) == 0
    out = capsys.readouterr().out
    assert "pypi/p2 1.0: verdict, remove_vs_keep" in out and "bob: benign / not_malware" in out

    ag = _json(capsys, ["agreement", "--dataset", str(ds), "--json"])
    (pair,) = ag["pairs"]
    # 3 of 4 agree; alice 2m/2b, bob 1m/3b: p_e = .5*.25 + .5*.75 = .5 -> kappa .5
    assert pair["items"] == 4 and pair["agreement"] == 0.75 and abs(pair["kappa"] - 0.5) < 1e-9
    assert main(["agreement", "--dataset", str(ds)]) == 0
    assert "alice / bob" in (text := capsys.readouterr().out) and "0.500" in text

    with Store.open(b) as s:
        reopened = s.list_items(status="needs_second_review")
        assert [i.project for i in reopened] == ["p2"]


def test_import_dataset_both_formats(tmp_path, capsys):
    dd = tmp_path / "dd" / "samples" / "pypi" / "malicious_intent" / "evil" / "1.0"
    dd.mkdir(parents=True)
    (dd / "2024-01-01-evil-v1.0.zip").write_bytes(build_sample_zip(b"x", "setup.py"))
    (tmp_path / "dd" / "samples" / "pypi" / "manifest.json").write_text('{"evil": null}')
    db = tmp_path / "s.db"
    r = _json(
        capsys,
        ["import-dataset", str(tmp_path / "dd"), "--format", "datadog", "--db", str(db), "--json"],
    )
    assert r["written"] == 1 and r["reviewers"] == ["import:datadog"]
    osv = tmp_path / "osv" / "pypi" / "evil"
    osv.mkdir(parents=True)
    (osv / "MAL-2025-1.json").write_text(
        json.dumps(
            {
                "id": "MAL-2025-1",
                "modified": "2025-01-01T00:00:00Z",
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": "evil"}, "versions": ["1.0"]}
                ],
                "database_specific": {"malicious-packages-origins": [{"source": "ghsa-malware"}]},
            }
        )
    )
    assert main(["import-dataset", str(tmp_path / "osv"), "--format", "osv", "--db", str(db)]) == 0
    assert "imported 1 label(s) on 1 package(s) from import:ghsa-malware" in capsys.readouterr().out
    with Store.open(db) as s:
        ext = s.external_labels_for(("pypi", "evil", "1.0"))
    assert [e.reviewer for e in ext] == ["import:datadog", "import:ghsa-malware"]
    assert main(["import-dataset", str(tmp_path / "nope"), "--format", "osv"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_git_errors_are_one_line_exit_2(tmp_path, capsys):
    wc = tmp_path / "wc"
    subprocess.run(["git", "init", "-q", str(wc)], check=True)
    db = tmp_path / "s.db"
    rc = main(["sync", "--dataset", str(wc), "--db", str(db), "--reviewer", "a", "--git"])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "no git remote" in err
    assert not db.exists()
    (tmp_path / "file").write_text("x")
    assert main(["sync", "--dataset", str(tmp_path / "file"), "--db", str(db)]) == 2
    assert "not a folder" in capsys.readouterr().err
