"""Native payloads: executables and libraries shipped inside a package, read as data.

A quarter of a percent of malicious uploads carry their payload as a native program: a PE
written to ``%TEMP%`` from a base64 string, a UPX-packed or PyInstaller-frozen stealer started
by ``setup.py``, a DLL loaded by ``ctypes`` at import. Popular projects ship native code every
day too (compiled extensions in platform wheels, pip's and setuptools' ``cli-64.exe``
launchers), so a binary alone is information; what makes it a threat is a *disguise* (packed,
hidden in a source string) or a *chain* (install or import-time code starting it).

Binaries are recognised by their magic bytes whatever their name, and parsed with ``lief``
as data only: headers, sections and the import table (nothing is loaded, mapped or run).
Only the bytes the archive reader keeps are parsed (``Limits.max_kept_binary_bytes``);
embedded blobs are decoded up to :data:`MAX_EMBEDDED_BYTES`, a few per file.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field

from app.core.archive import Artifact, Member
from app.core.capabilities import context as ctx
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit

MAX_EMBEDDED_BYTES = 8 * 1024**2  # decoded size of one base64/hex blob that is examined
MAX_BLOBS_PER_FILE = 4
MIN_EMBEDDED_BYTES = 1024  # a header fixture in a test is not a program
PYINSTALLER_COOKIE = b"MEI\x0c\x0b\x0a\x0b\x0e"

# Imported API names by what they let a program do (Windows, POSIX, macOS).
_APIS: dict[str, frozenset[str]] = {
    "keylogging": frozenset(
        {
            "SetWindowsHookExA",
            "SetWindowsHookExW",
            "GetAsyncKeyState",
            "GetKeyboardState",
            "CGEventTapCreate",
            "XRecordEnableContext",
        }
    ),
    "process injection": frozenset(
        {
            "WriteProcessMemory",
            "CreateRemoteThread",
            "CreateRemoteThreadEx",
            "VirtualAllocEx",
            "NtUnmapViewOfSection",
            "ZwUnmapViewOfSection",
            "QueueUserAPC",
            "SetThreadContext",
        }
    ),
    "downloading": frozenset(
        {
            "URLDownloadToFileA",
            "URLDownloadToFileW",
            "URLDownloadToCacheFileA",
            "URLDownloadToCacheFileW",
        }
    ),
    "clipboard": frozenset({"GetClipboardData", "SetClipboardData"}),
    "process creation": frozenset(
        {
            "CreateProcessA",
            "CreateProcessW",
            "CreateProcessAsUserW",
            "ShellExecuteA",
            "ShellExecuteW",
            "ShellExecuteExA",
            "ShellExecuteExW",
            "WinExec",
            "system",
            "execve",
            "execvp",
            "execl",
            "posix_spawn",
            "popen",
        }
    ),
    "networking": frozenset(
        {
            "WSAStartup",
            "InternetOpenA",
            "InternetOpenW",
            "InternetOpenUrlA",
            "InternetOpenUrlW",
            "HttpSendRequestA",
            "HttpSendRequestW",
            "WinHttpOpen",
            "WinHttpSendRequest",
            "connect",
            "curl_easy_perform",
        }
    ),
}
_NET_LIBS = ("ws2_32", "wininet", "winhttp", "urlmon", "libcurl")
# Strings a stealer carries: wallet files and extension ids, browser stores, Discord tokens.
_WALLET_MARKERS = (
    "wallet.dat",
    "Exodus\\exodus.wallet",
    "exodus.wallet",
    "Electrum\\wallets",
    "electrum/wallets",
    "nkbihfbeogaeaoehlefnkodbefgpgknn",  # MetaMask's extension id
    "Ethereum\\keystore",
    "atomic\\Local Storage",
)
_BROWSER_MARKERS = ("\\Login Data", "\\Local State", "Local Storage\\leveldb", "\\Network\\Cookies")
# What makes a binary's imports alarming rather than ordinary.
_ALARMING = ("keylogging", "process injection", "downloading", "crypto wallets", "browser stores")

_B64_HEADS = re.compile(
    r"(?:TVqQ|TVpQ|TVoA|TVqA|TVpB|f0VMR[gkl]|z/rt/|zvrt/|yv66vg)[A-Za-z0-9+/]{400}"
)
_HEX_HEADS = re.compile(
    r"(?:4[dD]5[aA]90|7[fF]454[cC]46|[cC][fF][aA][eE][dD][fF][eE])[0-9a-fA-F]{800}"
)
_B64_RUN = re.compile(r"[A-Za-z0-9+/]+=*")
_HEX_RUN = re.compile(r"[0-9a-fA-F]+")


@dataclass
class NativeInfo:
    """What a binary is and what it reaches for, from its headers and import table."""

    format: str  # PE | ELF | Mach-O
    program: bool  # an executable rather than a library
    apis: dict[str, list[str]] = field(default_factory=dict)  # category -> names seen
    packers: list[str] = field(default_factory=list)
    parsed: bool = False

    @property
    def alarming(self) -> list[str]:
        return [c for c in _ALARMING if c in self.apis]

    def summary(self) -> str:
        kind = "program" if self.program else "library"
        parts = [f"{self.format} {kind}"]
        if self.packers:
            parts.append("packed with " + " and ".join(self.packers))
        for cat, names in self.apis.items():
            parts.append(f"{cat}: {', '.join(names[:4])}")
        return "; ".join(parts)


def native_format(data: bytes) -> str | None:
    """``PE``, ``ELF`` or ``Mach-O`` from the magic bytes (a PE needs its ``PE\\0\\0`` header)."""
    if data[:2] == b"MZ" and len(data) >= 0x40:
        off = int.from_bytes(data[0x3C:0x40], "little")
        return "PE" if data[off : off + 4] == b"PE\0\0" else None
    if data[:4] == b"\x7fELF":
        return "ELF"
    if data[:4] in (
        b"\xcf\xfa\xed\xfe",
        b"\xce\xfa\xed\xfe",
        b"\xfe\xed\xfa\xcf",
        b"\xfe\xed\xfa\xce",
    ):
        return "Mach-O"
    if data[:4] == b"\xca\xfe\xba\xbe" and 0 < int.from_bytes(data[4:8], "big") < 20:
        return "Mach-O"  # a universal binary (a Java class has its version there, >= 45)
    return None


def _s(value) -> str:
    """A name lief gives as ``str`` or, for undecodable bytes, as ``bytes``."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value if isinstance(value, str) else str(getattr(value, "name", value))


def _names(binary) -> tuple[set[str], set[str]]:
    """(imported function names, linked library names, lower-case) of a lief binary."""
    import lief

    funcs: set[str] = set()
    libs: set[str] = set()
    if isinstance(binary, lief.PE.Binary):
        for imp in binary.imports:
            libs.add(_s(imp.name).lower())
            funcs.update(_s(e.name) for e in imp.entries if e.name)
        for delayed in binary.delay_imports:
            libs.add(_s(delayed.name).lower())
            funcs.update(_s(e.name) for e in delayed.entries if e.name)
    else:
        libs.update(_s(lib).lower() for lib in binary.libraries)
        funcs.update(_s(f.name).lstrip("_") for f in binary.imported_functions if f.name)
    return funcs, libs


def _is_program(binary) -> bool:
    import lief

    if isinstance(binary, lief.PE.Binary):
        return not binary.header.has_characteristic(lief.PE.Header.CHARACTERISTICS.DLL)
    if isinstance(binary, lief.ELF.Binary):
        return binary.header.file_type == lief.ELF.Header.FILE_TYPE.EXEC or binary.has_interpreter
    if isinstance(binary, lief.MachO.Binary):
        return binary.header.file_type == lief.MachO.Header.FILE_TYPE.EXECUTE
    return False


def _parse(data: bytes):
    import lief

    lief.logging.disable()
    try:
        parsed = lief.parse(data)
    except Exception:  # noqa: BLE001 - a hostile header is a fact, not a crash
        return None
    if isinstance(parsed, lief.MachO.FatBinary):
        return parsed.at(0) if parsed.size else None
    return parsed


def _parse_start(head: bytes, fmt: str):
    """A PE's headers and section table from its first bytes (a truncated ELF or Mach-O
    gives nothing reliable: only its format and the packer marks are used)."""
    if fmt != "PE":
        return None
    return _parse(head)


def inspect_native(
    data: bytes, tail: bytes | None = None, light: bool = False
) -> NativeInfo | None:
    """Headers, packers and imports of the binary in ``data``; ``None`` if it is not one.

    With ``tail``, ``data`` is only the start of a binary too large to keep and ``tail`` its
    end: what the headers and the two ends say is reported (imports beyond the start may be
    missing, and a headers-only parse may fail, leaving the format and packers). ``light``:
    format and packer marks only (a compiled package's own libraries, read by the hundred)."""
    fmt = native_format(data)
    if fmt is None:
        return None
    info = NativeInfo(fmt, program=False)
    if light:
        binary = None
    else:
        binary = _parse(data) if tail is None else _parse_start(data, fmt)
    if binary is not None:
        info.parsed = True
        info.program = _is_program(binary)
        funcs, libs = _names(binary)
        for cat, api in _APIS.items():
            seen = sorted(api & funcs)
            if seen:
                info.apis[cat] = seen
        if "networking" not in info.apis:
            net = sorted(lib for lib in libs if lib.startswith(_NET_LIBS))
            if net:
                info.apis["networking"] = net
        if any(_s(sec.name).startswith("UPX") for sec in binary.sections):
            info.packers.append("UPX")
    elif fmt == "ELF" and len(data) >= 18:
        info.program = int.from_bytes(data[16:18], "little" if data[5] == 1 else "big") == 2
    elif fmt == "Mach-O" and data[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"):
        info.program = int.from_bytes(data[12:16], "little") == 2  # MH_EXECUTE
    if "UPX" not in info.packers and b"UPX!" in data[:4096]:
        info.packers.append("UPX")
    if PYINSTALLER_COOKIE in (data if tail is None else tail)[-4096:]:
        info.packers.append("a PyInstaller archive")
    for cat, markers in (
        ()
        if light
        else (
            ("crypto wallets", _WALLET_MARKERS),
            ("browser stores", _BROWSER_MARKERS),
        )
    ):
        seen = [m for m in markers if m.encode() in data or m.encode("utf-16-le") in data]
        if seen:
            info.apis[cat] = seen
    return info


def compiled_package(art: Artifact) -> bool:
    """A package that builds or ships compiled extension modules, where native code is normal."""
    for m in art.members:
        low = m.path.lower()
        name = low.rsplit("/", 1)[-1]
        if name == "wheel" and low.endswith(".dist-info/wheel") and m.text:
            if "root-is-purelib: false" in m.text.lower():
                return True
            tags = [t for t in m.text.split("\n") if t.lower().startswith("tag:")]
            if tags and not any(t.rstrip().endswith("-any") for t in tags):
                return True
        if low.endswith((".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".f90", ".cu")):
            return True
        if re.search(r"\.(?:cpython|pypy|abi3|cp\d+)[^/]*\.(?:so|pyd)$", low):
            return True
        if name == "setup.py" and m.text and ("ext_modules" in m.text or "Extension(" in m.text):
            return True
    return False


@dataclass
class FoundBinary:
    """A native binary found in the artifact: a member, or a blob decoded from a string."""

    path: str
    line: int
    info: NativeInfo
    name: str  # the file name code would use to start it
    embedded: str = ""  # "b64decode" / "unhexlify" when it came from a string


# Where a dropper hides its program as a string: source that runs (not data files such as
# the thousands of JSON models of an SDK, whose scan would cost a second per release).
_CODE_EXT = (".py", ".pyw", ".pth", ".js", ".cjs", ".mjs", ".ps1", ".sh", ".bat", ".cmd")
_LIBRARY_NAME = re.compile(r"\.(?:so|pyd|dylib|dll)(?:\.[\d.]+)?$")


def find_binaries(art: Artifact, compiled: bool = False) -> list[FoundBinary]:
    """Every native binary in ``art``: members by magic bytes, blobs in source strings.

    In a ``compiled`` package, files named as libraries are its own extension modules and
    vendored libraries (hundreds in a scientific wheel): only their format and packer marks
    are read, not their import tables."""
    found: list[FoundBinary] = []
    for m in art.members:
        light = compiled and _LIBRARY_NAME.search(m.path.lower()) is not None
        if m.data is None and m.edges is not None:  # too large to keep: its two ends
            head, tail = m.edges
            if native_format(head) is not None:
                info = inspect_native(head, tail=tail, light=light)
                if info is not None:
                    found.append(FoundBinary(m.path, 1, info, m.path.rsplit("/", 1)[-1]))
            continue
        if m.data is None or len(m.data) < 64:
            continue
        if native_format(m.data[:4096]) is not None:
            info = inspect_native(m.data, light=light)
            if info is not None:
                found.append(FoundBinary(m.path, 1, info, m.path.rsplit("/", 1)[-1]))
            continue
        if m.kind == "text" and m.path.lower().endswith(_CODE_EXT) and m.text:
            found.extend(_embedded(m))
    return found


# Substrings every blob the patterns below match contains: most files are skipped at C speed.
_BLOB_MARKS: tuple[str, ...] = ("f0VMR", "z/rt/", "zvrt/", "yv66vg")  # and TVq, TVp, TVo
# Hex heads in any case: unhexlify reads "4d5A90" as well as "4d5a90".
_HEX_MARK = re.compile(r"4d5a90|7f454c46|cffaedfe", re.IGNORECASE)
_HEX_HEADS_LOW = ("4d5a90", "7f454c46", "cffaedfe")


def _may_hold_blob(text: str) -> bool:
    """Whether ``text`` holds a mark that every embedded binary the patterns match carries.

    Run on every source file of every package, so each test is a C-speed ``in``: the three
    "TV" marks behind one "TV", and the hex heads looked for in the lower-cased text (no
    character outside ASCII lowers to a hex digit) before the case-insensitive regex, which
    tries every position and took 4 % of a popular release's scan on its own.
    """
    if "TV" in text and ("TVq" in text or "TVp" in text or "TVo" in text):
        return True
    if any(mark in text for mark in _BLOB_MARKS):
        return True
    low = text.lower()
    return any(head in low for head in _HEX_HEADS_LOW) and _HEX_MARK.search(text) is not None


def _embedded(m: Member) -> list[FoundBinary]:
    text = m.text or ""
    if not _may_hold_blob(text):
        return []
    out: list[FoundBinary] = []
    for heads, run, layer in (
        (_B64_HEADS, _B64_RUN, "b64decode"),
        (_HEX_HEADS, _HEX_RUN, "unhexlify"),
    ):
        for match in heads.finditer(text):
            if len(out) >= MAX_BLOBS_PER_FILE:
                return out
            blob = run.match(text, match.start())
            if blob is None:
                continue
            raw = blob.group()[: MAX_EMBEDDED_BYTES * 2]
            try:
                if layer == "b64decode":
                    raw = raw[: len(raw) - len(raw) % 4]
                    data = base64.b64decode(raw)
                else:
                    data = binascii.unhexlify(raw[: len(raw) - len(raw) % 2])
            except (ValueError, binascii.Error):
                continue
            if len(data) < MIN_EMBEDDED_BYTES:
                continue
            info = inspect_native(data[:MAX_EMBEDDED_BYTES])
            if info is None or not info.parsed:
                continue
            line = text.count("\n", 0, match.start()) + 1
            out.append(FoundBinary(m.path, line, info, "", layer))
    return out


def native_hits(art: Artifact, binaries: list[FoundBinary], compiled: bool) -> list[Hit]:
    """Facts about every shipped binary: what it imports, packers, binaries hidden in strings,
    and a pure-Python package that ships a program at all."""
    hits: list[Hit] = []
    programs: list[FoundBinary] = []
    # A vendor's SDK ships its library for Windows, Linux and macOS alike (pypemicro's
    # unitacmp .dll/.so/.dylib, the Windows ones UPX-packed): a packed library there is how
    # the vendor ships it. A dropper carries one platform's program.
    systems = {b.info.format for b in binaries if not b.embedded}
    for b in binaries:
        tested = ctx.file_role(b.path) == ctx.TEST
        info = b.info
        where = f"'{b.path.rsplit('/', 1)[-1]}'" if not b.embedded else f"a string ({b.embedded})"
        if b.embedded:
            hits.append(
                _hit(
                    b,
                    "obf.packer",
                    "medium" if tested else "high",
                    "bin.embedded",
                    f"A {info.format} binary is hidden in a source string ({b.embedded}): "
                    f"{info.summary()}.",
                )
            )
        if info.packers:
            sev = "high" if not compiled or info.program or b.embedded else "medium"
            if sev == "high" and not (info.program or b.embedded) and len(systems) >= 2:
                sev = "medium"
            hits.append(
                _hit(
                    b,
                    "obf.packer",
                    "medium" if tested else sev,
                    "bin.packed",
                    f"The binary {where} is packed with {' and '.join(info.packers)}: its real "
                    "code is compressed or frozen so that it cannot be read.",
                )
            )
        if info.apis:
            sev = "medium" if info.alarming and not (compiled and not info.program) else "low"
            hits.append(
                _hit(
                    b,
                    "artifact.binary",
                    sev,
                    "bin.imports",
                    f"The binary {where} ({info.format}) reaches for "
                    + "; ".join(f"{c}: {', '.join(n[:4])}" for c, n in info.apis.items())
                    + ".",
                )
            )
        if info.program and not b.embedded:
            programs.append(b)
    if programs and not compiled:
        first = programs[0]
        names = ", ".join(p.path.rsplit("/", 1)[-1] for p in programs[:5])
        hits.append(
            _hit(
                first,
                "artifact.binary",
                "medium",
                "bin.pure_python_program",
                f"A pure-Python package ships {len(programs)} native program(s) ({names}): "
                "nothing in it needs one to work.",
            )
        )
    return hits


_LAUNCHERS = ("process.spawn", "process.spawn_hidden", "exec.native_load", "process.shell_download")
LAUNCH_WINDOW = 15  # lines before a call where the binary's name may be spelled
_LIBRARY_NAME = re.compile(r"\.(?:so(?:\.\d+)*|dll|dylib|pyd|bundle|node)$")


def launch_hits(
    art: Artifact, findings: list[Hit], binaries: list[FoundBinary], compiled: bool
) -> list[Hit]:
    """Install or import-time code that starts or loads a binary the package ships.

    A call that starts a process or loads a library (a hit found by the analyser) in
    setup.py, a ``.pth`` or at module level, with a shipped binary's file name spelled on
    that line or the lines before it, is the dropper chain: the package brings its own
    program and runs it when installed or imported.
    """
    shipped = [b for b in binaries if not b.embedded and b.name]
    if not shipped:
        return []
    texts = {m.path: m for m in art.members if m.kind == "text"}
    out: list[Hit] = []
    seen: set[tuple[str, str, int]] = set()
    for h in findings:
        if h.capability not in _LAUNCHERS:
            continue
        role = ctx.file_role(h.path)
        if h.place not in ("install", "import") and role not in (ctx.SETUP, ctx.PTH):
            continue
        m = texts.get(h.path)
        if m is None or not m.text:
            continue
        lines = m.text.split("\n")
        window = "\n".join(lines[max(0, h.line - 1 - LAUNCH_WINDOW) : h.end_line]).lower()
        for b in shipped:
            name = b.name.lower()
            stem = name.rsplit(".", 1)[0]
            spelled = name in window or (
                b.info.program
                and len(stem) >= 4
                and re.search(rf"['\"/\\]{re.escape(stem)}['\"]", window) is not None
            )
            if not spelled or (b.path, h.path, h.line) in seen:
                continue
            seen.add((b.path, h.path, h.line))
            bad = b.info.alarming or b.info.packers
            if b.info.program and h.capability != "exec.native_load":
                sev = "critical" if bad else ("high" if not compiled else "medium")
                verb = "starts"
            else:
                # A pure-Python package loading a library saved under a data file's name
                # (font.dat, logo.png) hides what it loads: ctypes does not care about names.
                disguised = not compiled and _LIBRARY_NAME.search(name) is None
                sev = "high" if bad or disguised else "medium"
                verb = "loads"
            when = (
                "installed" if h.place == "install" or role in (ctx.SETUP, ctx.PTH) else "imported"
            )
            out.append(
                make_hit(
                    "artifact.native_launch",
                    sev,
                    h.path,
                    lines,
                    h.line,
                    h.end_line,
                    h.column,
                    h.match,
                    "bin.launch",
                    f"Code that runs when the package is {when} {verb} the native binary it "
                    f"ships ({b.path}: {b.info.summary()}).",
                    place=h.place or "install",
                )
            )
    return out


def _hit(b: FoundBinary, cap: str, sev: str, rule: str, why: str) -> Hit:
    h = make_hit(cap, sev, b.path, [], b.line, None, 0, b.name or b.path, rule, why)
    if b.embedded:
        from dataclasses import replace

        h = replace(h, decoded=b.info.summary()[:400], layers=b.embedded)
    return h
