"""``vetbench diff OLD NEW``: what a release does that the one before it did not.

Exit codes as ``vetbench scan``: 0 when the diff ran, 2 for unusable input (one line on stderr),
1 with ``--fail-on LEVEL`` when a capability *added* by NEW reaches LEVEL. ``--json`` prints
schema ``vetbench.diff/1``; ``--html FILE`` writes the self-contained evidence report.
Human output: changed files with statuses and +/- counts, then the added capabilities grouped
by capability with path:line, then the install surface and metadata changes. Everything from
the package is printed with control and bidi characters escaped.
"""

from __future__ import annotations

import sys

from app.commands._options import add_json_option
from app.commands._output import print_json
from app.core.archive import open_artifact
from app.core.capabilities.model import SEVERITIES, severity_rank
from app.core.diff.html_report import make_visible, write_report
from app.core.diff.release import ReleaseDiff, diff_artifacts
from app.core.diff.tree import UNCHANGED
from app.errors import UsageError
from app.workflows.baselines import baseline_in_folder

_STATUS_MARK = {
    "added": "A",
    "removed": "D",
    "modified": "M",
    "renamed": "R",
    "type-changed": "T",
    "unchanged": " ",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "diff",
        help="diff a release against an earlier one: files, lines, capabilities, install surface",
        description="Compare NEW against OLD (archives or folders, read as data): file "
        "statuses with line counts, capabilities added or removed, install-surface and "
        "metadata changes.",
    )
    p.add_argument(
        "paths",
        nargs="+",
        metavar="OLD NEW",
        help="the baseline artifact (sdist, wheel, npm tarball, folder) and the "
        "release under review; with --baseline-from give NEW only",
    )
    p.add_argument(
        "--baseline-from",
        metavar="DIR",
        help="pick OLD among the release files in DIR: the previous release of the "
        "same project by version order (PEP 440 / semver), same format preferred",
    )
    add_json_option(p, help="print schema vetbench.diff/1")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML evidence report")
    p.add_argument(
        "--ignore-whitespace",
        action="store_true",
        help="lines differing only in whitespace compare equal (line diffs, report)",
    )
    p.add_argument(
        "--fail-on",
        metavar="LEVEL",
        choices=SEVERITIES[1:],
        help="exit 1 when an added capability has at least this severity",
    )
    p.add_argument(
        "--no-capabilities",
        action="store_true",
        help="skip the capability scans (files, install surface, metadata only)",
    )
    p.add_argument(
        "--db",
        metavar="PATH",
        help="findings cache file (SQLite; default: $VETBENCH_CACHE_DIR/findings.sqlite "
        "or the user cache dir)",
    )
    p.add_argument(
        "--no-cache", action="store_true", help="do not read or write the findings cache"
    )
    p.set_defaults(func=run)


def _open_cache(args):
    """The shared findings cache (as ``vetbench scan``), or None when disabled/unusable."""
    if args.no_cache or args.no_capabilities:
        return None
    try:
        from app.core.capabilities.cache import FindingsCache

        return FindingsCache(args.db)
    except Exception as exc:  # noqa: BLE001 - an unwritable cache must not stop a diff
        sys.stderr.write(f"vetbench: findings cache disabled ({make_visible(str(exc))})\n")
        return None


def _scanner(cache):
    try:
        from app.core.capabilities import fallback
        from app.core.capabilities.scan import scan_artifact
    except ImportError:
        return None
    fallback.shown_by_caller()  # engine notes come back in diff.errors, printed as notes
    return lambda artifact: scan_artifact(artifact, cache=cache)


def run(args) -> int:
    if len(args.paths) == 2 and not args.baseline_from:
        old_path, new_path = args.paths
    elif len(args.paths) == 1 and args.baseline_from:
        old_path, new_path = None, args.paths[0]
    else:
        raise UsageError("give OLD and NEW, or NEW with --baseline-from DIR")
    new = open_artifact(new_path)
    if old_path is None:
        old_path = baseline_in_folder(args.baseline_from, new)
        sys.stderr.write(f"vetbench: baseline {make_visible(old_path)}\n")
    old = open_artifact(old_path)
    cache = _open_cache(args)
    try:
        diff = diff_artifacts(old, new, scan=_scanner(cache), capabilities=not args.no_capabilities)
    finally:
        if cache is not None:
            cache.close()
    if args.ignore_whitespace:
        _recount_ignoring_whitespace(diff)
    if args.html:
        try:
            write_report(diff, args.html, ignore_whitespace=args.ignore_whitespace)
        except OSError as exc:
            raise UsageError(f"cannot write {args.html}: {exc.strerror or exc}") from exc
    if args.json:
        print_json(diff.to_json())
    else:
        sys.stdout.write(format_human(diff))
    for err in diff.errors:
        sys.stderr.write(f"vetbench: note: {make_visible(err)}\n")
    if args.fail_on and diff.capabilities is not None:
        if severity_rank(diff.capabilities.max_added_severity()) >= severity_rank(args.fail_on):
            return 1
    return 0


def _recount_ignoring_whitespace(diff: ReleaseDiff) -> None:
    for f in diff.files:
        if f.status in ("modified", "renamed") and not f.binary:
            ld = f.line_diff(
                ignore_whitespace=True,
                intraline=False,
                max_lines=200_000,
                max_bytes=32 * 1024 * 1024,
            )
            if not ld.too_large:
                f.lines_added, f.lines_removed = ld.lines_added, ld.lines_removed


def _v(text: object) -> str:
    return make_visible(str(text))


def format_human(diff: ReleaseDiff) -> str:
    """The text report of ``vetbench diff`` (no colours: it is often piped or pasted)."""
    o, n = diff.old_target, diff.new_target
    lines = [
        f"{_v(o.get('name'))} {_v(o.get('version'))} -> {_v(n.get('name'))} "
        f"{_v(n.get('version'))}   risk {diff.risk_old.get('level')} "
        f"{diff.risk_old.get('score')} -> {diff.risk_new.get('level')} "
        f"{diff.risk_new.get('score')}   (what it adds: {diff.risk_added.get('level')} "
        f"{diff.risk_added.get('score')})"
    ]
    changed = [f for f in diff.files if f.status != UNCHANGED]
    unchanged = len(diff.files) - len(changed)
    lines.append(f"\nFiles: {len(changed)} changed, {unchanged} unchanged")
    for f in changed:
        where = _v(f.path)
        if f.old_path:
            where += f"  (from {_v(f.old_path)}"
            where += f", {f.similarity}% similar)" if f.similarity is not None else ")"
        counts = "binary" if f.binary else f"+{f.lines_added} -{f.lines_removed}"
        lines.append(f"  {_STATUS_MARK.get(f.status, '?')} {where}  {counts}")
    caps = diff.capabilities
    if caps is None:
        lines.append("\nCapabilities: not scanned")
    else:
        lines.append(
            f"\nCapabilities added: {len(caps.added)}  removed: {len(caps.removed)}  "
            f"unchanged: {caps.unchanged_count}"
        )
        groups: dict[str, list] = {}
        for h in caps.added:
            groups.setdefault(h.capability, []).append(h)
        for cap, hits in sorted(
            groups.items(), key=lambda kv: (-max(severity_rank(h.severity) for h in kv[1]), kv[0])
        ):
            lines.append(f"  {_v(cap)} [{hits[0].severity}]")
            for h in hits:
                lines.append(f"    {_v(h.path)}:{h.line}  {_v(h.match)}")
    if diff.install_surface:
        lines.append("\nInstall surface:")
        for c in diff.install_surface:
            value = f": {_v(c.new)}" if c.new and c.kind != "pth" else ""
            lines.append(f"  {c.change:9} {c.kind:15} {_v(c.name or c.path or '')}{value}")
    else:
        lines.append("\nInstall surface: unchanged")
    if diff.metadata:
        lines.append("\nMetadata:")
        for m in diff.metadata:
            lines.append(f"  {_v(m['field'])}: {_v(m['old'])} -> {_v(m['new'])}")
    return "\n".join(lines) + "\n"
