"""Python hidden in a package's data files and run by the package's own code.

Malware keeps its payload out of the ``.py`` files a reviewer opens first: ``assets/
defaults.txt``, ``cache.dat``, ``res/init.bin`` hold plain Python, and setup.py or the
package's ``__init__`` runs it with ``exec(open(...).read())``, ``runpy.run_path`` or
``python <file>``. The file's text is only seen by the pattern rules then, one step lower as
data, and the runner is a low "runs a local file" (what ``exec(open("version.py").read())``
does in thousands of setup.py files).

This pass joins the two: when a runner hit at install or import time spells a data file's
name on its line or the lines before it, that file is analysed as Python in the runner's
place (setup code for install time, package code for import time). A data file that does not
parse as Python yields nothing. Only the runner hits are looked at, so the cost is a few
substring tests per runner, not a walk of every file.
"""

from __future__ import annotations

from dataclasses import replace

from app.core.archive import Artifact
from app.core.capabilities import context as ctx
from app.core.capabilities.model import Hit
from app.core.capabilities.pysource import analyse_python

__all__ = ["data_code_hits"]

# Hits of code that runs a local file: exec of a file's text, run_path/execfile, and the
# interpreter (or a program) started on a path.
_RUNNER_RULES = frozenset(
    {
        "py.exec_local_file",
        "py.spawn_tool",
        "py.spawn",
        "py.spawn_build_step",
        "py.spawn_own_script",
        "py.exec_dynamic",
    }
)
_CODE_EXT = (".py", ".pyw", ".pyi", ".pyx", ".pxd")
WINDOW = 15  # lines before a runner where the file's name may be spelled
MAX_DATA_BYTES = 512 * 1024
MIN_NAME = 5  # "a.py"-length names would match too much


def data_code_hits(art: Artifact, findings: list[Hit]) -> list[Hit]:
    """Hits of data files that install or import-time code runs as Python (see module doc)."""
    runners = [
        h
        for h in findings
        if h.rule in _RUNNER_RULES and h.place in ("install", "import") and h.path.endswith(".py")
    ]
    if not runners:
        return []
    data = {
        m.path.rsplit("/", 1)[-1].lower(): m
        for m in art.members
        if m.kind == "text"
        and m.text
        and m.size <= MAX_DATA_BYTES
        and not m.path.lower().endswith(_CODE_EXT)
        and len(m.path.rsplit("/", 1)[-1]) >= MIN_NAME
    }
    if not data:
        return []
    texts = {m.path: m.text for m in art.members if m.kind == "text" and m.path.endswith(".py")}
    split: dict[str, list[str]] = {}  # each runner file split once, however many runners
    out: list[Hit] = []
    done: set[str] = set()
    for h in runners:
        text = texts.get(h.path)
        if not text:
            continue
        lines = split.get(h.path)
        if lines is None:
            lines = split[h.path] = text.split("\n")
        window = "\n".join(lines[max(0, h.line - 1 - WINDOW) : h.end_line]).lower()
        for name, m in data.items():
            if m.path in done or name not in window:
                continue
            done.add(m.path)
            role = ctx.SETUP if h.place == "install" else ctx.CODE
            hits, _note = analyse_python(m.path, m.text or "", role)
            why = f" (run as Python by {h.path} line {h.line})"
            out.extend(_run_by(hit, why) for hit in hits)
    return out


def _run_by(hit: Hit, why: str) -> Hit:
    return replace(hit, explanation=hit.explanation + why)
