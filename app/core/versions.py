"""Version ordering for baselines: which release came before this one?

A release diff needs a baseline, and the natural baseline is "the release just before this
one" -- by *version order*, not upload time or the order a directory listing happens to give.
PyPI versions follow PEP 440 (``1.0.dev1 < 1.0a1 < 1.0rc1 < 1.0 < 1.0.post1``), which
``packaging.version`` implements; npm versions follow semver 2.0 (``1.0.0-alpha < 1.0.0-beta.2 <
1.0.0-beta.11 < 1.0.0``, build metadata ignored), implemented here because ``packaging`` rejects
most semver prereleases.

Public API (used by the registry helper and the diff command):

* :func:`version_key` -- a sort key for one version string in an ecosystem.
* :func:`sort_versions` -- sort version strings ascending; unparsable ones go first.
* :func:`previous_release` -- the highest release strictly below ``current``.
* :func:`pick_baseline` -- an explicit baseline if given, else :func:`previous_release`,
  preferring final releases over prereleases when the current one is final.

No Qt, no network: pure functions over strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

__all__ = [
    "SemVer",
    "is_prerelease",
    "parse_semver",
    "pick_baseline",
    "previous_release",
    "sort_versions",
    "version_key",
]

_SEMVER_RE = re.compile(
    r"^v?=?\s*(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)


@dataclass(frozen=True)
class SemVer:
    """A parsed semver 2.0 version; ``key`` orders per the spec (build metadata ignored)."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: str = ""

    @property
    def key(self) -> tuple:
        # A release sorts after all of its prereleases: (1,) > (0, ...).
        if not self.prerelease:
            pre_key: tuple = (1,)
        else:
            idents = []
            for ident in self.prerelease:
                # Numeric identifiers sort numerically and below alphanumeric ones.
                if ident.isdigit():
                    idents.append((0, int(ident), ""))
                else:
                    idents.append((1, 0, ident))
            pre_key = (0, tuple(idents))
        return (self.major, self.minor, self.patch, pre_key)


def parse_semver(text: str) -> SemVer | None:
    """Parse a semver string (a leading ``v`` or ``=`` is tolerated); None if not semver."""
    m = _SEMVER_RE.match(text.strip())
    if not m:
        return None
    pre = tuple(m.group("pre").split(".")) if m.group("pre") else ()
    return SemVer(
        int(m.group("major")),
        int(m.group("minor")),
        int(m.group("patch")),
        pre,
        m.group("build") or "",
    )


def _pep440(text: str) -> Version | None:
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def version_key(version: str, ecosystem: str = "pypi") -> tuple:
    """A sort key for ``version``: parsable versions sort by their scheme, after unparsable ones.

    For npm, semver is tried first and PEP 440 is a fallback (and vice versa for PyPI), so a
    mixed list still sorts sensibly. Unparsable strings sort first, by their text, so they never
    become "the latest" by accident.
    """
    if ecosystem == "npm":
        sv = parse_semver(version)
        if sv is not None:
            return (2, sv.key, version)
        pv = _pep440(version)
        if pv is not None:
            return (1, pv, version)
    else:
        pv = _pep440(version)
        if pv is not None:
            return (2, pv, version)
        sv = parse_semver(version)
        if sv is not None:
            return (1, sv.key, version)
    return (0, version, version)


def _comparable(version: str, ecosystem: str) -> tuple | None:
    key = version_key(version, ecosystem)
    return None if key[0] == 0 else key


def is_prerelease(version: str, ecosystem: str = "pypi") -> bool:
    """True for dev/alpha/beta/rc (PEP 440) or a semver version with a prerelease part."""
    if ecosystem == "npm":
        sv = parse_semver(version)
        if sv is not None:
            return bool(sv.prerelease)
    pv = _pep440(version)
    if pv is not None:
        return pv.is_prerelease
    sv = parse_semver(version)
    return bool(sv and sv.prerelease)


def sort_versions(versions: Iterable[str], ecosystem: str = "pypi") -> list[str]:
    """Return ``versions`` sorted ascending in ``ecosystem``'s order, duplicates removed."""
    return sorted(set(versions), key=lambda v: version_key(v, ecosystem))


def previous_release(
    versions: Iterable[str],
    current: str,
    ecosystem: str = "pypi",
    *,
    include_prereleases: bool | None = None,
) -> str | None:
    """The highest version in ``versions`` strictly below ``current``, or None.

    ``include_prereleases`` None (the default) means: skip prereleases when ``current`` is a
    final release (1.2.0's baseline is 1.1.0, not 1.2.0rc1) unless no final release is below
    it; include them when ``current`` is itself a prerelease. Versions equal to ``current``
    under the scheme (``1.0`` and ``1.0.0`` in PEP 440) are not "previous".
    """
    cur = _comparable(current, ecosystem)
    if cur is None:
        return None
    below = []
    for v in set(versions):
        key = _comparable(v, ecosystem)
        if key is None or key[0] != cur[0]:
            continue
        if key[1] < cur[1]:
            below.append((key, v))
    if not below:
        return None
    below.sort()
    if include_prereleases is None:
        include_prereleases = is_prerelease(current, ecosystem)
        if not include_prereleases:
            finals = [item for item in below if not is_prerelease(item[1], ecosystem)]
            return finals[-1][1] if finals else below[-1][1]
    if not include_prereleases:
        finals = [item for item in below if not is_prerelease(item[1], ecosystem)]
        return finals[-1][1] if finals else None
    return below[-1][1]


def pick_baseline(
    versions: Iterable[str],
    current: str,
    ecosystem: str = "pypi",
    *,
    explicit: str | None = None,
) -> str | None:
    """The baseline release to diff ``current`` against.

    ``explicit`` wins when given (the moderator chose it) -- even if it is not among
    ``versions``. Otherwise the previous release by version order, see
    :func:`previous_release`.
    """
    if explicit:
        return explicit
    return previous_release(versions, current, ecosystem)
