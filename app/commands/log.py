"""``vetbench log``: the append-only action log, newest first."""

from __future__ import annotations

import json

from app.commands._options import add_db_option, add_json_option, item_id_arg, open_store
from app.commands._output import print_json

LOG_SCHEMA = "vetbench.log/1"


def cmd_log(args) -> int:
    item_id = item_id_arg(args.item) if args.item else None
    with open_store(args) as store:
        entries = store.log(limit=args.limit, offset=args.offset, item_id=item_id)
    if args.json:
        print_json({"schema": LOG_SCHEMA, "entries": [e.to_json() for e in entries]})
        return 0
    for e in entries:
        where = f" #{e.item_id}" if e.item_id is not None else ""
        dec = f" decision #{e.decision_id}" if e.decision_id is not None else ""
        detail = json.dumps(e.detail, ensure_ascii=False, separators=(",", ":"))
        print(f"{e.at} {e.actor or '-'} {e.action}{where}{dec} {detail}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("log", help="show the action log (newest first)")
    add_json_option(p, help="vetbench.log/1 JSON")
    p.add_argument("--item", help="only entries of this queue item")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--offset", type=int, default=0)
    add_db_option(p)
    p.set_defaults(func=cmd_log)
