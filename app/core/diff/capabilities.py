"""Capability delta: which capabilities a release adds or drops against its baseline.

Hits are paired by *(capability, file identity across renames, normalised matched text)* --
never by line number. A match too long to keep whole is paired on the sha256 of all of it
(``Hit.match_sha256``), so two hits alike in their first 200 characters and different after
are a change, not "unchanged". A hit whose code only moved (lines inserted above it, the file renamed,
an sdist's ``src/pkg/x.py`` now a wheel's ``pkg/x.py``) is therefore *unchanged*; only a hit
with no counterpart is added or removed. Duplicates pair as multisets: three identical calls
before and four after give one added.

Used by :func:`app.core.diff.release.diff_artifacts`; also callable on two hit lists directly with
:func:`pair_hits` (the UI uses it to re-pair after a filter).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.core.capabilities.model import Hit, severity_rank

if TYPE_CHECKING:  # pragma: no cover
    from app.core.diff.tree import FileDiff

__all__ = ["CapabilityDelta", "normalise_match", "pair_hits", "path_map"]

_WS_RE = re.compile(r"\s+")


def normalise_match(text: str) -> str:
    """Matched text without whitespace (re-indented or re-spaced code pairs with itself)."""
    return _WS_RE.sub("", text)


@dataclass
class CapabilityDelta:
    """Hits of the new release not in the old (``added``), the reverse (``removed``), and
    ``unchanged`` pairs ``(old_hit, new_hit)``."""

    added: list[Hit] = field(default_factory=list)
    removed: list[Hit] = field(default_factory=list)
    unchanged: list[tuple[Hit, Hit]] = field(default_factory=list)

    @property
    def unchanged_count(self) -> int:
        return len(self.unchanged)

    def by_capability(self) -> dict[str, dict[str, int]]:
        """``{capability: {"added", "removed", "unchanged"}}`` counts, sorted by id."""
        return self._counts(lambda h: h.capability)

    def by_file(self) -> dict[str, dict[str, int]]:
        """``{path: {"added", "removed", "unchanged"}}`` (new path; old path if removed)."""
        return self._counts(lambda h: h.path)

    def _counts(self, key: Callable[[Hit], str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for name, hits in (
            ("added", self.added),
            ("removed", self.removed),
            ("unchanged", [new for _old, new in self.unchanged]),
        ):
            for h in hits:
                row = out.setdefault(key(h), {"added": 0, "removed": 0, "unchanged": 0})
                row[name] += 1
        return dict(sorted(out.items()))

    def max_added_severity(self) -> str:
        """The highest severity among added hits ("none" if nothing was added)."""
        best = "none"
        for h in self.added:
            if severity_rank(h.severity) > severity_rank(best):
                best = h.severity
        return best


def path_map(files: Iterable[FileDiff]) -> dict[str, str]:
    """Old member path -> new member path for every file present on both sides."""
    out: dict[str, str] = {}
    for f in files:
        if f.old_member is not None and f.new_member is not None:
            out[f.old_member.path] = f.new_member.path
    return out


def _match_key(h: Hit) -> str:
    """What a hit matched: the whole match's digest when it was trimmed, else its text."""
    return h.match_sha256 or normalise_match(h.match)


def _hit_order(h: Hit) -> tuple:
    return (-severity_rank(h.severity), h.path, h.line, h.column, h.capability)


def pair_hits(
    old_hits: Iterable[Hit], new_hits: Iterable[Hit], old_to_new: dict[str, str] | None = None
) -> CapabilityDelta:
    """Pair hits into a :class:`CapabilityDelta` (see the module docstring).

    ``old_to_new`` maps old file paths onto new ones (renames, layout changes); old hits in
    unmapped files keep their path. Among equal keys the nearest line pairs first, so the
    unchanged pairs are the ones a person would draw.
    """
    mapping = old_to_new or {}
    pool: dict[tuple, list[Hit]] = {}
    for h in new_hits:
        pool.setdefault((h.capability, h.path, _match_key(h)), []).append(h)
    delta = CapabilityDelta()
    for h in sorted(old_hits, key=lambda x: (x.path, x.line, x.column)):
        key = (h.capability, mapping.get(h.path, h.path), _match_key(h))
        cands = pool.get(key)
        if not cands:
            delta.removed.append(h)
            continue
        best = min(range(len(cands)), key=lambda i: (abs(cands[i].line - h.line), i))
        delta.unchanged.append((h, cands.pop(best)))
    for hits in pool.values():
        delta.added.extend(hits)
    delta.added.sort(key=_hit_order)
    delta.removed.sort(key=_hit_order)
    return delta
