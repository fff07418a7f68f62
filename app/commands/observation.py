"""``vetbench observation ITEM``: turn a decision into a PyPI *Observation*.

Dry run by default: prints the request body as JSON (``kind``, ``summary`` and, for malware,
``inspector_url``). ``--send`` posts it to ``--server`` (default PyPI) at
``/danger-api/projects/<name>/observations`` with the token in ``VETBENCH_PYPI_TOKEN``; the
sent body and the server's answer are logged on the item (an ``observation`` entry of
``vetbench log``) only when the server accepted it. A refused token (401/403), a server error
or a server that is down is one line on stderr and exit 2, with nothing recorded.
"""

from __future__ import annotations

from app import config
from app.commands._options import add_db_option, item_id_arg, open_store, reviewer_name
from app.commands._output import print_json


def cmd_observation(args) -> int:
    from app.workflows.evidence import observation_body, send_observation

    item_id = item_id_arg(args.item)
    with open_store(args) as store:
        body = observation_body(store, item_id, args.kind, args.summary)
        if not args.send:
            print_json(body)
            return 0
        result = send_observation(
            store,
            item_id,
            body,
            server=args.server,
            token=config.pypi_token(),
            actor=reviewer_name(args.reviewer),
        )
    print(f"sent: {args.server} answered HTTP {result['status']}")
    return 0


def register(subparsers) -> None:
    from app.workflows.evidence import DEFAULT_SERVER, OBSERVATION_KINDS

    p = subparsers.add_parser("observation", help="report a decision to PyPI as an Observation")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--kind", choices=OBSERVATION_KINDS, help="default: from the decision")
    p.add_argument("--summary", help="default: the decision's reason")
    p.add_argument("--send", action="store_true", help="send it (default: print the body)")
    p.add_argument("--server", default=DEFAULT_SERVER, help=f"default {DEFAULT_SERVER}")
    p.add_argument("--reviewer", metavar="NAME", help="who sends it (recorded in the log)")
    add_db_option(p)
    p.set_defaults(func=cmd_observation)
