"""``vetbench observation`` turns a decision into a PyPI Observation: a dry run prints the
body; --send posts it to a local test server that checks the request; the item's log gains an
``observation`` entry only when the server accepted it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from app.cli import main
from app.core.decisions import Decision, Evidence
from app.core.store.db import Store
from tests.workflows.release_fixtures import NAME, make_sdist, queue_release

TOKEN = "pypi-test-token-not-real"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


class Registry:
    """A stand-in for PyPI's danger-api on 127.0.0.1: records requests, answers ``status``."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[dict] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                registry.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization"),
                        "type": self.headers.get("Content-Type"),
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
                status = registry.status if ok else 401
                data = json.dumps({"ok": status < 300}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    reg = Registry()
    yield reg
    reg.close()


@pytest.fixture
def decided(tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db) as store:
        item_id = queue_release(store, tmp_path / "files")
        store.record_decision(
            item_id,
            Decision(
                "malicious",
                action="remove_project",
                kind="is_malware",
                reason="wheel-only .pth file runs curl | sh",
                reviewer="bob",
                evidence=(Evidence(f"{NAME}_init.pth", None, 1, 1),),
            ),
        )
    return db, item_id


def observations(db, item_id):
    with Store.open(db) as store:
        return [e for e in store.log(item_id=item_id) if e.action == "observation"]


def test_dry_run_prints_the_body_with_the_inspector_url_of_the_file_and_line(capsys, decided):
    db, item_id = decided
    code, out, _ = run(capsys, "observation", item_id, "--db", db)
    assert code == 0
    body = json.loads(out)
    assert body["kind"] == "is_malware"
    assert body["summary"] == "wheel-only .pth file runs curl | sh"
    assert body["inspector_url"] == (
        "https://inspector.pypi.io/project/colorkit/1.1/packages/ab/cd/0123456789abcdef/"
        f"colorkit-1.1-py3-none-any.whl/{NAME}_init.pth#line.1"
    )
    assert observations(db, item_id) == []


def test_the_inspector_url_keeps_the_sdists_top_folder(capsys, tmp_path):
    db = tmp_path / "s.sqlite3"
    folder = tmp_path / "files"
    folder.mkdir()
    sdist = make_sdist(folder, "1.1", top="Colorkit-1.1")
    with Store.open(db) as store:
        item, _ = store.add_item("pypi", NAME, ["1.1"])
        url = f"https://files.pythonhosted.org/packages/12/34/abcdef/{sdist.name}"
        store.attach_artifact(item.id, "new", str(sdist), None, version="1.1", url=url)
        store.record_decision(
            item.id,
            Decision(
                "malicious",
                kind="is_malware",
                reason="x",
                reviewer="bob",
                evidence=(Evidence("setup.py", None, 2, 2),),
            ),
        )
    code, out, _ = run(capsys, "observation", item.id, "--db", db)
    assert code == 0
    assert json.loads(out)["inspector_url"].endswith(
        "/packages/12/34/abcdef/colorkit-1.1.tar.gz/Colorkit-1.1/setup.py#line.2"
    )


def test_send_posts_to_the_server_and_logs_only_what_it_accepted(
    capsys, decided, registry, monkeypatch
):
    db, item_id = decided
    monkeypatch.setenv("VETBENCH_PYPI_TOKEN", TOKEN)
    code, out, err = run(
        capsys,
        "observation",
        item_id,
        "--send",
        "--server",
        registry.url,
        "--db",
        db,
        "--reviewer",
        "bob",
    )
    assert code == 0, err
    assert "HTTP 200" in out and TOKEN not in out + err
    (request,) = registry.requests
    assert request["path"] == f"/danger-api/projects/{NAME}/observations"
    assert request["auth"] == f"Bearer {TOKEN}" and request["type"] == "application/json"
    assert request["body"]["kind"] == "is_malware" and "inspector_url" in request["body"]
    (entry,) = observations(db, item_id)
    assert entry.actor == "bob" and entry.detail["status"] == 200
    assert entry.detail["body"] == request["body"] and TOKEN not in json.dumps(entry.detail)
    _, log, _ = run(capsys, "log", "--action", "observation", "--db", db)
    assert "observation" in log and "is_malware sent to" in log


@pytest.mark.parametrize(
    ("token", "status", "words"),
    [
        ("wrong-token", 200, "HTTP 401"),
        (TOKEN, 403, "HTTP 403"),
        (TOKEN, 500, "HTTP 500"),
    ],
)
def test_refusals_and_failures_are_one_line_exit_2_and_nothing_recorded(
    capsys, decided, registry, monkeypatch, token, status, words
):
    db, item_id = decided
    registry.status = status
    monkeypatch.setenv("VETBENCH_PYPI_TOKEN", token)
    code, out, err = run(
        capsys, "observation", item_id, "--send", "--server", registry.url, "--db", db
    )
    assert code == 2 and out == "" and err.count("\n") == 1
    assert words in err and "nothing was recorded" in err and token not in err
    assert observations(db, item_id) == []


def test_a_server_that_is_down_or_no_token_is_one_line_exit_2(capsys, decided, monkeypatch):
    db, item_id = decided
    down = Registry()
    down.close()  # the port is free again: nobody answers
    monkeypatch.setenv("VETBENCH_PYPI_TOKEN", TOKEN)
    code, _, err = run(capsys, "observation", item_id, "--send", "--server", down.url, "--db", db)
    assert code == 2 and err.count("\n") == 1 and "cannot reach" in err
    monkeypatch.delenv("VETBENCH_PYPI_TOKEN")
    code, _, err = run(capsys, "observation", item_id, "--send", "--server", down.url, "--db", db)
    assert code == 2 and "VETBENCH_PYPI_TOKEN" in err
    assert observations(db, item_id) == []


def test_an_undecided_item_needs_kind_and_summary(capsys, tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db) as store:
        item_id = queue_release(store, tmp_path / "files")
    code, _, err = run(capsys, "observation", item_id, "--db", db)
    assert code == 2 and "--kind" in err
    code, out, _ = run(
        capsys, "observation", item_id, "--kind", "is_spam", "--summary", "SEO spam", "--db", db
    )
    assert code == 0 and json.loads(out) == {"kind": "is_spam", "summary": "SEO spam"}
