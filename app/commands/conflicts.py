"""``vetbench conflicts --dataset DIR``: package versions whose reviewers disagree."""

from __future__ import annotations

from app.commands._options import add_dataset_option, add_json_option, read_dataset_labels
from app.commands._output import print_json, say


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "conflicts",
        help="list dataset versions whose reviewers disagree (verdict, or remove vs keep)",
        description="A version is a conflict when its active labels disagree on the verdict, "
        "or one reviewer removes/quarantines it while another keeps it (not_malware). "
        "`vetbench sync` re-opens such items in the queue as needs_second_review.",
    )
    add_dataset_option(p)
    add_json_option(p, help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from app.sync.consensus import find_conflicts

    labels, problems = read_dataset_labels(args)
    conflicts = find_conflicts(labels)
    if args.json:
        print_json(
            {
                "conflicts": [c.to_json() for c in conflicts],
                "problems": [p.to_json() for p in problems],
            }
        )
        return 0
    for c in conflicts:
        say(f"{c.ecosystem}/{c.name} {c.version}: {', '.join(c.reasons)}\n")
        for lb in c.labels:
            why = f" - {lb['reason']}" if lb.get("reason") else ""
            say(f"    {lb['reviewer']}: {lb['verdict']} / {lb['action']}{why}\n")
    if not conflicts:
        say(f"no conflicts among {len(labels)} label(s)\n")
    for p in problems:
        say(f"vetbench: skipped {p}\n", err=True)
    return 0
