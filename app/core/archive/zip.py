"""Zip reading (sdist zips, wheels, eggs, encrypted dataset samples) inside the limits.

The central directory tells every member's size before anything is inflated, so a zip bomb is
refused up front: too many entries, a declared total over the limit (error), a member over the
per-member size or compression ratio, or entries whose data overlap another entry's (the
"overlapping files" bomb) are skipped with a reason. :mod:`zipfile` never inflates beyond the
declared size, and each member is streamed in chunks through the collector.

ZipCrypto is read by the standard library; AES-encrypted entries (method 99) by pyzipper.
"""

from __future__ import annotations

import io
import lzma
import stat
import struct
import zipfile
import zlib
from typing import Any

from app.core.archive.collect import Collector, MemberTruncated
from app.core.archive.model import (
    SYMLINK,
    CorruptArchive,
    LimitExceeded,
    Limits,
    PasswordRequired,
    UnsupportedFormat,
)
from app.core.archive.passwords import extra_passwords
from app.core.archive.paths import decode_name

_AES_METHOD = 99
_LOCAL_HEADER = 30
try:  # pyzipper (AES) has its own BadZipFile, not a subclass of the stdlib's
    from pyzipper import BadZipFile as _AESBadZipFile
except ImportError:  # pragma: no cover - pyzipper is a dependency
    _AESBadZipFile = zipfile.BadZipFile
BAD_ZIP = (zipfile.BadZipFile, _AESBadZipFile)
# What reading one damaged entry can raise (zipfile/pyzipper index into headers they trust).
_MEMBER_ERRORS = (
    *BAD_ZIP,
    EOFError,
    OSError,
    ValueError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    MemberTruncated,
    IndexError,
    KeyError,
    OverflowError,
)
_SPECIAL = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
}


# zipfile's end-record reader and constants are private, so its type stubs leave them out.
_zipfile_private: Any = zipfile
_MAX_CENTRAL_DIRECTORY = 256 * 1024**2


def _precheck(fileobj, limits: Limits) -> None:
    """Refuse a zip with too many entries before :mod:`zipfile` builds an object for each.

    The end record's entry count can lie (zipfile parses the whole central directory
    whatever it says), so the central directory's entry signatures are counted as well.
    """
    try:
        end = _zipfile_private._EndRecData(fileobj)  # the stdlib's own reader of the end record
    except (OSError, struct.error, ValueError) as exc:
        raise CorruptArchive(f"corrupt zip archive: {exc}") from exc
    if end is None:
        raise CorruptArchive("corrupt or truncated zip archive: no end of central directory")
    allowed = limits.max_members + limits.max_members // 4  # folder entries come on top
    if end[_zipfile_private._ECD_ENTRIES_TOTAL] > allowed:
        raise LimitExceeded(
            f"zip declares {end[_zipfile_private._ECD_ENTRIES_TOTAL]} entries (> {limits.max_members})"
        )
    size_cd, offset_cd = end[_zipfile_private._ECD_SIZE], end[_zipfile_private._ECD_OFFSET]
    if size_cd > _MAX_CENTRAL_DIRECTORY:
        raise LimitExceeded(f"zip central directory of {size_cd} bytes (zip bomb?)")
    concat = end[_zipfile_private._ECD_LOCATION] - size_cd - offset_cd
    if end[_zipfile_private._ECD_SIGNATURE] == _zipfile_private.stringEndArchive64:
        concat -= _zipfile_private.sizeEndCentDir64 + _zipfile_private.sizeEndCentDir64Locator
    try:
        fileobj.seek(max(offset_cd + concat, 0))
        entries = fileobj.read(size_cd).count(_zipfile_private.stringCentralDir)
        fileobj.seek(0)
    except (OSError, ValueError) as exc:
        raise CorruptArchive(f"corrupt zip archive: {exc}") from exc
    if entries > allowed:
        raise LimitExceeded(
            f"zip central directory holds {entries} entries (> {limits.max_members}; archive bomb?)"
        )


def open_zip(fileobj, limits: Limits):
    """Open a zip after checking its end record: too many entries is refused before parsing."""
    _precheck(fileobj, limits)
    try:
        zf = zipfile.ZipFile(fileobj)
        if any(info.compress_type == _AES_METHOD for info in zf.infolist()):
            import pyzipper

            zf.close()
            fileobj.seek(0)
            zf = pyzipper.AESZipFile(fileobj)
    except UnicodeDecodeError as exc:
        raise CorruptArchive(f"corrupt zip archive: a name flagged UTF-8 is not ({exc})") from exc
    except (
        *BAD_ZIP,
        OSError,
        EOFError,
        ValueError,
        struct.error,
        NotImplementedError,
        OverflowError,
        IndexError,
        KeyError,
    ) as exc:
        raise CorruptArchive(f"corrupt zip archive: {exc}") from exc
    return zf


def zip_name(info: zipfile.ZipInfo) -> tuple[str, tuple[str, ...]]:
    """The entry name as stored (before :mod:`zipfile` cuts it at a NUL byte).

    Names without the UTF-8 flag are taken as UTF-8 when they decode as such (most tools
    write UTF-8 without setting the flag), else their bytes are written ``%XX`` and flagged.
    """
    name = info.orig_filename
    if info.flag_bits & 0x800:
        return name, ()
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name, ()
    return decode_name(raw)


def is_encrypted(info: zipfile.ZipInfo) -> bool:
    return bool(info.flag_bits & 0x1)


def is_folder(info: zipfile.ZipInfo) -> bool:
    return info.orig_filename.endswith(("/", "\\")) and info.file_size == 0


def _mode(info: zipfile.ZipInfo) -> int:
    return (info.external_attr >> 16) & 0o170000 if info.create_system == 3 else 0


def _overlapping(infos: list[zipfile.ZipInfo]) -> set[int]:
    """Entries whose local data starts inside the previous entry's data (zip-bomb trick)."""
    out: set[int] = set()
    end = -1
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:
            out.add(id(info))
        end = max(end, info.header_offset + _LOCAL_HEADER + info.compress_size)
    return out


def read_zip(zf, collector: Collector, password: bytes | None) -> None:
    """Read every entry of an opened zip into ``collector``."""
    limits = collector.limits
    infos = zf.infolist()
    overlapping = _overlapping(infos)
    declared = sum(
        i.file_size
        for i in infos
        if id(i) not in overlapping and i.file_size <= limits.max_member_bytes
    )
    if collector.total + declared > limits.max_total_bytes:
        raise LimitExceeded(
            f"zip declares {declared} uncompressed bytes (> {limits.max_total_bytes}; zip bomb?)"
        )
    start = len(collector.members)
    locked = 0
    for info in infos:
        if is_folder(info):
            collector.count_folder()
            continue
        collector.count_member()
        name, name_flags = zip_name(info)
        if is_encrypted(info):
            collector.flag("encrypted")
        if id(info) in overlapping:
            collector.skip(name, "entry data overlaps another entry's (zip bomb?): not read")
            continue
        mode = _mode(info)
        if mode == stat.S_IFLNK:
            _symlink(zf, info, collector, name, name_flags, password)
            continue
        if mode in _SPECIAL:
            collector.skip(name, f"{_SPECIAL[mode]} entry: not read")
            continue
        reason = collector.check_size(name, info.file_size, info.compress_size)
        reason = reason or zipcrypto_too_big(info, limits)
        if reason:
            collector.skip(name, reason)
            continue
        try:
            _regular(zf, info, collector, name, name_flags, password)
        except PasswordRequired:
            locked += 1
            collector.skip(name, "encrypted with a password other than the dataset's: not read")
    if locked and len(collector.members) == start:
        raise PasswordRequired(
            f"{locked} encrypted entries and none readable: the password is "
            "not the dataset convention's"
        )


def zipcrypto_too_big(info, limits: Limits) -> str | None:
    """ZipCrypto entries are decrypted at ~2 MB/s (pure Python): refuse huge ones."""
    aes = info.compress_type == _AES_METHOD or getattr(info, "wz_aes_version", None)
    if is_encrypted(info) and not aes and info.compress_size > limits.max_zipcrypto_bytes:
        return (
            f"ZipCrypto entry of {info.compress_size} bytes (> {limits.max_zipcrypto_bytes}"
            "; decrypting it would take minutes)"
        )
    return None


def _open_entry(zf, info, password: bytes | None):
    """The entry opened for reading; an encrypted one with ``password``, then with each
    password the package names for its own archives (:mod:`.passwords`) when it is read
    again for them."""
    if not is_encrypted(info):
        return zf.open(info)
    extra = extra_passwords()
    failure: Exception | None = None
    for pwd in (password, *extra):
        if pwd is None:
            continue
        try:
            if not extra:
                return zf.open(info, pwd=pwd)
            # A wrong ZipCrypto password passes the header check once in 256 tries and
            # yields garbage: with several to try, one counts only once its bytes check out.
            with zf.open(info, pwd=pwd) as fh:
                return io.BytesIO(fh.read(info.file_size + 1))
        except RuntimeError as exc:  # zipfile's and pyzipper's "bad password"
            failure = exc
        except _MEMBER_ERRORS as exc:
            failure = exc
    raise PasswordRequired(f"encrypted zip entry {info.orig_filename!r}: {failure}")


def _regular(
    zf, info, collector: Collector, name: str, name_flags: tuple[str, ...], password: bytes | None
) -> None:
    try:
        with _open_entry(zf, info, password) as fh:
            collector.add_stream(name, info.file_size, fh.read, name_flags)
    except NotImplementedError as exc:
        collector.skip(name, f"unsupported zip compression: {exc}")
    except _MEMBER_ERRORS as exc:
        collector.skip(name, f"unreadable zip entry: {exc}")


def _symlink(
    zf, info, collector: Collector, name: str, name_flags: tuple[str, ...], password: bytes | None
) -> None:
    if info.file_size > 4096:
        collector.skip(name, f"symlink entry with a {info.file_size}-byte target: not read")
        return
    try:
        with _open_entry(zf, info, password) as fh:
            target = fh.read(4096)
    except (NotImplementedError, *_MEMBER_ERRORS) as exc:
        collector.skip(name, f"unreadable symlink entry: {exc}")
        return
    collector.add_link(name, SYMLINK, decode_name(target)[0], name_flags)


def read_single_entry(zf, info, limits: Limits, password: bytes | None) -> bytes:
    """The bytes of one entry (the artifact inside a dataset sample zip), size-checked first."""
    if info.file_size > limits.max_member_bytes:
        raise LimitExceeded(f"sample entry of {info.file_size} bytes (> {limits.max_member_bytes})")
    slow = zipcrypto_too_big(info, limits)
    if slow:
        raise LimitExceeded(f"sample {slow}")
    try:
        with _open_entry(zf, info, password) as fh:
            data = fh.read(info.file_size + 1)
    except NotImplementedError as exc:
        raise UnsupportedFormat(f"unsupported zip compression: {exc}") from exc
    except _MEMBER_ERRORS as exc:
        raise CorruptArchive(f"unreadable sample entry {info.orig_filename!r}: {exc}") from exc
    return data
