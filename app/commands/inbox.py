"""``vetbench inbox import|watch``: fill the queue from JSON reports dropped in the inbox."""

from __future__ import annotations

import time

from app.commands._options import add_db_option, add_json_option, open_store
from app.commands._output import print_json, say
from app.config import default_inbox_dir
from app.core.intake.inbox import import_inbox, watch_inbox


def _summary(result) -> str:
    parts = [f"imported {len(result.imported)} file(s) into {len(result.item_ids)} item(s)"]
    if result.rejected:
        parts.append(f"rejected {len(result.rejected)}")
    if result.already_imported:
        parts.append(f"{len(result.already_imported)} already imported")
    if result.failed:
        parts.append(f"{len(result.failed)} could not be read or moved")
    if result.deferred:
        parts.append(f"{len(result.deferred)} still being written (left for later)")
    return ", ".join(parts)


def _fetch_missing(store, result, args) -> None:
    """Reports without an artifact: fetch release + baseline (registry layer, issue 7)."""
    if getattr(args, "no_fetch", False) or not result.item_ids:
        return
    from app.workflows.fetching import fetch_missing

    for item_id, error in fetch_missing(store, result.item_ids):
        say(f"vetbench: imported #{item_id} but could not fetch it: {error}", err=True)


def cmd_import(args) -> int:
    inbox = args.inbox or default_inbox_dir()
    with open_store(args) as store:
        result = import_inbox(store, inbox)
        _fetch_missing(store, result, args)
    if args.json:
        print_json(result.to_json())
    else:
        for name, error in result.rejected:
            say(f"rejected {name}: {error}", err=True)
        for name, error in result.failed:
            say(f"could not import {name}: {error}", err=True)
        say(_summary(result))
    return 0


def cmd_watch(args) -> int:
    inbox = args.inbox or default_inbox_dir()
    store = open_store(args)

    def report(result) -> None:
        if result.imported or result.rejected:
            for name, error in result.rejected:
                say(f"rejected {name}: {error}", err=True)
            say(_summary(result))
        _fetch_missing(store, result, args)  # on the watcher thread, not the main one

    watcher = watch_inbox(lambda: store, inbox, on_import=report)
    say(f"watching {inbox} (Ctrl-C to stop)", err=True)
    try:
        while True:
            time.sleep(1)
    finally:
        watcher.stop(flush=True)
        store.close()


def register(subparsers) -> None:
    parser = subparsers.add_parser("inbox", help="import JSON reports from the inbox folder")
    sub = parser.add_subparsers(dest="inbox_command", metavar="ACTION", required=True)
    imp = sub.add_parser("import", help="import every report file waiting in the inbox")
    imp.add_argument("--inbox", metavar="DIR", help="inbox folder (default: in the data dir)")
    add_json_option(imp)
    imp.add_argument(
        "--no-fetch", action="store_true", help="do not fetch reports that came without an artifact"
    )
    add_db_option(imp)
    imp.set_defaults(func=cmd_import)
    watch = sub.add_parser("watch", help="import reports as they arrive, until Ctrl-C")
    watch.add_argument("--inbox", metavar="DIR")
    watch.add_argument(
        "--no-fetch", action="store_true", help="do not fetch reports that came without an artifact"
    )
    add_db_option(watch)
    watch.set_defaults(func=cmd_watch)
