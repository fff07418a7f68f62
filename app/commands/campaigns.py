"""``vetbench campaigns``: queue items that carry the same payload, grouped.

Before listing, items whose local artifact was not fingerprinted yet are scanned (with the
findings cache) and fingerprinted, then memberships are recomputed; campaign ids are stable.
"""

from __future__ import annotations

from app.commands._options import add_db_option, add_json_option, open_store
from app.commands._output import print_json, say
from app.core.campaigns import grouping as camp


def cmd_campaigns(args) -> int:
    with open_store(args) as store:
        camp.index_pending(store)
        found = camp.regroup(store, threshold=args.threshold)
        docs = [c.to_json(store) for c in found]
    if args.json:
        print_json({"schema": "vetbench.campaigns/1", "campaigns": docs})
        return 0
    if not docs:
        say("no campaigns: no two queue items share a payload")
        return 0
    for doc in docs:
        flag = (
            "  ! matches a malicious decision"
            if doc["decided_malicious"] and doc["undecided"]
            else ""
        )
        say(f"campaign {doc['id']}: {doc['size']} items{flag}")
        if doc["capabilities"]:
            say(f"  shared capabilities: {', '.join(doc['capabilities'])}")
        iocs = [v for values in doc["iocs"].values() for v in values]
        if iocs:
            say(f"  indicators: {', '.join(iocs[:8])}{' …' if len(iocs) > 8 else ''}")
        for m in doc["members"]:
            verdict = m["verdict"] or "undecided"
            say(
                f"  #{m['id']:<6} {m['ecosystem']}:{m['project']} {', '.join(m['versions'])}  [{verdict}]"
            )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("campaigns", help="group queue items that carry the same payload")
    add_json_option(p, help="print schema vetbench.campaigns/1")
    p.add_argument(
        "--threshold",
        type=int,
        default=camp.FUZZY_THRESHOLD,
        help=f"TLSH distance for near matches (default {camp.FUZZY_THRESHOLD})",
    )
    add_db_option(p)
    p.set_defaults(func=cmd_campaigns)


def decide_whole_campaign(args, decision) -> int:
    """``vetbench decide --campaign ID``: list the members, confirm, decide each one."""
    import sys

    from app.errors import UsageError

    with open_store(args) as store:
        campaign = camp.get_campaign(store, args.campaign)
        if campaign is None:
            raise UsageError(f"no campaign {args.campaign} (see `vetbench campaigns`)")
        targets = campaign.undecided
        if not targets:
            say(f"campaign {campaign.id}: every member is decided already")
            return 0
        say(
            f"campaign {campaign.id}: {decision.verdict}/{decision.action} for {len(targets)} items:"
        )
        for item_id in targets:
            item = store.get_item(item_id)
            say(f"  #{item.id:<6} {item.ecosystem}:{item.project} {', '.join(item.versions)}")
        if not args.yes:
            if not sys.stdin or not sys.stdin.isatty():
                raise UsageError("confirm a campaign decision with --yes (no terminal to ask on)")
            answer = input(f"Apply to these {len(targets)} items? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                say("nothing decided")
                return 0
        change, decided = camp.decide_campaign(store, campaign.id, decision)
    if getattr(args, "json", False):
        print_json(
            {"campaign": campaign.id, "items": decided, "decision_ids": sorted(change.decision_ids)}
        )
    else:
        say(f"decided {len(decided)} items of campaign {campaign.id}")
    return 0


def undo_whole_campaign(args) -> int:
    """``vetbench undo --campaign ID``: undo the newest bulk decision of a campaign."""
    with open_store(args) as store:
        change = camp.undo_campaign(store, args.campaign)
    if change is None:
        say(f"campaign {args.campaign}: no campaign decision to undo")
        return 0
    if getattr(args, "json", False):
        print_json(
            {
                "campaign": args.campaign,
                "undone": sorted(change.decision_ids),
                "items": sorted(change.item_ids),
            }
        )
    else:
        say(f"undone {len(change.decision_ids)} decisions of campaign {args.campaign}")
    return 0
