"""The options every subcommand spells the same way, and how their values are resolved.

``--db PATH`` (after the subcommand's name), ``--json``, ``--dataset DIR`` and
``--reviewer NAME`` mean the same thing everywhere; declaring and resolving them here keeps it
so. Precedence is always: the option, then its ``VETBENCH_*`` variable (:mod:`app.config`),
then the default.
"""

from __future__ import annotations

import getpass
from pathlib import Path

from app import config
from app.core.store.db import Store
from app.errors import UsageError


def add_db_option(parser) -> None:
    """Every subcommand that uses the store takes ``--db PATH`` after its own name."""
    parser.add_argument(
        "--db", metavar="PATH", help="store file (default: $VETBENCH_DB or the user data dir)"
    )


def add_json_option(parser, help: str = "print JSON") -> None:
    """``--json``: the stable machine interface (one document per line)."""
    parser.add_argument("--json", action="store_true", help=help)


def add_dataset_option(parser, help: str = "the dataset folder") -> None:
    """``--dataset DIR``: the shared dataset folder (required where given)."""
    parser.add_argument("--dataset", required=True, metavar="DIR", help=help)


def add_reviewer_option(
    parser, help: str = "default: $VETBENCH_REVIEWER or the login name"
) -> None:
    parser.add_argument("--reviewer", metavar="NAME", help=help)


def open_store(args) -> Store:
    """``--db`` wins, then ``$VETBENCH_DB``, then the user data dir."""
    return Store.open(getattr(args, "db", None))


def reviewer_name(explicit: str | None) -> str:
    """``--reviewer``, else ``$VETBENCH_REVIEWER``, else the login name."""
    name = explicit or config.reviewer()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # noqa: BLE001 - no login name in some containers
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


def read_dataset_labels(args):
    """``--dataset DIR`` read as (labels, problems); a missing folder is unusable input."""
    from app.sync.dataset import read_all_labels

    root = Path(args.dataset).expanduser()
    if not root.is_dir():
        raise UsageError(f"--dataset {root}: not a folder")
    return read_all_labels(root)
