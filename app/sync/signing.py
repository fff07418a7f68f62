"""Signed labels: who may speak for a reviewer in a folder everybody can write.

The shared dataset is a folder (or git repository) every reviewer writes, so a file's place
(``labels/…/alice.json``) proves nothing: anyone with write access can put words in alice's
mouth. Each label therefore carries an Ed25519 signature by its reviewer's own key::

    "signature": {"alg": "ed25519", "public_key": "<64 hex>", "value": "<128 hex>"}

over :func:`signing_bytes` (the label without ``signature``, canonical JSON, behind a domain
prefix). Content and path are bound together because the sync refuses a label whose content
does not belong at its path. Ed25519 signatures are deterministic, so a label's bytes stay a
function of the decision (re-writing an unchanged label is still a no-op).

Keys live beside the store, in ``<db>.keys/`` (never in the dataset):

* ``own-<hex of reviewer>.pem`` — the private key of each local reviewer, made on first sync
  (mode 0600). Copy it with the store to keep signing as the same person.
* ``pinned.json`` — ``{"reviewer": "<public key hex>"}``: the key each other reviewer was first
  seen signing with (trust on first use, as ssh does). A label signed by another key later is
  flagged, never counted. To accept a reviewer's new key (a new machine), check its fingerprint
  with them and delete their line; the next sync pins the key it then sees.

Unsigned labels of a reviewer never seen signing (labels from before signing, written by hand
or by another tool) are counted and listed as ``unsigned`` when a sync reads them: refusing them would
silently drop every existing dataset. Once a reviewer is known to sign (their key pinned, or a
signed label of theirs anywhere in the dataset for readers without a store), an unsigned label in
their name is a forgery.

What it does not protect (see the README's Dataset section): a forger who writes the *first*
labels ever seen for a reviewer name gets that name pinned to their key on machines that had
not seen the real one; an old signed label of alice's copied back (a replay) verifies until
alice's own sync restores it; a deleted label cannot be told from a withdrawn one by anyone
but its owner, whose sync restores it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from app.errors import VetbenchError

ALG = "ed25519"
DOMAIN = b"vetbench.label/1 signature\n"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX128 = re.compile(r"^[0-9a-f]{128}$")
PINNED = "pinned.json"


class SigningError(VetbenchError):
    """A local key file that cannot be used (the message says which and what to do)."""


# How a label nobody may count is described (the sync re-checks state rows starting with it).
FORGED = "forged? "


def forged_message(reviewer: str, why: str) -> str:
    return f"{FORGED}not counted as {reviewer}'s label: {why}"


def signing_bytes(label: dict[str, Any]) -> bytes:
    """What is signed: the label less its signature, as canonical JSON, behind a prefix."""
    body = {k: v for k, v in label.items() if k != "signature"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return DOMAIN + text.encode("utf-8")


def signature_shape_problem(sig: Any) -> str | None:
    """Why a ``signature`` value is malformed (None: well formed, or absent)."""
    if sig is None:
        return None
    if not isinstance(sig, dict) or set(sig) != {"alg", "public_key", "value"}:
        return "signature must be an object with alg, public_key and value"
    if sig["alg"] != ALG:
        return f"signature alg must be {ALG!r}"
    if not (isinstance(sig["public_key"], str) and _HEX64.match(sig["public_key"])):
        return "signature public_key must be 64 lowercase hex digits"
    if not (isinstance(sig["value"], str) and _HEX128.match(sig["value"])):
        return "signature value must be 128 lowercase hex digits"
    return None


class SigningKey:
    """One reviewer's Ed25519 private key."""

    def __init__(self, key: Ed25519PrivateKey):
        self._key = key
        self.public_hex = key.public_key().public_bytes_raw().hex()

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: str) -> SigningKey:
        key = load_pem_private_key(pem.encode("ascii"), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError("not an Ed25519 private key")
        return cls(key)

    def pem(self) -> str:
        data = self._key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        return data.decode("ascii")

    def sign(self, label: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``label`` carrying this key's signature (any old one replaced)."""
        value = self._key.sign(signing_bytes(label)).hex()
        return {
            **{k: v for k, v in label.items() if k != "signature"},
            "signature": {"alg": ALG, "public_key": self.public_hex, "value": value},
        }


def signature_problem(label: dict[str, Any]) -> str | None:
    """None when the label carries a signature that verifies with the key it names; else why
    not ("unsigned", "bad signature", …). Says nothing about *whose* key that is: see
    :class:`Keyring` for that."""
    sig = label.get("signature")
    if sig is None:
        return "unsigned"
    shape = signature_shape_problem(sig)
    if shape:
        return shape
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig["public_key"]))
        key.verify(bytes.fromhex(sig["value"]), signing_bytes(label))
    except (InvalidSignature, ValueError):
        return "bad signature (the label was changed after it was signed, or signed wrongly)"
    return None


def signer_of(label: dict[str, Any]) -> str | None:
    sig = label.get("signature")
    return sig.get("public_key") if isinstance(sig, dict) else None


class Keyring:
    """The local reviewers' private keys and the other reviewers' pinned public keys."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._own: dict[str, SigningKey] = {}
        self._pinned: dict[str, str] | None = None
        self._dirty = False

    @staticmethod
    def for_store(db_path: Path | str) -> Keyring:
        return Keyring(Path(str(db_path) + ".keys"))

    def _own_path(self, reviewer: str) -> Path:
        return self.folder / f"own-{reviewer.encode('utf-8').hex()}.pem"

    def own(self, reviewer: str) -> SigningKey:
        """The reviewer's key, made (and saved, owner-only) the first time it is needed."""
        if reviewer in self._own:
            return self._own[reviewer]
        path = self._own_path(reviewer)
        if path.is_file():
            try:
                key = SigningKey.from_pem(path.read_text(encoding="ascii"))
            except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
                raise SigningError(
                    f"signing key {path} of {reviewer} is unusable ({exc}); restore it from a "
                    "backup (or move it aside: a new key makes the others flag your new labels)"
                ) from None
        else:
            key = SigningKey.generate()
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(key.pem())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        self._own[reviewer] = key
        return key

    def has_own(self, reviewer: str) -> bool:
        return reviewer in self._own or self._own_path(reviewer).is_file()

    def _pins(self) -> dict[str, str]:
        if self._pinned is None:
            try:
                obj = json.loads((self.folder / PINNED).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                obj = {}
            self._pinned = (
                {k: v for k, v in obj.items() if isinstance(v, str) and _HEX64.match(v)}
                if isinstance(obj, dict)
                else {}
            )
        return self._pinned

    def pinned(self, reviewer: str) -> str | None:
        return self._pins().get(reviewer)

    def pin(self, reviewer: str, public_hex: str) -> None:
        self._pins()[reviewer] = public_hex
        self._dirty = True

    def save(self) -> None:
        """Write the pins if they changed (atomically; a crash loses only new pins)."""
        if not self._dirty:
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.folder / (PINNED + ".tmp")
        tmp.write_text(json.dumps(self._pins(), sort_keys=True, indent=2) + "\n", "utf-8")
        os.replace(tmp, self.folder / PINNED)
        self._dirty = False

    def trust_problem(self, reviewer: str, label: dict[str, Any]) -> str | None:
        """None when the label is validly signed by the key known for ``reviewer`` (its own
        key for a local reviewer; else the pinned one, pinning it on first sight); else why
        it cannot be counted as theirs."""
        problem = signature_problem(label)
        if problem == "unsigned" and not self.has_own(reviewer) and self.pinned(reviewer) is None:
            # A reviewer never seen signing (an older Vetbench, labels written by hand or by
            # another tool): counted, and listed as unsigned when read. Once a reviewer's
            # signed label is seen, an unsigned one in their name is a forgery.
            return None
        if problem:
            return problem
        key = signer_of(label) or ""
        if self.has_own(reviewer):
            if key != self.own(reviewer).public_hex:
                return f"signed with a key that is not {reviewer}'s own key on this machine"
            return None
        known = self.pinned(reviewer)
        if known is None:
            self.pin(reviewer, key)
            return None
        if key != known:
            return (
                f"signed with key {key[:16]}…, not the key {reviewer} signed with before "
                f"({known[:16]}…)"
            )
        return None
