"""Labels written by hand in tests, signed as their reviewer would sign them.

The sync counts only signed labels (app/sync/signing.py); a test that plays another reviewer
writing into the dataset signs with that reviewer's key, one key per name for the session.
"""

from __future__ import annotations

from typing import Any

from app.sync.labels import dump_label
from app.sync.signing import SigningKey

_KEYS: dict[str, SigningKey] = {}


def key_of(reviewer: str) -> SigningKey:
    if reviewer not in _KEYS:
        _KEYS[reviewer] = SigningKey.generate()
    return _KEYS[reviewer]


def signed(label: dict[str, Any]) -> dict[str, Any]:
    return key_of(label["reviewer"]).sign(label)


def signed_bytes(label: dict[str, Any]) -> bytes:
    """The file a reviewer's own sync would write for ``label``."""
    return dump_label(signed(label))
