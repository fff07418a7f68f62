"""Tree diff: align two artifacts' trees and say what changed, file by file.

``diff_trees(old, new)`` gives the :class:`FileDiff` list; ``fd.line_diff()`` the line diff of
one file on demand. :mod:`app.core.diff.release` builds the whole release diff on top.

Alignment works on *normalised* paths so that an sdist can be compared with a wheel of the same
project: an sdist's ``src/`` prefix and a wheel's ``<name>.data/{purelib,platlib}/`` prefix are
dropped; ``*.dist-info/``, ``*.egg-info/``, ``EGG-INFO/`` and a top-level ``PKG-INFO`` are
compared as metadata (``METADATA`` and ``PKG-INFO`` are the same document). Files present on one
side only are paired as *renamed* when their content is at least 60% similar (exact copies
first), the similarity is reported in percent. Statuses: added, removed, modified, renamed,
unchanged, type-changed (text <-> binary, or file <-> link).

No capability scan here: the capability and install-surface deltas are
:mod:`app.core.diff.capabilities` and :mod:`app.core.diff.surface`, joined by
:func:`app.core.diff.release.diff_artifacts`.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.archive import BINARY, TEXT, Artifact, Member
from app.core.diff.lines import LineDiff, diff_lines, split_lines
from app.errors import Cancelled

__all__ = [
    "ADDED",
    "MODIFIED",
    "REMOVED",
    "RENAMED",
    "TYPE_CHANGED",
    "UNCHANGED",
    "FileDiff",
    "align_key",
    "diff_trees",
    "keyed_members",
    "member_lines",
    "similarity",
]

ADDED, REMOVED, MODIFIED = "added", "removed", "modified"
RENAMED, UNCHANGED, TYPE_CHANGED = "renamed", "unchanged", "type-changed"
RENAME_THRESHOLD = 60  # percent
_MAX_RENAME_PAIRS = 40_000  # candidate pairs scored before only same-name pairs are tried
# Counting guardrails for the tree diff: past these, +/- counts come from a line multiset.
COUNT_MAX_LINES = 200_000
COUNT_MAX_BYTES = 32 * 1024 * 1024

METADATA_PREFIX = "<metadata>/"
_DATA_DIR_RE = re.compile(r"^[^/]+\.data/(purelib|platlib|data)/")
_META_DIR_RE = re.compile(r"^(?:[^/]+\.dist-info|[^/]+\.egg-info|EGG-INFO)/(.+)$")
_SRC_EGG_INFO_RE = re.compile(r"^src/([^/]+\.egg-info/.+)$")


@dataclass
class FileDiff:
    """One aligned file. ``path`` is the new path (the old one for a removed file).

    ``old_path`` is set when the old member's path differs from ``path`` (a rename, or the
    same file under another layout, e.g. ``src/pkg/a.py`` -> ``pkg/a.py``). ``similarity`` is
    a percentage for renames, else None.
    """

    path: str
    old_path: str | None
    status: str
    similarity: int | None = None
    binary: bool = False
    lines_added: int = 0
    lines_removed: int = 0
    old_member: Member | None = field(default=None, repr=False)
    new_member: Member | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return self.status != UNCHANGED

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "old_path": self.old_path,
            "status": self.status,
            "similarity": self.similarity,
            "binary": self.binary,
            "lines_added": self.lines_added,
            "lines_removed": self.lines_removed,
        }

    def line_diff(self, **kwargs) -> LineDiff:
        """The line diff of this file (kwargs go to :func:`app.core.diff.lines.diff_lines`).

        A binary side gives an empty list of lines (the caller shows "binary file").
        """
        return diff_lines(member_lines(self.old_member), member_lines(self.new_member), **kwargs)


# --------------------------------------------------------------------------- alignment


def align_key(path: str, fmt: str = "") -> str:
    """The normalised path used to pair files across an sdist, a wheel or a directory."""
    m = _SRC_EGG_INFO_RE.match(path)
    if m:
        path = m.group(1)
    if path == "PKG-INFO":
        return METADATA_PREFIX + "PKG-INFO"
    m = _META_DIR_RE.match(path)
    if m:
        rest = m.group(1)
        return METADATA_PREFIX + ("PKG-INFO" if rest == "METADATA" else rest)
    m = _DATA_DIR_RE.match(path)
    if m:
        return path[m.end() :]
    if fmt != "wheel" and path.startswith("src/") and path.count("/") >= 2:
        return path[4:]
    return path


def keyed_members(artifact: Artifact) -> dict[str, Member]:
    """Members by align key; on a clash the first one keeps the key, others keep their path.

    A top-level ``PKG-INFO`` beats ``*.egg-info/PKG-INFO`` (sdists carry both).
    """
    out: dict[str, Member] = {}
    members = sorted(artifact.members, key=lambda m: (m.path != "PKG-INFO", m.path))
    for m in members:
        key = align_key(m.path, artifact.format)
        if key in out:
            key = m.path if m.path not in out else f"{m.path}\x00{len(out)}"
        out[key] = m
    return out


def member_lines(member: Member | None) -> list[str]:
    """Text lines of a member (split on ``\\n`` only); [] for None, binaries and links."""
    if member is None or member.kind != TEXT:
        if member is not None and member.link_target is not None:
            return [f"-> {member.link_target}"]
        return []
    return split_lines(member.text or "")


def _raw_lines(member: Member) -> list[bytes]:
    if member.data is None:
        return [f"-> {member.link_target}".encode()] if member.link_target else []
    return split_lines(member.data)


def _identity(member: Member) -> str:
    """Content identity: sha256 for files, the link target for links."""
    if member.link_target is not None:
        return "link:" + hashlib.sha256(member.link_target.encode("utf-8", "replace")).hexdigest()
    return member.sha256


def _coarse_kind(member: Member) -> str:
    return "link" if member.link_target is not None else member.kind


# --------------------------------------------------------------------------- similarity


def _line_profile(member: Member) -> Counter:
    """Multiset of line hashes weighted by byte length, as git's rename scoring does."""
    counts: Counter = Counter()
    for line in _raw_lines(member):
        counts[hash(line)] += len(line) + 1
    return counts


def similarity(old: Member, new: Member, _cache: dict | None = None) -> int:
    """Content similarity in percent: bytes in lines common to both / the larger size."""
    if _identity(old) == _identity(new):
        return 100
    if old.kind != TEXT or new.kind != TEXT:
        return 0
    cache = _cache if _cache is not None else {}
    pa = cache.get(id(old)) or cache.setdefault(id(old), _line_profile(old))
    pb = cache.get(id(new)) or cache.setdefault(id(new), _line_profile(new))
    total = max(sum(pa.values()), sum(pb.values()), 1)
    common = sum(min(v, pb[k]) for k, v in pa.items() if k in pb)
    return int(100 * common / total)


def _basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _pair_renames(removed: dict[str, Member], added: dict[str, Member], tick) -> list[tuple]:
    """Greedy best-first pairing of removed and added files into renames ``(old, new, sim)``."""
    pairs: list[tuple[str, str, int]] = []
    by_identity: dict[str, list[str]] = {}
    for key, m in removed.items():
        by_identity.setdefault(_identity(m), []).append(key)
    used_old: set[str] = set()
    used_new: set[str] = set()
    # Exact copies first; prefer the same base name.
    for nkey, nm in sorted(added.items()):
        cands = [k for k in by_identity.get(_identity(nm), []) if k not in used_old]
        if not cands or nm.size == 0:
            continue
        cands.sort(key=lambda k: (_basename(k) != _basename(nkey), k))
        pairs.append((cands[0], nkey, 100))
        used_old.add(cands[0])
        used_new.add(nkey)
    olds = [(k, m) for k, m in removed.items() if k not in used_old and m.kind == TEXT and m.size]
    news = [(k, m) for k, m in added.items() if k not in used_new and m.kind == TEXT and m.size]
    if not olds or not news:
        return pairs
    restrict = len(olds) * len(news) > _MAX_RENAME_PAIRS
    cache: dict = {}
    scored: list[tuple[int, int, str, str]] = []
    for okey, om in olds:
        for nkey, nm in news:
            same_name = _basename(okey) == _basename(nkey)
            if restrict and not same_name:
                continue
            small, large = sorted((om.size, nm.size))
            if small * 100 < large * RENAME_THRESHOLD:
                continue  # cannot reach the threshold
            sim = similarity(om, nm, cache)
            tick()
            if sim >= RENAME_THRESHOLD:
                scored.append((sim, same_name, okey, nkey))
    scored.sort(key=lambda t: (-t[0], not t[1], t[2], t[3]))
    for sim, _same, okey, nkey in scored:
        if okey in used_old or nkey in used_new:
            continue
        used_old.add(okey)
        used_new.add(nkey)
        pairs.append((okey, nkey, sim))
    return pairs


# --------------------------------------------------------------------------- diff


def _count(old: Member | None, new: Member | None, cancel) -> tuple[int, int]:
    """Lines added/removed for text members (raw bytes: no decoding needed to count)."""
    a = _raw_lines(old) if old is not None and old.kind == TEXT else []
    b = _raw_lines(new) if new is not None and new.kind == TEXT else []
    if not a or not b:
        return len(b), len(a)
    d = diff_lines(
        a, b, max_lines=COUNT_MAX_LINES, max_bytes=COUNT_MAX_BYTES, cancel=cancel, intraline=False
    )
    if d.too_large:
        ca, cb = Counter(a), Counter(b)
        return sum((cb - ca).values()), sum((ca - cb).values())
    return d.lines_added, d.lines_removed


def diff_trees(
    old: Artifact, new: Artifact, *, cancel: Callable[[], bool] | None = None, counts: bool = True
) -> list[FileDiff]:
    """File-level diff of two artifacts, sorted by path. No capability scan.

    ``counts=False`` skips the +/- line counts (the statuses are still exact).
    """

    def tick():
        if cancel is not None and cancel():
            raise Cancelled("diff cancelled")

    ko, kn = keyed_members(old), keyed_members(new)
    files: list[FileDiff] = []
    removed = {k: m for k, m in ko.items() if k not in kn}
    added = {k: m for k, m in kn.items() if k not in ko}
    for n, (key, nm) in enumerate(kn.items()):
        om = ko.get(key)
        if om is None:
            continue
        if n % 256 == 0:
            tick()
        old_path = om.path if om.path != nm.path else None
        binary = BINARY in (om.kind, nm.kind)
        if _identity(om) == _identity(nm):
            files.append(FileDiff(nm.path, old_path, UNCHANGED, None, binary, 0, 0, om, nm))
        elif _coarse_kind(om) != _coarse_kind(nm):
            plus = len(_raw_lines(nm)) if counts and nm.kind == TEXT else 0
            minus = len(_raw_lines(om)) if counts and om.kind == TEXT else 0
            files.append(FileDiff(nm.path, old_path, TYPE_CHANGED, None, True, plus, minus, om, nm))
        else:
            plus, minus = _count(om, nm, cancel) if counts and not binary else (0, 0)
            files.append(FileDiff(nm.path, old_path, MODIFIED, None, binary, plus, minus, om, nm))
    for okey, nkey, sim in _pair_renames(removed, added, tick):
        om, nm = removed.pop(okey), added.pop(nkey)
        plus, minus = _count(om, nm, cancel) if counts and sim < 100 else (0, 0)
        files.append(
            FileDiff(nm.path, om.path, RENAMED, sim, nm.kind == BINARY, plus, minus, om, nm)
        )
    for nm in added.values():
        plus = len(_raw_lines(nm)) if counts and nm.kind == TEXT else 0
        files.append(FileDiff(nm.path, None, ADDED, None, nm.kind == BINARY, plus, 0, None, nm))
    for om in removed.values():
        minus = len(_raw_lines(om)) if counts and om.kind == TEXT else 0
        files.append(FileDiff(om.path, None, REMOVED, None, om.kind == BINARY, 0, minus, om, None))
    files.sort(key=lambda f: (f.path, f.old_path or ""))
    return files
