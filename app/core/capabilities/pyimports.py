"""Which functions of a package run when another of its modules is imported."""

from __future__ import annotations

import re

# Both are matched on "\n" + text: a pattern that starts with a literal is searched for that
# literal at C speed, where a leading ^ is tried at every position (4x slower over a corpus).
_FROM_IMPORT_RE = re.compile(r"\nfrom\s+(\.*[\w.]*)\s+import\s+\(?([\w, \t]+)")
_TOP_CALL_RE = re.compile(r"\n(\w+)\s*\(")


def import_time_calls(files: dict[str, str]) -> dict[str, frozenset[str]]:
    """``{module path: names}`` of functions that another module imports and calls at its top
    level (``from .core import run`` then ``run()`` at column 0): they run on import."""
    out: dict[str, set[str]] = {}
    for path, text in files.items():
        if "import" not in text:
            continue
        pkg = path.rsplit("/", 1)[0].split("/") if "/" in path else []
        text = "\n" + text
        # names called at column 0: most modules call nothing there, and then no import of
        # theirs can be a call on load (the imports are not read at all)
        top_calls = set(_TOP_CALL_RE.findall(text))
        if not top_calls:
            continue
        for m in _FROM_IMPORT_RE.finditer(text):
            mod = m.group(1)
            names = [bits[-1] for part in m.group(2).split(",") if (bits := part.split())]
            called = [n for n in names if n.isidentifier() and n in top_calls]
            if not called:
                continue
            dots = len(mod) - len(mod.lstrip("."))
            parts = mod.lstrip(".").split(".") if mod.strip(".") else []
            if dots:
                base = pkg[: len(pkg) - (dots - 1)] if dots - 1 <= len(pkg) else []
                candidates = ["/".join(base + parts)]
            else:
                candidates = ["/".join(parts), "src/" + "/".join(parts)]
            for c in candidates:
                for target in (f"{c}.py", f"{c}/__init__.py"):
                    if target in files:
                        out.setdefault(target, set()).update(called)
    return {k: frozenset(v) for k, v in out.items()}
