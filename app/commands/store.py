"""``vetbench store check [--db PATH]``: the full SQLite integrity check of the store.

Opening a store already runs the quick check and refuses a damaged file; this runs the full
``integrity_check`` (indexes against their tables too) on demand, opening the file read-only
so a damaged store stays byte-for-byte as it was. Exit 0 when it passes, 1 when it does not.
"""

from __future__ import annotations

from app.commands._options import add_db_option, add_json_option
from app.commands._output import print_json, say
from app.config import resolve_db_path
from app.core.store.health import check_store_file


def cmd_check(args) -> int:
    path = resolve_db_path(args.db)
    problems = check_store_file(path)
    if args.json:
        print_json(
            {
                "schema": "vetbench.store-check/1",
                "path": str(path),
                "ok": not problems,
                "problems": problems,
            }
        )
    elif problems:
        say(f"store {path} is damaged: {len(problems)} problem(s) found; it was not changed")
        for problem in problems:
            say(f"  {problem}")
    else:
        say(f"ok: {path} passed the full integrity check")
    return 1 if problems else 0


def register(subparsers) -> None:
    p = subparsers.add_parser("store", help="check the store file")
    sub = p.add_subparsers(dest="store_command", metavar="SUBCOMMAND", required=True)
    check = sub.add_parser("check", help="run the full integrity check (read-only)")
    add_db_option(check)
    add_json_option(check)
    check.set_defaults(func=cmd_check)
