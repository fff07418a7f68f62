"""What an opened artifact is: format, ecosystem, name and version; top folder; duplicates.

Metadata files win over the file name (real wheels travel under ``.tar.gz`` names, samples
under their dataset id): a wheel's ``*.dist-info/METADATA``, an egg's ``EGG-INFO/PKG-INFO``,
an sdist's ``PKG-INFO`` (else ``*.egg-info/PKG-INFO``), an npm ``package.json``. Only the head
of a metadata file is parsed, and a hostile ``package.json`` (huge, or nested a million deep)
is ignored rather than parsed.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import cast

from app.core.archive.model import NESTED_SEPARATOR, Artifact, Member, Skip
from app.core.jsondata import loads_bounded

_WHEEL_NAME_RE = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-[^-]+)?-[^-]+-[^-]+-[^-]+\.(whl|zip|tar\.gz)$"
)
_SDIST_NAME_RE = re.compile(
    r"^(?P<name>.+?)-(?P<version>\d[^-]*?)(\.tar\.gz|\.tar\.bz2|\.tar\.xz|\.tgz|\.zip|\.egg|-py\d.*\.egg|\.whl)$"
)
_DIST_INFO_RE = re.compile(r"^[^/]+\.dist-info/METADATA$")
_EGG_INFO_RE = re.compile(r"^[^/]+\.egg-info/PKG-INFO$")
_MAX_HEADER_TEXT = 64 * 1024
_MAX_PACKAGE_JSON = 4 * 1024**2
_UNSAFE_PATH_FLAGS = {
    "path-traversal",
    "absolute-path",
    "drive-letter-path",
    "backslash-path",
    "nul-in-name",
}


def is_wheel_or_egg(members: list[Member]) -> bool:
    return any(_DIST_INFO_RE.match(m.path) or m.path == "EGG-INFO/PKG-INFO" for m in members)


_PACKAGE_MARKERS = ("PKG-INFO", "setup.py", "setup.cfg", "pyproject.toml", "package.json")


def strip_top_folder(artifact: Artifact, *, require_marker: bool = False) -> str | None:
    """An sdist (``name-1.0/``) or npm tarball (``package/``) has one top folder: drop it.

    Only when *every* member and skip sits below that one folder; wheels and eggs are never
    stripped. With ``require_marker`` (zips, folders) the folder must also hold a package
    file (PKG-INFO, setup.py, pyproject.toml, package.json...) at its root. Returns the
    stripped folder name.
    """
    if is_wheel_or_egg(artifact.members):
        return None
    paths = [m.path for m in artifact.members]
    if not paths or not all("/" in p for p in paths):
        return None
    tops = {p.split("/", 1)[0] for p in paths}
    if len(tops) != 1:
        return None
    top = tops.pop()
    prefix = top + "/"
    if top.endswith("!"):  # "x.zip!/..." only: the members of a nested archive
        return None
    if require_marker and not any(p[len(prefix) :] in _PACKAGE_MARKERS for p in paths):
        return None
    for m in artifact.members:
        m.path = m.path[len(prefix) :]
    artifact.skips = [
        Skip(s.path[len(prefix) :], s.reason) if s.path.startswith(prefix) else s
        for s in artifact.skips
    ]
    stripped = cast(list[str], artifact.metadata.setdefault("top_folders", []))
    stripped.append(top)
    artifact.metadata.setdefault("top_folder", top)
    return top


def mark_duplicates_and_flags(artifact: Artifact) -> None:
    """Flag members sharing a path (both kept) and summarise member flags on the artifact."""
    counts = Counter(m.path for m in artifact.members)
    duplicates = False
    for m in artifact.members:
        if counts[m.path] > 1:
            m.flags += ("duplicate",)
            duplicates = True
    if duplicates:
        _flag(artifact, "duplicate-members")
    if any(_UNSAFE_PATH_FLAGS.intersection(m.flags) for m in artifact.members):
        _flag(artifact, "unsafe-paths")
    if any("nested" in m.flags for m in artifact.members):
        _flag(artifact, "nested-archives")


def _flag(artifact: Artifact, flag: str) -> None:
    if flag not in artifact.flags:
        artifact.flags.append(flag)


def _head_text(member: Member) -> str:
    return (member.data or b"")[:_MAX_HEADER_TEXT].decode("utf-8", "replace")


def parse_email_headers(text: str) -> dict[str, str]:
    """The header block of PKG-INFO / METADATA (first value of each key, keys lower-case)."""
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if ":" in line and not line.startswith((" ", "\t")):
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
    return headers


def _package_json(member: Member) -> dict | None:
    if member.data is None or len(member.data) > _MAX_PACKAGE_JSON:
        return None
    try:
        doc = loads_bounded(member.data.decode("utf-8", "replace"))
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def identify(artifact: Artifact, file_name: str) -> None:
    """Ecosystem, name, version and format from metadata files, else from the file name."""
    by_path: dict[str, Member] = {}
    for m in artifact.members:
        if NESTED_SEPARATOR not in m.path and m.data is not None:
            by_path[m.path] = m  # the last copy of a duplicate: the one an unpacker keeps
    archive = artifact.format not in ("directory",)
    meta: Member | None = None
    for path, m in by_path.items():
        if _DIST_INFO_RE.match(path):
            meta = m
            if artifact.format == "zip":
                artifact.format = "wheel"
            break
        if path == "EGG-INFO/PKG-INFO":
            meta = m
            if artifact.format == "zip":
                artifact.format = "egg"
            break
    if meta is None:
        meta = by_path.get("PKG-INFO") or next(
            (m for p, m in by_path.items() if _EGG_INFO_RE.match(p)), None
        )
        if meta is not None and archive:
            artifact.format = "sdist"
    pkg = by_path.get("package.json")
    if meta is None and pkg is not None:
        doc = _package_json(pkg)
        npm_doc = doc is not None and ("name" in doc or "version" in doc or "scripts" in doc)
        if npm_doc or artifact.metadata.get("top_folder") == "package":
            artifact.ecosystem = "npm"
            if archive:
                artifact.format = "npm"
        if npm_doc and doc is not None:  # npm_doc implies doc; for the type checker
            name, version = doc.get("name"), doc.get("version")
            artifact.name = str(name)[:214] if isinstance(name, str) and name else None
            artifact.version = str(version)[:256] if isinstance(version, str) and version else None
            artifact.metadata["package_json"] = doc
    if meta is not None:
        headers = parse_email_headers(_head_text(meta))
        artifact.name = headers.get("name") or None
        artifact.version = headers.get("version") or None
        artifact.metadata["headers"] = headers
    if artifact.format in ("gzip", "bzip2", "xz", "tar"):
        artifact.format = "sdist"
    if artifact.name:
        artifact.metadata["identified_from"] = "metadata"
        return
    match = _WHEEL_NAME_RE.match(file_name) or _SDIST_NAME_RE.match(file_name)
    if match:
        artifact.name = match.group("name")
        artifact.version = artifact.version or match.group("version")
        artifact.metadata["identified_from"] = "file name"
