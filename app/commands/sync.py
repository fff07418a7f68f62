"""``vetbench sync --dataset DIR``: push local decisions to a shared dataset, pull the others'."""

from __future__ import annotations

from pathlib import Path

from app.commands._options import add_dataset_option, add_db_option, add_json_option
from app.commands._output import print_json, say
from app.errors import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sync",
        help="sync decisions with a shared dataset folder (labels, samples, OSV, manifest)",
        description="Push local decisions not yet in the dataset (new, changed, undone -> "
        "withdrawn) and pull every other reviewer's labels into the store. Idempotent and "
        "incremental; safe to interrupt and re-run. Labels are signed with the reviewer's key "
        "(kept in DB.keys/); a label of yours changed or deleted by someone else is restored, "
        "and a label not signed by its reviewer is not counted: both exit 1.",
    )
    add_dataset_option(p)
    p.add_argument(
        "--reviewer",
        metavar="NAME",
        help="push only this reviewer's decisions (default: every local reviewer); "
        "with --git also the commit author if git has none "
        "(default $VETBENCH_REVIEWER or the login name)",
    )
    p.add_argument(
        "--git", action="store_true", help="git pull --rebase first, commit and push after"
    )
    p.add_argument(
        "--no-samples", action="store_true", help="do not copy artifacts into encrypted sample zips"
    )
    add_json_option(p, help="print the sync report as JSON")
    add_db_option(p)
    p.set_defaults(func=run)


def _open_store(db):
    from app.core.store.db import Store

    return Store.open(db)


def run(args) -> int:
    from app.sync.engine import sync_dataset
    from app.sync.layout import DatasetError

    root = Path(args.dataset).expanduser()
    if root.exists() and not root.is_dir():
        raise UsageError(f"--dataset {root}: not a folder")
    try:
        if args.git:
            from app.sync.gitsync import git_sync

            report = git_sync(
                lambda: _open_store(args.db), root, args.reviewer, samples=not args.no_samples
            )
        else:
            store = _open_store(args.db)
            try:
                report = sync_dataset(store, root, args.reviewer, samples=not args.no_samples)
            finally:
                store.close()
    except DatasetError as exc:
        raise UsageError(str(exc)) from None
    status = 1 if report.tampered else 0  # someone wrote in a reviewer's name: say it loudly
    if args.json:
        print_json(report.to_json())
        return status
    pushed = len(report.pushed)
    say(
        f"pushed {pushed} label(s), withdrew {len(report.withdrawn)}, "
        f"wrote {len(report.samples)} sample(s); pulled {len(report.pulled)} label(s), "
        f"{len(report.removed)} removed; {len(report.derived)} derived file(s) updated\n"
    )
    for c in report.conflicts:
        say(f"conflict: {c['ecosystem']}/{c['name']} {c['version']} ({', '.join(c['reasons'])})\n")
    if report.reopened:
        say(
            "re-opened for a second review: item(s) "
            + ", ".join(str(i) for i in report.reopened)
            + "\n"
        )
    if report.git:
        g = report.git
        say(f"git: {g['remote']}/{g['branch']}: {g['message']}\n")
    if not report.changed and not report.problems:
        say("already in sync\n")
    forged = {f["path"] for f in report.forged}
    for p in report.problems:
        if p.path not in forged:
            say(f"vetbench: skipped {p}\n", err=True)
    for r in report.restored:
        what = "deleted from" if r["change"] == "deleted" else "changed in"
        say(
            f"vetbench: WARNING: label of {r['reviewer']} for {r['name']} {r['version']} was "
            f"{what} the dataset by someone else; restored ({r['path']})\n",
            err=True,
        )
    for f in report.forged:
        say(
            f"vetbench: WARNING: {f['path']} claims to be {f['reviewer']}'s label but is not "
            f"signed by {f['reviewer']} (forged?): {f['why']}; not counted\n",
            err=True,
        )
    if report.unsigned:
        say(
            f"counted {len(report.unsigned)} unsigned label(s) of reviewers never seen signing "
            "(unverified)\n"
        )
    if report.resigned:
        say(f"signed {len(report.resigned)} label(s) written before labels were signed\n")
    return status
