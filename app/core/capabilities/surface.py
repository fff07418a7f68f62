"""The install and import surface of an artifact, and what ships besides source.

Everything here looks at the artifact as a whole: ``.pth`` files, ``sitecustomize``, the
build backend, console scripts that shadow system commands, npm lifecycle scripts, wheel
RECORD consistency, compiled code without source, bundled native binaries (dependencies are
:mod:`.requirements`, what binaries import is :mod:`.native`).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import tomllib

from app.core.archive import Artifact, Member
from app.core.capabilities import context as ctx
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit
from app.core.capabilities.patterns import engine
from app.core.capabilities.pynames import SHADOW_COMMANDS
from app.core.jsondata import loads_bounded

KNOWN_BACKENDS = {
    "setuptools.build_meta",
    "setuptools.build_meta:__legacy__",
    "hatchling.build",
    "flit_core.buildapi",
    "flit.buildapi",
    "poetry.core.masonry.api",
    "poetry.masonry.api",
    "pdm.backend",
    "pdm.pep517.api",
    "maturin",
    "mesonpy",
    "scikit_build_core.build",
    "sipbuild.api",
    "pbr.build",
    "whey",
    "enscons.api",
    "uv_build",
    "jupyter_packaging.build_api",
    "hatchling.ouroboros",
    "setuptools_scm.build_meta",
    "pymsbuild",
    "py_build_cmake.build",
}
_NPM_HOOKS = {
    "preinstall": "high",
    "install": "high",
    "postinstall": "high",
    "prepare": "medium",
    "preuninstall": "medium",
    "postuninstall": "medium",
    "prepublish": "low",
}
_BENIGN_NPM = re.compile(
    r"^(?:node-gyp rebuild|node-gyp-build|prebuild-install[^;&|]*|husky(?: install)?|"
    r"tsc|npm run build|patch-package|node install\.js|opencollective[- ]postinstall|"
    r"ngcc|is-ci \|\| husky install)$"
)
_MAGIC = [
    (b"MZ", "Windows executable or DLL"),
    (b"\x7fELF", "ELF executable or shared library"),
    (b"\xcf\xfa\xed\xfe", "Mach-O binary"),
    (b"\xce\xfa\xed\xfe", "Mach-O binary"),
    (b"\xca\xfe\xba\xbe", "Mach-O universal binary"),
    (b"\xfe\xed\xfa\xcf", "Mach-O binary"),
]
_EXT_SCRIPT_RE = re.compile(r"['\"]\s*([A-Za-z0-9][\w.-]*)\s*=\s*[\w.]+(?::[\w.]+)?\s*['\"]")


def _lines(m: Member) -> list[str]:
    return (m.text or "").split("\n")


def _hit(m: Member, cap: str, sev: str, line: int, match: str, rule: str, expl: str) -> Hit:
    return make_hit(cap, sev, m.path, _lines(m), line, None, 0, match, rule, expl)


def _line_of(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def pth_lines(text: str) -> list[tuple[int, str]]:
    """The lines ``site.py`` sees in a .pth file, each with its line number in ``text``.

    Python up to 3.12 reads .pth files with universal newlines (``\\n``, ``\\r\\n`` and a lone
    ``\\r``); 3.13 splits with :meth:`str.splitlines`, which also breaks at form feed, vertical
    tab, the separators ``\\x1c-\\x1e``, ``\\x85``, U+2028 and U+2029. A line either reading
    makes can run, so both are returned (a BOM is dropped, as 3.13's ``utf-8-sig`` does).
    """
    text = text.removeprefix("\ufeff")
    seen: set[tuple[int, str]] = set()
    out: list[tuple[int, str]] = []
    universal = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for lines in (universal, text.splitlines()):
        pos = counted = 0
        number = 1
        for line in lines:
            start = text.find(line, pos) if line else pos
            start = pos if start < 0 else start
            pos = start + len(line)
            number += text.count("\n", counted, start)  # incremental: linear in the file
            counted = start
            item = (number, line)
            if item not in seen:
                seen.add(item)
                out.append(item)
    return sorted(out)


def pth_hooks(m: Member) -> tuple[list[Hit], list[tuple[int, str]]]:
    """Hits for import lines of a .pth file, and those lines (to analyse as Python)."""
    hits, code = [], []
    for n, line in pth_lines(m.text or ""):
        s = line.strip()
        if s.startswith(("import ", "import\t")):
            sev = "high"
            expl = "A .pth line that starts with 'import' runs at every Python start."
            if _is_known_benign_pth(s):
                sev, expl = "low", expl + " This one is setuptools' distutils switch."
            hits.append(_hit(m, "install.pth_hook", sev, n, s, "pth.import_line", expl))
            code.append((n, s))
    return hits, code


def _is_known_benign_pth(line: str) -> bool:
    return (
        line.startswith(
            "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim();"
        )
        or line == "import _virtualenv"
        or line.startswith("import __editable___")
        or (
            line.replace(" ", "").startswith("importsys,types,os;")
            and "f_locals['sitedir']" in line
            and "exec" not in line
            and "urlopen" not in line
            and "system" not in line
        )
    )  # setuptools nspkg


def build_backend(art: Artifact) -> tuple[list[Hit], frozenset[str]]:
    m = art.member("pyproject.toml")
    if m is None or not m.text:
        return [], frozenset()
    try:
        doc = tomllib.loads(m.text)
    except tomllib.TOMLDecodeError:
        return [], frozenset()
    bs = doc.get("build-system") or {}
    backend = bs.get("build-backend")
    paths = bs.get("backend-path") or []
    hits: list[Hit] = []
    modules: set[str] = set()
    if isinstance(backend, str) and (paths or backend not in KNOWN_BACKENDS):
        where = "in-tree " if paths else "custom "
        own = (art.name or "").lower().replace("-", "_") == backend.split(".")[0].split(":")[
            0
        ].lower()
        if own and backend in KNOWN_BACKENDS:
            # setuptools, flit_core, hatchling... build themselves with their own backend
            hits.append(
                _hit(
                    m,
                    "install.build_backend",
                    "low",
                    _line_of(m.text, "build-backend"),
                    f"build-backend = {backend!r}",
                    "meta.build_backend",
                    f"The package builds itself with its own backend ('{backend}').",
                )
            )
            return hits + _script_shadows(m, doc), frozenset()
        hits.append(
            _hit(
                m,
                "install.build_backend",
                "medium",
                _line_of(m.text, "build-backend"),
                f"build-backend = {backend!r}",
                "meta.build_backend",
                f"A {where}build backend ('{backend}'): its code runs when the package is built.",
            )
        )
        if paths and isinstance(paths, list):
            mod = backend.split(":")[0].replace(".", "/")
            for p in paths:
                base = str(p).strip("./")
                for cand in (
                    f"{base}/{mod}.py" if base else f"{mod}.py",
                    f"{base}/{mod}/__init__.py" if base else f"{mod}/__init__.py",
                ):
                    modules.add(cand)
    return hits + _script_shadows(m, doc), frozenset(modules)


def _script_shadows(m: Member, doc: dict) -> list[Hit]:
    scripts = (doc.get("project") or {}).get("scripts") or {}
    return [
        _shadow(m, name, _line_of(m.text or "", name))
        for name in scripts
        if isinstance(name, str) and name.lower() in SHADOW_COMMANDS
    ]


def _shadow(m: Member, name: str, line: int) -> Hit:
    return _hit(
        m,
        "install.entrypoint_shadow",
        "medium",
        line,
        name,
        "meta.entrypoint_shadow",
        f"Installs a command named '{name}', which shadows the system command of that name.",
    )


def entry_point_shadows(art: Artifact) -> list[Hit]:
    hits: list[Hit] = []
    for m in art.members:
        name = m.path.rsplit("/", 1)[-1]
        if name == "entry_points.txt" and m.text:
            section = ""
            for n, line in enumerate(_lines(m), 1):
                s = line.strip()
                if s.startswith("["):
                    section = s.strip("[]").strip()
                elif section in ("console_scripts", "gui_scripts") and "=" in s:
                    cmd = s.split("=", 1)[0].strip()
                    if cmd.lower() in SHADOW_COMMANDS:
                        hits.append(_shadow(m, cmd, n))
        elif name in ("setup.py", "setup.cfg") and m.text and "console_scripts" in m.text:
            for match in (
                _EXT_SCRIPT_RE.finditer(m.text)
                if name == "setup.py"
                else re.finditer(r"^\s*([\w.-]+)\s*=\s*[\w.]+:[\w.]+", m.text, re.M)
            ):
                cmd = match.group(1)
                if cmd.lower() in SHADOW_COMMANDS:
                    hits.append(_shadow(m, cmd, m.text.count("\n", 0, match.start()) + 1))
    return hits


def npm_surface(art: Artifact) -> list[Hit]:
    m = art.member("package.json")
    if m is None or not m.text:
        return []
    try:
        doc = loads_bounded(m.text)
    except ValueError:
        return []
    if not isinstance(doc, dict):
        return []
    hits: list[Hit] = []
    raw_scripts = doc.get("scripts")
    scripts = raw_scripts if isinstance(raw_scripts, dict) else {}
    for hook, sev in _NPM_HOOKS.items():
        cmd = scripts.get(hook)
        if not isinstance(cmd, str):
            continue
        line = _line_of(m.text, f'"{hook}"')
        s = sev
        if _BENIGN_NPM.match(cmd.strip()) and sev == "high":
            s = "medium"
        hits.append(
            _hit(
                m,
                "install.script_hook",
                s,
                line,
                f'"{hook}": {cmd}',
                "npm.lifecycle_script",
                f"npm runs the '{hook}' script when the package is installed: {cmd[:80]}",
            )
        )
        for pm in engine().scan(cmd, "cmd"):
            hits.append(
                _hit(
                    m,
                    pm.rule.capability,
                    pm.rule.severity,
                    line,
                    pm.text,
                    pm.rule.id,
                    pm.rule.explanation,
                )
            )
    bins = doc.get("bin")
    if isinstance(bins, dict):
        for name in bins:
            if str(name).lower() in SHADOW_COMMANDS:
                hits.append(_shadow(m, str(name), _line_of(m.text, f'"{name}"')))
    for key in ("dependencies", "optionalDependencies", "peerDependencies"):
        deps = doc.get(key)
        if isinstance(deps, dict):
            for dep, spec in deps.items():
                if isinstance(spec, str) and re.match(
                    r"^(?:https?:|git(?:\+\w+)?:|github:|gitlab:|bitbucket:|[\w-]+/[\w.-]+(?:#.*)?$)",
                    spec,
                ):
                    hits.append(
                        _hit(
                            m,
                            "meta.url_dependency",
                            "high",
                            _line_of(m.text, f'"{dep}"'),
                            f'"{dep}": "{spec}"',
                            "npm.url_dependency",
                            f"The dependency '{dep}' comes from a URL or git repository, not the registry.",
                        )
                    )
    return hits


# dist-info files that describe the release and decide nothing pip installs or runs (the
# dependencies in METADATA are judged on their own by the dependency rules).
_DESCRIPTIVE_RE = re.compile(
    r"^[^/]+\.dist-info/(?:METADATA|top_level\.txt|licenses/.+|"
    r"(?:LICEN[CS]E|COPYING|AUTHORS|NOTICE)[^/]*)$"
)


def _descriptive(path: str) -> bool:
    """A release tool that rewrites the long description after the build leaves METADATA
    unlike its RECORD hash: shown at medium. Code and ``entry_points.txt`` changed after the
    build stay high; ``WHEEL`` see :func:`_retagged`."""
    return _DESCRIPTIVE_RE.match(path) is not None


_WHEEL_FILE_RE = re.compile(r"^[^/]+\.dist-info/WHEEL$")
# The keys the wheel spec gives the WHEEL file, each with a one-line value.
_WHEEL_LINE_RE = re.compile(r"^(?:Wheel-Version|Generator|Root-Is-Purelib|Tag|Build): *\S[^\n]*$")


def _retagged(path: str, member: Member) -> bool:
    """A ``WHEEL`` file rewritten after the build that still holds only the spec's keys: a
    release step that retags a wheel by hand (``cp311-abi3-manylinux2014_x86_64`` for the
    build's own tag) edits WHEEL and leaves RECORD's hash behind. WHEEL says which
    interpreters and platforms install the wheel, never what runs, so this is shown at medium;
    a WHEEL holding anything else (a stray line, a payload) stays high."""
    if _WHEEL_FILE_RE.match(path) is None or not member.text:
        return False
    lines = [line.rstrip("\r") for line in member.text.split("\n") if line.strip()]
    return bool(lines) and all(_WHEEL_LINE_RE.match(line) for line in lines)


# A native library by its name: ``_ext.cpython-311-x86_64-linux-gnu.so``, ``foo.pyd``,
# ``libssl-8248cfc9.so.1.1.1k`` (a vendored copy auditwheel renamed), ``lib.dylib``, ``x.dll``.
_NATIVE_LIBRARY_RE = re.compile(r"\.(?:so(?:\.\d[\w.]*)?|pyd|dylib|dll)$", re.IGNORECASE)


def _native_library(path: str, member: Member) -> bool:
    """A compiled library, by name and by magic bytes, changed or added after the build.

    Fat wheels that merge one build per platform (aws-psycopg2) and vendored libraries
    stripped or re-signed after auditwheel wrote RECORD (eckitlib) leave RECORD behind on
    native files only; none of the 498 labelled samples does either. What such a library
    links and carries is judged on its own (``artifact.binary``, the native rules), so the
    stale hash is shown at medium. A changed ``.py``, ``.pth`` or ``entry_points.txt`` —
    what a hand-poisoned release edits — stays high."""
    data = member.data
    return (
        _NATIVE_LIBRARY_RE.search(path) is not None
        and data is not None
        and any(data.startswith(magic) for magic, _ in _MAGIC)
    )


def record_mismatches(art: Artifact) -> list[Hit]:
    record = next(
        (m for m in art.members if m.path.endswith(".dist-info/RECORD") and m.path.count("/") == 1),
        None,
    )
    if record is None or art.format != "wheel" or not record.text:
        return []
    listed: dict[str, str] = {}
    for row in csv.reader(io.StringIO(record.text)):
        if row and row[0]:
            listed[row[0]] = row[1] if len(row) > 1 else ""
    hits: list[Hit] = []
    present = {m.path: m for m in art.members}
    for path, digest in listed.items():
        m = present.get(path)
        if m is None:
            if not path.endswith(("RECORD.jws", "RECORD.p7s")):
                hits.append(
                    _hit(
                        record,
                        "install.record_mismatch",
                        "medium",
                        _line_of(record.text, path),
                        path,
                        "whl.record_missing",
                        f"RECORD lists '{path}' but the wheel does not contain it.",
                    )
                )
            continue
        if digest.startswith("sha256=") and m.data is not None:
            raw = hashlib.sha256(m.data).digest()
            actual = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
            # Some build tools write the digest in hex instead of the urlsafe base64 the
            # wheel spec asks for: the same hash, the file unchanged since it was recorded.
            if actual != digest[7:] and digest[7:].lower() != raw.hex():
                hits.append(
                    _hit(
                        record,
                        "install.record_mismatch",
                        "medium"
                        if _descriptive(path) or _retagged(path, m) or _native_library(path, m)
                        else "high",
                        _line_of(record.text, path),
                        path,
                        "whl.record_hash",
                        f"'{path}' does not match its hash in RECORD: changed after the wheel was built.",
                    )
                )
    for path, m in present.items():
        if "!/" in path:  # a member of an archive inside the wheel, listed as that archive
            continue
        if path not in listed and not path.endswith(
            (".dist-info/RECORD", "RECORD.jws", "RECORD.p7s")
        ):
            hits.append(
                _hit(
                    record,
                    "install.record_mismatch",
                    "medium" if _native_library(path, m) else "high",
                    1,
                    path,
                    "whl.record_unlisted",
                    f"'{path}' is in the wheel but not in RECORD: it was added after the wheel was built.",
                )
            )
    return hits[:50]


def binaries_and_pyc(art: Artifact) -> list[Hit]:
    hits: list[Hit] = []
    paths = {m.path for m in art.members}
    pyc_only: list[str] = []
    python3_pyc = False  # a sourceless .pyc some Python 3 loads
    for m in art.members:
        if m.kind != "binary" or m.data is None:
            continue
        low = m.path.lower()
        if low.endswith((".pyc", ".pyo")):
            if "__pycache__/" in low:
                parent, _, fname = m.path.rpartition("__pycache__/")
                src = parent + fname.split(".", 1)[0] + ".py"
            else:
                src = m.path[:-1]
            if src not in paths:
                pyc_only.append(m.path)
                python3_pyc = python3_pyc or not _python2_bytecode(m)
            continue
        head = m.data[:4]
        for magic, what in _MAGIC:
            if head.startswith(magic):
                sev = "medium"
                expl = f"Ships a {what} ({m.path.rsplit('/', 1)[-1]}): native code that cannot be reviewed as source."
                if (
                    art.format == "wheel"
                    and low.endswith((".so", ".pyd", ".dylib"))
                    or ".so." in low
                ):
                    sev, expl = (
                        "low",
                        f"A compiled extension module ({what}), expected in a platform wheel.",
                    )
                if low.endswith((".scr", ".com")) or (
                    magic == b"MZ" and not low.endswith((".dll", ".pyd", ".exe"))
                ):
                    sev = "high"  # a Windows program disguised under another extension
                hits.append(
                    make_hit(
                        "artifact.binary", sev, m.path, [], 1, None, 0, m.path, "bin.native", expl
                    )
                )
                break
    if pyc_only:
        # a test suite's fixtures (a binary-sniffing library's sample .pyc) are lowered one
        # step, as everything in tests is: shown, never skipped
        sev = "medium" if all(ctx.file_role(p) == ctx.TEST for p in pyc_only) else "high"
        why = "the code cannot be reviewed."
        # Python reads a __pycache__ .pyc only as the cache of its source beside the folder
        # (PEP 3147): without the .py it is never imported. A stale build cache left in an
        # sdist is shown, not a disguise; a sourceless .pyc in the module's own place
        # (legacy layout, which Python does import) stays high.
        if all("__pycache__/" in p.lower() for p in pyc_only) and not _loads_compiled(art):
            sev = "medium"
            why = "Python never imports a __pycache__ file whose source is missing."
        elif not python3_pyc:
            sev = "medium"
            why = "Python 2 compiled them, and no Python 3 loads a .pyc of another version."
        hits.append(
            make_hit(
                "obf.packer",
                sev,
                pyc_only[0],
                [],
                1,
                None,
                0,
                ", ".join(pyc_only[:5]),
                "bin.pyc_only",
                f"{len(pyc_only)} compiled .pyc file(s) without their source: {why}",
            )
        )
    return hits


def _python2_bytecode(m: Member) -> bool:
    """Whether ``m`` is a .pyc of Python 1.5 to 2.7 (magic words 20121 to 62211, then
    CR LF): an interpreter loads only its own version's bytecode, and every Python 3 magic is
    below 4,000. A leftover of a 2012 build (Flask-Silk's sdist) runs nowhere today."""
    head = m.data[:4] if m.data is not None else b""
    return len(head) == 4 and head[2:] == b"\r\n" and int.from_bytes(head[:2], "little") >= 20000


# What loads compiled code by hand, past the import system's source-first rule.
_PYC_LOADERS = (b"SourcelessFileLoader", b"marshal.load", b"__pycache__")


def _loads_compiled(art: Artifact) -> bool:
    """Whether any Python source of ``art`` could load a .pyc itself (a sourceless loader,
    ``marshal.loads`` of the file, a path into ``__pycache__``): then PEP 3147 protects no
    one and an orphaned cache file may be a payload."""
    return any(
        m.data is not None
        and m.path.lower().endswith((".py", ".pyw"))
        and any(w in m.data for w in _PYC_LOADERS)
        for m in art.members
    )


_ESCAPE_FLAGS = ("path-traversal", "absolute-path", "drive-letter-path")


def archive_tricks(art: Artifact) -> list[Hit]:
    """Member names or links that would land outside the unpacked folder."""
    hits: list[Hit] = []
    for m in art.members:
        bad = [f for f in m.flags if f in _ESCAPE_FLAGS]
        target = m.link_target or ""
        if m.kind in ("symlink", "hardlink") and (
            target.startswith(("/", "\\")) or ".." in target.replace("\\", "/").split("/")
        ):
            bad.append(f"{m.kind} to {target!r}")
        if bad:
            hits.append(
                make_hit(
                    "fs.write_outside",
                    "medium",
                    m.path,
                    [],
                    1,
                    None,
                    0,
                    m.raw_path or m.path,
                    "arc.escape",
                    f"The archive entry '{(m.raw_path or m.path)[:80]}' points outside the "
                    f"package folder ({', '.join(bad)}): unpacking it naively writes elsewhere.",
                )
            )
    return hits[:50]


def role_for(path: str, backend_modules: frozenset[str]) -> str:
    return ctx.file_role(path, backend_modules)
