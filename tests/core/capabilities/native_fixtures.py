"""Inert native binaries built byte by byte for the native-payload tests.

Each is a structurally valid header with an import table and a single ``ret`` instruction
for code: a parser reads what it imports, nothing in it could do anything if it were run
(and nothing here runs it). The packer marks (UPX section names, the PyInstaller cookie) are
the bytes the packers leave, with nothing packed behind them.
"""

from __future__ import annotations

import struct

PYINSTALLER_COOKIE = b"MEI\x0c\x0b\x0a\x0b\x0e"


def _align(n: int, a: int) -> int:
    return (n + a - 1) // a * a


def pe(
    imports: dict[str, list[str]] | None = None,
    *,
    dll: bool = False,
    section_names: tuple[str, str] = (".text", ".idata"),
    trailer: bytes = b"",
) -> bytes:
    """A PE32 image importing ``imports`` ({dll: [function, ...]}) by name."""
    imports = imports or {"kernel32.dll": ["ExitProcess"]}
    file_align, sect_align = 0x200, 0x1000
    text_rva, idata_rva = 0x1000, 0x2000
    # .idata: descriptors, then per DLL its lookup table, address table, names.
    n = len(imports)
    desc_size = 20 * (n + 1)
    blob = bytearray(desc_size)
    descs = []
    for dllname, funcs in imports.items():
        hint_rvas = []
        names = bytearray()
        names_base = None
        # thunks first (ILT and IAT, each len(funcs)+1 dwords), then hint/name entries.
        ilt_off = len(blob)
        blob += bytes(4 * (len(funcs) + 1))
        iat_off = len(blob)
        blob += bytes(4 * (len(funcs) + 1))
        names_base = len(blob)
        for f in funcs:
            hint_rvas.append(idata_rva + names_base + len(names))
            entry = b"\0\0" + f.encode() + b"\0"
            names += entry + (b"\0" if len(entry) % 2 else b"")
        dll_rva = idata_rva + names_base + len(names)
        names += dllname.encode() + b"\0"
        blob += names
        for i, rva in enumerate(hint_rvas):
            struct.pack_into("<I", blob, ilt_off + 4 * i, rva)
            struct.pack_into("<I", blob, iat_off + 4 * i, rva)
        descs.append((idata_rva + ilt_off, dll_rva, idata_rva + iat_off))
    for i, (ilt, name, iat) in enumerate(descs):
        struct.pack_into("<IIIII", blob, 20 * i, ilt, 0, 0, name, iat)
    idata = bytes(blob)
    text = b"\xc3"
    headers_size = file_align
    text_raw = headers_size
    idata_raw = text_raw + file_align
    size_of_image = _align(idata_rva + len(idata), sect_align)

    dos = bytearray(64)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    characteristics = 0x0102 | (0x2000 if dll else 0)
    coff = struct.pack("<HHIIIHH", 0x14C, 2, 0, 0, 0, 0xE0, characteristics)
    opt = struct.pack(
        "<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
        0x10B,
        14,
        0,
        file_align,
        file_align,
        0,
        text_rva,
        text_rva,
        idata_rva,
        0x400000,
        sect_align,
        file_align,
        6,
        0,
        0,
        0,
        6,
        0,
        0,
        size_of_image,
        headers_size,
        0,
        3,
        0,
        0x100000,
        0x1000,
        0x100000,
        0x1000,
        0,
        16,
    )
    dirs = bytearray(16 * 8)
    struct.pack_into("<II", dirs, 8, idata_rva, len(idata))
    sections = b""
    for name, rva, size, raw, chars in (
        (section_names[0], text_rva, len(text), text_raw, 0x60000020),
        (section_names[1], idata_rva, len(idata), idata_raw, 0xC0000040),
    ):
        sections += struct.pack(
            "<8sIIIIIIHHI",
            name.encode(),
            size,
            rva,
            _align(size, file_align),
            raw,
            0,
            0,
            0,
            0,
            chars,
        )
    head = bytes(dos) + b"PE\0\0" + coff + opt + bytes(dirs) + sections
    image = head.ljust(headers_size, b"\0")
    image += text.ljust(file_align, b"\0")
    image += idata.ljust(_align(len(idata), file_align), b"\0")
    return image + trailer


def elf(*, executable: bool = True, extra: bytes = b"") -> bytes:
    """A 64-bit little-endian ELF header (EXEC or DYN) with no sections, plus ``extra``."""
    e_type = 2 if executable else 3
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack(
        "<HHIQQQIHHHHHH", e_type, 0x3E, 1, 0x401000, 0, 0, 0, 64, 56, 0, 64, 0, 0
    )
    return header + extra + bytes(max(0, 256 - len(header) - len(extra)))


def pyinstaller_exe() -> bytes:
    """A Windows program with a PyInstaller archive cookie at its end (no archive behind it)."""
    cookie = (
        PYINSTALLER_COOKIE
        + struct.pack(">IIII", 4096, 0, 0, 311)
        + b"python311.dll".ljust(64, b"\0")
    )
    return pe({"kernel32.dll": ["CreateProcessW", "ExitProcess"]}, trailer=b"\0" * 512 + cookie)


def keylogger_exe() -> bytes:
    """A Windows program importing keyboard hooks and a downloader (imports only)."""
    return pe(
        {
            "user32.dll": ["SetWindowsHookExW", "GetAsyncKeyState"],
            "urlmon.dll": ["URLDownloadToFileW"],
            "kernel32.dll": ["CreateProcessW"],
        }
    )
