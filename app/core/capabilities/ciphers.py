"""Ciphers whose key is written into the code, undone as data.

``exec(Fernet(b"<key>").decrypt(b"<token>"))`` is a common disguise: the encryption only
hides the payload from a reader, since the key sits beside it. With the key and the token
both constant, decrypting is as safe as base64-decoding (nothing is run; the output is
scanned as text), and it shows the moderator the payload.
"""

from __future__ import annotations

MAX_TOKEN = 4 * 1024 * 1024  # a larger token is detected, not decrypted


def fernet_decrypt(key: str | bytes, token: str | bytes) -> bytes | None:
    """The plaintext of a Fernet ``token`` under ``key``; ``None`` when it does not decrypt
    (wrong key, damaged or oversized token, or no ``cryptography`` available)."""
    if len(token) > MAX_TOKEN:
        return None
    try:
        from cryptography.fernet import Fernet, InvalidToken
    except ImportError:
        return None
    try:
        return Fernet(key).decrypt(token)
    except (InvalidToken, ValueError, TypeError):
        return None
