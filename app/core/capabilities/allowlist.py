"""Moderator-controlled suppressions that cannot turn into an evasion.

File format (UTF-8 text, one entry per line, ``#`` starts a comment)::

    # a reviewed file: exact content only; any change to the file fires again
    sha256 9f2c…64 hex digits…      [capability]
    # a capability under a path glob (fnmatch, matched against the member path)
    path   tests/fixtures/*.py      net.exfil_endpoint

Rules that keep it honest:

* ``path`` entries must name one capability (no wildcard) and never suppress a critical hit:
  a planted ``exec(decoded)`` cannot hide behind a glob. Only an exact file hash can.
* Suppressed hits are not dropped: they stay in the findings with severity ``none`` and an
  explanation that names the allowlist line, so the moderator still sees them; they no longer
  count toward the package risk.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.core.capabilities.catalogue import load_catalogue
from app.core.capabilities.model import Hit
from app.errors import VetbenchError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class AllowlistError(VetbenchError):
    """The allowlist file has a line that is not an entry."""


@dataclass
class Allowlist:
    by_sha: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    by_path: list[tuple[int, str, str]] = field(default_factory=list)
    source: str = ""

    @classmethod
    def parse(cls, text: str, source: str = "allowlist") -> Allowlist:
        known = set(load_catalogue())
        out = cls(source=source)
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            kind = parts[0].lower()
            if kind == "sha256" and len(parts) in (2, 3) and _HEX64.match(parts[1].lower()):
                cap = parts[2] if len(parts) == 3 else None
                if cap is not None and cap not in known:
                    raise AllowlistError(f"{source}:{n}: unknown capability {cap!r}")
                out.by_sha[parts[1].lower()] = (n, cap)
            elif kind == "path" and len(parts) == 3:
                if parts[2] not in known:
                    raise AllowlistError(f"{source}:{n}: unknown capability {parts[2]!r}")
                if parts[1].strip("*/") == "":
                    raise AllowlistError(f"{source}:{n}: a path glob must name some part of a path")
                out.by_path.append((n, parts[1], parts[2]))
            else:
                raise AllowlistError(
                    f"{source}:{n}: expected 'sha256 HEX [capability]' or 'path GLOB capability'"
                )
        return out

    @classmethod
    def load(cls, path: str | Path) -> Allowlist:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise AllowlistError(f"{path}: cannot read allowlist: {exc.strerror or exc}") from exc
        return cls.parse(text, str(path))

    def apply(self, hits: list[Hit], sha_of_path: dict[str, str]) -> list[Hit]:
        """Hits with suppressed ones turned to severity none (never removed)."""
        out = []
        for h in hits:
            reason = self._reason(h, sha_of_path.get(h.path))
            if reason:
                h = replace(h, severity="none", explanation=f"[{reason}] {h.explanation}")
            out.append(h)
        return out

    def _reason(self, h: Hit, sha: str | None) -> str | None:
        if sha and sha in self.by_sha:
            n, cap = self.by_sha[sha]
            if cap is None or cap == h.capability:
                return f"allowed by {self.source} line {n}"
        if h.severity == "critical":
            return None
        for n, glob, cap in self.by_path:
            if cap == h.capability and fnmatch.fnmatchcase(h.path, glob):
                return f"allowed by {self.source} line {n}"
        return None
