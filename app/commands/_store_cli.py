"""Shared bits of the store's subcommands (queue, decide, undo, inbox, log)."""

from __future__ import annotations

import getpass

from app import config
from app.core.store.db import Store
from app.errors import UsageError


def open_store(args) -> Store:
    """``--db`` wins, then ``$VETBENCH_DB``, then the user data dir."""
    return Store.open(getattr(args, "db", None))


def reviewer_name(explicit: str | None) -> str:
    """``--reviewer``, else ``$VETBENCH_REVIEWER``, else the login name."""
    name = explicit or config.reviewer()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in some containers
            name = ""
    if not name:
        raise UsageError("no reviewer name: pass --reviewer NAME or set VETBENCH_REVIEWER")
    return name


def item_id_arg(text: str) -> int:
    """Queue item ids are written ``12`` or ``#12``."""
    try:
        value = int(str(text).lstrip("#"))
    except ValueError:
        raise UsageError(f"item id must be a number, got {text!r}") from None
    if value < 1:
        raise UsageError(f"item id must be positive, got {text!r}")
    return value
