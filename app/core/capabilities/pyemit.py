"""Where a hit of the Python analyser lands and what it weighs.

Every rule of :class:`~app.core.capabilities.pyanalysis.PythonAnalyzer` and its mixins ends
in :meth:`HitEmitter.emit`: the place the code runs ("install", "import" or only when called),
the step up for acts that run without anyone calling them (install scopes, module level, the
functions module-level code calls), the step down in tests, the line of a decoded literal,
and one hit per capability, line, column and rule. It stands alone because it is the one
policy all the rules share, and it reads only the scopes, never the tree's rules.
"""

from __future__ import annotations

import ast

from app.core.capabilities import context as ctx
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit
from app.core.capabilities.pyscopes import NameResolution

# Raised one step also inside functions that module-level code calls (generated code and
# platform probes legitimately run there; data theft and persistence do not).
_REACHED_RAISE = {
    "collect.sysinfo",
    "collect.user_input",
    "fs.write_outside",
    "process.spawn_hidden",
}


class HitEmitter(NameResolution):
    """``emit`` and the place/weight policy; the analyser sets the members below."""

    path: str
    lines: list[str]
    role: str
    hits: list[Hit]
    at_line: int | None
    command: bool
    _seen: set[tuple]

    def emit(
        self,
        cap: str,
        severity: str,
        node: ast.AST,
        rule: str,
        explanation: str,
        match: str | None = None,
        *,
        raise_in_context: bool = True,
        place: str | None = None,
    ) -> None:
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", line) or line
        col = getattr(node, "col_offset", 0)
        if place is None:
            place = self._place()
        if raise_in_context:
            severity = self._contextual(cap, severity)
        if self.role == ctx.TEST:
            severity = ctx.step(severity, -1)
        if self.at_line is not None:
            explanation = "In decoded data: " + explanation
            line, end, col = self.at_line, self.at_line, 0
        key = (cap, line, col, rule)
        if key in self._seen:
            return
        self._seen.add(key)
        if match is None:
            match = self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""
        self.hits.append(
            make_hit(
                cap,
                severity,
                self.path,
                self.lines,
                line,
                end,
                col,
                match,
                rule,
                explanation,
                place,
            )
        )

    def _place(self) -> str:
        """ "install", "import" or "": whether this code runs without anyone calling it."""
        executed = self.scope.executed
        if self.role in (ctx.SETUP, ctx.PTH, ctx.BACKEND):
            return "install" if executed or self.in_install() else ""
        if self.command or self.path.rsplit("/", 1)[-1] == "__main__.py":
            return ""  # runs under `python -m pkg` (a command the user types), not on import
        return "import" if executed and self.role == ctx.CODE else ""

    def _contextual(self, cap: str, severity: str) -> str:
        if cap not in ctx.ACTIVE:
            return severity
        s = self.scope
        in_install = self.in_install()
        executed = s.executed
        if self.role in (ctx.SETUP, ctx.PTH, ctx.BACKEND) and (executed or in_install):
            if cap == "collect.sysinfo" and self.role == ctx.SETUP:
                # setup.py asks for the platform to pick compiler flags; sending what it
                # collects is the act (a network call, raised here on its own)
                return severity
            return ctx.at_least(severity, "high")
        # tests, docs, examples and scripts are run by developers, not imported by users
        if executed and self.role == ctx.CODE and not self.command:
            if cap in (
                "net.outbound",
                "net.download_to_disk",
                "cred.env_bulk",
                "cred.secret_files",
            ):
                return ctx.at_least(ctx.step(severity, 1), "high")
            if s.kind != "function" or cap in _REACHED_RAISE:
                return ctx.step(severity, 1)
        return severity
