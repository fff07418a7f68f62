"""Open any package artifact as data: never executed, never extracted to disk.

One uniform view (:class:`Artifact` with :class:`Member` entries) over sdists (tar.gz, tar.bz2,
tar.xz, tgz, zip), wheels, eggs, npm tarballs, plain directories and the dataset's encrypted
sample zips (password ``infected``). Archives are sniffed by their magic bytes, never by their
file name: real wheels travel under ``.tar.gz`` names.

Hostile input is normal input here. Everything that could hurt is turned into a typed
:class:`ArchiveError` or a recorded :class:`Skip` with a reason, within the :class:`Limits`.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

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


@dataclass(frozen=True)
class Limits:
    """Safety limits. Defaults still open the largest real wheels (~1 GB, 100k members)."""

    max_total_bytes: int = 3 * 1024**3
    max_members: int = 200_000
    max_member_bytes: int = 1536 * 1024**2
    max_ratio: float = 200.0  # uncompressed / compressed, per member, above 1 MiB
    ratio_floor_bytes: int = 1024**2
    max_text_bytes: int = 128 * 1024**2  # text members larger than this are kept as binary


@dataclass
class Member:
    """One file of an artifact.

    ``path`` is normalised (POSIX, no ``..``, no leading slash, single top folder of an sdist
    or npm tarball stripped). ``raw_path`` is the name exactly as the archive stored it.
    ``data`` holds the bytes of regular files (``None`` for links); ``text`` is decoded lazily.
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
    metadata: dict[str, object] = field(default_factory=dict)  # parsed PKG-INFO/METADATA/package.json

    def member(self, path: str) -> Member | None:
        for m in self.members:
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


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KiB mean binary."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    if not head:
        return False
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control / len(head) > 0.10


def decode_text(data: bytes, path: str = "") -> tuple[str, str]:
    """Decode as UTF-8, then the codec a Python file declares (PEP 263), then latin-1."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if path.endswith((".py", ".pyw", ".pyi")) or not path:
        for line in data.split(b"\n", 2)[:2]:
            match = _CODING_RE.match(line)
            if match:
                codec = match.group(1).decode("ascii", "replace")
                try:
                    return data.decode(codec), codec
                except (LookupError, UnicodeDecodeError):
                    break
    return data.decode("latin-1"), "latin-1"


# --------------------------------------------------------------------------- paths

_DRIVE_RE = re.compile(r"^[A-Za-z]:")


def normalise_member_path(raw: str) -> tuple[str | None, tuple[str, ...]]:
    """Normalise an archive member name to a safe relative POSIX path.

    Returns ``(path, flags)``; ``path`` is ``None`` when nothing safe remains (the member is
    then skipped). Backslashes become slashes, drive letters and leading slashes are removed,
    ``..`` that would climb above the root is dropped; each such repair is flagged.
    """
    flags: list[str] = []
    name = raw
    if "\x00" in name:
        name = name.replace("\x00", "\\x00")
        flags.append("nul-in-name")
    if "\\" in name:
        name = name.replace("\\", "/")
        flags.append("backslash-path")
    if _DRIVE_RE.match(name):
        name = name[2:]
        flags.append("drive-letter-path")
    if name.startswith("/"):
        flags.append("absolute-path")
        name = name.lstrip("/")
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            else:
                if "path-traversal" not in flags:
                    flags.append("path-traversal")
            continue
        parts.append(part)
    if not parts:
        return None, tuple(flags)
    return "/".join(parts), tuple(flags)


# --------------------------------------------------------------------------- sniffing


def sniff_format(head: bytes) -> str | None:
    """Container type by magic bytes: zip, gzip, bzip2, xz, tar, or None."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh"):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- readers


class _Collector:
    """Accumulates members while enforcing the limits."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.members: list[Member] = []
        self.skips: list[Skip] = []
        self.total = 0
        self.count = 0

    def count_member(self) -> None:
        self.count += 1
        if self.count > self.limits.max_members:
            raise LimitExceeded(f"more than {self.limits.max_members} members (archive bomb?)")

    def check_size(self, raw: str, size: int, compressed: int | None = None) -> str | None:
        """Return a skip reason for an oversized member, or raise when the total is exceeded."""
        if size > self.limits.max_member_bytes:
            return f"member too large ({size} bytes > {self.limits.max_member_bytes})"
        if (
            compressed is not None
            and size > self.limits.ratio_floor_bytes
            and size / max(compressed, 1) > self.limits.max_ratio
        ):
            return f"compression ratio {size / max(compressed, 1):.0f}:1 exceeds {self.limits.max_ratio:.0f}:1 (zip bomb?)"
        if self.total + size > self.limits.max_total_bytes:
            raise LimitExceeded(
                f"uncompressed size exceeds {self.limits.max_total_bytes} bytes (archive bomb?)"
            )
        return None

    def add_file(self, raw: str, data: bytes) -> None:
        path, flags = normalise_member_path(raw)
        if path is None:
            self.skips.append(Skip(raw, "empty or unsafe member name"))
            return
        self.total += len(data)
        if len(data) > self.total + self.limits.max_total_bytes:  # pragma: no cover - guarded above
            raise LimitExceeded("uncompressed size limit")
        binary = looks_binary(data) or len(data) > self.limits.max_text_bytes
        self.members.append(
            Member(
                path=path,
                size=len(data),
                sha256=_sha256(data),
                kind=BINARY if binary else TEXT,
                raw_path=raw,
                flags=flags,
                data=data,
            )
        )

    def add_link(self, raw: str, kind: str, target: str) -> None:
        path, flags = normalise_member_path(raw)
        if path is None:
            self.skips.append(Skip(raw, "empty or unsafe member name"))
            return
        self.members.append(
            Member(
                path=path,
                size=0,
                sha256=_sha256(b""),
                kind=kind,
                raw_path=raw,
                flags=flags + (kind,),
                link_target=target,
            )
        )


def _read_tar(fileobj, collector: _Collector) -> None:
    try:
        with tarfile.open(fileobj=fileobj, mode="r:*") as tar:
            while True:
                try:
                    info = tar.next()
                except tarfile.ReadError as exc:
                    raise CorruptArchive(f"corrupt tar archive: {exc}") from exc
                if info is None:
                    break
                collector.count_member()
                name = info.name
                if info.isdir():
                    continue
                if info.issym():
                    collector.add_link(name, SYMLINK, info.linkname)
                    continue
                if info.islnk():
                    collector.add_link(name, HARDLINK, info.linkname)
                    continue
                if not info.isfile():
                    collector.skips.append(Skip(name, "device, FIFO or special member (not read)"))
                    continue
                reason = collector.check_size(name, info.size)
                if reason:
                    collector.skips.append(Skip(name, reason))
                    continue
                extracted = tar.extractfile(info)
                data = extracted.read() if extracted else b""
                if len(data) != info.size:
                    raise CorruptArchive(f"truncated tar archive at member {name!r}")
                collector.add_file(name, data)
    except (tarfile.ReadError, EOFError, OSError, ValueError) as exc:
        raise CorruptArchive(f"corrupt or truncated tar archive: {exc}") from exc


def _read_zip(fileobj, collector: _Collector, password: bytes | None) -> list[str]:
    """Read a zip; returns flags (e.g. 'encrypted')."""
    flags: list[str] = []
    try:
        zf = _open_zip(fileobj)
    except zipfile.BadZipFile as exc:
        raise CorruptArchive(f"corrupt zip archive: {exc}") from exc
    with zf:
        infos = zf.infolist()
        for info in infos:
            collector.count_member()
            name = info.filename
            if info.is_dir():
                continue
            mode = (info.external_attr >> 16) & 0o170000
            if mode == stat.S_IFLNK:
                target = zf.read(info, pwd=password).decode("utf-8", "replace")[:4096]
                collector.add_link(name, SYMLINK, target)
                continue
            reason = collector.check_size(name, info.file_size, info.compress_size)
            if reason:
                collector.skips.append(Skip(name, reason))
                continue
            try:
                if info.flag_bits & 0x1:
                    if "encrypted" not in flags:
                        flags.append("encrypted")
                    data = zf.read(info, pwd=password)
                else:
                    data = zf.read(info)
            except RuntimeError as exc:  # bad password
                raise PasswordRequired(f"encrypted zip member {name!r}: {exc}") from exc
            except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
                collector.skips.append(Skip(name, f"unreadable zip member: {exc}"))
                continue
            except Exception as exc:  # zlib.error, pyzipper's errors
                collector.skips.append(Skip(name, f"unreadable zip member: {exc}"))
                continue
            collector.add_file(name, data)
    return flags


def _open_zip(fileobj):
    """Standard zipfile for ZipCrypto; pyzipper (when installed) also reads AES."""
    try:
        import pyzipper

        return pyzipper.AESZipFile(fileobj)
    except ImportError:  # pragma: no cover - pyzipper is a dependency
        return zipfile.ZipFile(fileobj)


def _read_directory(root: Path, collector: _Collector) -> None:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for fname in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            full = Path(dirpath) / fname
            rel = full.relative_to(root).as_posix()
            collector.count_member()
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                collector.add_link(rel, SYMLINK, os.readlink(full))
                continue
            if not stat.S_ISREG(st.st_mode):
                collector.skips.append(Skip(rel, "device, FIFO or special file (not read)"))
                continue
            reason = collector.check_size(rel, st.st_size)
            if reason:
                collector.skips.append(Skip(rel, reason))
                continue
            collector.add_file(rel, full.read_bytes())


# --------------------------------------------------------------------------- entry point


def open_artifact(path: str | os.PathLike[str], limits: Limits | None = None,
                  password: bytes = b"infected") -> Artifact:
    """Open an artifact file or directory as data. Raises :class:`ArchiveError`."""
    limits = limits or Limits()
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise ArchiveError(f"{path}: no such file or directory")
    collector = _Collector(limits)
    if p.is_dir():
        _read_directory(p, collector)
        artifact = Artifact(str(p), "directory", "pypi", None, None, None, 0)
    else:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"{path}: {exc.strerror or exc}") from exc
        kind = sniff_format(raw[:512])
        flags: list[str] = []
        if kind == "zip":
            flags = _read_zip(io.BytesIO(raw), collector, password)
        elif kind in ("gzip", "bzip2", "xz", "tar"):
            _read_tar(io.BytesIO(raw), collector)
        else:
            raise UnsupportedFormat(f"{path}: not a package archive (unrecognised magic bytes)")
        artifact = Artifact(str(p), kind, "pypi", None, None, _sha256(raw), len(raw), flags=flags)
    artifact.members = collector.members
    artifact.skips = collector.skips
    _strip_single_top_folder(artifact)
    _identify(artifact, p)
    return artifact


def _strip_single_top_folder(artifact: Artifact) -> None:
    """An sdist (``name-1.0/``) or npm tarball (``package/``) has one top folder: drop it."""
    tops = {m.path.split("/", 1)[0] for m in artifact.members}
    if len(tops) != 1 or not all("/" in m.path for m in artifact.members):
        return
    top = tops.pop()
    artifact.metadata["top_folder"] = top
    for m in artifact.members:
        m.path = m.path.split("/", 1)[1]


_WHEEL_NAME_RE = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-[^-]+)?-[^-]+-[^-]+-[^-]+\.whl$")
_SDIST_NAME_RE = re.compile(
    r"^(?P<name>.+?)-(?P<version>\d[^-]*?)(\.tar\.gz|\.tar\.bz2|\.tar\.xz|\.tgz|\.zip|\.egg|-py\d.*\.egg)$"
)


def _parse_email_headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            break
        if ":" in line and not line.startswith((" ", "\t")):
            key, _, value = line.partition(":")
            headers.setdefault(key.strip().lower(), value.strip())
    return headers


def _identify(artifact: Artifact, p: Path) -> None:
    """Ecosystem, name, version and format from metadata files, else from the file name."""
    import json

    by_path = {m.path: m for m in artifact.members}
    pkg_json = by_path.get("package.json")
    if pkg_json is not None and pkg_json.text and artifact.metadata.get("top_folder") in ("package", None):
        try:
            doc = json.loads(pkg_json.text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and ("scripts" in doc or "name" in doc):
            artifact.ecosystem = "npm"
            artifact.format = "npm" if artifact.format != "directory" else "directory"
            artifact.name = str(doc.get("name")) if doc.get("name") else None
            artifact.version = str(doc.get("version")) if doc.get("version") else None
            artifact.metadata["package_json"] = doc
            return
    meta = None
    for m in artifact.members:
        parts = m.path.split("/")
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
            meta, artifact.format = m, "wheel" if artifact.format == "zip" else artifact.format
            break
        if len(parts) == 2 and parts[0] == "EGG-INFO" and parts[1] == "PKG-INFO":
            meta, artifact.format = m, "egg" if artifact.format == "zip" else artifact.format
            break
    if meta is None:
        meta = by_path.get("PKG-INFO")
        if meta is not None and artifact.format != "directory":
            artifact.format = "sdist"
    if meta is not None and meta.text:
        headers = _parse_email_headers(meta.text)
        artifact.name = headers.get("name") or None
        artifact.version = headers.get("version") or None
        artifact.metadata["headers"] = headers
    if artifact.format in ("gzip", "bzip2", "xz", "tar"):
        artifact.format = "sdist"
    if not artifact.name:
        match = _WHEEL_NAME_RE.match(p.name) or _SDIST_NAME_RE.match(p.name)
        if match:
            artifact.name, artifact.version = match.group("name"), match.group("version")
