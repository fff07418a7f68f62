"""``NAME[==VERSION]`` (PyPI style) or ``NAME@VERSION`` (npm style, scopes allowed)."""

from __future__ import annotations

from app.errors import UsageError


def parse_spec(spec: str, ecosystem: str = "pypi") -> tuple[str, str | None]:
    """Split a package spec into ``(name, version or None)``.

    ``six==1.16.0``, ``six``, ``is-number@7.0.0``, ``@types/node@20.1.0``, ``@types/node``.
    Only exact pins: a range (``>=``, ``^``) is not a release and is refused.
    """
    text = (spec or "").strip()
    if not text:
        raise UsageError("empty package spec (expected NAME or NAME==VERSION)")
    name, version = text, None
    if "==" in text:
        name, _, version = text.partition("==")
    elif "@" in text[1:]:
        at = text.rindex("@")
        name, version = text[:at], text[at + 1 :]
    name, version = name.strip(), (version.strip() if version is not None else None)
    if not name or version == "" or any(ch in name for ch in "<>=!~^*, "):
        raise UsageError(f"not an exact package spec: {spec!r} (expected NAME or NAME==VERSION)")
    if version is not None and any(ch in version for ch in "<>=!~^*, "):
        raise UsageError(f"not an exact version in {spec!r}: fetch needs one release")
    return name, version
