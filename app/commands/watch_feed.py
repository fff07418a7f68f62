"""``vetbench watch-feed``: pre-review every upload announced in PyPI's RSS feeds.

Each poll reads the feeds, and for every release not seen before fetches it and its baseline,
scores the capabilities it adds, prints one line (or one JSON object with ``--json``) and queues
it in the store when the risk is at least ``--min-level``. ``--once`` polls a single time.
"""

from __future__ import annotations

import sys
import time

from app.commands._options import add_db_option, add_json_option
from app.commands._output import print_json, say
from app.config import data_dir
from app.core.capabilities.model import SEVERITIES
from app.core.registry import HttpConfig, RegistryError, RegistryHttp
from app.errors import UsageError
from app.workflows.feed import DEFAULT_FEEDS, FeedState, Review, poll_once


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "watch-feed",
        help="poll PyPI's RSS feeds, scan each new release against its baseline, queue risky ones",
        description="Poll PyPI's newest-packages and latest-updates RSS feeds; for each new "
        "release fetch it and its baseline, score the capabilities it adds, and queue those at "
        "or above --min-level.",
    )
    p.add_argument(
        "--url",
        action="append",
        metavar="URL",
        help=f"feed URL, repeatable (default: {' and '.join(DEFAULT_FEEDS)})",
    )
    p.add_argument(
        "--interval",
        type=float,
        default=120.0,
        metavar="S",
        help="seconds between polls (default 120)",
    )
    p.add_argument(
        "--min-level",
        choices=SEVERITIES,
        default="high",
        help="queue releases at or above this risk level (default high)",
    )
    p.add_argument("--once", action="store_true", help="poll once and exit")
    p.add_argument("--index", metavar="URL", help="PyPI index to fetch releases from")
    p.add_argument("--cache-dir", metavar="DIR", help="download cache")
    p.add_argument(
        "--state",
        metavar="FILE",
        help="where seen releases are remembered (default: <data dir>/feed-state.json)",
    )
    p.add_argument("--no-queue", action="store_true", help="only print, never write the store")
    add_json_option(p, help="one JSON object per reviewed release")
    add_db_option(p)
    p.set_defaults(func=run)


def _line(review: Review) -> str:
    name = review.entry.name
    version = review.version or review.entry.version or "?"
    if review.error and review.error.startswith("feed "):
        return f"vetbench: {review.error}"
    if review.error:
        return f"{name} {version}: error: {review.error}"
    against = f"vs {review.baseline_version}" if review.baseline_version else "(no baseline)"
    queued = f" -> queued #{review.queued_item}" if review.queued_item else ""
    top = f" [{review.top[0]}]" if review.top else ""
    return f"{name} {version} {against}: {review.level} {review.score:g} (+{review.added} hits){top}{queued}"


def run(args) -> int:
    if args.interval < 1:
        raise UsageError("--interval must be at least 1 second")
    urls = args.url or list(DEFAULT_FEEDS)
    state = FeedState(args.state or (data_dir() / "feed-state.json"))
    store = None
    if not args.no_queue:
        from app.core.store.db import Store

        store = Store.open(args.db)

    def show(review: Review) -> None:
        if args.json:
            print_json(review.to_json())
        else:
            say(_line(review), err=bool(review.error))
        sys.stdout.flush()

    try:
        with RegistryHttp(HttpConfig()) as http:
            while True:
                reviews = poll_once(
                    urls,
                    state,
                    http=http,
                    store=store,
                    min_level=args.min_level,
                    index_url=args.index,
                    cache_dir=args.cache_dir,
                    on_review=show,
                )
                feed_errors = [r for r in reviews if r.error and r.error.startswith("feed ")]
                if args.once:
                    if feed_errors and len(feed_errors) == len(urls):
                        raise RegistryError(f"no feed could be read ({feed_errors[0].error})")
                    return 0
                time.sleep(args.interval)
    finally:
        if store is not None:
            store.close()
