"""``vetbench report ITEM --html FILE``: the evidence page a ticket can carry.

One self-contained HTML file: the moderator's verdict, action, reason, reviewer, evidence and
confirmed hits first (each linked to its line), then the threats, then the diff of the release
file under review (the riskiest) with hit lines marked and stable anchors such as
``#setup.py-L15``. The use case is :func:`app.workflows.evidence.write_evidence_report`.
"""

from __future__ import annotations

from app.commands._options import add_db_option, item_id_arg, open_store


def cmd_report(args) -> int:
    from app.workflows.evidence import write_evidence_report  # loads the scanner: only here

    item_id = item_id_arg(args.item)
    with open_store(args) as store:
        out = write_evidence_report(store, item_id, args.html)
    print(f"wrote {out}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="write an item's evidence page (HTML)")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--html", metavar="FILE", required=True, help="the page to write")
    add_db_option(p)
    p.set_defaults(func=cmd_report)
