"""app.config: the one reader of VETBENCH_* variables, and the meaning each one has."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from app.errors import UsageError

OFFLINE_WORDS = ["1", "true", "TRUE", "Yes", "on", " 1 "]
ONLINE_WORDS = ["", "0", "false", "False", "no", "OFF"]


def _fetcher_offline(tmp_path) -> bool:
    from app.core.registry.fetcher import _Session

    session = _Session("pypi", tmp_path / "cache", "http://127.0.0.1:9/", False, None)
    try:
        return session.offline
    finally:
        session.close()


class _WindowBuilt(Exception):
    pass


def _window_offline(tmp_path, monkeypatch) -> bool:
    """What ``vetbench`` (the window) decides: it fetches missing releases unless offline."""
    from app.ui import launch

    seen = {}

    def fake_build_window(store, **kwargs):
        seen.update(kwargs)
        store.close()
        raise _WindowBuilt

    monkeypatch.setattr(launch, "make_app", lambda: None)
    monkeypatch.setattr(launch, "build_window", fake_build_window)
    with pytest.raises(_WindowBuilt):
        launch.run_app(SimpleNamespace(db=str(tmp_path / "s.sqlite3")))
    return not seen["fetch_missing"]


@pytest.mark.parametrize("value", OFFLINE_WORDS + ONLINE_WORDS)
def test_offline_has_one_meaning_for_the_fetcher_and_the_window(value, tmp_path, monkeypatch):
    monkeypatch.setenv("VETBENCH_OFFLINE", value)
    expected = value.strip().lower() in ("1", "true", "yes", "on")
    assert _fetcher_offline(tmp_path) is expected
    assert _window_offline(tmp_path, monkeypatch) is expected


def test_offline_unset_is_online(tmp_path, monkeypatch):
    monkeypatch.delenv("VETBENCH_OFFLINE", raising=False)
    assert _fetcher_offline(tmp_path) is False
    assert _window_offline(tmp_path, monkeypatch) is False


@pytest.mark.parametrize("value", ["2", "offline", "y"])
def test_offline_with_an_unknown_word_is_a_usage_error_in_both(value, tmp_path, monkeypatch):
    monkeypatch.setenv("VETBENCH_OFFLINE", value)
    with pytest.raises(UsageError, match="VETBENCH_OFFLINE"):
        _fetcher_offline(tmp_path)
    with pytest.raises(UsageError, match="VETBENCH_OFFLINE"):
        _window_offline(tmp_path, monkeypatch)
