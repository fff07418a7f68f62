"""JavaScript and TypeScript by their syntax tree: the same capability ids as Python.

Walking every node of a 5 MB bundle in Python would cost seconds, so the analyser works from
*places*: every occurrence of a name a rule watches (``exec``, ``eval``, ``fetch``,
``process.env``, ``writeFileSync``…), every concatenated or escaped literal, and every
string-array accessor call that :mod:`.jsdeobfuscate` resolved. From each place it climbs the
tree to the call, ``new`` or assignment it belongs to and asks the questions a moderator
would: is ``exec`` the one of ``child_process``? is what reaches ``eval`` decoded or
downloaded? does this write land in a shell rc file? is ``window.fetch`` being replaced?
Decoded literals that look like code are analysed again (two levels), their hits reported at
the literal's line with the decoded text. Nothing is executed.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import replace
from typing import cast

from tree_sitter import Node

from app.core.capabilities import context as ctx
from app.core.capabilities import jsplaces, jsrules
from app.core.capabilities import strings as sig
from app.core.capabilities.hits import make_hit
from app.core.capabilities.jsdeobfuscate import (
    MAX_STRING,
    Folder,
    as_text,
    literal_text,
    slice_of,
)
from app.core.capabilities.jsparse import Parsed, parse, parse_pieces
from app.core.capabilities.jsstringarray import string_array_calls
from app.core.capabilities.model import Hit, severity_rank
from app.core.capabilities.shell import only_reads, with_decoded
from app.core.capabilities.textscan import scan_text_file

MAX_PLACES = 30_000
_SHELL_TEXT_RULES = {
    "pat.curl_pipe_shell",
    "pat.persist_cmd",
    "pat.hidden_window",
    "pat.powershell_download",
    "pat.lolbin_download",
}
_HAS_PLACE = "place" in Hit.__dataclass_fields__  # where code runs (see model.Hit)
_FUNCTIONS = {
    "function_declaration",
    "function_expression",
    "arrow_function",
    "method_definition",
    "generator_function_declaration",
    "generator_function",
}
MAX_DECODED_DEPTH = 2

_CONCAT_RE = re.compile(rb"['\"`]\s{0,3}\+\s{0,3}['\"`]")
_ESCAPE_RE = re.compile(rb"\\x[0-9a-fA-F]{2}|\\u[0-9a-fA-F]{4}|\\u\{")


class Analysis:
    """One file (or one decoded literal inside it)."""

    def __init__(
        self,
        path: str,
        parsed: Parsed,
        role: str,
        lines: list[str],
        depth: int = 0,
        at_line: int | None = None,
        decoded_text: str = "",
    ):
        self.path = path
        self.role = role
        self.lines = lines
        self.depth = depth
        self.at_line = at_line
        self.decoded_text = decoded_text
        self.hits: list[Hit] = []
        self._seen: set[tuple] = set()
        self.line0, self.col0 = parsed.line0, parsed.col0  # where the piece starts
        self.src = parsed.src
        self.root = parsed.root
        self.note = parsed.note
        self.folder = Folder(self.src, self.root) if self.root is not None else None
        self.facts: dict[
            str, Node | None
        ] = {}  # token_read, publish, hijack, net, spawn… -> first place
        self.imports: dict[str, str | None] = {}  # name -> the module it was imported from
        self._built: set[tuple[int, int]] = set()
        self._sites: list[
            tuple[int, int]
        ] = []  # string-array call sites, in source order  # literals already folded (built_string)

    # -- reporting -----------------------------------------------------------------------
    def add(
        self,
        cap: str,
        severity: str,
        node: Node | None,
        rule: str,
        explanation: str,
        match: str | None = None,
        decoded: str = "",
    ) -> None:
        line = node.start_point.row + 1 + self.line0 if node is not None else 1 + self.line0
        end = node.end_point.row + 1 + self.line0 if node is not None else line
        col = node.start_point.column if node is not None else 0
        if node is not None and node.start_point.row == 0:
            col += self.col0
        if self.role == ctx.SETUP and cap in ctx.ACTIVE:
            # npm install scripts often fetch their own platform binary (esbuild, sharp...):
            # a request alone is medium there; what it is chained to decides.
            severity = ctx.at_least(severity, "medium" if cap == "net.outbound" else "high")
        if self.role == ctx.TEST:
            severity = ctx.step(severity, -1)
        if self.at_line is not None:
            explanation = "In decoded data: " + explanation
            line, end, col = self.at_line, self.at_line, 0
            decoded = decoded or self.decoded_text
        key = (cap, line, rule)
        if key in self._seen:
            return
        self._seen.add(key)
        if match is None:
            # a slice of the source, not node.text: that copies the whole node first, and a
            # hit on a bundle's wrapper call would copy megabytes per hit
            match = (
                self.src[node.start_byte : min(node.end_byte, node.start_byte + 200)].decode(
                    "utf-8", "replace"
                )
                if node is not None
                else ""
            )
        if not decoded and node is not None and self._sites and self.at_line is None:
            decoded = self._put_back(node.start_byte, node.end_byte)  # names it decoded
        h = make_hit(cap, severity, self.path, self.lines, line, end, col, match, rule, explanation)
        if _HAS_PLACE:
            h = replace(h, place=self._place(node))
        self.hits.append(with_decoded(h, decoded))

    def _put_back(self, start: int, end: int, limit: int = 1200) -> str:
        """The source from ``start`` to ``end`` with every string-array call replaced by the
        string it returns: the obfuscated code as a moderator can read it ("" when no call
        in the range was decoded)."""
        resolved = self.folder.resolved if self.folder is not None else {}
        i = bisect.bisect_left(self._sites, (start, 0))
        out, at = [], start
        while i < len(self._sites) and self._sites[i][1] <= end and at - start < limit:
            s, e = self._sites[i]
            if s >= at:
                out.append(self.src[at:s].decode("utf-8", "replace"))
                out.append("'" + resolved[(s, e)].replace("'", "\\'") + "'")
                at = e
            i += 1
        if not out:
            return ""
        out.append(self.src[at : min(end, at + 300)].decode("utf-8", "replace"))
        return "".join(out)[:limit]

    def _place(self, node: Node | None) -> str:
        """``install`` in a file a lifecycle script runs, ``import`` at a module's top level."""
        if self.role == ctx.SETUP:
            return "install"
        if self.role != ctx.CODE or node is None or self.at_line is not None:
            return ""
        n = node.parent
        for _ in range(400):
            if n is None:
                return "import"
            if n.type in _FUNCTIONS:
                return ""
            n = n.parent
        return ""

    # -- the walk over places ------------------------------------------------------------
    def run(self) -> None:
        if self.root is None or self.folder is None:
            return
        a = cast(jsplaces.Analysis, self)  # what the rules read of it, root and folder now set
        src = self.src
        resolved = string_array_calls(src, self.root, self.folder)
        self.folder.resolved = resolved
        self._sites = sorted(resolved)
        if resolved:
            first = min(resolved)
            node = self.root.descendant_for_byte_range(first[0], first[1])
            # what the code does with its strings put back (the rotation's checksum calls
            # left out), else the strings themselves
            used = [k for k in self._sites if src[max(0, k[0] - 9) : k[0]] != b"parseInt("]
            payload = ""
            if used:  # whole statements: from the ";" before the first call to the one after
                begin = src.rfind(b";", max(0, used[0][0] - 300), used[0][0]) + 1
                stop = src.find(b";", used[-1][1], used[-1][1] + 300)
                payload = self._put_back(
                    begin or used[0][0], stop + 1 if stop >= 0 else used[-1][1]
                )
            self.add(
                "obf.packer",
                "high",
                node,
                "js.string_array",
                f"javascript-obfuscator string array: {len(resolved)} calls decoded from a rotated string table.",
                decoded=payload or " ".join(list(dict.fromkeys(resolved.values()))[:60]),
            )
        for places, m in enumerate(jsplaces.NAMES_RE.finditer(src)):
            if places >= MAX_PLACES:
                break
            node = self.root.descendant_for_byte_range(m.start(), m.end())
            if node is not None:
                jsrules.handle(a, m.group(0).decode(), node, False)
        for (s, e), value in list(resolved.items())[:MAX_PLACES]:
            node = _exact(self.root, s, e)
            if node is None:
                continue
            if value in jsplaces.NAMES:
                jsrules.handle(a, value, node, True)
            else:
                self.decoded_string(value, node, "a string-array accessor")
        for rx in (_CONCAT_RE, _ESCAPE_RE):
            for i, m in enumerate(rx.finditer(src)):
                if i > 2000:
                    break
                node = self.root.descendant_for_byte_range(m.start(), m.start() + 1)
                self.built_string(node)
        jsrules.file_facts(a)

    def built_string(self, node: Node | None) -> None:
        """A literal made hard to read (concatenation, escapes): fold it and judge the value."""
        top = None
        while node is not None and node.type in (
            "string",
            "string_fragment",
            "escape_sequence",
            "binary_expression",
            "template_string",
            "parenthesized_expression",
            '"',
            "'",
            "`",
            "+",
        ):
            top = node
            node = node.parent
        if top is None or top.type not in ("string", "binary_expression", "template_string"):
            return
        span = (top.start_byte, top.end_byte)
        if span in self._built:  # every escape of one long literal leads to it: fold it once
            return
        self._built.add(span)
        v = self.folder.fold(top) if self.folder else None
        value = v.value if v is not None else None
        if not isinstance(value, str) or not value:
            return
        if top.type == "binary_expression" or b"\\" in slice_of(self.src, top, MAX_STRING):
            if value in jsplaces.NAMES:  # (run calls this once root and folder are set)
                jsrules.handle(cast(jsplaces.Analysis, self), value, top, True)
                if value in jsplaces.SENSITIVE:
                    self.add(
                        "obf.packer",
                        "high",
                        top,
                        "js.built_name",
                        f"The name '{value}' is built from pieces so that it does not appear in the source.",
                    )
            else:
                self.decoded_string(
                    value, top, "escapes or concatenation", decoded_flag=v.decoded if v else False
                )

    def decoded_string(self, value: str, node: Node, how: str, decoded_flag: bool = True) -> None:
        """Signals in a string the source does not show plainly, and code inside it."""
        for s in sig.endpoint_signals(value) + sig.content_signals(value):
            self.add(
                s.capability,
                s.severity,
                node,
                s.rule,
                f"In a string hidden by {how}: {s.explanation}",
                s.match,
                decoded=value,
            )
        if jsplaces.PUBLISH_RE.search(value):
            self.facts.setdefault("publish", node)
        if jsplaces.TOKEN_RE.search(value):
            self.facts.setdefault("token_read", node)
        if decoded_flag and len(value) >= 24 and jsplaces.looks_like_code(value):
            self.sub_analyse(value, node)

    def sub_analyse(self, code: str, node: Node) -> list[Hit] | None:
        """Analyse decoded code as JavaScript; its hits carry the literal's line. None when
        the code is not read (decoded too deep, or too large)."""
        if self.depth >= MAX_DECODED_DEPTH or len(code) > 2_000_000:
            return None
        line = self.at_line or node.start_point.row + 1 + self.line0
        sub = Analysis(
            self.path, parse(self.path, code), self.role, self.lines, self.depth + 1, line, code
        )
        sub.run()
        for h in sub.hits:
            key = (h.capability, h.line, h.rule)
            if key not in self._seen:
                self._seen.add(key)
                self.hits.append(h)
        for k in sub.facts:
            self.facts.setdefault(k, node)
        return sub.hits


def _exact(root: Node, start: int, end: int) -> Node | None:
    node = root.descendant_for_byte_range(start, end)
    while node is not None and (node.start_byte > start or node.end_byte < end):
        node = node.parent
    return node


def analyse_javascript(
    path: str,
    text: str,
    role: str,
    lines: list[str] | None = None,
    probes: dict[tuple[int, int], str | None] | None = None,
) -> tuple[list[Hit], str | None]:
    """The tree-based hits of one JS/TS file, and why parts were not parsed (or None).

    ``probes`` maps (line, byte column) places to answer while each piece's tree is held: set
    to the kind of text no statement runs that holds the place (``"string"``,
    ``"template_string"`` or ``"comment"``), left None elsewhere."""
    lines = lines if lines is not None else text.split("\n")
    hits: list[Hit] = []
    note = None
    for parsed in parse_pieces(path, text):
        a = Analysis(path, parsed, role, lines)
        a.run()
        hits.extend(a.hits)
        if probes:
            _answer_probes(parsed, probes)
        note = parsed.note
        del a, parsed  # one tree at a time: the next piece is parsed after this one is freed
    return hits, note


_INERT_TEXT = frozenset({"string", "template_string", "comment"})
# Text rules that judge what a reader sees, not what runs: written inside a comment, what they
# found is documentation -- a licence header pushed right by a build's indentation (github-api:
# `` * @copyright`` after 500 spaces), an option's help showing ``"\x65\x78..."`` as the form
# it unescapes (js-beautify), an example address (superagent: ``// Allows
# request.get('https://1.2.3.4/')``). Nothing runs a comment, so each is shown one step lower.
_COMMENT_TEXT_RULES = frozenset({"txt.pushed_right", "txt.escaped_text", "str.ip_url"})


def _answer_probes(parsed, probes: dict[tuple[int, int], str | None]) -> None:
    """Set each probe inside this piece to the kind of inert text that holds it."""
    if parsed.root is None:
        return
    last = parsed.line0 + parsed.src.count(b"\n")
    for line, col in probes:
        row = line - 1 - parsed.line0
        if not 0 <= row <= last - parsed.line0:
            continue
        col_in_piece = col - parsed.col0 if row == 0 else col
        if col_in_piece < 0:
            continue
        node = parsed.root.descendant_for_point_range((row, col_in_piece), (row, col_in_piece))
        while node is not None and node.type not in _INERT_TEXT and node.type != "ERROR":
            node = node.parent
        if node is not None and node.type in _INERT_TEXT:
            probes[(line, col)] = node.type


def scan_javascript(
    path: str, text: str, role: str, lines: list[str] | None = None
) -> tuple[list[Hit], str | None]:
    """A JS/TS file: tree-based hits plus the string signals of the text rules.

    Where the whole file parsed, the regex JS rules (``pat.js_*``) are dropped: the tree
    answers the same questions without reading ``re.exec`` as ``child_process.exec``. Where
    it did not (syntax errors, size), they stay, and a ``scan.unparsed`` hit says so.
    """
    lines = lines if lines is not None else text.split("\n")
    text_hits = scan_text_file(path, text, role, lines=lines)
    probed = _SHELL_TEXT_RULES | _COMMENT_TEXT_RULES
    probes: dict[tuple[int, int], str | None] = {
        _place(h, lines): None for h in text_hits if h.rule in probed
    }
    try:
        hits, note = analyse_javascript(path, text, role, lines, probes)
    except RecursionError:
        hits, note = [], "is nested too deeply for the tree analysis"
    if "comment" in probes.values():
        text_hits = [
            replace(
                h,
                severity=ctx.step(h.severity, -1),
                explanation=h.explanation + " (Written in a comment, which nothing runs.)",
            )
            if h.rule in _COMMENT_TEXT_RULES and probes.get(_place(h, lines)) == "comment"
            else h
            for h in text_hits
        ]
    if note is not None and any(probes.values()):
        # Parsed in pieces: where a piece's tree shows shell text inside a string or a
        # comment (a CLI bundle's completion-script template), it is text, as in a file that
        # parsed whole; elsewhere (a piece that did not parse) the pattern keeps its level.
        text_hits = [
            replace(h, severity=ctx.step(h.severity, -1))
            if h.rule in _SHELL_TEXT_RULES and probes.get(_place(h, lines))
            else h
            for h in text_hits
        ]
    if note is None:
        # The tree decides what runs: shell text in a string literal (completion scripts,
        # help text) is shown one step lower; commands reaching exec are scored by the tree.
        lowered = set(_SHELL_TEXT_RULES)
        if not _acts_on_host(hits, text):
            lowered.add("str.autostart_location")
        text_hits = [
            replace(h, severity=ctx.step(h.severity, -1))
            if h.rule in lowered or _only_lists(h, lines)
            else h
            for h in text_hits
            if not h.rule.startswith("pat.js_")
        ]
    else:
        hits.append(
            make_hit(
                "scan.unparsed",
                "none",
                path,
                lines,
                1,
                None,
                0,
                path,
                "scan.unparsed",
                f"This JavaScript file {note}.",
            )
        )
    best: dict[tuple[str, int], Hit] = {}
    for h in hits + text_hits:
        key = (h.capability, h.line)
        old = best.get(key)
        if old is None or severity_rank(h.severity) > severity_rank(old.severity):
            best[key] = h
    return list(best.values()), note


_QUOTED_RE = re.compile(r"""(['"`])((?:\\.|(?!\1).)*)\1""")


def _only_lists(h: Hit, lines: list[str]) -> bool:
    """An autostart location named in a string that is a command only reading it
    (:func:`.shell.only_reads`): looking at a folder installs nothing in it, so the text is
    shown one step lower. A command that copies, writes, enables or chains anything keeps its
    level."""
    if h.rule != "str.autostart_location" or not 0 < h.line <= len(lines):
        return False
    for m in _QUOTED_RE.finditer(lines[h.line - 1]):
        if m.start() < h.column < m.end():
            return only_reads(m.group(2))
    return False


def _place(h: Hit, lines: list[str]) -> tuple[int, int]:
    """(line, byte column) of a hit, as tree-sitter counts columns."""
    text = lines[h.line - 1] if 0 < h.line <= len(lines) else ""
    return h.line, len(text[: h.column].encode("utf-8", "replace"))


# Effects that could put an autostart location to use (the tree's hits), and the names of
# the calls that do, for a call the tree could not follow (a module bound by a computed name).
_HOST_ACTS = frozenset(
    {
        "process.spawn",
        "process.spawn_hidden",
        "fs.write_outside",
        "net.download_to_disk",
        "persist.autostart",
        "exec.dynamic",
        "exec.decode_then_exec",
        "exec.remote_code",
    }
)
_HOST_ACT_RE = re.compile(
    r"child_process|\b(?:exec|execSync|execFile|spawn|spawnSync|fork|writeFile|writeFileSync|"
    r"appendFile|appendFileSync|createWriteStream|copyFile|copyFileSync|symlink|eval)\b"
)


def _acts_on_host(hits: list[Hit], text: str) -> bool:
    """Whether a parsed JavaScript file starts programs, writes files or runs built code (by
    the tree, or by name anywhere in its text). Where it does none of these, an autostart
    location in its strings (``systemctl enable docker`` in the user data a CDK construct
    renders for an EC2 instance) is text handed on, shown one step lower as Python shows a
    table of locations in a module that acts on nothing; where it does, the text rule keeps
    its severity, since a command the tree cannot follow to its exec may be that one."""
    return any(h.capability in _HOST_ACTS for h in hits) or _HOST_ACT_RE.search(text) is not None


__all__ = ["analyse_javascript", "as_text", "is_javascript", "literal_text", "scan_javascript"]


_JS_EXT = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")


def is_javascript(path: str, text: str) -> bool:
    """JS/TS source by extension (not ``.d.ts`` declarations), or a node shebang."""
    low = path.lower()
    if low.endswith(_JS_EXT):
        return not low.endswith(".d.ts")
    return "." not in low.rsplit("/", 1)[-1] and text.startswith("#!") and "node" in text[:100]
