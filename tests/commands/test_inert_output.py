"""Terminal output is inert: text from a package, report or label never reaches the terminal
raw, whichever human command prints it (escapes, bidi, line separators, newlines in names)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest

from app.cli import main
from app.core.decisions import Decision
from app.core.store.db import Store
from app.core.text import HAZARD_RE
from app.sync.labels import make_label
from app.sync.layout import atomic_write
from tests.commands.test_queue import make_sdist
from tests.sync.signed import signed_bytes

# An ANSI "clear screen + red", an 8-bit CSI, a right-to-left override, a line separator and a
# newline that would start a forged line of its own.
EVIL = "\x1b[2J\x1b[31m\x9b1m\u202eevil\u2028\nFORGED: risk none"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_inert(out: str, err: str) -> None:
    for stream in (out, err):
        assert not HAZARD_RE.search(stream), repr(stream)
        lines = stream.split("\n")
        assert not any(line.startswith("FORGED") for line in lines), repr(stream)


@pytest.fixture
def desk(tmp_path):
    """A store with hostile text in every field a package, report or label fills."""
    db = tmp_path / "store.sqlite3"
    store = Store.open(db)
    sdist = make_sdist(tmp_path / "evil-1.0.tar.gz")
    sha = hashlib.sha256(sdist.read_bytes()).hexdigest()
    items = []
    for project in ("evil-one", "evil-two"):
        item, _ = store.add_item(
            "pypi",
            project + EVIL,
            ["1.0" + EVIL],
            reporter="scanner" + EVIL,
            report_text="reason" + EVIL,
            artifact_path=str(sdist),
            artifact_sha256=sha,
        )
        items.append(item)
    store.record_decision(
        items[0].id,
        Decision(verdict="malicious", action="remove_project", reason="why" + EVIL, reviewer="me"),
    )
    store.close()
    return db


@pytest.mark.parametrize(
    "argv",
    [
        ("queue", "list"),
        ("queue", "show", "1"),
        ("queue", "show", "2"),
        ("log",),
        ("campaigns",),
        ("ioc", "203.0.113.9"),
        ("undo",),
        ("decide", "2", "--verdict", "benign", "--action", "not_malware"),
    ],
    ids=lambda a: " ".join(a),
)
def test_store_text_is_escaped_by_every_command(capsys, desk, argv):
    code, out, err = run(capsys, *argv, "--db", desk)
    assert code == 0, err
    assert "\\x1b[2J" in out or "\\u202e" in out or argv[0] == "campaigns"  # shown, escaped
    assert_inert(out, err)


def test_campaigns_lists_hostile_members_escaped(capsys, desk):
    code, out, err = run(capsys, "campaigns", "--db", desk)
    assert code == 0, err
    assert "campaign 1" in out and "\\u202eevil" in out
    assert_inert(out, err)


def test_inbox_import_escapes_hostile_file_names_and_reasons(capsys, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    bad = inbox / ("report\x1b[2J\u202e\u2028" + ".json")
    bad.write_text(json.dumps({"ecosystem": "pypi", "name": "x", "version": 5}))
    old = time.time() - 60
    os.utime(bad, (old, old))
    code, out, err = run(capsys, "inbox", "import", "--inbox", inbox, "--db", tmp_path / "s.db")
    assert "rejected report\\x1b[2J\\u202e\\u2028.json" in err
    assert_inert(out, err)


def test_sync_conflicts_and_agreement_escape_label_text(capsys, tmp_path):
    ds = tmp_path / "ds"
    ds.mkdir()
    for reviewer, verdict, action in (
        ("carol", "malicious", "remove_project"),
        ("dave", "benign", "not_malware"),
    ):
        label = make_label(
            ecosystem="pypi",
            name="acme",
            version="1.1",
            reviewer=reviewer,
            verdict=verdict,
            action=action,
            reason="because" + EVIL,
        )
        atomic_write(ds, f"labels/pypi/acme/1.1/{reviewer}.json", signed_bytes(label))
    # A file the sync skips, whose name itself is hostile.
    atomic_write(ds, "labels/pypi/acme/1.1/x\x1b[2J\u202e.json", b"{")
    db = tmp_path / "me.db"
    for argv in (
        ("sync", "--dataset", ds, "--db", db),
        ("conflicts", "--dataset", ds),
        ("agreement", "--dataset", ds),
    ):
        code, out, err = run(capsys, *argv)
        assert code == 0, (argv, err)
        assert "\\x1b[2J" in out + err, (argv, out, err)
        assert_inert(out, err)


def test_an_error_line_escapes_what_it_quotes(capsys, tmp_path):
    code, out, err = run(capsys, "inspect", tmp_path / ("missing" + EVIL + ".tar.gz"))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("vetbench: ")
    assert_inert(out, err)
