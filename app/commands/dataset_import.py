"""``vetbench import-dataset DIR --format datadog|osv``: open an existing malware corpus."""

from __future__ import annotations

from pathlib import Path

from app.commands._options import add_db_option, add_json_option
from app.commands._output import print_json, say
from app.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import-dataset",
        help="import DataDog's malicious-software-packages-dataset or ossf OSV records as labels",
        description="Read a corpus folder as data (nothing is extracted or executed) and store "
        "each sample or OSV record as a read-only label from reviewer import:<source>.",
    )
    p.add_argument("dir", metavar="DIR", help="the corpus folder (a checkout or a part of it)")
    p.add_argument(
        "--format",
        required=True,
        choices=("datadog", "osv"),
        help="datadog: samples/<eco>/{malicious_intent,compromised_lib}/...; "
        "osv: ossf/malicious-packages records",
    )
    add_json_option(p, help="print a JSON summary")
    add_db_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from app.core.store.db import Store
    from app.sync.importers import import_datadog, import_into_store, import_osv
    from app.sync.layout import DatasetError

    root = Path(args.dir).expanduser()
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder")
    try:
        result = import_datadog(root) if args.format == "datadog" else import_osv(root)
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    store = Store.open(args.db)
    try:
        with store.batch():
            written = import_into_store(store, result.labels)
    finally:
        store.close()
    summary = result.to_json()
    summary["written"] = written
    if args.json:
        print_json(summary)
        return 0
    say(
        f"imported {written} label(s) on {summary['packages']} package(s) from "
        f"{', '.join(summary['reviewers']) or 'nobody'}"
        + (f"; {result.skipped} file(s) outside the layout skipped" if result.skipped else "")
        + "\n"
    )
    for p in result.problems:
        say(f"vetbench: skipped {p}\n", err=True)
    return 0
