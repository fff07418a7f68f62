"""A small, fast JSON helper."""

import json

__version__ = "0.9.2"


def dumps_compact(obj) -> str:
    """Serialise without spaces after separators."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)


def loads_lenient(text: str):
    """Parse JSON, accepting a UTF-8 byte order mark."""
    return json.loads(text.lstrip("\ufeff"))
