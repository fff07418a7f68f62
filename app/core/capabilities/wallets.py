"""Whether a string shaped like a crypto wallet address is one: its checksum holds.

Wallet swapping (``hijack.wallet_swap``) is told by a few hard-coded addresses beside code
that rewrites addresses or payments. The address patterns alone match much that is not money:
a 32-digit hex hash (``cacheID: "129953ba..."``) has the shape of a legacy Bitcoin address
(``1`` or ``3`` and 25-34 Base58 characters), a CamelCase type name of 34 letters starting
with ``T`` the shape of a Tron address. Real addresses carry a checksum (Base58Check for
Bitcoin's legacy and Tron's, Bech32/Bech32m for ``bc1``), and a thief's addresses are real
or the money is lost; a hash or an identifier passes the checksum about once in four billion
times. Ethereum's ``0x`` + 40 hex digits has no mandatory checksum and is kept as it is.
"""

from __future__ import annotations

import hashlib

__all__ = ["real_wallet"]

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_INDEX = {c: i for i, c in enumerate(_BECH32)}
_BECH32_CONSTS = (1, 0x2BC830A3)  # Bech32 (segwit v0) and Bech32m (v1+)


def _base58check(addr: str) -> bool:
    n = 0
    for c in addr:
        i = _B58_INDEX.get(c)
        if i is None:
            return False
        n = n * 58 + i
    pad = len(addr) - len(addr.lstrip("1"))
    raw = b"\0" * pad + n.to_bytes((n.bit_length() + 7) // 8, "big")
    if len(raw) < 5:
        return False
    body, check = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] == check


def _bech32(addr: str) -> bool:
    hrp, _, data = addr.lower().rpartition("1")
    if not hrp or len(data) < 6 or any(c not in _BECH32_INDEX for c in data):
        return False
    values = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    values += [_BECH32_INDEX[c] for c in data]
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk in _BECH32_CONSTS


def real_wallet(addr: str | bytes) -> bool:
    """Whether ``addr`` (one match of a wallet address pattern) passes its checksum."""
    text = addr.decode("ascii", "replace") if isinstance(addr, bytes) else addr
    if text.startswith("0x"):
        return True  # Ethereum: no mandatory checksum (EIP-55 mixed case is optional)
    if text.lower().startswith("bc1"):
        return _bech32(text)
    return _base58check(text)
