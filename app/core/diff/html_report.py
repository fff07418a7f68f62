"""A self-contained HTML evidence report of a release diff -- the file a moderator attaches.

One file, inline CSS, no scripts, nothing loaded from anywhere (a Content-Security-Policy meta
tag forbids it too). Every string that comes from a package -- names, paths, code, metadata --
is hostile until proven otherwise, so all of it goes through :func:`html_text`: HTML-escaped,
and control characters, ANSI escapes, bidi overrides and zero-width characters ("Trojan
Source") are shown as visible, inert ``\\u202e``-style escapes instead of acting on the page.
Which characters count is :mod:`app.core.text`'s table, the one the terminal and the Qt views
use too.

Changed files are highlighted with pygments (its lexers, our own escaping: we never hand
package text to a formatter), with the intraline spans of :mod:`app.core.diff.lines` marked.
Guardrails keep the report bounded: files or diffs over the limits are listed, not rendered.

Anchors are stable, so a ticket can point into the report: a file is ``#setup.py``, a line of
its new side ``#setup.py-L15`` (a removed line ``#setup.py-old-L15``); a path's characters
outside ``[A-Za-z0-9._/-]`` become ``_``. Lines carrying a capability hit added by the release
are marked, and every hit links to its line. With ``review`` (``vetbench report``) the page
opens with the moderator's verdict, action, reason, evidence and confirmed hits, each linked;
then come the threats (new against the baseline first, steps linked to their lines, decoded
payloads shown escaped), then the capabilities.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from app.core.diff.lines import LineDiff
from app.core.diff.release import ReleaseDiff
from app.core.diff.tree import UNCHANGED, FileDiff, member_lines
from app.core.text import HAZARD_RE, escape_char, terminal_text

__all__ = ["html_text", "make_visible", "render_report", "write_report"]

MAX_RENDERED_FILES = 300
MAX_RENDERED_LINES = 60_000  # diff rows over the whole report
MAX_HIGHLIGHT_BYTES = 512 * 1024  # bigger files are shown as plain text (lexer cost)


def make_visible(text: str) -> str:
    """Plain text for a terminal: ``"\\x1b[31m"`` shows as ``\\x1b[31m``, a bidi override as
    ``\\u202e`` (:func:`app.core.text.terminal_text`; kept here for the CLI's diff command)."""
    return terminal_text(text)


def html_text(text: object) -> str:
    """HTML-escape ``text`` and render dangerous characters as marked, inert escapes."""
    if text is None:
        return ""
    escaped = html.escape(str(text), quote=True)
    return HAZARD_RE.sub(lambda m: f'<span class="ctl">{escape_char(m.group())}</span>', escaped)


# --------------------------------------------------------------------------- highlighting


@lru_cache(maxsize=1)
def _pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".code")


def _lexer_for(path: str):
    from pygments.lexers import TextLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound

    try:
        return get_lexer_for_filename(
            path.rsplit("/", 1)[-1], stripnl=False, stripall=False, ensurenl=False
        )
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)
    except Exception:  # noqa: BLE001 - a broken plugin lexer must not break the report
        return TextLexer(stripnl=False, ensurenl=False)


def _css_class(ttype) -> str:
    from pygments.token import STANDARD_TYPES

    while ttype is not None:
        cls = STANDARD_TYPES.get(ttype)
        if cls is not None:
            return cls
        ttype = ttype.parent
    return ""


def highlight_lines(lines: list[str], path: str) -> list[list[tuple[str, str]]]:
    """Per line, ``(css_class, text)`` tokens from pygments (plain text when too big)."""
    text = "\n".join(lines)
    if len(text) > MAX_HIGHLIGHT_BYTES:
        return [[("", line)] for line in lines]
    out: list[list[tuple[str, str]]] = [[]]
    try:
        tokens = list(_lexer_for(path).get_tokens(text))
    except Exception:  # noqa: BLE001 - lexers are third-party code; plain text instead
        return [[("", line)] for line in lines]
    for ttype, value in tokens:
        cls = _css_class(ttype)
        parts = value.split("\n")
        for n, part in enumerate(parts):
            if n:
                out.append([])
            if part:
                out[-1].append((cls, part))
    while len(out) < len(lines):
        out.append([])
    return out[: len(lines)]


def _render_tokens(tokens: list[tuple[str, str]], spans: Iterable[tuple[int, int]] = ()) -> str:
    """Tokens to HTML, wrapping the characters inside ``spans`` in ``<mark>``."""
    bounds = sorted(spans)
    pieces = []
    pos = 0
    for cls, value in tokens:
        start = pos
        end = pos + len(value)
        cuts = {start, end}
        for s, e in bounds:
            for c in (s, e):
                if start < c < end:
                    cuts.add(c)
        ordered = sorted(cuts)
        for a, b in zip(ordered, ordered[1:], strict=False):
            piece = html_text(value[a - start : b - start])
            if cls:
                piece = f'<span class="{cls}">{piece}</span>'
            if any(s <= a and b <= e for s, e in bounds):
                piece = f"<mark>{piece}</mark>"
            pieces.append(piece)
        pos = end
    return "".join(pieces)


# --------------------------------------------------------------------------- sections


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#1d1d1f;background:#fff}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:.15em .6em;text-align:left;
vertical-align:top;border-bottom:1px solid #eee}th{background:#f4f4f6}
.mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
.ctl{background:#ffd7d7;color:#a00;border:1px solid #e99;border-radius:2px;padding:0 1px;
font-family:ui-monospace,monospace}
.sev-critical{background:#7a0010;color:#fff}.sev-high{background:#d23c2b;color:#fff}
.sev-medium{background:#f0a030}.sev-low{background:#dde6f0}.sev-none{background:#eee}
.badge{border-radius:3px;padding:0 .4em;font-size:.85em;white-space:nowrap}
.st-added{color:#0a6b1f}.st-removed{color:#a4161a}.st-modified,.st-renamed{color:#8a5a00}
.st-type-changed{color:#6a1b9a}
table.diff{width:100%;table-layout:fixed;border:1px solid #ddd}
table.diff td{border:none;padding:0 .4em;white-space:pre-wrap;word-break:break-all}
table.diff td.ln{width:3.5em;color:#888;text-align:right;user-select:none}
table.diff td.sign{width:1em}
tr.del td.txt{background:#ffecec}tr.ins td.txt{background:#eaffea}
tr.del mark{background:#f5a8a8}tr.ins mark{background:#9de3a8}
tr.hunk td{background:#eef3ff;color:#456}
.note{color:#666;font-style:italic}
tr.hit td.txt{box-shadow:inset 4px 0 0 #d23c2b}tr.hit td.sign{color:#d23c2b;font-weight:bold}
tr:target td{outline:2px solid #3a6df0}
.verdict-malicious{background:#7a0010;color:#fff}.verdict-benign{background:#0a6b1f;color:#fff}
.verdict-indeterminate{background:#f0a030}
.new{background:#1d1d1f;color:#fff}ol.steps{margin:0;padding-left:1.4em}
pre.decoded{white-space:pre-wrap;word-break:break-all;background:#fff7e0;border:1px solid
#e0c060;padding:.3em .5em;margin:.2em 0;max-height:12em;overflow:auto}
"""

_ANCHOR_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]")


class Anchors:
    """Stable ids: one per file path (``setup.py``), lines below it (``setup.py-L15``)."""

    def __init__(self) -> None:
        self._ids: dict[str, str] = {}
        self._by_member: dict[str, str] = {}
        self.rendered: set[str] = set()  # line anchors actually on the page

    def file(self, f: FileDiff) -> str:
        key = f"{f.path}\x00{f.old_path}"
        if key not in self._ids:
            base = _ANCHOR_UNSAFE.sub("_", f.path) or "_"
            anchor, n = base, 1
            while anchor in self._ids.values():
                n += 1
                anchor = f"{base}~{n}"
            self._ids[key] = anchor
            for m in (f.new_member, f.old_member):
                if m is not None:
                    self._by_member.setdefault(m.path, anchor)
        return self._ids[key]

    def link(self, member_path: str, line: int | None, old: bool = False) -> str | None:
        """``#file-Lnn`` when that line is on the page, else ``#file``, else None."""
        anchor = self._by_member.get(member_path)
        if anchor is None:
            return None
        if line:
            target = f"{anchor}-{'old-' if old else ''}L{int(line)}"
            if target in self.rendered:
                return "#" + target
        return "#" + anchor


def _where(h, anchors: Anchors | None) -> str:
    text = f"{html_text(h.path)}:{h.line}"
    href = anchors.link(h.path, h.line) if anchors else None
    return f"<a href='{html_text(href)}'>{text}</a>" if href else text


def _badge(level: str) -> str:
    return f'<span class="badge sev-{html_text(level)}">{html_text(level)}</span>'


def _target_title(target: dict) -> str:
    return f"{target.get('name') or '?'} {target.get('version') or '?'}"


def _section_files(files: list[FileDiff], anchors: Anchors) -> str:
    rows = []
    for f in files:
        if f.status == UNCHANGED:
            continue
        extra = ""
        if f.old_path:
            extra = f" <span class='note'>&larr; {html_text(f.old_path)}</span>"
            if f.similarity is not None:
                extra += f" <span class='note'>({f.similarity}%)</span>"
        counts = "binary" if f.binary else f"+{f.lines_added} &minus;{f.lines_removed}"
        anchor = html_text(anchors.file(f))
        rows.append(
            f"<tr><td class='st-{f.status}'>{f.status}</td>"
            f"<td class='mono'><a href='#{anchor}'>{html_text(f.path)}</a>{extra}</td>"
            f"<td class='mono'>{counts}</td></tr>"
        )
    unchanged = sum(1 for f in files if f.status == UNCHANGED)
    body = "".join(rows) or "<tr><td colspan=3 class='note'>no file changed</td></tr>"
    return (
        f"<h2>Files</h2><p>{len(rows)} changed, {unchanged} unchanged.</p>"
        f"<table><tr><th>status</th><th>path</th><th>lines</th></tr>{body}</table>"
    )


def _section_capabilities(diff: ReleaseDiff, anchors: Anchors | None = None) -> str:
    caps = diff.capabilities
    out = ["<h2>Capability delta</h2>"]
    if caps is None:
        out.append(
            "<p class='note'>no capability scan: "
            + html_text("; ".join(diff.errors) or "skipped")
            + "</p>"
        )
        return "".join(out)
    out.append(
        f"<p>{len(caps.added)} added, {len(caps.removed)} removed, "
        f"{caps.unchanged_count} unchanged (paired by capability, file and matched "
        "text; moved code counts as unchanged).</p>"
    )
    out.append(_count_table("capability", caps.by_capability()))
    out.append(
        _count_table(
            "file",
            {path: row for path, row in caps.by_file().items() if row["added"] or row["removed"]},
        )
    )
    for title, hits in (("Added", caps.added), ("Removed", caps.removed)):
        if not hits:
            continue
        out.append(
            f"<h3>{title}</h3><table><tr><th>severity</th><th>capability</th>"
            "<th>where</th><th>match</th></tr>"
        )
        for h in hits:
            out.append(
                f"<tr><td>{_badge(h.severity)}</td><td class='mono'>"
                f"{html_text(h.capability)}</td><td class='mono'>{_where(h, anchors)}"
                f"</td><td><code>{html_text(h.match)}</code><br>"
                f"<span class='note'>{html_text(h.explanation)}</span>{_decoded_html(h)}</td></tr>"
            )
        out.append("</table>")
    return "".join(out)


def _decoded_html(h) -> str:
    """A hit found in decoded data: what it decoded to (escaped) and the layers peeled off."""
    if h is None or not getattr(h, "decoded", ""):
        return ""
    layers = f" ({html_text(h.layers)})" if h.layers else ""
    return (
        f"<div class='note'>decoded{layers} &rarr;</div>"
        f"<pre class='decoded mono'>{html_text(h.decoded)}</pre>"
    )


def _section_threats(diff: ReleaseDiff, anchors: Anchors) -> str:
    """The threats of the new release (new against the baseline first): what decides the
    risk, each with its steps linked to their lines and decoded payloads shown."""
    caps = diff.capabilities
    hits = [*caps.added, *(n for _o, n in caps.unchanged)] if caps else []
    by_step = {(h.capability, h.path, h.line): h for h in hits}
    threats = diff.threats_in_order()
    added = [t for t in threats if diff.threat_is_added(t)]
    out = [
        "<h2 id='threats'>Threats</h2>",
        f"<p>{len(threats)} in the new release, {len(added)} new against the baseline.</p>",
    ]
    if threats:
        out.append("<table><tr><th>severity</th><th>threat</th><th>steps</th></tr>")
    for n, t in enumerate(threats, 1):
        new = " <span class='badge new'>new</span>" if t in added else ""
        steps = []
        for st in t.steps:
            h = by_step.get((st.capability, st.path, st.line))
            steps.append(
                f"<li><code>{html_text(st.capability)}</code> "
                f"<span class='mono'>{_where(st, anchors)}</span>{_decoded_html(h)}</li>"
            )
        out.append(
            f"<tr class='threat' id='threat-{n}'><td>{_badge(t.severity)}</td>"
            f"<td><b class='mono'>{html_text(t.id)}</b>{new}<br>{html_text(t.explanation)}"
            f"</td><td><ol class='steps'>{''.join(steps)}</ol></td></tr>"
        )
    if threats:
        out.append("</table>")
    kept = {t.id for t in diff.threats_new}
    gone = sorted({t.id for t in diff.threats_old} - kept)
    if gone:
        out.append(f"<p class='note'>Gone since the baseline: {html_text(', '.join(gone))}</p>")
    return "".join(out)


def _section_surface(diff: ReleaseDiff) -> str:
    out = ["<h2>Install surface</h2>"]
    if not diff.install_surface:
        out.append("<p class='note'>no change to what runs at install time</p>")
    else:
        out.append(
            "<table><tr><th>kind</th><th>change</th><th>name</th><th>old</th>"
            "<th>new</th><th>why it matters</th></tr>"
        )
        for c in diff.install_surface:
            out.append(
                f"<tr><td>{html_text(c.kind)}</td><td>{html_text(c.change)}</td>"
                f"<td class='mono'>{html_text(c.name or c.path)}</td>"
                f"<td class='mono'>{html_text(c.old)}</td>"
                f"<td class='mono'>{html_text(c.new)}</td>"
                f"<td>{html_text(c.detail)}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Metadata</h2>")
    if not diff.metadata:
        out.append("<p class='note'>no change to authors, maintainers or URLs</p>")
    else:
        out.append("<table><tr><th>field</th><th>old</th><th>new</th></tr>")
        for m in diff.metadata:
            out.append(
                f"<tr><td>{html_text(m['field'])}</td><td class='mono'>"
                f"{html_text(m['old'])}</td><td class='mono'>{html_text(m['new'])}</td>"
                "</tr>"
            )
        out.append("</table>")
    return "".join(out)


def _strip_cr(lines: list[str]) -> list[str]:
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def _file_diff_html(
    f: FileDiff,
    ignore_whitespace: bool,
    budget: list[int],
    anchors: Anchors,
    hit_lines: dict[str, dict[int, str]],
) -> str:
    anchor = anchors.file(f)
    marked = hit_lines.get(f.new_member.path, {}) if f.new_member is not None else {}
    head = (
        f"<h3 id='{html_text(anchor)}' class='mono'><span class='st-{f.status}'>{f.status}</span> "
        f"{html_text(f.path)}"
        + (f" &larr; {html_text(f.old_path)}" if f.old_path else "")
        + "</h3>"
    )
    for m in (f.old_member, f.new_member):
        if m is not None and m.kind != "text" and m.link_target is None:
            sides = []
            for label, mm in (("old", f.old_member), ("new", f.new_member)):
                if mm is not None:
                    sides.append(f"{label}: {mm.size} bytes, sha256 {html_text(mm.sha256)}")
            return head + "<p class='note'>binary file, not shown: " + "; ".join(sides) + "</p>"
    a, b = _strip_cr(member_lines(f.old_member)), _strip_cr(member_lines(f.new_member))
    ld: LineDiff = f.line_diff(ignore_whitespace=ignore_whitespace)
    if ld.too_large:
        return head + f"<p class='note'>diff too large to show: {html_text(ld.reason)}</p>"
    if not ld.changed:
        return head + "<p class='note'>no line changes (whitespace only or metadata)</p>"
    hunks = ld.hunks(context=3)
    rows = sum(h.old_count + h.new_count for h in hunks)
    if rows > budget[0]:
        return head + f"<p class='note'>{rows} diff lines left out (report size limit)</p>"
    budget[0] -= rows
    hl_a, hl_b = highlight_lines(a, f.old_path or f.path), highlight_lines(b, f.path)
    spans_old: dict[int, tuple] = {}
    spans_new: dict[int, tuple] = {}
    for (i, j), intra in ld.intraline.items():
        spans_old[i], spans_new[j] = intra.old_spans, intra.new_spans
    out = [head, "<table class='diff code mono'>"]
    for h in hunks:
        out.append(
            f"<tr class='hunk'><td class='ln'></td><td class='ln'></td>"
            f"<td class='sign'></td><td class='txt'>{h.header()}</td></tr>"
        )
        for op in h.opcodes:
            if op.tag == "equal":
                for off in range(op.i2 - op.i1):
                    i, j = op.i1 + off, op.j1 + off
                    out.append(
                        f"<tr{_row_attrs('', anchors, anchor, j + 1, marked)}>"
                        f"<td class='ln'>{i + 1}</td><td class='ln'>{j + 1}</td>"
                        f"<td class='sign'>{'!' if j + 1 in marked else ' '}</td>"
                        "<td class='txt'>"
                        f"{_render_tokens(hl_b[j])}</td></tr>"
                    )
                continue
            for i in range(op.i1, op.i2):
                anchors.rendered.add(f"{anchor}-old-L{i + 1}")
                out.append(
                    f"<tr class='del' id='{html_text(anchor)}-old-L{i + 1}'>"
                    f"<td class='ln'>{i + 1}</td><td class='ln'></td>"
                    f"<td class='sign'>-</td><td class='txt'>"
                    f"{_render_tokens(hl_a[i], spans_old.get(i, ()))}</td></tr>"
                )
            for j in range(op.j1, op.j2):
                out.append(
                    f"<tr{_row_attrs('ins', anchors, anchor, j + 1, marked)}>"
                    f"<td class='ln'></td><td class='ln'>{j + 1}</td>"
                    f"<td class='sign'>{'!' if j + 1 in marked else '+'}</td><td class='txt'>"
                    f"{_render_tokens(hl_b[j], spans_new.get(j, ()))}</td></tr>"
                )
    out.append("</table>")
    return "".join(out)


def _row_attrs(cls: str, anchors: Anchors, anchor: str, line: int, marked: dict) -> str:
    """``class`` and stable ``id`` of a new-side row; a hit line is marked with its title."""
    anchors.rendered.add(f"{anchor}-L{line}")
    classes = " ".join(c for c in (cls, "hit" if line in marked else "") if c)
    title = f" title='{html_text(marked[line])}'" if line in marked else ""
    attrs = f" class='{classes}'" if classes else ""
    return f"{attrs} id='{html_text(anchor)}-L{line}'{title}"


def _hit_lines(diff: ReleaseDiff) -> dict[str, dict[int, str]]:
    """Lines carrying a hit the release added: member path -> line -> capabilities."""
    out: dict[str, dict[int, str]] = {}
    for h in diff.capabilities.added if diff.capabilities else ():
        lines = out.setdefault(h.path, {})
        for line in range(h.line, max(h.line, h.end_line or h.line) + 1):
            lines[line] = ", ".join(filter(None, (lines.get(line), h.capability)))
    return out


def _section_review(review: dict, anchors: Anchors) -> str:
    """The moderator's decision first: what a ticket needs (verdict, action, reason, who)."""
    verdict = str(review.get("verdict") or "undecided")
    out = [
        "<h2 id='decision'>Decision</h2><table>",
        f"<tr><th>verdict</th><td><span class='badge verdict-{html_text(verdict)}'>"
        f"{html_text(verdict)}</span></td></tr>",
    ]
    for key in ("action", "kind", "reason", "reviewer", "decided_at", "confidence"):
        if review.get(key):
            out.append(
                f"<tr><th>{key.replace('_', ' ')}</th><td>{html_text(review[key])}</td></tr>"
            )
    out.append("</table>")
    evidence = review.get("evidence") or []
    if evidence:
        out.append("<h3>Evidence</h3><ul>")
        for ev in evidence:
            start, end = ev.get("line_start"), ev.get("line_end")
            lines = f":{start}" + (f"-{end}" if end and end != start else "") if start else ""
            caps = ", ".join(ev.get("capabilities") or ())
            text = f"{html_text(ev.get('path'))}{lines}"
            href = anchors.link(str(ev.get("path")), start)
            text = f"<a href='{html_text(href)}'>{text}</a>" if href else text
            out.append(f"<li class='mono'>{text} {html_text(caps)}</li>")
        out.append("</ul>")
    confirmed = review.get("confirmed_hits") or []
    if confirmed:
        out.append("<h3>Confirmed hits</h3><table><tr><th>capability</th><th>where</th></tr>")
        for h in confirmed:
            href = anchors.link(str(h.get("path")), h.get("line"))
            where = f"{html_text(h.get('path'))}:{html_text(h.get('line'))}"
            where = f"<a href='{html_text(href)}'>{where}</a>" if href else where
            out.append(
                f"<tr><td class='mono'>{html_text(h.get('capability'))}</td>"
                f"<td class='mono'>{where}</td></tr>"
            )
        out.append("</table>")
    for line in review.get("notes") or ():
        out.append(f"<p class='note'>{html_text(line)}</p>")
    return "".join(out)


def render_report(
    diff: ReleaseDiff, *, ignore_whitespace: bool = False, review: dict | None = None
) -> str:
    """The whole report as one HTML string (see the module docstring). ``review`` (verdict,
    action, kind, reason, reviewer, decided_at, evidence, confirmed_hits, notes) puts the
    moderator's decision first."""
    title = f"{_target_title(diff.old_target)} \u2192 {_target_title(diff.new_target)}"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        "<meta name='referrer' content='no-referrer'>",
        f"<title>Vetbench release diff: {html_text(title)}</title>",
        f"<style>{_CSS}{_pygments_css()}</style></head><body>",
        f"<h1>Release diff: {html_text(title)}</h1><table>",
    ]
    for label, target, risk in (
        ("old", diff.old_target, diff.risk_old),
        ("new", diff.new_target, diff.risk_new),
    ):
        parts.append(
            f"<tr><th>{label}</th><td class='mono'>{html_text(target.get('path'))}"
            f"<br>sha256 {html_text(target.get('sha256') or '-')}</td>"
            f"<td>risk {_badge(str(risk.get('level', 'none')))} "
            f"{html_text(risk.get('score', 0))}</td></tr>"
        )
    parts.append("</table>")
    if diff.errors:
        parts.append("<p class='note'>" + "<br>".join(html_text(e) for e in diff.errors) + "</p>")
    # The diff is rendered first so the sections above it link only to lines on the page.
    anchors = Anchors()
    files_html = _section_files(diff.files, anchors)
    changes = ["<h2>Changes</h2>"]
    budget = [MAX_RENDERED_LINES]
    hit_lines = _hit_lines(diff)
    changed = diff.changed_files()
    for f in changed[:MAX_RENDERED_FILES]:
        changes.append(_file_diff_html(f, ignore_whitespace, budget, anchors, hit_lines))
    if len(changed) > MAX_RENDERED_FILES:
        changes.append(
            f"<p class='note'>{len(changed) - MAX_RENDERED_FILES} more changed files "
            "not rendered (see the file list)</p>"
        )
    if review is not None:
        parts.append(_section_review(review, anchors))
    if diff.capabilities is not None:
        parts.append(_section_threats(diff, anchors))
    parts.append(_section_capabilities(diff, anchors))
    parts.append(_section_surface(diff))
    parts.append(files_html)
    parts += changes
    parts.append(
        "<p class='note'>Generated by vetbench. Package text is shown escaped; "
        "marked escapes such as <span class='ctl'>\\u202e</span> stand for invisible "
        "or control characters in the package.</p></body></html>\n"
    )
    return "".join(parts)


def write_report(
    diff: ReleaseDiff,
    path: str | Path,
    *,
    ignore_whitespace: bool = False,
    review: dict | None = None,
) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    out = Path(path)
    out.write_text(
        render_report(diff, ignore_whitespace=ignore_whitespace, review=review), encoding="utf-8"
    )
    return out


def _count_table(first: str, rows: dict[str, dict[str, int]]) -> str:
    """Added/removed/unchanged hit counts per key (capability or file); empty without rows."""
    if not rows:
        return ""
    out = [f"<table><tr><th>{first}</th><th>added</th><th>removed</th><th>unchanged</th></tr>"]
    for key, row in rows.items():
        out.append(
            f"<tr><td class='mono'>{html_text(key)}</td><td>{row['added']}</td>"
            f"<td>{row['removed']}</td><td>{row['unchanged']}</td></tr>"
        )
    out.append("</table>")
    return "".join(out)
