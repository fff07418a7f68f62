"""Literal-atom prefiltering: run regular expressions only around the text that can match.

Each rule names *atoms*: lowercase literals at least one of which occurs in any match. The
engine finds the atoms with ``str.find`` (fast, C-level), merges a window around each
occurrence into intervals, and runs only the rules whose atoms occurred, as one combined
alternation, only inside those intervals. This is how yara and Hyperscan stay fast; it also
bounds the work on a multi-megabyte single-line blob to the places that look interesting.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from app import config
from app.core.capabilities.fallback import yara_unavailable

BEFORE = 600  # bytes of context before an atom a match may start at
AFTER = 1200  # bytes after an atom a match may extend to
MAX_ATOM_HITS = 64


@dataclass(frozen=True)
class AtomRule:
    key: str
    atoms: tuple[str, ...]
    pattern: str


def ascii_lower(text: str) -> str:
    """Lowercase that keeps offsets aligned with ``text`` (non-ASCII left as is when needed).

    Only U+0130 (dotted capital I) grows when lowered; a text holding one is lowered ASCII
    only, through bytes: ``bytes.lower`` touches A-Z alone and UTF-8 never puts an ASCII byte
    inside a longer character (a character-by-character join was 80x slower on such files).
    """
    low = text.lower()
    if len(low) == len(text):
        return low
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


class AtomMatcher:
    """A fixed list of :class:`AtomRule`; ``finditer`` yields ``(rule, match)``."""

    def __init__(self, rules: list[AtomRule], flags: int = re.I):
        self.rules = list(rules)
        self.flags = flags
        self._combined = lru_cache(maxsize=256)(self._compile)

    def _compile(self, subset: tuple[int, ...]) -> re.Pattern:
        return re.compile(
            "|".join(f"(?P<r{i}>{self.rules[i].pattern})" for i in subset), self.flags
        )

    def finditer(self, text: str, low: str | None = None, limit: int = 200):
        if not text:
            return
        low = low if low is not None else ascii_lower(text)
        n = len(text)
        hit_rules: list[int] = []
        spans: list[tuple[int, int]] = []
        found_atoms: dict[str, list[int]] = {}
        for i, rule in enumerate(self.rules):
            positions: list[int] = []
            for atom in rule.atoms:
                if atom in found_atoms:
                    positions.extend(found_atoms[atom])
                    continue
                found: list[int] = []
                pos = low.find(atom)
                while pos >= 0:
                    if len(found) >= MAX_ATOM_HITS:  # dense: match the whole text once
                        found = [-1]
                        break
                    found.append(pos)
                    pos = low.find(atom, pos + len(atom))
                found_atoms[atom] = found
                positions.extend(found)
            if positions:
                hit_rules.append(i)
                if -1 in positions:
                    spans.append((0, n))
                else:
                    spans.extend((max(0, p - BEFORE), min(n, p + AFTER)) for p in positions)
        if not hit_rules:
            return
        spans.sort()
        merged: list[list[int]] = []
        for s, e in spans:
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        regex = self._combined(tuple(hit_rules))
        count = 0
        last_end = -1
        for s, e in merged:
            for m in regex.finditer(text, max(s, last_end), e):
                if m.start() < last_end:
                    continue
                last_end = m.end()
                yield self.rules[int(cast(str, m.lastgroup)[1:])], m  # every group is named
                count += 1
                if count >= limit:
                    return


class YaraMatcher(AtomMatcher):
    """The same rules, with yara-x finding the candidates (~20x faster than ``str.find`` on
    atoms over large texts) and Python's ``re`` confirming each one at its offset (so the
    result, groups included, is exactly what :class:`AtomMatcher` gives)."""

    def __init__(self, rules: list[AtomRule], flags: int = re.I):
        super().__init__(rules, flags)
        import yara_x

        self._single = [re.compile(r.pattern, flags) for r in self.rules]
        src = []
        for i, r in enumerate(self.rules):
            pat = (
                re.sub(r"\(\?P<\w+>", "(?:", r.pattern).replace("(?-i:", "(?:").replace("/", "\\/")
            )
            src.append(f"rule r{i} {{ strings: $a = /{pat}/ nocase condition: $a }}")
        compiler = yara_x.Compiler()
        compiler.add_source("\n".join(src))
        self._yara_x = yara_x
        self._rules = compiler.build()  # compiled rules may be shared between threads...
        self._local = threading.local()  # ...but a yara-x Scanner only works on its own thread

    @property
    def _scanner(self):
        scanner = getattr(self._local, "scanner", None)
        if scanner is None:
            scanner = self._local.scanner = self._yara_x.Scanner(self._rules)
        return scanner

    def finditer(self, text: str, low: str | None = None, limit: int = 200):
        if not text:
            return
        data = text.encode("utf-8", "surrogatepass")
        ascii_only = len(data) == len(text)
        found = []
        for rule in self._scanner.scan(data).matching_rules:
            i = int(rule.identifier[1:])
            for pattern in rule.patterns:
                for m in pattern.matches[:limit]:
                    start = (
                        m.offset if ascii_only else len(data[: m.offset].decode("utf-8", "ignore"))
                    )
                    found.append((start, i))
        found.sort()
        count = 0
        for start, i in found:
            m = self._single[i].match(text, start, start + 4096)
            if m is None:
                continue
            yield self.rules[i], m
            count += 1
            if count >= limit:
                return


def fast_matcher(rules: list[AtomRule], flags: int = re.I) -> AtomMatcher:
    """yara-x backed unless ``VETBENCH_PATTERN_ENGINE=re`` chose the ``str.find`` atoms; when
    yara-x fails (not importable, or it refuses a pattern) the atoms run, and say so."""
    if config.pattern_engine() == "yara-x":
        try:
            return YaraMatcher(rules, flags)
        except Exception as exc:  # noqa: BLE001 - ImportError, or a pattern yara-x refuses
            yara_unavailable(exc)
    return AtomMatcher(rules, flags)
