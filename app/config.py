"""Where Vetbench keeps its files by default.

The store is embedded (one SQLite file, no server), so it lives in the user's data dir as
platformdirs defines it. ``--db PATH`` or the ``VETBENCH_DB`` environment variable override the
store location; ``VETBENCH_INBOX`` overrides the inbox folder. Nothing here creates files:
callers that write (the store, the inbox importer) create what they need.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir

from app.errors import UsageError

APP_NAME = "vetbench"
DB_ENV = "VETBENCH_DB"
INBOX_ENV = "VETBENCH_INBOX"
DATA_DIR_ENV = "VETBENCH_DATA_DIR"
OFFLINE_ENV = "VETBENCH_OFFLINE"

#: The words a yes/no variable accepts (case and surrounding blanks ignored). Anything else is
#: a usage error rather than a guess: ``VETBENCH_OFFLINE=2`` must not quietly go online.
YES_WORDS = ("1", "true", "yes", "on")
NO_WORDS = ("", "0", "false", "no", "off")


def env_flag(name: str) -> bool:
    """A yes/no variable: unset or a :data:`NO_WORDS` word is False, a :data:`YES_WORDS` word
    True; any other value raises :class:`UsageError` naming the variable and the words."""
    raw = os.environ.get(name, "")
    word = raw.strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise UsageError(f"{name}={raw!r} is not a yes/no value: use one of "
                     f"{', '.join(YES_WORDS)} (yes) or {', '.join(w for w in NO_WORDS if w)} (no)")


def offline() -> bool:
    """``$VETBENCH_OFFLINE``: no network at all, neither for ``fetch`` nor for the window's
    background fetch of missing releases (only what the download cache already holds)."""
    return env_flag(OFFLINE_ENV)


def data_dir() -> Path:
    """The per-user data folder (``$VETBENCH_DATA_DIR`` wins, for tests and portable set-ups)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The store file: ``$VETBENCH_DB`` if set, else ``<data dir>/vetbench.sqlite3``."""
    override = os.environ.get(DB_ENV)
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
    override = os.environ.get(INBOX_ENV)
    if override:
        return Path(override).expanduser()
    return data_dir() / "inbox"
