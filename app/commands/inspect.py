"""``vetbench inspect ARTIFACT [--json]``: what an artifact holds, read as data.

Lists every member (size, sha256, kind, flags), every skipped member with its reason, and the
artifact's ecosystem, name, version, format and flags. Member names come from the archive,
so the table escapes control and invisible characters before they reach the terminal
(:func:`app.core.text.terminal_text`, the table the HTML report and the window use too).
``--json`` prints one ``vetbench.inspect/1`` object (a stable interface).
"""

from __future__ import annotations

import sys

from app.commands._options import add_json_option
from app.commands._output import print_json
from app.core.archive import Artifact, open_artifact
from app.core.text import terminal_text

SCHEMA = "vetbench.inspect/1"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspect",
        help="list the members of a package artifact (read as data, never run)",
        description="List the members of an artifact (sdist, wheel, egg, npm tarball, folder, "
        "or an encrypted dataset sample zip) with size, sha256, kind and flags, and what was "
        "skipped and why.",
    )
    parser.add_argument("artifact", metavar="ARTIFACT", help="archive file or folder")
    add_json_option(parser, help=f"print one {SCHEMA} JSON object")
    parser.set_defaults(func=run)


def inspect_document(artifact: Artifact) -> dict:
    """The ``vetbench.inspect/1`` object for an opened artifact."""
    return {
        "schema": SCHEMA,
        "target": artifact.target(),
        "format": artifact.format,
        "flags": list(artifact.flags),
        "members": [
            {
                "path": m.path,
                "size": m.size,
                "sha256": m.sha256,
                "kind": m.kind,
                "encoding": m.detect_encoding(),
                "flags": list(m.flags),
                "link_target": m.link_target,
            }
            for m in artifact.members
        ],
        "skips": [{"path": s.path, "reason": s.reason} for s in artifact.skips],
    }


def safe(text: str | None) -> str:
    """Escape what a terminal would interpret (ANSI escapes, newlines, bidi overrides)."""
    if text is None:
        return "-"
    return terminal_text(text, one_line=True)


def _human_size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)  # pragma: no cover


def render_table(artifact: Artifact) -> str:
    """The human-readable listing."""
    a = artifact
    kinds: dict[str, int] = {}
    for m in a.members:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
    lines = [
        f"artifact   {safe(a.source)}",
        f"format     {a.format}    ecosystem {a.ecosystem}    name {safe(a.name)}    "
        f"version {safe(a.version)}",
        f"sha256     {a.sha256 or '-'}    size {_human_size(a.size)}",
        f"flags      {', '.join(a.flags) or '-'}",
        f"members    {len(a.members)} ("
        + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        + f")    skipped {len(a.skips)}",
        "",
    ]
    if a.members:
        rows = []
        for m in a.members:
            path = safe(m.path)
            if m.link_target is not None:
                path += f" -> {safe(m.link_target)}"
            rows.append((str(m.size), m.kind, m.sha256[:16], ",".join(m.flags) or "-", path))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        widths = [
            max(w, len(h)) for w, h in zip(widths, ("SIZE", "KIND", "SHA256", "FLAGS"), strict=True)
        ]
        lines.append(
            f"{'SIZE':>{widths[0]}}  {'KIND':<{widths[1]}}  {'SHA256':<{widths[2]}}  "
            f"{'FLAGS':<{widths[3]}}  PATH"
        )
        for size, kind, sha, flags, path in rows:
            lines.append(
                f"{size:>{widths[0]}}  {kind:<{widths[1]}}  {sha:<{widths[2]}}  "
                f"{flags:<{widths[3]}}  {path}"
            )
    if a.skips:
        lines += ["", "SKIPPED"]
        lines += [f"  {safe(s.path)}: {safe(s.reason)}" for s in a.skips]
    return "\n".join(lines) + "\n"


def run(args) -> int:
    artifact = open_artifact(args.artifact)
    if args.json:
        print_json(inspect_document(artifact))
    else:
        sys.stdout.write(render_table(artifact))
    return 0
