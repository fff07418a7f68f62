"""``manifest.json``: ``{ecosystem: {name: [versions]}}`` of the malicious samples.

The same idea as DataDog's ``samples/pypi/manifest.json`` (keys sorted, indent 4), one level
up so both ecosystems fit in one file. Versions are listed explicitly (DataDog's ``null`` =
"every version" is something only an importer sees).
"""

from __future__ import annotations

import json
from typing import Any

from app.core.jsondata import JSONInputError, loads_bounded
from app.sync.osv import version_key


def build_manifest(entries: dict[tuple[str, str], set[str] | list[str]]) -> dict[str, Any]:
    """From ``{(ecosystem, name): versions}`` to the manifest mapping (empty ones dropped)."""
    out: dict[str, dict[str, list[str]]] = {}
    for (eco, name), versions in entries.items():
        if versions:
            out.setdefault(eco, {})[name] = sorted(set(versions), key=version_key)
    return out


def dump_manifest(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=4, sort_keys=True, ensure_ascii=False) + "\n").encode()


def parse_datadog_manifest(
    data: bytes, where: str = "manifest.json"
) -> dict[str, list[str] | None]:
    """DataDog's ``{"<name>": null | ["<version>", ...]}``; raises ValueError on other shapes."""
    try:
        obj = loads_bounded(data)
    except JSONInputError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: not a JSON object")
    for name, vers in obj.items():
        if vers is not None and not (
            isinstance(vers, list) and all(isinstance(v, str) for v in vers)
        ):
            raise ValueError(f"{where}: {name!r} must map to null or a list of versions")
    return obj
