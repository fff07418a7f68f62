"""Turning streamed member bytes into :class:`Member` records, inside the :class:`Limits`.

Every reader (tar, zip, directory) hands each member to one :class:`Collector` as a ``read(n)``
function plus the size the archive declares. The collector decides *before* reading whether
the member fits, then reads it in chunks: hashing, sampling entropy, and keeping the bytes only
when they are text, a small binary, or an archive to open one level deep. So memory stays near
the size of what is kept, never the size of what the archive claims or inflates to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from app.core.archive.model import (
    BINARY,
    NESTED_SEPARATOR,
    NESTED_TOO_DEEP,
    TEXT,
    LimitExceeded,
    Limits,
    Member,
    Skip,
    entropy_windows,
    is_code_path,
    looks_binary,
    sampled_entropy,
    shannon_entropy,
)
from app.core.archive.paths import has_control_chars, link_escapes, normalise_member_path

CHUNK = 1024**2
_HEAD = 64 * 1024
_TAIL = 64 * 1024  # bytes a binary too large to keep keeps of its end (see Member.edges)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

# sniff(head) -> container kind or None; set by app.core.archive (avoids an import cycle)
Sniffer = Callable[[bytes], "str | None"]


class MemberTruncated(Exception):
    """The archive ended inside a member (the reader decides what that means)."""


class Collector:
    """Accumulates members and skips of one artifact while enforcing the limits.

    ``prefix``/``depth`` are set while an archive inside the artifact is being read, so its
    members become ``outer!/inner`` and carry the ``nested`` flag.
    """

    def __init__(
        self,
        limits: Limits,
        sniff: Sniffer | None = None,
        open_nested: Callable[[Collector, Member, bytes, str], None] | None = None,
    ):
        self.limits = limits
        self.members: list[Member] = []
        self.skips: list[Skip] = []
        self.flags: list[str] = []
        self.total = 0
        self.count = 0
        self.folders = 0
        self.prefix = ""
        self.depth = 0
        self._sniff = sniff
        self._open_nested = open_nested

    # ------------------------------------------------------------------ bookkeeping

    def flag(self, flag: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    def count_member(self) -> None:
        self.count += 1
        if self.count > self.limits.max_members:
            raise LimitExceeded(f"more than {self.limits.max_members} members (archive bomb?)")

    def count_folder(self) -> None:
        """Folder entries are not members but still cost time: bound them the same way."""
        self.folders += 1
        if self.folders > self.limits.max_members:
            raise LimitExceeded(f"more than {self.limits.max_members} folders (archive bomb?)")

    def skip(self, raw: str, reason: str) -> None:
        self.skips.append(Skip(self.prefix + raw, reason))

    def check_size(self, raw: str, size: int, compressed: int | None = None) -> str | None:
        """Return a skip reason for an oversized member, or raise when the total is exceeded."""
        limits = self.limits
        if size > limits.max_member_bytes:
            return f"member too large ({size} bytes > {limits.max_member_bytes})"
        if (
            compressed is not None
            and size > limits.ratio_floor_bytes
            and size / max(compressed, 1) > limits.max_ratio
        ):
            ratio = size / max(compressed, 1)
            return f"compression ratio {ratio:.0f}:1 exceeds {limits.max_ratio:.0f}:1 (zip bomb?)"
        if self.total + size > limits.max_total_bytes:
            raise LimitExceeded(
                f"uncompressed size exceeds {limits.max_total_bytes} bytes (archive bomb?)"
            )
        return None

    def _path(self, raw: str) -> tuple[str | None, tuple[str, ...]]:
        path, flags = normalise_member_path(raw)
        if path is None:
            self.skip(raw, "empty or unsafe member name")
            return None, flags
        if has_control_chars(path):
            flags += ("control-chars-in-name",)
        if self.depth:
            path = self.prefix + path
            flags += ("nested",)
        return path, flags

    # ------------------------------------------------------------------ members

    def add_link(self, raw: str, kind: str, target: str, name_flags: tuple[str, ...] = ()) -> None:
        path, flags = self._path(raw)
        if path is None:
            return
        flags = name_flags + flags + (kind,)
        local = path.rsplit(NESTED_SEPARATOR, 1)[-1]
        if link_escapes(local, target, hardlink=kind != "symlink"):
            flags += ("link-outside",)
        self.flag("links")
        self.members.append(
            Member(
                path=path,
                size=0,
                sha256=EMPTY_SHA256,
                kind=kind,
                raw_path=self.prefix + raw,
                flags=flags,
                link_target=target[:4096],
            )
        )

    def add_stream(
        self, raw: str, size: int, read: Callable[[int], bytes], name_flags: tuple[str, ...] = ()
    ) -> Member | None:
        """Read one regular member of declared ``size`` through ``read`` (already size-checked).

        Raises :class:`MemberTruncated` when fewer bytes arrive than declared.
        """
        path, flags = self._path(raw)
        if path is None:
            return None
        flags = name_flags + flags if name_flags else flags
        limits = self.limits
        self.total += size
        if size == 0:  # common (__init__.py) and the whole of a many-members bomb
            member = Member(path, 0, EMPTY_SHA256, TEXT, self.prefix + raw, None, flags, None, b"")
            self.members.append(member)
            return member
        head = _read_exact(read, min(size, _HEAD))
        if size <= _HEAD:  # fast path: the whole member is in ``head``
            binary = size > limits.max_text_bytes or (looks_binary(head) and not is_code_path(path))
            member = Member(
                path,
                size,
                hashlib.sha256(head).hexdigest(),
                BINARY if binary else TEXT,
                self.prefix + raw,
                None,
                flags,
                None,
                head,
            )
            self.members.append(member)
            if binary and size >= 22 and self._sniff is not None:
                container = self._sniff(head)
                if container is not None:
                    self._nested(member, head, container)
            if binary and size > limits.max_kept_binary_bytes:
                member._entropy = sampled_entropy(head)
                member.data = None
            return member
        code = is_code_path(path)
        binary = size > limits.max_text_bytes or (looks_binary(head) and not code)
        kind = BINARY if binary else TEXT
        container = self._sniff(head) if (self._sniff and size >= 22) else None
        keep = (
            kind == TEXT
            or size <= limits.max_kept_binary_bytes
            or (container is not None and self.depth == 0 and size <= limits.max_nested_bytes)
        )
        digest = hashlib.sha256(head)
        windows = entropy_windows(size)
        sample: list[bytes] = []
        _take(windows, 0, head, sample)
        kept = [head] if keep else []
        pos = len(head)
        last = b""  # the final chunk: a dropped binary keeps its end (packer cookies sit there)
        while pos < size:
            chunk = _read_exact(read, min(CHUNK, size - pos))
            digest.update(chunk)
            _take(windows, pos, chunk, sample)
            if keep:
                kept.append(chunk)
            elif kind == BINARY:
                last = (last[-_TAIL:] + chunk) if len(chunk) < _TAIL else chunk
            pos += len(chunk)
        data = b"".join(kept) if keep else None
        del kept
        member = Member(
            path=path,
            size=size,
            sha256=digest.hexdigest(),
            kind=kind,
            raw_path=self.prefix + raw,
            flags=flags,
            data=data,
        )
        if kind == BINARY:
            member._entropy = round(shannon_entropy(b"".join(sample)), 4)
        self.members.append(member)
        if container is not None:
            self._nested(member, data, container)
        if kind == BINARY and size > limits.max_kept_binary_bytes:
            ends = data if data is not None else head + last
            member.edges = (ends[:_HEAD], ends[-_TAIL:])
            member.data = None
        return member

    def _nested(self, member: Member, data: bytes | None, container: str) -> None:
        if self.depth >= 1:
            member.flags += ("archive",)
            self.skips.append(Skip(member.path, NESTED_TOO_DEEP))
            return
        if data is None:
            member.flags += ("archive",)
            self.skips.append(
                Skip(
                    member.path,
                    f"archive member of {member.size} bytes is too "
                    f"large to open (> {self.limits.max_nested_bytes})",
                )
            )
            return
        if self._open_nested is not None:
            self._open_nested(self, member, data, container)


def _take(windows: list[tuple[int, int]], pos: int, chunk: bytes, sample: list[bytes]) -> None:
    """Copy the parts of ``chunk`` (at offset ``pos``) that fall in an entropy window."""
    end = pos + len(chunk)
    for a, b in windows:
        if a < end and b > pos:
            sample.append(chunk[max(a, pos) - pos : min(b, end) - pos])


def _read_exact(read: Callable[[int], bytes], n: int) -> bytes:
    """Read exactly ``n`` bytes (readers may return short chunks) or raise MemberTruncated."""
    if n <= 0:
        return b""
    first = read(n)
    if len(first) == n:
        return first
    parts = [first]
    got = len(first)
    while got < n:
        chunk = read(n - got)
        if not chunk:
            raise MemberTruncated(f"archive ends {n - got} bytes inside a member")
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
