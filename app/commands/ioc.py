"""``vetbench ioc VALUE``: which queue items and dataset labels contain a domain, URL or IP."""

from __future__ import annotations

from app.commands._options import add_db_option, add_json_option, open_store
from app.commands._output import print_json, say
from app.core.campaigns import grouping as camp
from app.errors import UsageError


def cmd_ioc(args) -> int:
    value = (args.value or "").strip()
    if not value or any(c.isspace() for c in value):
        raise UsageError(f"ioc wants one domain, URL or IP address, got {args.value!r}")
    with open_store(args) as store:
        camp.index_pending(store)
        result = camp.search_iocs(store, value)
    if args.json:
        print_json({"schema": "vetbench.ioc/1", **result})
        return 0
    if not result["items"] and not result["labels"]:
        say(f"{value}: not found in the queue or the dataset labels")
        return 0
    for item in result["items"]:
        campaign = f"  campaign {item['campaign']}" if item["campaign"] else ""
        say(
            f"#{item['id']:<6} {item['ecosystem']}:{item['project']} {', '.join(item['versions'])}"
            f"  [{item['status']}]{campaign}  {', '.join(item['matched'])}"
        )
    for label in result["labels"]:
        say(
            f"label  {label['ecosystem']}:{label['project']} {label['version']} by {label['reviewer']}"
        )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ioc", help="find queue items and labels that contain a domain, URL or IP"
    )
    p.add_argument("value", metavar="VALUE")
    add_json_option(p, help="print schema vetbench.ioc/1")
    add_db_option(p)
    p.set_defaults(func=cmd_ioc)
