"""Open any package artifact as data: never executed, never extracted to disk.

One uniform view (:class:`Artifact` with :class:`Member` entries) over sdists (tar.gz, tar.bz2,
tar.xz, tgz, zip), wheels, eggs, npm tarballs, plain directories and the dataset's encrypted
sample zips (password ``infected``). Archives are sniffed by their magic bytes, never by their
file name: real wheels travel under ``.tar.gz`` names.

Hostile input is normal input here. Everything that could hurt is turned into a typed
:class:`ArchiveError` or a recorded :class:`Skip` with a reason, within the :class:`Limits`:

* nothing is written to disk; archives are streamed from the file, members read in chunks;
* a dataset sample zip (encrypted, one artifact inside) opens as that artifact, flagged
  ``sample-zip``; a sample of loose files opens like a directory;
* an archive inside the artifact is opened one level deep (``inner.whl!/pkg/mod.py``, flagged
  ``nested``); deeper archives are recorded, not opened;
* big binaries keep ``sha256``, ``size`` and ``entropy`` but not their bytes.

The readers live in ``tar``, ``zip`` and ``folder``; the model in ``model``, paths in
``paths``, sniffing in ``identify``. Import everything from here.
"""

from __future__ import annotations

import hashlib
import io
import lzma
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Sized
from pathlib import Path
from typing import cast

from app.core.archive.collect import Collector
from app.core.archive.folder import read_directory
from app.core.archive.identify import identify, mark_duplicates_and_flags, strip_top_folder
from app.core.archive.model import (
    BINARY,
    HARDLINK,
    NESTED_SEPARATOR,
    NESTED_TOO_DEEP,
    SYMLINK,
    TEXT,
    ArchiveError,
    Artifact,
    CorruptArchive,
    LimitExceeded,
    Limits,
    Member,
    PasswordRequired,
    Skip,
    UnsupportedFormat,
    decode_text,
    looks_binary,
    sampled_entropy,
    shannon_entropy,
)
from app.core.archive.passwords import with_package_passwords
from app.core.archive.paths import decode_name, normalise_member_path
from app.core.archive.polyglot import merge_readings
from app.core.archive.tar import check_gzip_tail, checksum_ok, decompressing_reader, read_tar
from app.core.archive.zip import (
    BAD_ZIP,
    is_encrypted,
    is_folder,
    open_zip,
    read_single_entry,
    read_zip,
)

__all__ = [
    "BINARY",
    "HARDLINK",
    "NESTED_SEPARATOR",
    "NESTED_TOO_DEEP",
    "SYMLINK",
    "TEXT",
    "ArchiveError",
    "Artifact",
    "CorruptArchive",
    "LimitExceeded",
    "Limits",
    "Member",
    "PasswordRequired",
    "Skip",
    "UnsupportedFormat",
    "decode_name",
    "decode_text",
    "looks_binary",
    "normalise_member_path",
    "open_artifact",
    "open_bytes",
    "sampled_entropy",
    "shannon_entropy",
    "sniff_format",
]

DEFAULT_PASSWORD = b"infected"
# What the stdlib and pyzipper parsers raise on damaged bytes they did not anticipate.
PARSER_ERRORS = (
    *BAD_ZIP,
    struct.error,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OverflowError,
    UnicodeDecodeError,
    NotImplementedError,
    IndexError,
    KeyError,
    ValueError,
)
_COMPRESSED = ("gzip", "bzip2", "xz")


# --------------------------------------------------------------------------- sniffing


def sniff_format(head: bytes) -> str | None:
    """Container type by magic bytes: zip, gzip, bzip2, xz, tar, or None."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if (
        head.startswith(b"BZh")
        and head[3:4].isdigit()
        and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")
    ):
        return "bzip2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    if len(head) >= 512 and head[0] and checksum_ok(head[:512]):
        return "tar"  # pre-POSIX (v7) tar: no magic, but a valid header checksum
    return None


def _sha256_file(fh) -> str:
    fh.seek(0)
    digest = hashlib.sha256()
    while chunk := fh.read(1024**2):
        digest.update(chunk)
    fh.seek(0)
    return digest.hexdigest()


# --------------------------------------------------------------------------- containers


def _read_container(
    fileobj, kind: str, collector: Collector, password: bytes | None, size: int | None
) -> None:
    """Read one container of a sniffed ``kind`` into the collector."""
    if kind == "zip":
        zf = open_zip(fileobj, collector.limits)
        with zf:
            read_zip(zf, collector, password)
    elif kind == "tar":
        read_tar(fileobj, collector, size=size)
    elif kind in _COMPRESSED:
        stream, counter = decompressing_reader(fileobj, kind)
        read_tar(stream, collector, counter=counter)
        check_gzip_tail(stream, collector)
    else:  # pragma: no cover - callers sniff first
        raise UnsupportedFormat(f"unknown container {kind}")


def _open_nested(collector: Collector, member: Member, data: bytes, kind: str) -> None:
    """Open an archive member one level deep; its members become ``member!/path``."""
    saved = collector.prefix, collector.depth
    collector.prefix, collector.depth = member.path + NESTED_SEPARATOR, saved[1] + 1
    try:
        _read_container(io.BytesIO(data), kind, collector, DEFAULT_PASSWORD, len(data))
        member.flags += ("archive",)
    except LimitExceeded:
        raise
    except UnsupportedFormat as exc:
        if kind in _COMPRESSED:  # a compressed file (.gz data), not an archive
            member.flags += ("compressed",)
        else:
            collector.skips.append(Skip(member.path, f"nested archive not opened: {exc}"))
    except ArchiveError as exc:
        member.flags += ("archive",)
        collector.skips.append(Skip(member.path, f"nested archive not opened: {exc}"))
    except PARSER_ERRORS as exc:
        member.flags += ("archive",)
        collector.skips.append(
            Skip(
                member.path, f"nested archive not opened: unreadable ({type(exc).__name__}: {exc})"
            )
        )
    finally:
        collector.prefix, collector.depth = saved


def _new_collector(limits: Limits) -> Collector:
    return Collector(limits, sniff=sniff_format, open_nested=_open_nested)


def _finish(
    artifact: Artifact, collector: Collector, file_name: str, loose_sample: bool = False
) -> Artifact:
    artifact.members = collector.members
    artifact.skips = collector.skips
    for flag in collector.flags:
        if flag not in artifact.flags:
            artifact.flags.append(flag)
    if loose_sample:  # "<sample id>/<sdist folder>/...": the id folder, then the sdist's
        strip_top_folder(artifact)
        strip_top_folder(artifact, require_marker=True)
    else:  # tarballs always have their top folder; zips and folders only sometimes
        strip_top_folder(artifact, require_marker=artifact.format in ("zip", "directory"))
    if len(cast(Sized, artifact.metadata.get("top_folders", ()))) < 2:
        artifact.metadata.pop("top_folders", None)
    mark_duplicates_and_flags(artifact)
    identify(artifact, file_name)
    return artifact


def open_bytes(
    data: bytes,
    name: str = "artifact",
    limits: Limits | None = None,
    password: bytes = DEFAULT_PASSWORD,
    file_name: str | None = None,
) -> Artifact:
    """Open an artifact held in memory.

    ``name`` becomes :attr:`Artifact.source`; ``file_name`` (default: the last part of
    ``name``) is what name and version are guessed from when no metadata file says.
    """
    limits = limits or Limits()
    first = _open_bytes(data, name, limits, password, file_name)
    return with_package_passwords(
        first, lambda: _open_bytes(data, name, limits, password, file_name), password
    )


def _open_bytes(
    data: bytes, name: str, limits: Limits, password: bytes, file_name: str | None
) -> Artifact:
    kind = sniff_format(data[:512])
    if kind is None:
        raise UnsupportedFormat(f"{name}: not a package archive (unrecognised magic bytes)")
    collector = _new_collector(limits)
    try:
        _read_container(io.BytesIO(data), kind, collector, password, len(data))
    except PARSER_ERRORS as exc:
        raise CorruptArchive(f"unreadable archive ({type(exc).__name__}: {exc})") from exc
    sha = hashlib.sha256(data).hexdigest()
    artifact = Artifact(name, kind, "pypi", None, None, sha, len(data))
    return _finish(artifact, collector, file_name or Path(name).name)


# --------------------------------------------------------------------------- entry point


def open_artifact(
    path: str | os.PathLike[str], limits: Limits | None = None, password: bytes = DEFAULT_PASSWORD
) -> Artifact:
    """Open an artifact file or directory as data. Raises :class:`ArchiveError`.

    The error message starts with the path, so one line on stderr says what is wrong where.
    An archive inside locked with a password the package itself names is read with it
    (:mod:`.passwords`).
    """
    limits = limits or Limits()
    first = _open_reporting(path, limits, password)
    return with_package_passwords(first, lambda: _open_reporting(path, limits, password), password)


def _open_reporting(path: str | os.PathLike[str], limits: Limits, password: bytes) -> Artifact:
    try:
        return _open_artifact(path, limits, password)
    except ArchiveError as exc:
        if str(path) in str(exc):
            raise
        raise type(exc)(f"{path}: {exc}") from exc
    except PARSER_ERRORS as exc:  # a reader met bytes it did not expect: still the input's fault
        raise CorruptArchive(f"{path}: unreadable archive ({type(exc).__name__}: {exc})") from exc


def _open_artifact(path: str | os.PathLike[str], limits: Limits, password: bytes) -> Artifact:
    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise ArchiveError(f"{path}: {exc.strerror or 'cannot be read'}") from exc
    collector = _new_collector(limits)
    if stat.S_ISDIR(st.st_mode):
        total = read_directory(p, collector)
        artifact = Artifact(str(p), "directory", "pypi", None, None, None, total)
        return _finish(artifact, collector, p.name)
    if not stat.S_ISREG(st.st_mode):
        raise ArchiveError(f"{path}: not a regular file or folder")
    try:
        fh = open(p, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise ArchiveError(f"{path}: {exc.strerror or exc}") from exc
    with fh:
        try:
            kind = sniff_format(fh.read(512))
            pip_zip = zipfile.is_zipfile(fh)  # pip's test: an end record anywhere near the end
            if kind is None and not pip_zip:
                raise UnsupportedFormat(f"{path}: not a package archive (unrecognised magic bytes)")
            sha = _sha256_file(fh)
        except OSError as exc:
            raise ArchiveError(f"{path}: {exc.strerror or exc}") from exc
        if kind in ("zip", None):
            return _open_zip_file(p, fh, st.st_size, sha, collector, password)
        if pip_zip:
            return _open_polyglot(p, fh, kind, st.st_size, sha, limits, password)
        _read_container(fh, kind, collector, password, st.st_size)
    artifact = Artifact(str(p), kind, "pypi", None, None, sha, st.st_size)
    return _finish(artifact, collector, p.name)


def _open_polyglot(
    p: Path, fh, kind: str, size: int, sha: str, limits: Limits, password: bytes
) -> Artifact:
    """A tar/gzip that is also a zip: pip's reading (the zip) first, the other one merged.

    npm reads the tar whatever follows it, so an npm package keeps the tar as its reading.
    """
    readings: dict[str, tuple[Artifact | None, str | None]] = {}
    for reading in ("zip", kind):
        fh.seek(0)
        collector = _new_collector(limits)
        try:
            if reading == "zip":
                readings[reading] = (_open_zip_file(p, fh, size, sha, collector, password), None)
            else:
                _read_container(fh, reading, collector, password, size)
                art = Artifact(str(p), reading, "pypi", None, None, sha, size)
                readings[reading] = (_finish(art, collector, p.name), None)
        except (ArchiveError, *PARSER_ERRORS) as exc:
            readings[reading] = (None, f"{type(exc).__name__}: {exc}")
    (zip_art, zip_err), (tar_art, tar_err) = readings["zip"], readings[kind]
    if zip_art is None and tar_art is None:
        raise CorruptArchive(f"{p}: neither reading opens (zip: {zip_err}; {kind}: {tar_err})")
    if zip_art is None or (tar_art is not None and tar_art.ecosystem == "npm"):
        assert tar_art is not None
        return merge_readings(tar_art, zip_art, (kind, "zip"), zip_err)
    return merge_readings(zip_art, tar_art, ("zip", kind), tar_err)


def _open_zip_file(
    p: Path, fh, size: int, sha: str, collector: Collector, password: bytes
) -> Artifact:
    """A zip: an ordinary one, or a dataset sample (encrypted) holding an artifact or loose files."""
    limits = collector.limits
    zf = open_zip(fh, limits)
    with zf:
        infos = zf.infolist()
        files = [i for i in infos if not is_folder(i)]
        sample = bool(files) and all(is_encrypted(i) for i in files)
        if sample and len(files) == 1:
            data = read_single_entry(zf, files[0], limits, password)
            inner_kind = sniff_format(data[:512])
            if inner_kind is not None:
                entry = files[0].orig_filename
                entry_name = entry.replace("\\", "/").rsplit("/", 1)[-1]
                try:
                    artifact = open_bytes(data, str(p), limits, password, file_name=entry_name)
                except ArchiveError as exc:
                    raise type(exc)(f"{p} (sample entry {entry!r}): {exc}") from exc
                if artifact.name is None:
                    identify(artifact, p.name)
                artifact.flags[:0] = ["sample-zip", "encrypted"]
                artifact.metadata["sample_zip"] = {"sha256": sha, "size": size, "entry": entry}
                return artifact
        read_zip(zf, collector, password)
    if sample:
        artifact = Artifact(
            str(p),
            "directory",
            "pypi",
            None,
            None,
            sha,
            size,
            flags=["sample-zip"],
            metadata={"sample_zip": {"sha256": sha, "size": size}},
        )
        return _finish(artifact, collector, p.name, loose_sample=True)
    artifact = Artifact(str(p), "zip", "pypi", None, None, sha, size)
    return _finish(artifact, collector, p.name)
