"""The data model of :mod:`app.core.archive`: errors, limits, members, skips, artifacts.

Kept apart from the readers so that the tar, zip and directory readers can share it without
import cycles. Everything here is re-exported by :mod:`app.core.archive`, which is the module
other code imports from.
"""

from __future__ import annotations

import codecs
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from app.errors import VetbenchError

# --------------------------------------------------------------------------- errors


class ArchiveError(VetbenchError):
    """The artifact cannot be read at all (the message says why)."""


class UnsupportedFormat(ArchiveError):
    """Not an archive format Vetbench reads."""


class CorruptArchive(ArchiveError):
    """Truncated or damaged archive."""


class LimitExceeded(ArchiveError):
    """A safety limit (size, member count, ratio) was exceeded: a likely archive bomb."""


class PasswordRequired(ArchiveError):
    """An encrypted zip whose password is not the dataset convention's."""


# --------------------------------------------------------------------------- model

TEXT = "text"
BINARY = "binary"
SYMLINK = "symlink"
HARDLINK = "hardlink"

NESTED_SEPARATOR = "!/"  # "inner.whl!/pkg/mod.py": a member of an archive inside the artifact


@dataclass(frozen=True)
class Limits:
    """Safety limits. Defaults still open the largest real wheels (~1 GB, 100k members).

    All byte limits count *uncompressed* bytes. A member over ``max_member_bytes`` or over the
    per-member compression ratio is skipped (recorded); crossing ``max_total_bytes`` or
    ``max_members`` is an error (:class:`LimitExceeded`), as is a compressed tar stream whose
    overall ratio exceeds ``max_ratio`` once ``stream_ratio_floor_bytes`` have been inflated.
    """

    max_total_bytes: int = 3 * 1024**3
    max_members: int = 200_000
    max_member_bytes: int = 1536 * 1024**2
    max_ratio: float = 200.0  # uncompressed / compressed, per member, above 1 MiB
    ratio_floor_bytes: int = 1024**2
    max_text_bytes: int = 128 * 1024**2  # text members larger than this are kept as binary
    # Added with the hostile-input work (all additive):
    max_kept_binary_bytes: int = 4 * 1024**2  # larger binaries keep sha256/size/entropy only
    max_nested_bytes: int = 256 * 1024**2  # an archive member larger than this is not opened
    max_header_bytes: int = 1024**2  # tar pax / GNU long-name headers
    stream_ratio_floor_bytes: int = 256 * 1024**2  # whole-stream ratio check starts here
    # ZipCrypto is decrypted by pure-Python code in the standard library (~2 MB/s): bound it.
    max_zipcrypto_bytes: int = 64 * 1024**2


_ENTROPY_WINDOW = 4096
_ENTROPY_WINDOWS = 8


def entropy_windows(size: int) -> list[tuple[int, int]]:
    """Offsets of the sample an entropy estimate reads: all of a small member, else 8 windows
    of 4 KiB spread evenly (so a streamed member and a kept one give the same value)."""
    if size <= _ENTROPY_WINDOW * _ENTROPY_WINDOWS:
        return [(0, size)]
    step = (size - _ENTROPY_WINDOW) / (_ENTROPY_WINDOWS - 1)
    return [(int(i * step), int(i * step) + _ENTROPY_WINDOW) for i in range(_ENTROPY_WINDOWS)]


def shannon_entropy(sample: bytes) -> float:
    """Shannon entropy in bits per byte (0 = constant, 8 = random or encrypted)."""
    if not sample:
        return 0.0
    n = len(sample)
    return -sum(c / n * math.log2(c / n) for c in Counter(sample).values()) + 0.0


def sampled_entropy(data: bytes) -> float:
    """Entropy of the sample :func:`entropy_windows` picks from ``data``."""
    return round(shannon_entropy(b"".join(data[a:b] for a, b in entropy_windows(len(data)))), 4)


@dataclass
class Member:
    """One file of an artifact.

    ``path`` is normalised (POSIX, no ``..``, no leading slash, single top folder of an sdist
    or npm tarball stripped). ``raw_path`` is the name exactly as the archive stored it
    (undecodable bytes written ``%XX``). ``data`` holds the bytes of text members and of
    binaries up to ``Limits.max_kept_binary_bytes`` (``None`` for links and larger binaries,
    which keep ``size``, ``sha256`` and :attr:`entropy`); ``text`` is decoded lazily.
    Members of an archive inside the artifact are named ``outer.whl!/inner/path`` and carry
    the flag ``nested``.
    """

    path: str
    size: int
    sha256: str
    kind: str  # text | binary | symlink | hardlink
    raw_path: str = ""
    encoding: str | None = None  # "utf-8", a declared codec, or "latin-1"
    flags: tuple[str, ...] = ()
    link_target: str | None = None
    data: bytes | None = field(default=None, repr=False)
    _text: str | None = field(default=None, repr=False)
    _entropy: float | None = field(default=None, repr=False)
    # A binary larger than ``max_kept_binary_bytes`` keeps its first and last 64 KB: enough
    # for a native program's headers and a packer's cookie at its end (``data`` is None).
    edges: tuple[bytes, bytes] | None = field(default=None, repr=False)

    @property
    def is_text(self) -> bool:
        return self.kind == TEXT

    @property
    def text(self) -> str | None:
        """Decoded text of a text member (``None`` for binaries and links)."""
        if self.kind != TEXT or self.data is None:
            return None
        if self._text is None:
            self._text, self.encoding = decode_text(self.data, self.path)
        return self._text

    @property
    def entropy(self) -> float | None:
        """Estimated bits per byte (8.0 = random/encrypted); ``None`` for links."""
        if self._entropy is None and self.data is not None:
            self._entropy = sampled_entropy(self.data)
        return self._entropy

    def detect_encoding(self) -> str | None:
        """The encoding :attr:`text` would use, without keeping the decoded text."""
        if self.encoding is None and self.kind == TEXT and self.data is not None:
            self.encoding = decode_text(self.data, self.path)[1]
        return self.encoding


# The reason of a Skip for an archive found inside a nested archive: the reader records it
# unopened, and the scanner opens it from memory when its bytes were kept (then it was read).
NESTED_TOO_DEEP = (
    "archive inside a nested archive: recorded, not opened (the reader opens one level; "
    "the scan opens deeper ones from memory, up to about eight levels)"
)


@dataclass(frozen=True)
class Skip:
    """A member that was not read, and why (recorded, never silently dropped)."""

    path: str
    reason: str


@dataclass
class Artifact:
    """A package artifact as data."""

    source: str  # the path it was opened from
    format: str  # sdist | wheel | egg | npm | zip | directory
    ecosystem: str  # pypi | npm
    name: str | None
    version: str | None
    sha256: str | None  # of the artifact file itself (None for a directory)
    size: int
    members: list[Member] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # e.g. "sample-zip", "duplicate-members"
    metadata: dict[str, object] = field(
        default_factory=dict
    )  # parsed PKG-INFO/METADATA/package.json

    def member(self, path: str) -> Member | None:
        """The member at ``path``; of duplicates the last, which an unpacker leaves on disk."""
        for m in reversed(self.members):
            if m.path == path:
                return m
        return None

    def text_members(self) -> list[Member]:
        return [m for m in self.members if m.kind == TEXT]

    def target(self) -> dict[str, object]:
        """The ``target`` object of the vetbench.scan/1 and vetbench.diff/1 schemas."""
        return {
            "path": self.source,
            "ecosystem": self.ecosystem,
            "name": self.name,
            "version": self.version,
            "sha256": self.sha256,
        }


# --------------------------------------------------------------------------- text


_CODING_RE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


_NOT_CONTROL = bytes(b for b in range(256) if not (b < 9 or 13 < b < 32))


_CODE_SUFFIXES = (
    ".py",
    ".pyw",
    ".pyi",
    ".pth",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".sh",
    ".bash",
    ".bat",
    ".cmd",
    ".ps1",
)
_CODE_NAMES = ("setup.py", "setup.cfg", "pyproject.toml", "package.json")


def is_code_path(path: str) -> bool:
    """Files an interpreter, installer or shell runs (or reads to decide what runs).

    Their bytes are text whatever they contain: Python runs a file full of form feeds, older
    interpreters ran what came before a NUL byte, so "binary" is a property of data files only.
    """
    low = path.lower()
    return low.endswith(_CODE_SUFFIXES) or low.rsplit("/", 1)[-1] in _CODE_NAMES


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KiB mean binary."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    control = len(head.translate(None, _NOT_CONTROL))
    return control / len(head) > 0.10


def _declared_codec(data: bytes) -> str | None:
    """The PEP 263 codec of the first two lines, if it is one Python would accept."""
    for line in data[:4096].replace(b"\r", b"\n").split(b"\n", 2)[:2]:
        match = _CODING_RE.match(line)
        if match:
            codec = match.group(1).decode("ascii", "replace")
            try:
                info = codecs.lookup(codec)
            except LookupError:
                return None
            if info.name.startswith(("utf-16", "utf-32")) or not getattr(
                info, "_is_text_encoding", True
            ):
                return None  # Python refuses these ("encoding problem")
            return codec
    return None


def decode_text(data: bytes, path: str = "") -> tuple[str, str]:
    """Decode a Python file as Python does (its PEP 263 codec first), else UTF-8, else latin-1.

    A declared codec wins even over bytes that are valid UTF-8: ``# coding: utf-7`` turns the
    ASCII ``+AGkAbQBwAG8-rt`` into ``import``, and the interpreter runs the decoded text.
    """
    if path.endswith((".py", ".pyw", ".pyi")) or not path:
        codec = _declared_codec(data)
        if codec is not None and codecs.lookup(codec).name != "utf-8":
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return data.decode("latin-1"), "latin-1"
