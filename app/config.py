"""Every ``VETBENCH_*`` environment variable is read here, and only here.

Why one module: a variable read in three places grows three meanings (``VETBENCH_OFFLINE`` once
meant "1" to the fetcher and "anything" to the window), and a variable nobody lists is one
nobody can find. So each variable has one typed function below, :data:`VARIABLES` documents
every one of them (name, default, meaning; the README table is written from it), and a test
fails when a module under ``app/`` reads the environment for a ``VETBENCH_`` name itself or
mentions a name that is not listed.

Values are read at call time, never at import time, so a variable set by a parent process or a
test's ``monkeypatch.setenv`` after import still counts. An empty value means "unset".

This module imports neither Qt nor :mod:`app.core` (the core imports it), and creates no files:
callers that write (the store, the inbox importer, the caches) create what they need.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

from app.errors import UsageError

APP_NAME = "vetbench"


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str


#: Every variable Vetbench reads, in the order the README lists them.
VARIABLES: tuple[Variable, ...] = (
    Variable(
        "VETBENCH_DATA_DIR",
        "the user data dir (`~/.local/share/vetbench` on Linux)",
        "Folder for the store and the inbox (portable set-ups, tests).",
    ),
    Variable(
        "VETBENCH_DB", "`<data dir>/vetbench.sqlite3`", "The store file; `--db PATH` wins over it."
    ),
    Variable(
        "VETBENCH_INBOX", "`<data dir>/inbox`", "Folder scanners and feeds drop JSON reports into."
    ),
    Variable(
        "VETBENCH_CACHE_DIR",
        "the user cache dir (downloads in its `registry/` folder)",
        "Cache root: the download cache (`files/`, `documents/`, `tmp/`; `vetbench fetch "
        "--cache-dir` wins) and the findings cache `findings.sqlite` (`--db` of `scan` and "
        "`diff` wins).",
    ),
    Variable(
        "VETBENCH_OFFLINE",
        "unset (online)",
        "Yes/no: `1`, `true`, `yes`, `on` (any case) = no network, only the download cache, "
        "for `vetbench fetch` and the window's background fetch; unset, empty, `0`, `false`, "
        "`no`, `off` = online; any other value is a usage error (exit 2).",
    ),
    Variable(
        "VETBENCH_REVIEWER",
        "the login name",
        "Reviewer name on decisions and dataset commits; `--reviewer` wins.",
    ),
    Variable(
        "VETBENCH_PYPI_INDEX",
        "`https://pypi.org/`",
        "PyPI index: a Warehouse base URL or a PEP 503/691 simple index; `--index` wins.",
    ),
    Variable(
        "VETBENCH_NPM_REGISTRY",
        "`https://registry.npmjs.org/`",
        "npm registry base URL; `--index` wins.",
    ),
    Variable(
        "VETBENCH_HTTP_CONNECT_TIMEOUT", "`10` (seconds)", "Connect timeout of registry requests."
    ),
    Variable("VETBENCH_HTTP_TIMEOUT", "`30` (seconds)", "Read timeout of registry requests."),
    Variable(
        "VETBENCH_HTTP_DEADLINE",
        "`900` (seconds)",
        "Overall deadline of one registry request or download, retries included: a server "
        "that trickles bytes (each read inside the read timeout) is cut off when it passes.",
    ),
    Variable(
        "VETBENCH_HTTP_RETRIES",
        "`3`",
        "Retries of a failed request (connection error, 5xx, 429); a 404 is never retried.",
    ),
    Variable(
        "VETBENCH_HTTP_BACKOFF",
        "`0.5` (seconds, doubling, at most 8)",
        "Wait before the first retry.",
    ),
    Variable(
        "VETBENCH_MAX_DOWNLOAD", "`2147483648` (2 GiB)", "Largest file a download may be, in bytes."
    ),
    Variable(
        "VETBENCH_PATTERN_ENGINE",
        "`yara-x`",
        "`re` runs the pattern rules with Python's `re` instead of yara-x (the same places "
        "found, ~25x slower), quietly since it is a choice; any other value means yara-x. "
        "When yara-x cannot import or compile the rules, `re` runs anyway and says so: a "
        "logged warning, `notes` in the scan JSON, one stderr line of `vetbench scan`.",
    ),
    Variable(
        "VETBENCH_SYNCHRONOUS",
        "`FULL`",
        "SQLite `synchronous` of the store: `FULL` survives a power cut, `NORMAL` (slow "
        "disks) only a killed process.",
    ),
    Variable(
        "VETBENCH_THEME",
        "`light`",
        "Theme of `vetbench --screenshot` images: `light`, `dark` or `system`.",
    ),
    Variable(
        "VETBENCH_GUI_THREAD_TEXT",
        "unset (no)",
        "Yes/no (as `VETBENCH_OFFLINE`): build large diff texts on the GUI thread instead "
        "of a worker; only to rule the worker out when diagnosing a platform problem.",
    ),
    Variable(
        "VETBENCH_PYPI_TOKEN",
        "unset",
        "PyPI API token `vetbench observation --send` sends Observations with (never printed "
        "or logged).",
    ),
    Variable(
        "VETBENCH_SYNC_PAUSE",
        "unset",
        "Crash-test hook: `<stage>:<n>` makes a dataset sync stop before its n-th such step.",
    ),
)

#: The words a yes/no variable accepts (case and surrounding blanks ignored). Anything else is
#: a usage error rather than a guess: ``VETBENCH_OFFLINE=2`` must not quietly go online.
YES_WORDS = ("1", "true", "yes", "on")
NO_WORDS = ("", "0", "false", "no", "off")
DEFAULT_MAX_DOWNLOAD = 2 * 1024**3  # the largest real wheels are ~1 GB


def _get(name: str) -> str | None:
    """The variable's value, or None when it is unset or empty."""
    return os.environ.get(name) or None


def env_flag(name: str) -> bool:
    """A yes/no variable: unset or a :data:`NO_WORDS` word is False, a :data:`YES_WORDS` word
    True; any other value raises :class:`UsageError` naming the variable and the words."""
    raw = os.environ.get(name, "")
    word = raw.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise UsageError(
        f"{name}={raw!r} is not a yes/no value: use one of "
        f"{', '.join(YES_WORDS)} (yes) or {', '.join(w for w in NO_WORDS if w)} (no)"
    )


def _number(name: str, default: float) -> float:
    """A numeric variable; a value that is not a number is ignored (the default applies)."""
    try:
        return float(os.environ.get(name, ""))
    except ValueError:
        return default


# ---------------------------------------------------------------------------- files


def data_dir() -> Path:
    """The per-user data folder (``$VETBENCH_DATA_DIR`` wins, for tests and portable set-ups)."""
    override = _get("VETBENCH_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The store file: ``$VETBENCH_DB`` if set, else ``<data dir>/vetbench.sqlite3``."""
    override = _get("VETBENCH_DB")
    if override:
        return Path(override).expanduser()
    return data_dir() / "vetbench.sqlite3"


def resolve_db_path(path: str | os.PathLike[str] | None) -> Path:
    """An explicit ``--db`` path wins over ``$VETBENCH_DB`` and the default."""
    if path is not None and str(path) != "":
        return Path(path).expanduser()
    return default_db_path()


def default_inbox_dir() -> Path:
    """The folder scanners and feeds drop JSON reports into: ``$VETBENCH_INBOX`` or
    ``<data dir>/inbox``."""
    override = _get("VETBENCH_INBOX")
    if override:
        return Path(override).expanduser()
    return data_dir() / "inbox"


def download_cache_dir() -> Path:
    """Root of the verified download cache: ``$VETBENCH_CACHE_DIR`` or the user cache dir +
    ``/registry``."""
    override = _get("VETBENCH_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    return Path(user_cache_dir(APP_NAME, appauthor=False)) / "registry"


def findings_cache_path() -> Path:
    """The scan findings cache: ``$VETBENCH_CACHE_DIR/findings.sqlite`` beside the downloads,
    else ``findings.sqlite`` in the user cache dir, where it has always been (platformdirs'
    default app author, as before, so no existing cache moves on Windows)."""
    override = _get("VETBENCH_CACHE_DIR")
    if override:
        return Path(override).expanduser() / "findings.sqlite"
    return Path(user_cache_dir(APP_NAME)) / "findings.sqlite"


def synchronous() -> str:
    """``$VETBENCH_SYNCHRONOUS`` upper-cased, ``FULL`` when unset (the store checks the value)."""
    return (_get("VETBENCH_SYNCHRONOUS") or "FULL").upper()


# ---------------------------------------------------------------------------- network


def offline() -> bool:
    """``$VETBENCH_OFFLINE``: no network at all, neither for ``fetch`` nor for the window's
    background fetch of missing releases (only what the download cache already holds)."""
    return env_flag("VETBENCH_OFFLINE")


def pypi_index() -> str | None:
    """``$VETBENCH_PYPI_INDEX``, or None for the registry module's default."""
    return _get("VETBENCH_PYPI_INDEX")


def npm_registry() -> str | None:
    """``$VETBENCH_NPM_REGISTRY``, or None for the registry module's default."""
    return _get("VETBENCH_NPM_REGISTRY")


def http_connect_timeout() -> float:
    return _number("VETBENCH_HTTP_CONNECT_TIMEOUT", 10.0)


def http_read_timeout() -> float:
    return _number("VETBENCH_HTTP_TIMEOUT", 30.0)


def http_deadline() -> float:
    """``$VETBENCH_HTTP_DEADLINE``: wall-clock seconds one request or download may take."""
    return _number("VETBENCH_HTTP_DEADLINE", 900.0)


def http_retries() -> int:
    return int(_number("VETBENCH_HTTP_RETRIES", 3))


def http_backoff() -> float:
    return _number("VETBENCH_HTTP_BACKOFF", 0.5)


def max_download() -> int:
    """Largest download in bytes (``$VETBENCH_MAX_DOWNLOAD``, default 2 GiB)."""
    return int(_number("VETBENCH_MAX_DOWNLOAD", DEFAULT_MAX_DOWNLOAD))


# ---------------------------------------------------------------------------- people, engines, UI


def reviewer() -> str | None:
    """``$VETBENCH_REVIEWER``, or None (callers fall back to the login name)."""
    return _get("VETBENCH_REVIEWER")


def pattern_engine() -> str:
    """``re`` when ``$VETBENCH_PATTERN_ENGINE`` asks for Python's ``re``, else ``yara-x``."""
    return "re" if (_get("VETBENCH_PATTERN_ENGINE") or "").strip().lower() == "re" else "yara-x"


def screenshot_theme() -> str:
    """Theme of ``--screenshot`` images (``$VETBENCH_THEME``, default ``light``)."""
    return _get("VETBENCH_THEME") or "light"


def text_on_gui_thread() -> bool:
    """``$VETBENCH_GUI_THREAD_TEXT``: build diff texts on the GUI thread (diagnosis only)."""
    return env_flag("VETBENCH_GUI_THREAD_TEXT")


KEYRING_SERVICE, KEYRING_USER = "vetbench", "pypi"


def pypi_token() -> str | None:
    """The API token for PyPI Observations: ``$VETBENCH_PYPI_TOKEN``, else the system keyring
    (``keyring set vetbench pypi``), else None.

    ``keyring`` is optional (not a dependency: its backends need a desktop session); when it is
    missing, locked or has no entry, there is simply no token and sending stays off.
    """
    value = _get("VETBENCH_PYPI_TOKEN")
    if value and value.strip():
        return value.strip()
    try:
        import keyring

        stored = keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception:  # noqa: BLE001 - no keyring module, no backend, a locked store
        return None
    return stored.strip() if isinstance(stored, str) and stored.strip() else None


def sync_pause() -> str | None:
    """``$VETBENCH_SYNC_PAUSE`` (crash tests only): ``<stage>:<n>``."""
    return _get("VETBENCH_SYNC_PAUSE")
