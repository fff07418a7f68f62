"""``vetbench agreement --dataset DIR``: pairwise verdict agreement and Cohen's kappa."""

from __future__ import annotations

from app.commands._options import add_dataset_option, add_json_option, read_dataset_labels
from app.commands._output import print_json, say


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "agreement",
        help="pairwise agreement and Cohen's kappa between the dataset's reviewers",
        description="For every pair of reviewers, on the versions both labelled (withdrawn "
        "labels left out): the share of equal verdicts and Cohen's kappa.",
    )
    add_dataset_option(p)
    add_json_option(p, help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from app.sync.consensus import pairwise_agreement

    labels, problems = read_dataset_labels(args)
    pairs = pairwise_agreement(labels)
    if args.json:
        print_json(
            {"pairs": [p.to_json() for p in pairs], "problems": [p.to_json() for p in problems]}
        )
        return 0
    if not pairs:
        say("no two reviewers labelled the same version\n")
    else:
        width = max(len(p.reviewer_a) + len(p.reviewer_b) for p in pairs) + 5
        say(f"{'reviewers':<{width}} {'items':>6} {'agree':>7} {'kappa':>7}\n")
        for p in pairs:
            kappa = "n/a" if p.kappa is None else f"{p.kappa:.3f}"
            say(
                f"{p.reviewer_a + ' / ' + p.reviewer_b:<{width}} {p.items:>6} "
                f"{p.agreement:>7.1%} {kappa:>7}\n"
            )
    for p in problems:
        say(f"vetbench: skipped {p}\n", err=True)
    return 0
