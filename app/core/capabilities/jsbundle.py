"""Browser JavaScript shipped inside a Python package, read by patterns instead of the tree.

A Python wheel or sdist may carry the built web UI of its server or notebook extension:
Next.js chunks, webpack bundles, ``*.min.js`` libraries, Sphinx theme scripts. Python's
install and import never run that code (a browser does, when the user opens the UI), so what
a moderator needs from it is what patterns find: an endpoint or webhook it talks to, a
``child_process`` or ``eval`` of a decoded blob, obfuscation. The tree-sitter parse and the
place analysis of :mod:`.javascript` cost seconds on such bundles (one LLM SDK ships 182 of
them) and answer questions that only matter for code Node runs.

So such a file gets the text rules with the JavaScript patterns (``pat.js_*``, the reading
the previous release gave every JavaScript file) and the string signals, when all of these
hold:

* the package is a Python one (an npm package's JavaScript is what runs: it keeps the full
  reading, as does a file an npm lifecycle script runs);
* the file is shaped or placed like a browser bundle: under a static-asset folder
  (``static/``, ``dist/``, ``_next/``, ``labextensions/``...), named as a built asset
  (``*.min.js``, ``*-bundle.js``, ``main.3f2a9c1b.js``), or minified (long lines on average);
* it shows no Node power and no obfuscator: a bundle that names ``child_process``, writes
  files or reads the home folder, or carries javascript-obfuscator's ``_0x`` names, keeps
  the full reading whatever its shape, since that is what a dropper hidden among the assets
  looks like. These tests are plain substring searches (C speed, no regex over megabytes).
"""

from __future__ import annotations

import re
from dataclasses import replace

from app.core.capabilities import context as ctx
from app.core.capabilities.model import Hit, severity_rank
from app.core.capabilities.textscan import scan_text_file

# Folders whose JavaScript is served to a browser (lower-case path segments).
_ASSET_DIRS = frozenset(
    {
        "static",
        "_static",
        "dist",
        "assets",
        "_next",
        "public",
        "www",
        "web",
        "webapp",
        "labextension",
        "labextensions",
        "nbextension",
        "nbextensions",
    }
)
_BUILT_NAME_RE = re.compile(r"[.\-_](?:min|bundle|chunk|[0-9a-f]{8,})\.m?js$")
_BROWSER_EXT = (".js", ".mjs")
# A minified file: at least this many characters, and on average this many per line.
MIN_MINIFIED_CHARS = 10_000
MIN_MINIFIED_LINE = 500
# Node's power, or javascript-obfuscator's output: reasons to read the tree whatever the shape.
_FULL_READING_MARKS = (
    "child_process",
    "execSync",
    "spawnSync",
    "execFileSync",
    "writeFileSync",
    "createWriteStream",
    "homedir",
    "_0x",
)
# Shown one step lower in a bundle: shell text is text a browser shows (install instructions
# in a UI), not a command anything runs, as where the tree reading decides. A bare ``eval`` /
# ``new Function(`` keeps the pattern's severity (medium): beside a blob that decodes to code
# it is what makes the pair a disguise (disguise.encoded_exec), and alone it is no alarm.
_LOWERED_RULES = frozenset(
    {
        "pat.curl_pipe_shell",
        "pat.persist_cmd",
        "pat.hidden_window",
        "pat.powershell_download",
        "pat.lolbin_download",
    }
)


def is_python_package(ecosystem: str, py_paths) -> bool:
    """A PyPI artifact holding Python modules (``.pyi`` stubs alone do not make one)."""
    return ecosystem == "pypi" and any(not p.endswith(".pyi") for p in py_paths)


def browser_bundle(path: str, text: str) -> bool:
    """Whether ``path`` is browser JavaScript to be read by patterns (the package being a
    Python one is the caller's test): bundle-shaped or placed, without Node power."""
    low = path.lower()
    if not low.endswith(_BROWSER_EXT):
        return False
    folders = low.split("/")[:-1]
    shaped = (
        any(f in _ASSET_DIRS for f in folders)
        or _BUILT_NAME_RE.search(low) is not None
        or (len(text) >= MIN_MINIFIED_CHARS and text.count("\n") * MIN_MINIFIED_LINE < len(text))
    )
    return shaped and not any(mark in text for mark in _FULL_READING_MARKS)


# How far into a line the quotes before a match are followed (a minified line runs for megabytes).
MAX_QUOTE_WALK = 200_000


def in_text(line: str, column: int) -> bool:
    """Whether ``column`` of a JavaScript ``line`` lies inside a string literal or a ``//``
    comment, followed from the start of the line: a security tool's catalogue saying
    ``example: "eval(atob(...))"`` shows the call as text, nothing runs it. Quotes are
    followed with their escapes; a line longer than :data:`MAX_QUOTE_WALK` before the match,
    or a slash that may open a regular expression (whose quotes do not count), answers
    False, so a doubtful match keeps its severity."""
    if column > MAX_QUOTE_WALK:
        return False
    quote = ""
    i = 0
    while i < column:
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c == "/":  # a comment; a division or a regular expression is not followed
            return line.startswith("//", i)
        i += 1
    return bool(quote)


def scan_bundle(path: str, text: str, role: str) -> list[Hit]:
    """The pattern reading of a browser bundle: every text rule including the JavaScript
    ones, the string signals (endpoints, webhooks, encoded blobs), shell text one step lower;
    of several rules on one line and capability the strongest, as for unparsed JavaScript.
    A JavaScript rule's match inside a string literal or a comment (:func:`in_text`) is text
    about code: shown at low."""
    best: dict[tuple[str, int], Hit] = {}
    lines: list[str] | None = None
    for h in scan_text_file(path, text, role):
        if h.rule in _LOWERED_RULES:
            h = replace(h, severity=ctx.step(h.severity, -1))
        if h.rule.startswith("pat.js_") and severity_rank(h.severity) > 1:
            lines = text.split("\n") if lines is None else lines
            if 0 < h.line <= len(lines) and in_text(lines[h.line - 1], h.column):
                h = replace(
                    h,
                    severity="low",
                    explanation=h.explanation + " (The call is written inside a string or a"
                    " comment: text about code, which nothing runs.)",
                )
        old = best.get((h.capability, h.line))
        if old is None or severity_rank(h.severity) > severity_rank(old.severity):
            best[(h.capability, h.line)] = h
    return list(best.values())
