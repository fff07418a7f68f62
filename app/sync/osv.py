"""OSV records for packages the dataset judges malicious, shaped as ossf/malicious-packages.

ossf/malicious-packages keeps one record per package at
``osv/malicious/<ecosystem>/<name>/MAL-YYYY-NNNN.json``. Contributions not yet numbered are
named ``MAL-0000-<anything>.json`` and leave out ``id`` and ``summary`` (the ossf importer
assigns them). ``affected`` has exactly one entry, and
``database_specific.malicious-packages-origins[].source`` matches ``^[a-z0-9-]+$``.

The record is a pure function of the labels (times come from the labels, not from the clock),
so regenerating it for unchanged labels writes the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from packaging.version import InvalidVersion, Version

from app.core.jsondata import JSONInputError, loads_bounded

SCHEMA_VERSION = "1.5.0"
SOURCE = "vetbench"
OSV_ECOSYSTEM = {"pypi": "PyPI", "npm": "npm"}
_SOURCE_RE = re.compile(r"^[a-z0-9-]+$")
MAX_OSV_BYTES = 16 * 1024**2  # ossf's largest records are a few hundred KB
# The fields Vetbench reads from a record, and the JSON types ossf writes them as. A record
# that gives one another type ("details": 5) is refused on its own, with the field named.
_FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "summary": str,
    "details": str,
    "modified": str,
    "published": str,
    "withdrawn": str,
    "references": list,
    "database_specific": dict,
}


def version_key(v: str) -> tuple:
    """Sort versions the way humans expect; unparsable ones after, as strings."""
    try:
        return (0, Version(v), v)
    except InvalidVersion:
        return (1, v, v)


def build_osv(
    ecosystem: str,
    name: str,
    versions: list[str],
    labels: list[dict[str, Any]],
    iocs: dict[str, list[str]] | None = None,
    source: str = SOURCE,
) -> dict[str, Any]:
    """The OSV record (unnumbered contribution) for ``name``'s malicious ``versions``.

    ``labels`` are the active malicious labels behind it; they give the times, the details
    and the credits.
    """
    if not _SOURCE_RE.match(source):
        raise ValueError(f"OSV origin source must match ^[a-z0-9-]+$: {source!r}")
    vers = sorted(set(versions), key=version_key)
    times = sorted(t for t in (lb.get("decided_at") for lb in labels) if t)
    published = times[0] if times else None
    modified = times[-1] if times else None
    reviewers = sorted({lb["reviewer"] for lb in labels})
    lines = [f"Vetbench reviewers judged {name!r} ({OSV_ECOSYSTEM[ecosystem]}) malicious.", ""]
    for lb in sorted(labels, key=lambda x: (version_key(x["version"]), x["reviewer"])):
        why = (lb.get("reason") or "").strip().replace("\n", " ")
        action = lb.get("action") or "none"
        lines.append(
            f"- {lb['version']}: {lb['reviewer']} ({action})" + (f": {why}" if why else "")
        )
    record: dict[str, Any] = {
        "modified": modified,
        "published": published,
        "schema_version": SCHEMA_VERSION,
        "details": "\n".join(lines) + "\n",
        "affected": [
            {
                "package": {"ecosystem": OSV_ECOSYSTEM[ecosystem], "name": name},
                "versions": vers,
            }
        ],
        "credits": [{"name": r, "type": "FINDER"} for r in reviewers],
        "database_specific": {
            "malicious-packages-origins": [
                {
                    "id": f"{ecosystem}/{name}",
                    "modified_time": modified,
                    "source": source,
                    "versions": vers,
                }
            ]
        },
    }
    clean_iocs = {k: sorted(set(v)) for k, v in (iocs or {}).items() if v}
    if clean_iocs:
        record["database_specific"] = {"iocs": clean_iocs, **record["database_specific"]}
    if modified is None:
        for key in ("modified", "published"):
            record.pop(key)
        record["database_specific"]["malicious-packages-origins"][0].pop("modified_time")
    return record


def dump_osv(record: dict[str, Any]) -> bytes:
    """ossf's style: indent 2, keys in the record's own order, final newline."""
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _check_types(rec: dict[str, Any], where: str) -> None:
    """Refuse a record whose fields have other JSON types than ossf writes (ValueError)."""
    for key, kind in _FIELD_TYPES.items():
        if rec.get(key) is not None and not isinstance(rec[key], kind):
            raise ValueError(f"{where}: {key} must be {_type_name(kind)}")
    ds = rec.get("database_specific") or {}
    origins = ds.get("malicious-packages-origins")
    if origins is not None and not (
        isinstance(origins, list)
        and all(
            isinstance(o, dict)
            and (o.get("versions") is None or isinstance(o["versions"], list))
            and (o.get("modified_time") is None or isinstance(o["modified_time"], str))
            for o in origins
        )
    ):
        raise ValueError(
            f"{where}: database_specific.malicious-packages-origins must be a list of objects"
        )


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", dict: "an object"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def parse_osv(data: bytes, where: str = "osv") -> dict[str, Any]:
    """Parse an OSV record as ossf writes it; raises ValueError with ``where`` on bad input."""
    try:
        rec = loads_bounded(data, max_bytes=MAX_OSV_BYTES)
    except JSONInputError as exc:
        raise ValueError(f"{where}: not valid JSON ({exc})") from exc
    if not isinstance(rec, dict):
        raise ValueError(f"{where}: not a JSON object")
    _check_types(rec, where)
    affected = rec.get("affected")
    if not isinstance(affected, list) or not affected:
        raise ValueError(f"{where}: no affected package")
    for entry in affected:
        pkg = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(pkg, dict) or not isinstance(pkg.get("name"), str):
            raise ValueError(f"{where}: affected entry without a package name")
        if not isinstance(pkg.get("ecosystem"), str):
            raise ValueError(f"{where}: affected entry without an ecosystem")
        vers = entry.get("versions", [])
        if not isinstance(vers, list) or not all(isinstance(v, str) for v in vers):
            raise ValueError(f"{where}: versions must be a list of strings")
    return rec
