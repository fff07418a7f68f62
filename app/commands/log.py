"""``vetbench log``: the append-only action log, newest first, in words a moderator reads.

Each line names the item (project and versions, not only ``#12``) and, for a decision, its
verdict, action and reason; ``--reviewer``, ``--action`` (a log action such as ``decide`` or
``observation``, or a decision's action such as ``remove_project``) and ``--since``/``--until``
(dates or ISO times; ``--until`` excludes) narrow it down. ``--json`` keeps the stable
``vetbench.log/1`` shape, each entry gaining ``item`` and ``decision`` summaries.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from app.commands._options import add_db_option, add_json_option, item_id_arg, open_store
from app.commands._output import print_json, say
from app.core.store.errors import ItemNotFound
from app.core.text import terminal_text
from app.errors import UsageError

LOG_SCHEMA = "vetbench.log/1"


def _when(text: str | None, option: str) -> str | None:
    """A date (``2026-01-31``) or ISO time, as the store writes them (UTC, ``…Z``)."""
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except ValueError:
        raise UsageError(f"{option} {text!r}: write a date (2026-01-31) or an ISO time") from None


def _summaries(store, entries) -> tuple[dict, dict]:
    items: dict[int, dict | None] = {}
    decisions: dict[int, dict | None] = {}
    for e in entries:
        if e.item_id is not None and e.item_id not in items:
            try:
                it = store.get_item(e.item_id)
                items[e.item_id] = {"project": it.project, "versions": list(it.versions)}
            except ItemNotFound:
                items[e.item_id] = None
        if e.decision_id is not None and e.decision_id not in decisions:
            try:
                d = store.get_decision(e.decision_id)
                decisions[e.decision_id] = {
                    "verdict": d.verdict,
                    "action": d.action,
                    "reason": d.reason,
                    "reviewer": d.reviewer,
                }
            except (ItemNotFound, LookupError):
                decisions[e.decision_id] = None
    return items, decisions


def _line(e, item: dict | None, decision: dict | None) -> str:
    who = e.actor or "-"
    name = ""
    if item is not None:
        name = f" {item['project']} {', '.join(item['versions'])}".rstrip()
    where = f" #{e.item_id}{name}" if e.item_id is not None else ""
    if decision is not None:
        what = f" {decision['verdict']}/{decision['action']}"
        if decision["reason"]:
            what += f" — {decision['reason']}"
    elif e.action == "observation":
        what = f" {e.detail.get('kind', '?')} sent to {e.detail.get('server', '?')}"
        if e.detail.get("status"):
            what += f" (HTTP {e.detail['status']})"
    else:
        what = " " + json.dumps(e.detail, ensure_ascii=False, separators=(",", ":"))
    return terminal_text(f"{e.at} {who} {e.action}{where}{what}", one_line=True)


def cmd_log(args) -> int:
    item_id = item_id_arg(args.item) if args.item else None
    since, until = _when(args.since, "--since"), _when(args.until, "--until")
    with open_store(args) as store:
        entries = store.log(
            limit=args.limit,
            offset=args.offset,
            item_id=item_id,
            actor=args.reviewer,
            action=args.action,
            since=since,
            until=until,
        )
        items, decisions = _summaries(store, entries)
    if args.json:
        out = []
        for e in entries:
            obj = e.to_json()
            obj["item"] = items.get(e.item_id) if e.item_id is not None else None
            obj["decision"] = decisions.get(e.decision_id) if e.decision_id is not None else None
            out.append(obj)
        print_json({"schema": LOG_SCHEMA, "entries": out})
        return 0
    for e in entries:
        say(_line(e, items.get(e.item_id), decisions.get(e.decision_id)))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("log", help="show the action log (newest first)")
    add_json_option(p, help="vetbench.log/1 JSON")
    p.add_argument("--item", help="only entries of this queue item")
    p.add_argument("--reviewer", metavar="NAME", help="only entries by this reviewer")
    p.add_argument(
        "--action",
        help="only this log action (decide, undone, observation…) or decision action "
        "(remove_project…)",
    )
    p.add_argument("--since", metavar="WHEN", help="from this date or ISO time")
    p.add_argument("--until", metavar="WHEN", help="before this date or ISO time")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--offset", type=int, default=0)
    add_db_option(p)
    p.set_defaults(func=cmd_log)
