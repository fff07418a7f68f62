"""The capability catalogue: every stable capability id with its meaning and default severity.

The ids are a contract shared by the scanner, the diff, the store and the UI; the catalogue
lives in ``resources/rules/capabilities.json`` so a moderator can read it without the code.
"""

from __future__ import annotations

import json
from functools import lru_cache

from app.resources import resource_path


@lru_cache(maxsize=1)
def _load() -> dict[str, dict]:
    doc = json.loads(resource_path("rules", "capabilities.json").read_text(encoding="utf-8"))
    return {
        cid: {
            "description": entry["description"],
            "severity": entry["severity"],
            "references": list(entry.get("references", [])),
        }
        for cid, entry in doc["capabilities"].items()
    }


def load_catalogue() -> dict[str, dict]:
    """``{id: {"description", "severity", "references"}}`` for every capability id (a copy)."""
    return {
        cid: dict(entry, references=list(entry["references"])) for cid, entry in _load().items()
    }


def default_severity(capability: str) -> str:
    """The catalogue's default severity of ``capability`` (``"medium"`` for an unknown id)."""
    entry = _load().get(capability)
    return entry["severity"] if entry else "medium"


def describe(capability: str) -> str:
    entry = _load().get(capability)
    return entry["description"] if entry else capability
