"""What a ``pip install`` a package runs pulls: only well-known projects from the index, or more.

winevt's setup.py runs ``pip install cffi`` in its install command (a build dependency it
never declared). Pulling another package at install is how droppers fetch their second
stage, so the pull is always shown; but a command that names only projects among the most
downloaded, from the default index, by exact name, fetches what any user may install, and is
not raised by its place. A URL, a path, a file of requirements, another index or find-links
location, a computed part, or a name outside the lists keeps the raise.
"""

from __future__ import annotations

import re
import shlex

from packaging.utils import canonicalize_name

from app.core.capabilities.metadata import well_known_pypi_names

# Options that take no value and change nothing about where packages come from.
_PLAIN_OPTIONS = frozenset(
    {
        "-q",
        "--quiet",
        "-U",
        "--upgrade",
        "--user",
        "-v",
        "--verbose",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--no-warn-script-location",
        "--prefer-binary",
        "--no-input",
        "-y",
    }
)
_REQUIREMENT = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[\w,.-]+\])?(?:[=<>!~]=?[\w.*+!-]+)?$"
)


def pulls_only_known(command: str) -> bool:
    """Whether ``command`` (a pip install as the code writes it) installs only projects among
    the most downloaded, by plain name (a version pin allowed), from the default index."""
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    try:
        start = words.index("install") + 1
    except ValueError:
        return False
    names = []
    for word in words[start:]:
        if word in _PLAIN_OPTIONS:
            continue
        match = _REQUIREMENT.match(word)
        if word.startswith("-") or match is None:
            return False  # another index, a URL, a path, a requirements file, a computed part
        names.append(canonicalize_name(match.group(1)))
    known = well_known_pypi_names()
    return bool(names) and all(n in known for n in names)
