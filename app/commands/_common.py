"""Small helpers shared by command modules (JSON printing, --db option)."""

from __future__ import annotations

import json
import sys
from typing import Any


def add_db_option(parser) -> None:
    """Every subcommand that uses the store takes ``--db PATH`` after its own name."""
    parser.add_argument("--db", metavar="PATH", help="store file (default: $VETBENCH_DB or the user data dir)")


# Characters JSON leaves raw in strings but that line readers (Python's ``splitlines``, many
# log tools) treat as line ends: escaped, one document stays one line.
_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(obj: Any) -> str:
    """``obj`` as one line of JSON (no newline inside, whatever the strings hold)."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=False).translate(_LINE_BREAKS)


def print_json(obj: Any) -> None:
    """One JSON document on one line: the stable machine interface of ``--json``."""
    sys.stdout.write(json_line(obj) + "\n")


def read_dataset_labels(args):
    """``--dataset DIR`` read as (labels, problems); a missing folder is unusable input."""
    from pathlib import Path

    from app.errors import UsageError
    from app.sync.dataset import read_all_labels

    root = Path(args.dataset).expanduser()
    if not root.is_dir():
        raise UsageError(f"--dataset {root}: not a folder")
    return read_all_labels(root)
