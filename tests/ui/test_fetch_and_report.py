"""From the window, by keyboard: an item without files fetches and attaches its release (File →
Add NAME==VERSION too), against a local registry started here; Decide → Report to PyPI shows
the dry-run Observation and sends it only with a token, to a local server that checks it."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from app.core.decisions import Decision
from app.core.store.db import Store
from tests.commands.test_observation import TOKEN, Registry
from tests.core.registry.conftest import replay  # noqa: F401 - fixture
from tests.ui.waits import wait_file_shown

TIMEOUT = 30_000
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier

pytestmark = pytest.mark.network


@pytest.fixture
def registry_env(replay, tmp_path, monkeypatch):  # noqa: F811 - the fixture above
    monkeypatch.setenv("VETBENCH_PYPI_INDEX", replay.base)
    monkeypatch.setenv("VETBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VETBENCH_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("VETBENCH_HTTP_RETRIES", "1")
    monkeypatch.setenv("VETBENCH_HTTP_BACKOFF", "0.01")
    return replay


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "store.sqlite3")
    yield s
    s.close()


def settled(window, qtbot):
    qtbot.wait(50)
    qtbot.waitUntil(window.is_settled, timeout=TIMEOUT)


def test_item_without_files_gets_them_fetched_and_attached_by_alt_g(
    registry_env, store, make_window, qtbot
):
    doc = registry_env.load_pypi("six")
    item, _ = store.add_item("pypi", "six", ["1.17.0"], source="report", reporter="feed-x")
    window = make_window(store)  # offline window: nothing is fetched on its own
    window.queue.select_row(0)
    page = window.fetcher.page
    qtbot.waitUntil(lambda: window.release.diff.stack.currentWidget() is page, timeout=TIMEOUT)
    settled(window, qtbot)
    assert "six 1.17.0 has no release file here" in page.text.text()
    assert "try: vetbench fetch" not in page.text.text()
    assert store.artifacts_for(item.id) == []

    qtbot.keyClick(window.queue.table, Qt.Key.Key_G, ALT)
    qtbot.waitUntil(lambda: window.release.diff.view is not None, timeout=TIMEOUT)
    settled(window, qtbot)
    roles = sorted((a.role, a.version) for a in store.artifacts_for(item.id))
    wanted = {"new": "1.17.0", "baseline": "1.16.0"}
    assert roles == sorted(
        (role, version) for role, version in wanted.items() for _f in doc["releases"][version]
    )
    assert store.get_item(item.id).risk_level is not None  # the fetched files were scanned
    assert "six 1.17.0" in window.release.title.text()
    assert window.release.files.topLevelItemCount() > 0
    assert "Fetched" in window.statusBar().currentMessage()


def test_a_release_the_registry_does_not_have_says_so(registry_env, store, make_window, qtbot):
    registry_env.load_pypi("six")
    store.add_item("pypi", "six", ["9.9.9"], source="report")
    window = make_window(store)
    window.queue.select_row(0)
    page = window.fetcher.page
    qtbot.waitUntil(lambda: window.release.diff.stack.currentWidget() is page, timeout=TIMEOUT)
    settled(window, qtbot)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_G, ALT)
    qtbot.waitUntil(lambda: "Could not fetch" in page.text.text(), timeout=TIMEOUT)
    assert "six has no release 9.9.9" in page.text.text()
    assert "six has no release 9.9.9" in window.banner.message.text()
    assert page.button.isEnabled()


def test_file_add_name_version_fetches_the_release(registry_env, store, make_window, qtbot):
    registry_env.load_pypi("six")
    window = make_window(store)
    assert window.first_run.showing
    qtbot.keyClick(window.first_run.page.add_button, Qt.Key.Key_O, CTRL)
    qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
    field = window.file_actions.dialog.target
    qtbot.waitUntil(field.hasFocus, timeout=5000)
    qtbot.keyClicks(field, "six==1.17.0")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: store.count_items() == 1, timeout=TIMEOUT)
    settled(window, qtbot)
    (item,) = store.list_items()
    assert {a.version for a in store.artifacts_for(item.id) if a.role == "new"} == {"1.17.0"}
    assert window.item is not None and window.item.id == item.id
    assert window.release.diff.view is not None  # opened with its files, not a fetch page


# ---------------------------------------------------------------------------- Report to PyPI


@pytest.fixture
def decided(demo_store):
    item = demo_store.list_items(limit=1)[0]
    demo_store.record_decision(
        item.id,
        Decision(
            verdict="malicious",
            action="quarantine_release",
            kind="is_malware",
            reason="setup.py posts the environment to 203.0.113.9",
            reviewer="tester",
        ),
    )
    return demo_store, item


@pytest.fixture
def pypi():
    server = Registry()
    yield server
    server.close()


def open_report(window, qtbot):
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)  # a timeout says which page and message instead
    settled(window, qtbot)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_P, CTRL | SHIFT)
    qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
    dialog = window.file_actions.dialog
    qtbot.waitUntil(lambda: dialog.preview.toPlainText() != "", timeout=TIMEOUT)
    return dialog


def observations(store, item_id):
    return [e for e in store.log(item_id=item_id) if e.action == "observation"]


def test_report_to_pypi_without_a_token_is_a_dry_run_that_says_why(
    decided, make_window, qtbot, monkeypatch
):
    monkeypatch.delenv("VETBENCH_PYPI_TOKEN", raising=False)
    store, item = decided
    window = make_window(store)
    dialog = open_report(window, qtbot)
    body = json.loads(dialog.preview.toPlainText())
    assert body["kind"] == "is_malware"
    assert body["summary"] == "setup.py posts the environment to 203.0.113.9"
    assert body["inspector_url"].startswith(f"https://inspector.pypi.io/project/{item.project}/")
    assert not dialog.send_button.isEnabled()
    assert "set VETBENCH_PYPI_TOKEN" in dialog.status.text()
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)  # Send is disabled: nothing happens
    settled(window, qtbot)
    assert observations(store, item.id) == []


def test_report_to_pypi_sends_with_a_token_and_logs_only_what_was_accepted(
    decided, make_window, qtbot, monkeypatch, pypi
):
    store, item = decided
    monkeypatch.setenv("VETBENCH_PYPI_TOKEN", "wrong-token")
    window = make_window(store)
    dialog = open_report(window, qtbot)
    dialog.server.selectAll()
    qtbot.keyClicks(dialog.server, pypi.url)
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: "HTTP 401" in dialog.status.text(), timeout=TIMEOUT)
    assert "the token was refused; nothing was recorded" in dialog.status.text()
    assert "Report to PyPI" in window.banner.message.text()
    assert observations(store, item.id) == []
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    monkeypatch.setenv("VETBENCH_PYPI_TOKEN", TOKEN)
    dialog = open_report(window, qtbot)
    dialog.server.selectAll()
    qtbot.keyClicks(dialog.server, pypi.url)
    qtbot.keyClick(dialog, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Sent"), timeout=TIMEOUT)
    sent = pypi.requests[-1]
    assert sent["path"] == f"/danger-api/projects/{item.project}/observations"
    assert sent["auth"] == f"Bearer {TOKEN}"
    assert sent["body"] == json.loads(dialog.preview.toPlainText())
    (logged,) = observations(store, item.id)
    assert logged.detail["status"] == 200


def test_report_to_pypi_of_an_undecided_item_asks_for_a_kind(demo_store, make_window, qtbot):
    window = make_window(demo_store)
    window.queue.select_row(0)
    wait_file_shown(window, qtbot, TIMEOUT)  # a timeout says which page and message instead
    settled(window, qtbot)
    qtbot.keyClick(window.queue.table, Qt.Key.Key_P, CTRL | SHIFT)
    qtbot.waitUntil(lambda: window.file_actions.dialog is not None, timeout=5000)
    dialog = window.file_actions.dialog
    qtbot.waitUntil(lambda: "not decided malicious" in dialog.status.text(), timeout=TIMEOUT)
    assert "pick a Kind" in dialog.status.text() and "--kind" not in dialog.status.text()
    assert dialog.preview.toPlainText() == "" and not dialog.send_button.isEnabled()
    # Picking a kind (type-ahead in the drop-down) builds the body: summary still missing.
    dialog.kind.setFocus()
    qtbot.keyClicks(dialog.kind, "is_s")
    qtbot.waitUntil(lambda: "write a Summary" in dialog.status.text(), timeout=TIMEOUT)
    assert dialog.kind.currentText() == "is_spam"
    qtbot.keyClicks(dialog.summary, "same payload as colorstrip")
    qtbot.keyClick(dialog.summary, Qt.Key.Key_Return)  # Return previews, it never sends
    qtbot.waitUntil(lambda: dialog.preview.toPlainText() != "", timeout=TIMEOUT)
    body = json.loads(dialog.preview.toPlainText())
    assert body == {"kind": "is_spam", "summary": "same payload as colorstrip"}
