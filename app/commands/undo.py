"""``vetbench undo``: undo the newest decision (of one reviewer with ``--reviewer``).

Nothing is deleted: the decision is marked undone and the log gains an ``undone`` entry.
A decision already synced to the shared dataset cannot be undone (exit 2, one line).
"""

from __future__ import annotations

from app.commands._options import add_db_option, add_json_option, add_reviewer_option, open_store
from app.commands._output import print_json, say


def cmd_undo(args) -> int:
    if args.campaign is not None:
        from app.commands.campaigns import undo_whole_campaign

        return undo_whole_campaign(args)
    with open_store(args) as store:
        change = store.undo_last(reviewer=args.reviewer)
        if change is None:
            if args.json:
                print_json({"undone": None})
            else:
                say("nothing to undo")
            return 0
        (decision_id,) = change.decision_ids
        d = store.get_decision(decision_id)
        item = store.get_item(d.item_id)
    if args.json:
        print_json({"undone": d.to_json(), "item": item.to_json()})
    else:
        say(
            f"undone decision #{d.id} ({d.verdict}/{d.action} by {d.reviewer}) on "
            f"#{item.id} {item.label}; item now {item.status}"
        )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("undo", help="undo the newest decision (kept in the log)")
    add_reviewer_option(p, help="only undo this reviewer's newest decision")
    p.add_argument(
        "--campaign",
        metavar="ID",
        type=int,
        help="undo the newest decision applied to a whole campaign",
    )
    add_json_option(p)
    add_db_option(p)
    p.set_defaults(func=cmd_undo)
