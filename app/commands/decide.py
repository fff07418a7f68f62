"""``vetbench decide ITEM --verdict V``: record a decision on a queue item headless.

The options are PyPI's admin vocabulary (see :mod:`app.core.decisions`); a remove action needs
``--reason``. Exit 2 with one line for a bad verdict, unknown item or missing reason.
"""

from __future__ import annotations

import re

from app.commands._options import (
    add_db_option,
    add_json_option,
    add_reviewer_option,
    item_id_arg,
    open_store,
    reviewer_name,
)
from app.commands._output import print_json, say
from app.core.decisions import ACTIONS, CONFIDENCES, KINDS, VERDICTS, Decision, Evidence
from app.errors import UsageError

_EVIDENCE = re.compile(r"^(?P<path>.+?)(?::(?P<start>\d+)(?:-(?P<end>\d+))?)?$")


def parse_evidence(text: str) -> Evidence:
    """``path``, ``path:12`` or ``path:12-20``."""
    m = _EVIDENCE.match(text)
    if not m:
        raise UsageError(f"evidence is PATH[:LINE[-LINE]], got {text!r}")
    start = int(m["start"]) if m["start"] else None
    end = int(m["end"]) if m["end"] else start
    return Evidence.from_json({"path": m["path"], "line_start": start, "line_end": end})


def cmd_decide(args) -> int:
    if (args.item is None) == (args.campaign is None):
        raise UsageError("decide takes one ITEM, or --campaign ID (not both)")
    decision = Decision(
        verdict=args.verdict,
        action=args.action,
        kind=args.kind,
        reason=args.reason or "",
        confidence=args.confidence,
        evidence=tuple(parse_evidence(e) for e in args.evidence or ()),
        reviewer=reviewer_name(args.reviewer),
    ).validated()  # fail before opening the store
    if args.campaign is not None:
        from app.commands.campaigns import decide_whole_campaign

        return decide_whole_campaign(args, decision)
    item_id = item_id_arg(args.item)
    with open_store(args) as store:
        change = store.record_decision(item_id, decision)
        (decision_id,) = change.decision_ids
        d = store.get_decision(decision_id)
        item = store.get_item(item_id)
    if args.json:
        print_json(d.to_json())
    else:
        say(
            f"#{item.id} {item.label}: {d.verdict} / {d.action}"
            f"{' / ' + d.kind if d.kind else ''} by {d.reviewer}"
            f" (decision #{d.id}, item now {item.status})"
        )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("decide", help="record a decision on a queue item")
    p.add_argument(
        "item", metavar="ITEM", nargs="?", help="queue item id (see `vetbench queue list`)"
    )
    p.add_argument(
        "--campaign",
        metavar="ID",
        type=int,
        help="apply the decision to every undecided member of a campaign",
    )
    p.add_argument(
        "--yes", action="store_true", help="with --campaign: do not ask for confirmation"
    )
    p.add_argument("--verdict", required=True, choices=VERDICTS)
    p.add_argument(
        "--action",
        choices=ACTIONS,
        help="PyPI admin action (default: not_malware if benign, else none)",
    )
    p.add_argument(
        "--kind", choices=KINDS, help="observation kind (default is_malware if malicious)"
    )
    p.add_argument("--reason", help="required for remove_release / remove_project")
    p.add_argument("--confidence", choices=CONFIDENCES, default="medium")
    p.add_argument(
        "--evidence",
        action="append",
        metavar="PATH[:L1[-L2]]",
        help="a file (and line range) supporting the verdict; repeatable",
    )
    add_reviewer_option(p, help="default: $VETBENCH_REVIEWER or the login name")
    add_json_option(p, help="print the recorded decision as JSON")
    add_db_option(p)
    p.set_defaults(func=cmd_decide)
