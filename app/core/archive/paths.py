"""Member names: decoding raw bytes and normalising to safe relative POSIX paths.

An archive member name is attacker-chosen: it may climb out with ``..``, be absolute, carry a
Windows drive letter or backslashes, hold NUL bytes or terminal escape sequences, or not be
valid UTF-8 at all. These helpers turn any of that into a plain relative path and say which
repairs were made (as flags), so that the rest of Vetbench can treat paths as data.
"""

from __future__ import annotations

import codecs
import re

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
NUL_MARK = "%00"  # what a NUL byte in a name becomes (no backslash: keeps paths idempotent)


def _percent_errors(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: write undecodable bytes as ``%XX`` (readable, JSON-safe)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(f"%{b:02X}" for b in bad), exc.end


codecs.register_error("vetbench-percent", _percent_errors)


def decode_name(raw: bytes) -> tuple[str, tuple[str, ...]]:
    """Decode a member name stored as bytes: UTF-8, else ``%XX`` for the bad bytes."""
    try:
        return raw.decode("utf-8"), ()
    except UnicodeDecodeError:
        return raw.decode("utf-8", "vetbench-percent"), ("non-utf8-name",)


def has_control_chars(name: str) -> bool:
    """Terminal escapes, newlines, bidi overrides and other invisible or unassigned characters
    (everything :meth:`str.isprintable` refuses, which covers categories Cc, Cf, Z* but space)."""
    return not name.isprintable()


def _normalise_once(name: str, flags: list[str]) -> str:
    if "\x00" in name:
        name = name.replace("\x00", NUL_MARK)
        _flag(flags, "nul-in-name")
    if "\\" in name:
        name = name.replace("\\", "/")
        _flag(flags, "backslash-path")
    while True:
        if _DRIVE_RE.match(name):
            name = name[2:]
            _flag(flags, "drive-letter-path")
        elif name.startswith("/"):
            name = name.lstrip("/")
            _flag(flags, "absolute-path")
        else:
            break
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            else:
                _flag(flags, "path-traversal")
            continue
        parts.append(part)
    return "/".join(parts)


def _is_clean(name: str) -> bool:
    """Fast path: a plain relative path needing no repair (most names of most archives)."""
    return (
        bool(name)
        and "\\" not in name
        and "\x00" not in name
        and "//" not in name
        and "/." not in name
        and name[0] not in "/."
        and name[-1] != "/"
        and not _DRIVE_RE.match(name)
    )


def _flag(flags: list[str], flag: str) -> None:
    if flag not in flags:
        flags.append(flag)


def normalise_member_path(raw: str) -> tuple[str | None, tuple[str, ...]]:
    """Normalise an archive member name to a safe relative POSIX path.

    Returns ``(path, flags)``; ``path`` is ``None`` when nothing safe remains (the member is
    then skipped). Backslashes become slashes, drive letters and leading slashes are removed,
    ``..`` that would climb above the root is dropped, NUL becomes ``%00``; each such repair
    is flagged. The result is never absolute, never has a ``..`` segment or a backslash, and
    normalising it again changes nothing.
    """
    if _is_clean(raw):
        return raw, ()
    flags: list[str] = []
    name = raw
    while True:  # repeat until stable: "../C:x" only shows its drive letter after one pass
        new = _normalise_once(name, flags)
        if new == name:
            break
        name = new
    if not name:
        return None, tuple(flags)
    return name, tuple(flags)


def link_escapes(member_path: str, target: str, *, hardlink: bool = False) -> bool:
    """Whether a link target points outside the artifact (absolute, or ``..`` above root).

    Symlink targets are relative to the link's folder; hard-link targets (tar) to the root.
    """
    target = target.replace("\\", "/")
    if target.startswith("/") or _DRIVE_RE.match(target):
        return True
    base = [] if hardlink else member_path.split("/")[:-1]
    depth = len(base)
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        else:
            depth += 1
    return False
