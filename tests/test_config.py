"""app.config: the one reader of VETBENCH_* variables, and the meaning each one has."""

from __future__ import annotations

import ast
import re
from pathlib import Path
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


# ---------------------------------------------------------------------------- one reader

APP = Path(__file__).resolve().parents[1] / "app"
NAME = re.compile(r"VETBENCH_[A-Z0-9_]+")


def _reads_environment(tree: ast.AST) -> bool:
    """``os.environ`` / ``os.getenv`` (or the names imported from ``os``) used as code, not
    merely mentioned in a string (the analysers hold such strings as data)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            return True
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(a.name in ("environ", "getenv") for a in node.names)
        ):
            return True
    return False


def _app_sources():
    for path in sorted(APP.rglob("*.py")):
        yield path.relative_to(APP.parent).as_posix(), path.read_text(encoding="utf-8")


def test_only_app_config_reads_vetbench_variables():
    offenders = [
        rel
        for rel, text in _app_sources()
        if rel != "app/config.py" and NAME.search(text) and _reads_environment(ast.parse(text))
    ]
    assert offenders == [], "read VETBENCH_* through app.config, not os.environ"


def test_every_vetbench_name_in_app_is_documented_in_config():
    from app.config import VARIABLES

    documented = {v.name for v in VARIABLES}
    used = {m.group(0): rel for rel, text in _app_sources() for m in NAME.finditer(text)}
    undocumented = {name: rel for name, rel in used.items() if name not in documented}
    assert undocumented == {}, "add these to app.config.VARIABLES"
    config_text = (APP / "config.py").read_text(encoding="utf-8")
    unread = [name for name in documented if config_text.count(f'"{name}"') < 2]
    assert unread == [], "documented in VARIABLES but never read by a function of app.config"
    assert all(v.default and v.meaning for v in VARIABLES)


def test_config_imports_neither_qt_nor_the_core():
    tree = ast.parse((APP / "config.py").read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert {m for m in imported if m.startswith(("app.", "PySide6", "shiboken6"))} <= {"app.errors"}


def test_values_are_read_at_call_time(monkeypatch):
    from app import config
    from app.core.registry.http import HttpConfig

    monkeypatch.setenv("VETBENCH_HTTP_TIMEOUT", "0.25")
    monkeypatch.setenv("VETBENCH_HTTP_RETRIES", "7")
    monkeypatch.setenv("VETBENCH_MAX_DOWNLOAD", "1000")
    http = HttpConfig()
    assert (http.read_timeout, http.retries, http.max_bytes) == (0.25, 7, 1000)
    monkeypatch.setenv("VETBENCH_HTTP_TIMEOUT", "soon")  # not a number: the default
    assert HttpConfig().read_timeout == 30.0
    monkeypatch.setenv("VETBENCH_SYNCHRONOUS", "normal")
    assert config.synchronous() == "NORMAL"
    monkeypatch.setenv("VETBENCH_SYNCHRONOUS", "")
    assert config.synchronous() == "FULL"


@pytest.mark.parametrize(
    ("value", "engine"),
    [
        (None, "yara-x"),
        ("", "yara-x"),
        ("re", "re"),
        (" RE ", "re"),
        ("yara-x", "yara-x"),
        ("pcre", "yara-x"),
    ],
)
def test_pattern_engine_values(value, engine, monkeypatch):
    from app import config

    if value is None:
        monkeypatch.delenv("VETBENCH_PATTERN_ENGINE", raising=False)
    else:
        monkeypatch.setenv("VETBENCH_PATTERN_ENGINE", value)
    assert config.pattern_engine() == engine


def test_registry_urls_and_reviewer_come_from_config(monkeypatch, tmp_path):
    from app.commands._options import reviewer_name
    from app.core.registry.cache import default_cache_dir
    from app.core.registry.npm import DEFAULT_NPM_URL, default_registry_url
    from app.core.registry.pypi import DEFAULT_PYPI_URL, default_index_url
    from app.sync.engine import default_reviewer

    monkeypatch.delenv("VETBENCH_PYPI_INDEX", raising=False)
    monkeypatch.setenv("VETBENCH_NPM_REGISTRY", "")
    assert (default_index_url(), default_registry_url()) == (DEFAULT_PYPI_URL, DEFAULT_NPM_URL)
    monkeypatch.setenv("VETBENCH_PYPI_INDEX", "http://mirror/simple/")
    monkeypatch.setenv("VETBENCH_NPM_REGISTRY", "http://mirror/npm/")
    assert (default_index_url(), default_registry_url()) == (
        "http://mirror/simple/",
        "http://mirror/npm/",
    )
    monkeypatch.setenv("VETBENCH_REVIEWER", "ada")
    assert reviewer_name(None) == default_reviewer() == "ada"
    monkeypatch.setenv("VETBENCH_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"


def test_pypi_token_from_the_environment_else_the_keyring(monkeypatch):
    """VETBENCH_PYPI_TOKEN wins; without it the token comes from the system keyring
    (`keyring set vetbench pypi`); a missing or broken keyring means no token, never a crash."""
    import sys
    import types

    from app import config

    asked = []

    def get_password(service, user):
        asked.append((service, user))
        return "pypi-from-keyring"

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=get_password))
    monkeypatch.delenv("VETBENCH_PYPI_TOKEN", raising=False)
    assert config.pypi_token() == "pypi-from-keyring"
    assert asked == [("vetbench", "pypi")]
    monkeypatch.setenv("VETBENCH_PYPI_TOKEN", " pypi-from-env ")
    assert config.pypi_token() == "pypi-from-env"
    monkeypatch.delenv("VETBENCH_PYPI_TOKEN")

    def locked(service, user):
        raise RuntimeError("keyring is locked")

    monkeypatch.setitem(sys.modules, "keyring", types.SimpleNamespace(get_password=locked))
    assert config.pypi_token() is None
    monkeypatch.setitem(sys.modules, "keyring", None)  # not installed: import fails
    assert config.pypi_token() is None
