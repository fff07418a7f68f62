"""``vetbench queue add|list|show``: fill and read the review queue headless.

``queue add`` takes local artifacts (opened as data and scanned; the risk is stored on the item)
or ``NAME==VERSION`` specs (recorded, then fetched from the registry unless ``--no-fetch``).
Both are :mod:`app.workflows` use cases; this module parses and prints.
"""

from __future__ import annotations

from pathlib import Path

from app.commands._options import (
    add_db_option,
    add_json_option,
    add_reviewer_option,
    item_id_arg,
    open_store,
)
from app.commands._output import print_json, say
from app.core.store.db import ORDERS, Store
from app.core.store.records import ECOSYSTEMS, QueueItem
from app.core.store.schema import STATUSES
from app.core.text import terminal_text
from app.errors import UsageError, VetbenchError

QUEUE_SCHEMA = "vetbench.queue/1"


def _add_spec(store: Store, spec: str, args) -> QueueItem:
    name, _, version = spec.partition("==")
    if not name.strip() or not version.strip():
        raise UsageError(f"{spec!r}: write NAME==VERSION")
    item, _ = store.add_item(
        args.ecosystem,
        name.strip(),
        [version.strip()],
        source=args.source,
        reporter=args.reporter,
        report_text=args.reason,
    )
    if not args.no_fetch:
        from app.workflows.fetching import fetch_for_item  # loads the HTTP client: only here

        try:
            fetch_for_item(store, item)
            item = store.get_item(item.id)
        except VetbenchError as exc:
            say(f"vetbench: queued #{item.id} but could not fetch it: {exc}\n", err=True)
    return item


def _describe(item: QueueItem) -> str:
    risk = (
        f"risk {item.risk_level} {item.risk_score:g}"
        if item.risk_score is not None
        else "not scanned"
    )
    reports = f", {item.report_count} reports" if item.report_count > 1 else ""
    return f"#{item.id} {item.ecosystem} {item.label} [{item.status}] ({risk}{reports})"


def cmd_add(args) -> int:
    targets = []
    for raw in args.targets:
        p = Path(raw)
        if p.exists():
            targets.append(("artifact", p))
        elif "==" in raw:
            targets.append(("spec", raw))
        else:
            raise UsageError(f"{raw!r} is neither an existing file nor NAME==VERSION")
    from app.workflows.queueing import attach_baseline, queue_artifact  # loads the scanner

    with open_store(args) as store:
        items, lines = [], []
        for kind, target in targets:
            if kind == "artifact":
                item, as_baseline = queue_artifact(
                    store,
                    target,
                    source=args.source,
                    reporter=args.reporter,
                    report_text=args.reason,
                )
                if as_baseline:
                    lines.append(f"{target.name}: an older release, attached as a baseline of")
                    items.append(item)
                    continue
            else:
                item = _add_spec(store, target, args)
            if args.baseline:
                done = attach_baseline(store, item.id, args.baseline, fetch=not args.no_fetch)
                lines.append(f"queued with {done}:")
            else:
                lines.append("queued")
            items.append(store.get_item(item.id))
        if args.json:
            print_json({"schema": QUEUE_SCHEMA, "items": [i.to_json() for i in items]})
        else:
            for line, item in zip(lines, items, strict=True):
                say(f"{line} {_describe(item)}")
    return 0


def item_json(store: Store, item: QueueItem) -> dict:
    """An item as ``queue list --json`` shows it: the item plus its current decision."""
    obj = item.to_json()
    d = store.current_decision(item.id) if item.decision_id else None
    obj["decision"] = (
        None
        if d is None
        else {
            k: d.to_json()[k]
            for k in (
                "id",
                "verdict",
                "kind",
                "action",
                "outcome",
                "confidence",
                "reviewer",
                "decided_at",
                "synced_at",
            )
        }
    )
    return obj


def cmd_list(args) -> int:
    status = args.status.split(",") if args.status else None
    with open_store(args) as store:
        items = store.list_items(
            status=status,
            text=args.text,
            min_risk=args.min_risk,
            offset=args.offset,
            limit=args.limit,
            order=args.order,
            ecosystem=args.ecosystem,
        )
        total = store.count_items(
            status=status, text=args.text, min_risk=args.min_risk, ecosystem=args.ecosystem
        )
        if args.json:
            print_json(
                {
                    "schema": QUEUE_SCHEMA,
                    "total": total,
                    "offset": args.offset,
                    "items": [item_json(store, i) for i in items],
                }
            )
            return 0
        for item in items:
            say(_describe(item))
        shown = f"{len(items)} of {total}" if total > len(items) else str(total)
        say(f"{shown} item(s)", err=True)
    return 0


def cmd_show(args) -> int:
    from app.workflows.release import describe_artifacts  # loads the scanner: only here

    with open_store(args) as store:
        item = store.get_item(item_id_arg(args.item))
        obj = item_json(store, item)
        obj["reports"] = [r.to_json() for r in store.reports_for(item.id)]
        obj["artifacts"], obj["release_mismatches"] = describe_artifacts(store, item.id)
        obj["decisions"] = [d.to_json() for d in store.decisions_for(item.id)]
        obj["external_labels"] = [x.to_json() for x in store.external_labels_for(item.id)]
    if args.json:
        print_json(obj)
        return 0
    say(_describe(item))
    for r in obj["reports"]:
        say(f"  report {r['received_at']} by {r['reporter'] or '?'}: {r['text'] or ''}")
    for a in obj["artifacts"]:
        risk = a["risk"]
        scored = f"risk {risk['level']} {risk['score']:g}" if risk["score"] is not None else "?"
        review = " (under review)" if a["under_review"] else ""
        say(f"  artifact {a['role']}{review} {a['kind']} {a['version'] or ''} {scored}")
        say(f"    {a['path'] or a['url']}")
    for line in obj["release_mismatches"]:
        say(f"  files differ: {terminal_text(line, one_line=True)}")
    for d in obj["decisions"]:
        undone = " (undone)" if d["undone"] else ""
        say(f"  decision #{d['id']} {d['verdict']}/{d['action']} by {d['reviewer']}{undone}")
    return 0


def cmd_status(args) -> int:
    with open_store(args) as store:
        item_id = item_id_arg(args.item)
        store.set_status(item_id, args.status, actor=args.reviewer)
        say(_describe(store.get_item(item_id)))
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser("queue", help="add to and list the review queue")
    sub = parser.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="queue artifacts (scanned) or NAME==VERSION specs")
    add.add_argument("targets", nargs="+", metavar="ARTIFACT|NAME==VERSION")
    add.add_argument("--reason", help="why it is suspicious (the report text)")
    add.add_argument("--reporter", help="who reported it")
    add.add_argument(
        "--ecosystem",
        choices=ECOSYSTEMS,
        default="pypi",
        help="ecosystem of NAME==VERSION specs (default pypi)",
    )
    add.add_argument("--source", choices=("manual", "report", "scanner", "feed"), default="manual")
    add.add_argument(
        "--baseline",
        metavar="ARTIFACT|VERSION",
        help="compare against this file, or this version (at hand or fetched)",
    )
    add.add_argument(
        "--no-fetch", action="store_true", help="do not fetch NAME==VERSION from the registry"
    )
    add_json_option(add, help="print the queued items as JSON")
    add_db_option(add)
    add.set_defaults(func=cmd_add)

    ls = sub.add_parser("list", help="list queue items, highest risk first")
    add_json_option(ls, help="vetbench.queue/1 JSON")
    ls.add_argument(
        "--status", help=f"only these statuses (comma-separated: {', '.join(STATUSES)})"
    )
    ls.add_argument("--text", help="project name contains")
    ls.add_argument("--min-risk", help="a level (none…critical) or a score 0-10")
    ls.add_argument("--ecosystem", choices=ECOSYSTEMS)
    ls.add_argument("--order", choices=tuple(ORDERS), default="risk")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--offset", type=int, default=0)
    add_db_option(ls)
    ls.set_defaults(func=cmd_list)

    st = sub.add_parser(
        "status",
        help="skip an item, take it into review, or flag it for "
        "a second review (decisions go through `vetbench decide`)",
    )
    st.add_argument("item", metavar="ITEM")
    st.add_argument("status", choices=("new", "in_review", "skipped", "needs_second_review"))
    add_reviewer_option(st, help="who changed it (recorded in the log)")
    add_db_option(st)
    st.set_defaults(func=cmd_status)

    show = sub.add_parser("show", help="one item with its reports, artifacts and decisions")
    show.add_argument("item", metavar="ITEM")
    add_json_option(show)
    add_db_option(show)
    show.set_defaults(func=cmd_show)
