"""``vetbench log`` names items, says verdicts and reasons, and filters by reviewer, action
and date; ``--json`` keeps its schema and gains summaries."""

from __future__ import annotations

import json

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
    path = tmp_path / "log.sqlite3"
    with Store.open(path) as store:
        a, _ = store.add_item("pypi", "requests2", ["1.0.1"], reporter="carol")
        b, _ = store.add_item("pypi", "colourama", ["0.4.9"])
        store.record_decision(
            a.id,
            Decision("malicious", action="remove_project", reason="steals tokens", reviewer="al"),
        )
        store.record_decision(b.id, Decision("benign", reason="just a fork", reviewer="bo"))
    return path


def test_log_lines_name_the_item_and_say_verdict_action_and_reason(capsys, db):
    code, out, _ = run(capsys, "log", "--db", db)
    assert code == 0
    lines = out.splitlines()
    decided = [line for line in lines if " decide " in line]
    assert any(
        "al decide #1 requests2 1.0.1 malicious/remove_project — steals tokens" in line
        for line in decided
    )
    assert any(
        "bo decide #2 colourama 0.4.9 benign/not_malware — just a fork" in line for line in decided
    )


def test_log_filters_by_reviewer_action_and_date(capsys, db):
    _, out, _ = run(capsys, "log", "--reviewer", "al", "--db", db)
    assert out.strip() and all(" al " in line for line in out.splitlines())
    _, out, _ = run(capsys, "log", "--action", "remove_project", "--db", db)
    assert len(out.splitlines()) == 1 and "requests2" in out
    _, out, _ = run(capsys, "log", "--action", "queue_add", "--db", db)
    assert len(out.splitlines()) == 2
    _, out, _ = run(capsys, "log", "--since", "2999-01-01", "--db", db)
    assert out == ""
    _, out, _ = run(capsys, "log", "--until", "2000-01-01T00:00:00Z", "--db", db)
    assert out == ""
    _, out, _ = run(capsys, "log", "--since", "2000-01-01", "--until", "2999-01-01", "--db", db)
    assert len(out.splitlines()) >= 4


def test_log_json_keeps_its_schema_and_adds_names(capsys, db):
    code, out, _ = run(capsys, "log", "--json", "--action", "decide", "--db", db)
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == "vetbench.log/1"
    first = doc["entries"][0]
    assert {"id", "at", "actor", "action", "item_id", "decision_id", "detail"} <= set(first)
    assert first["item"] == {"project": "colourama", "versions": ["0.4.9"]}
    assert first["decision"]["verdict"] == "benign"
    assert first["decision"]["reason"] == "just a fork"


def test_log_bad_date_is_one_line_exit_2(capsys, db):
    code, out, err = run(capsys, "log", "--since", "last tuesday", "--db", db)
    assert code == 2 and out == "" and err.count("\n") == 1 and "--since" in err
