"""setup.py starting a script the package ships: judged by what the script does.

A native build often runs a script of its own source tree from setup.py: ``sh autogen.sh``
of a bundled library, ``./build_bundled.sh`` before ``build_ext``, ``bash postBuild`` to
register a notebook widget. The scan reads that script too, and a download-and-run line, a
decoded command or a persistence line in it keeps its own severity (a script setup.py names
is never lowered as unnamed, see :mod:`unnamed`). So the start itself is shown at medium
when the script is a text file of the package; one the package does not ship (written or
fetched at install) or a binary under a script's name stays an install-time act.

The analyser marks such starts (:data:`OWN_SCRIPT_RULE`, the script's path quoted in the
explanation); :func:`lower_shipped_script_starts` checks them against the artifact's files.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import replace

from app.core.archive import Artifact
from app.core.capabilities.model import Hit, severity_rank
from app.core.capabilities.native import native_format

__all__ = [
    "OWN_SCRIPT_RULE",
    "script_by_name",
    "lower_shipped_script_starts",
    "own_script",
    "own_script_line",
    "start_explanation",
]

OWN_SCRIPT_RULE = "py.spawn_own_script"
_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh"})
# A relative path of plain name characters: "autogen.sh", "./build_bundled.sh", "tools/gen".
_REL_PATH_RE = re.compile(r"^(?:\./)?[\w.+-]+(?:/[\w.+-]+)*$")
_QUOTED_RE = re.compile(r"script '([^']+)'")


def own_script(words: list[str]) -> str | None:
    """The relative script a command line starts (``./x.sh``; ``sh x.sh``; ``bash dir/x``),
    or ``None``: an absolute path, an option, a computed part ("?") or a shell line."""
    if not words:
        return None
    first = words[0].rsplit("/", 1)[-1].lower()
    if first in _SHELLS and words[0] in (first, f"/bin/{first}", f"/usr/bin/{first}"):
        target = words[1] if len(words) > 1 else ""
    elif words[0].startswith("./") or "/" in words[0]:
        target = words[0]
    else:
        return None
    if not _REL_PATH_RE.match(target) or target.startswith(("-", "..")) or target == "?":
        return None
    return target.removeprefix("./")


# The shell idiom for running a script in its own folder, "cd rl && /bin/bash ./build.sh",
# with its output silenced ("> /dev/null 2>&1"): the one change of folder first, nothing else
# chained, piped or substituted.
_CD_FIRST_RE = re.compile(
    r"^\s*cd\s+(?P<dir>(?:\./)?[\w.+-]+(?:/[\w.+-]+)*)\s*&&\s*(?P<rest>.+)$", re.S
)
_SILENCED_RE = re.compile(r"(?:\s+(?:[12]?>\s*/dev/null|2>&1))+\s*$")
_META_RE = re.compile(r"[|;&`$<>\n]")


def own_script_line(line: str) -> str | None:
    """The relative script a shell line starts, as a path from where setup.py runs:
    ``sh autogen.sh`` -> ``autogen.sh``; ``cd rl && /bin/bash ./build.sh > /dev/null 2>&1``
    -> ``rl/build.sh``. ``None`` for any other shell line (a pipe, a second command, a
    substitution, a folder outside the tree)."""
    folder = ""
    m = _CD_FIRST_RE.match(line)
    if m is not None:
        folder = m.group("dir").removeprefix("./")
        if folder.startswith(("-", "..")):
            return None
        line = m.group("rest")
    line = _SILENCED_RE.sub("", line)
    if _META_RE.search(line):
        return None
    script = own_script(line.split())
    return f"{folder}/{script}" if script and folder and folder != "." else script


# the modes that make a file runnable: +x, u+x, a+rx, 755, 0o755
_EXEC_MODE_RE = re.compile(r"^(?:[ugoa]*\+[rwx]*x[rwx]*|0?o?[0-7]?[1357][0-7]{2})$")


def script_by_name(
    cmd_node: ast.AST | None,
    fold: Callable[[ast.AST], object],
    path_tail: Callable[[ast.AST], str],
) -> str | None:
    """``["sh", os.path.join(os.getcwd() + "/bin/", "compile_library.sh")]``: a shell
    running a script whose folder the code computes and whose file name it writes (or
    ``["chmod", "+x", <the same>]`` making it runnable first). The name is enough for
    :func:`lower_shipped_script_starts`, which lowers the start only when the package ships a
    text script of that name; anything else stays high. ``fold`` gives an element's constant
    value (None: computed), ``path_tail`` the file name a path expression ends in."""
    if not isinstance(cmd_node, ast.List | ast.Tuple) or len(cmd_node.elts) not in (2, 3):
        return None
    head: list[str] = []
    for e in cmd_node.elts[:-1]:
        w = fold(e)
        if isinstance(w, bytes):
            w = w.decode("latin-1")
        if not isinstance(w, str):
            return None
        head.append(w)
    program = head[0].rsplit("/", 1)[-1]
    if not (
        (program in _SHELLS and len(head) == 1)
        or (program == "chmod" and len(head) == 2 and _EXEC_MODE_RE.match(head[1]))
    ):
        return None
    tail = path_tail(cmd_node.elts[-1])
    return own_script(["sh", tail]) if tail and "/" not in tail else None


def start_explanation(script: str, q: str) -> str:
    return f"Starts the package's script '{script}' ({q}): what the script does is judged in it."


def lower_shipped_script_starts(hits: list[Hit], artifact: Artifact) -> tuple[list[Hit], set[str]]:
    """``hits`` with each high start of a script the package ships as text at medium, and the
    paths (setup.py files) whose hits changed."""
    marked = [h for h in hits if h.rule == OWN_SCRIPT_RULE and severity_rank(h.severity) >= 3]
    if not marked:
        return hits, set()
    # text the scan read, not a program under a script's name (an ELF called build.sh)
    texts = {
        "/" + m.path.lower()
        for m in artifact.members
        if m.kind == "text" and native_format((m.data or b"")[:4096]) is None
    }
    lowered: set[int] = set()
    for h in marked:
        found = _QUOTED_RE.search(h.explanation)
        if found is None:
            continue
        tail = "/" + found.group(1).lower()
        if any(p.endswith(tail) for p in texts):
            lowered.add(id(h))
    if not lowered:
        return hits, set()
    out = [replace(h, severity="medium") if id(h) in lowered else h for h in hits]
    return out, {h.path for h in marked if id(h) in lowered}
