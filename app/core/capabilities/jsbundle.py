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


def scan_bundle(path: str, text: str, role: str) -> list[Hit]:
    """The pattern reading of a browser bundle: every text rule including the JavaScript
    ones, the string signals (endpoints, webhooks, encoded blobs), shell text one step lower;
    of several rules on one line and capability the strongest, as for unparsed JavaScript."""
    best: dict[tuple[str, int], Hit] = {}
    for h in scan_text_file(path, text, role):
        if h.rule in _LOWERED_RULES:
            h = replace(h, severity=ctx.step(h.severity, -1))
        old = best.get((h.capability, h.line))
        if old is None or severity_rank(h.severity) > severity_rank(old.severity):
            best[(h.capability, h.line)] = h
    return list(best.values())
