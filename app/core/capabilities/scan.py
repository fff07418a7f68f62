"""Scan an artifact: every file and line, a capability hit where code can do something.

``scan_artifact`` routes each member: Python through the AST analyser (falling back to the
pattern rules when it does not parse, and saying so), ``.pth`` files through the import-line
check and the analyser, other text through the pattern engine and string signals, binaries
through magic-byte checks. Artifact-wide checks (install surface, RECORD, metadata) run once.
Per-file results are cached by (sha256, rules version, context) when a cache is given.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from pathlib import Path

from app.core.archive import Artifact
from app.core.archive.identify import is_wheel_or_egg
from app.core.capabilities import context as ctx
from app.core.capabilities import (
    fallback,
    metadata,
    native,
    reach,
    requirements,
    setuptree,
    surface,
)
from app.core.capabilities.allowlist import Allowlist
from app.core.capabilities.buildfetch import lower_build_input_fetches
from app.core.capabilities.cache import FindingsCache
from app.core.capabilities.datacode import data_code_hits
from app.core.capabilities.hits import make_hit
from app.core.capabilities.javascript import is_javascript, scan_javascript
from app.core.capabilities.jsbundle import browser_bundle, is_python_package, scan_bundle
from app.core.capabilities.model import Hit, ScanResult, severity_rank
from app.core.capabilities.nested import MAX_NESTED_SCANS, nested_scans, read_after_all
from app.core.capabilities.ownscripts import lower_shipped_script_starts
from app.core.capabilities.packagejson import install_time_files, manifest_hits
from app.core.capabilities.parsebounds import MAX_PIECES_BYTES, TOO_LARGE, chained_line
from app.core.capabilities.pydeclarative import declarative
from app.core.capabilities.pyimports import import_time_calls
from app.core.capabilities.pysource import analyse_python
from app.core.capabilities.risk import assess_risk
from app.core.capabilities.shell import is_script, python_encoded_commands, scan_script_file
from app.core.capabilities.textscan import scan_text_file
from app.core.capabilities.unnamed import lower_unnamed_scripts
from app.core.capabilities.unread import (
    ambiguity_hits,
    lower_syntax_corpora,
    lower_unreferenced_archives,
    skipped_hits,
    unparsed_hit,
    unread_hit,
)
from app.resources import resource_path

_ENGINE_VERSION = "2.0"  # 2.0: hits carry their place (install/import time)


def _rules_version() -> str:
    """The findings cache's key: the rule files and the analyser's own source, so that a
    changed analyser never serves findings it would no longer make (a frozen bundle without
    sources falls back to the rule files and the engine version)."""
    h = hashlib.sha256(_ENGINE_VERSION.encode())
    for name in ("capabilities.json", "patterns.json"):
        with suppress(OSError):
            h.update(resource_path("rules", name).read_bytes())
    here = Path(__file__).resolve().parent
    for folder in (here, here.parent / "archive"):
        for source in sorted(folder.glob("*.py")):
            with suppress(OSError):
                h.update(source.name.encode() + b"\0" + source.read_bytes())
    return f"{_ENGINE_VERSION}+{h.hexdigest()[:12]}"


RULES_VERSION = _rules_version()
_PY_EXT = (".py", ".pyw", ".pyi")
_JS_MODULES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")


def universal_newlines(text: str) -> str:
    """``text`` with each ``\\r\\n`` and lone ``\\r`` made ``\\n``, as Python and JavaScript read
    a source file: a wheel built on Windows carries CRLF files, and the readers that follow
    blocks by indentation line by line (:mod:`.pyimports`) took the ``\\r`` left on a blank line
    for code at column 0, so every call below it looked like it ran on import. Line numbers stay
    those the parser gives."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_python(path: str, text: str) -> bool:
    low = path.lower()
    if low.endswith(_PY_EXT):
        return True
    return "." not in low.rsplit("/", 1)[-1] and text.startswith("#!") and "python" in text[:100]


def scan_text(path: str, text: str, *, context: str | None = None) -> list[Hit]:
    """Hits for one file's text. ``context`` is the file's role (see :mod:`.context`);
    by default it is derived from ``path`` (``setup.py``, ``.pth``, tests...)."""
    hits, _note = _scan_file(path, text, context or ctx.file_role(path))
    return hits


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while one file is parsed and analysed.

    ``ast.parse`` allocates hundreds of thousands of container objects, and each batch of
    allocations triggers a collection that walks every live object (the artifact, the
    findings so far): about a quarter of parse time on a large sdist. Syntax trees hold no
    cycles, so reference counting frees them; the few cycles analysis makes are collected
    when the collector comes back on. Nested and concurrent users (the app's worker threads)
    share one counter: the last one out restores the collector's previous state.
    """
    global _gc_pausers, _gc_was_enabled
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def _scan_file(
    path: str,
    text: str,
    role: str,
    import_calls: frozenset[str] = frozenset(),
    bundle: bool = False,
    command: bool = False,
) -> tuple[list[Hit], str | None]:
    """``bundle``: browser JavaScript of a Python package, read by patterns (see jsbundle).
    ``command``: a Python file a user's command runs, judged like a ``__main__`` block."""
    if bundle:
        return scan_bundle(path, text, role), None
    with gc_paused():
        return _scan_file_unpaused(path, text, role, import_calls, command)


def _scan_file_unpaused(
    path: str, text: str, role: str, import_calls: frozenset[str], command: bool = False
) -> tuple[list[Hit], str | None]:
    low = path.lower()
    hits: list[Hit] = []
    note = None
    if low.endswith(".pth"):
        from app.core.archive import Member

        m = Member(
            path=path,
            size=len(text),
            sha256="",
            kind="text",
            data=text.encode("utf-8", "replace"),
            _text=text,
        )
        pth_hits, code = surface.pth_hooks(m)
        hits.extend(pth_hits)
        for n, line in code:
            if any(h.severity == "low" and h.line == n for h in pth_hits):
                continue
            sub, _ = analyse_python(path, line, ctx.PTH)
            hits.extend(replace(h, line=n, end_line=n, snippet=pth_hits[0].snippet) for h in sub)
        hits.extend(scan_text_file(path, text, role))
        return hits, None
    if _is_python(path, text):
        lines = text.split("\n")  # one split for the analyser, the text rules and snippets
        py_hits: list[Hit] = []
        lowered: str | None = None
        if len(text) > MAX_PIECES_BYTES:
            note = TOO_LARGE
        elif chained_line(text, lines):
            note = "has a line too deeply chained for AST analysis"
        else:
            # an extension-less script (a python shebang) is a command, never imported
            command = role == ctx.CODE and (command or not low.endswith(_PY_EXT))
            gated = not command and role not in (ctx.SETUP, ctx.PTH, ctx.BACKEND)
            if gated:  # lowered once for the gate and the text rules below
                lowered = text.lower()
            if not gated or not declarative(text, lowered):
                py_hits, note = analyse_python(
                    path, text, role, import_calls, lines, command=command
                )
            # else a generated model or table names nothing the analyser acts on: the text
            # rules below read it (pydeclarative)
        if note:
            hits.append(
                make_hit(
                    "scan.unparsed",
                    "none",
                    path,
                    lines,
                    1,
                    None,
                    0,
                    path,
                    "scan.unparsed",
                    f"This Python file {note}: it was scanned with pattern rules only.",
                )
            )
            if low.endswith((".py", ".pyw")):  # extension-less shebang guesses may be shell
                hits.append(unparsed_hit(path, role, note))
            hits.extend(scan_text_file(path, text, role, python_fallback=True, lines=lines))
            hits.extend(python_encoded_commands(path, text, role, lines))
        else:
            # one lowering for both whole-file gates (AI-agent text, PowerShell), not one each
            lowered = text.lower() if lowered is None else lowered
            hits.extend(py_hits)
            hits.extend(
                scan_text_file(path, text, role, layout_only=True, lines=lines, lowered=lowered)
            )
            hits.extend(python_encoded_commands(path, text, role, lines, lowered))
        if low.rsplit("/", 1)[-1] in ctx.STARTUP_MODULES and ctx.runs_at_startup(path):
            hits.append(
                make_hit(
                    "install.pth_hook",
                    "medium" if role == ctx.TEST else "high",
                    path,
                    lines,
                    1,
                    None,
                    0,
                    path,
                    "py.sitecustomize",
                    f"{path.rsplit('/', 1)[-1]} runs automatically at every Python start.",
                )
            )
        if role == ctx.SETUP:
            hits.extend(_setup_summary(path, text, hits))
        return hits, note
    if is_javascript(path, text):  # tree-sitter analysis plus the string signals
        return scan_javascript(path, text, role)
    if is_script(path, text):  # shell, PowerShell, batch: rules plus decoded -EncodedCommand
        return scan_script_file(path, text, role), None
    hits.extend(scan_text_file(path, text, role))
    return hits, None


def _setup_summary(path: str, text: str, hits: list[Hit]) -> list[Hit]:
    """One install.setup_code hit when setup.py does something active at install time."""
    active = [
        h
        for h in hits
        if h.capability
        in ctx.ACTIVE
        | {
            "exec.decode_then_exec",
            "exec.remote_code",
            "net.reverse_shell",
            "net.exfil_endpoint",
            "process.shell_download",
        }
        and severity_rank(h.severity) >= 3
    ]
    if not active:
        return []
    first = min(active, key=lambda h: h.line)
    caps = sorted({h.capability for h in active})
    return [
        make_hit(
            "install.setup_code",
            "high",
            path,
            text.split("\n"),
            first.line,
            None,
            0,
            first.match,
            "py.setup_active",
            f"setup.py runs code at install time that uses: {', '.join(caps)}.",
        )
    ]


def _routine_install_steps(
    findings: list[Hit], artifact: Artifact, backends: frozenset[str]
) -> list[Hit]:
    """Starts of scripts the package ships (ownscripts) and fetches of build inputs
    (buildfetch) at medium, and each changed setup.py's install-time summary made again
    from what stays high."""
    findings, paths = lower_shipped_script_starts(findings, artifact)
    findings, fetched = lower_build_input_fetches(findings, artifact, backends)
    paths |= fetched
    if not paths:
        return findings
    out = [h for h in findings if not (h.rule == "py.setup_active" and h.path in paths)]
    for m in artifact.members:
        if m.path in paths and m.text is not None:
            out.extend(_setup_summary(m.path, m.text, [h for h in out if h.path == m.path]))
    return out


def scan_artifact(
    artifact: Artifact,
    *,
    cache: FindingsCache | None = None,
    allowlist: Allowlist | None = None,
    known_malicious: frozenset[str] = frozenset(),
    _depth: int = 0,
    _same: dict | None = None,
    _archives: dict[str, ScanResult] | None = None,
) -> ScanResult:
    """Scan all members of ``artifact`` (from :func:`app.core.archive.open_artifact`).

    A file whose exact bytes and context were already analysed in this scan (vendored copies,
    the same module in two bundled wheels) gets that result with its own path: analysed once.
    ``known_malicious`` (``ecosystem:name``, from the dataset's labels) makes a dependency on
    one of those packages a finding.
    """
    same: dict[tuple[str, str], tuple[str, list[Hit], str | None]] = {} if _same is None else _same
    findings: list[Hit] = []
    errors: list[str] = []
    skipped = [{"path": s.path, "reason": s.reason} for s in artifact.skips]
    scanned = 0
    try:
        backend_hits, backend_modules = surface.build_backend(artifact)
    except Exception as exc:  # noqa: BLE001 - a hostile pyproject must not stop the scan
        backend_hits, backend_modules = [], frozenset()
        errors.append(f"pyproject.toml: {exc}")
        findings.append(unread_hit("pyproject.toml", f"the build backend check failed ({exc})"))
    findings.extend(backend_hits)
    findings.extend(skipped_hits(artifact))
    findings.extend(ambiguity_hits(artifact))
    py_files = {
        m.path: universal_newlines(m.text)
        for m in artifact.members
        if m.kind == "text" and m.path.endswith(_PY_EXT) and m.text
    }
    code_files = sum(1 for p in py_files if not p.endswith(".pyi")) + sum(
        1 for m in artifact.members if m.kind == "text" and m.path.lower().endswith(_JS_MODULES)
    )
    calls_by_module = import_time_calls(py_files)
    npm_install_files = install_time_files(artifact)  # run by lifecycle scripts: install time
    hooks = ctx.template_hooks({m.path for m in artifact.members})
    code_texts = {
        **py_files,
        **{m.path: m.text for m in artifact.members if m.path.endswith(".pth") and m.text},
    }
    scripts = reach.unimportable_scripts(code_texts) | reach.spawned_scripts(code_texts)
    run_roles = _run_roles(py_files, backend_modules, hooks, is_wheel_or_egg(artifact.members))
    python_package = is_python_package(artifact.ecosystem, py_files)
    for m in artifact.members:
        if m.kind in ("symlink", "hardlink"):
            skipped.append(
                {"path": m.path, "reason": f"{m.kind} to {m.link_target!r} (not followed)"}
            )
            continue
        if m.kind != "text":
            scanned += 1
            continue
        text = py_files.get(m.path) or m.text
        if text is None:
            continue
        text = universal_newlines(text)
        scanned += 1
        role = ctx.SETUP if m.path in npm_install_files else ctx.file_role(m.path, backend_modules)
        role = run_roles.get(m.path, role)
        # a template's generation hook nothing imports (_run_roles made it a script), a
        # module no import can name and one the package starts as a program by its file name
        # are commands: judged as code, not raised as import time
        command = m.path in hooks and role == ctx.TEST and ctx.file_role(m.path) == ctx.CODE
        command = command or (m.path in scripts and role == ctx.CODE)
        role = ctx.CODE if command else role
        import_calls = calls_by_module.get(m.path, frozenset())
        bundle = python_package and role != ctx.SETUP and browser_bundle(m.path, text)
        kind = _kind_key(m.path, text) + ("-bundle" if bundle else "") + ("-cmd" if command else "")
        key = f"{role}:{kind}:{','.join(sorted(import_calls))[:200]}"
        cached = cache.get(m.sha256, RULES_VERSION, key, m.path) if cache else None
        if cached is None and m.sha256 and (m.sha256, key) in same:
            first_path, first_hits, first_note = same[(m.sha256, key)]
            cached = (
                [
                    replace(h, path=m.path, match=m.path if h.match == first_path else h.match)
                    for h in first_hits
                ],
                first_note,
            )
        if cached is not None:
            hits, _note = cached
        else:
            try:
                hits, _note = _scan_file(m.path, text, role, import_calls, bundle, command)
            except Exception as exc:  # noqa: BLE001 - one file must never stop the others
                why = f"analysis failed ({type(exc).__name__}: {str(exc)[:200]})"
                errors.append(f"{m.path}: {why}")
                findings.append(unread_hit(m.path, why))
                hits, _note = (
                    scan_text_file(m.path, text, role, python_fallback=m.path.endswith(_PY_EXT)),
                    None,
                )
            if cache:
                cache.put(m.sha256, RULES_VERSION, key, hits, _note)
            same[(m.sha256, key)] = (m.path, hits, _note)
        findings.extend(hits)
    for check in (
        surface.entry_point_shadows,
        manifest_hits,
        surface.record_mismatches,
        surface.binaries_and_pyc,
        surface.archive_tricks,
        metadata.metadata_hits,
    ):
        try:
            findings.extend(check(artifact))
        except Exception as exc:  # noqa: BLE001 - one check must never stop the others
            errors.append(f"{check.__name__}: {type(exc).__name__}: {exc}")
            findings.append(unread_hit("(artifact)", f"the {check.__name__} check failed ({exc})"))
    findings = lower_syntax_corpora(findings, py_files)
    _artifact_wide(artifact, findings, errors, known_malicious)
    setuptree.forget()  # setup.py's tree, shared by the run roles and the requirements
    if cache:
        cache.flush()
    name, version, ecosystem = artifact.name, artifact.version, artifact.ecosystem
    opened: set[str] = set()
    over_budget: set[str] = set()
    if _depth < MAX_NESTED_SCANS:
        archives: dict[str, ScanResult] = {} if _archives is None else _archives

        def scan_inner(inner: Artifact) -> ScanResult:
            return scan_artifact(
                inner,
                cache=cache,
                allowlist=None,
                known_malicious=known_malicious,
                _depth=_depth + 1,
                _same=same,
                _archives=archives,
            )

        for m, sub in nested_scans(artifact, errors, findings, archives, scan_inner, over_budget):
            opened.add(m.path)
            prefix = m.path + "!/"
            findings.extend(replace(h, path=prefix + h.path) for h in sub.findings)
            scanned += sub.files_scanned
            code_files += sub.code_files
            skipped.extend({"path": prefix + s["path"], "reason": s["reason"]} for s in sub.skipped)
            errors.extend(f"{prefix}{e}" for e in sub.errors)
            if len(artifact.members) == 1:  # a wrapper (the dataset's sample zips): name the inner
                name, version = sub.target.get("name"), sub.target.get("version")
                ecosystem = str(sub.target.get("ecosystem") or ecosystem)
    findings, skipped = read_after_all(findings, skipped, opened, over_budget)
    if _depth == 0:  # with every nested archive's findings, against all the code read
        findings = lower_unnamed_scripts(lower_unreferenced_archives(findings, artifact), artifact)
        findings = _routine_install_steps(findings, artifact, backend_modules)
    if allowlist is not None:
        findings = allowlist.apply(findings, {m.path: m.sha256 for m in artifact.members})
    risk, threats, findings = assess_risk(findings, code_files)
    findings.sort(
        key=lambda h: (-severity_rank(h.severity), h.path, h.line, h.column, h.capability)
    )
    target = artifact.target()
    target.update({"name": target.get("name") or name, "version": target.get("version") or version})
    if ecosystem and len(artifact.members) == 1:
        target["ecosystem"] = ecosystem
    return ScanResult(
        target=target,
        risk=risk,
        findings=findings,
        threats=threats,
        files_scanned=scanned,
        code_files=code_files,
        skipped=skipped,
        errors=errors,
        notes=fallback.notes(),
    )


def _run_roles(
    py_files: dict[str, str],
    backend_modules: frozenset[str],
    hooks: frozenset[str],
    built: bool = False,
) -> dict[str, str]:
    """Roles that where a file sits would get wrong: what setup.py executes as its own code
    (``exec(open(...).read())``, ``runpy.run_path``) is install-time code, a project
    template's generation hook (``ctx.template_hooks``) is a script, a file outside the
    folder setup.py installs packages from is a developer's (``reach.outside_package_root``),
    and a file in ``tools/`` or ``scripts/`` (or a hook) that setup.py or the package's
    modules import is package code (its module level runs), not a developer's tool. In a
    ``built`` archive (a wheel or egg, which an installer unpacks and never runs a setup.py
    of) a ``setup.py`` inside a package folder is the package's module ``pkg.setup`` (a CLI's
    setup wizard), not an install script."""
    out: dict[str, str] = {}
    paths = set(py_files)
    if built:
        for path in paths:
            if "/" in path and "!/" not in path and ctx.file_role(path) == ctx.SETUP:
                out[path] = ctx.CODE
    setup = py_files.get("setup.py")
    imported_by_setup: set[str] = set()
    if setup:
        executed, imported_by_setup = reach.setup_run_files("setup.py", setup, paths)
        for path in executed:
            if ctx.file_role(path, backend_modules) != ctx.SETUP:
                out[path] = ctx.SETUP
    for path in hooks & paths:
        out.setdefault(path, ctx.TEST)
    roles = {p: out.get(p) or ctx.file_role(p, backend_modules) for p in py_files}
    for path in reach.outside_package_root(setup, paths) if setup else ():
        if roles[path] == ctx.CODE and path not in out:  # never installed: a developer's file
            out[path] = roles[path] = ctx.TEST
    for path in imported_by_setup:
        if roles[path] == ctx.TEST:
            out[path] = roles[path] = ctx.CODE
    for path in reach.import_run_files(py_files, roles):
        if out.get(path) == ctx.TEST:  # a hook the package imports runs on import
            out[path] = ctx.CODE
        out.setdefault(path, ctx.CODE)
    return out


def _artifact_wide(
    artifact: Artifact, findings: list[Hit], errors: list[str], known_malicious: frozenset[str]
) -> None:
    """Checks that read the whole artifact after its files: dependencies and native binaries
    (a shipped binary is judged with the hits of the code that may start it)."""
    try:  # what pip fetches besides the package: URL, squatted and known-bad dependencies
        findings.extend(requirements.dependency_hits(artifact, known_malicious))
    except Exception as exc:  # noqa: BLE001 - one check must never stop the others
        errors.append(f"dependencies: {type(exc).__name__}: {exc}")
        findings.append(unread_hit("(artifact)", f"the dependency check failed ({exc})"))
    try:  # Python hidden in data files that install or import-time code runs
        findings.extend(data_code_hits(artifact, findings))
    except Exception as exc:  # noqa: BLE001 - one check must never stop the others
        errors.append(f"data files run as code: {type(exc).__name__}: {exc}")
        findings.append(unread_hit("(artifact)", f"the data-file code check failed ({exc})"))
    try:  # shipped binaries: facts, then install/import-time code that starts them
        compiled = native.compiled_package(artifact)
        binaries = native.find_binaries(artifact, compiled)
        if binaries:
            findings.extend(native.native_hits(artifact, binaries, compiled))
            findings.extend(native.launch_hits(artifact, findings, binaries, compiled))
    except Exception as exc:  # noqa: BLE001 - a hostile binary must not stop the scan
        errors.append(f"native binaries: {type(exc).__name__}: {exc}")
        findings.append(unread_hit("(artifact)", f"the native binary check failed ({exc})"))


@contextmanager
def cached_scanner(cache_path=None) -> Iterator[Callable[[Artifact], ScanResult]]:
    """A scan function whose findings cache lives in ``cache_path`` (e.g. the store's own
    file; ``None``: no cache), closed when the block ends. One place owns the cache's life."""
    cache = FindingsCache(cache_path) if cache_path is not None else None
    try:
        yield lambda artifact: scan_artifact(artifact, cache=cache)
    finally:
        if cache is not None:
            cache.close()


def _kind_key(path: str, text: str) -> str:
    low = path.lower()
    if low.endswith(".pth"):
        return "pth"
    if _is_python(path, text):
        return (
            "py-" + low.rsplit("/", 1)[-1]
            if low.endswith(("sitecustomize.py", "usercustomize.py"))
            else "py"
        )
    from app.core.capabilities.patterns import language_of

    return language_of(path, text) + (
        "-data" if low.endswith((".json", ".md", ".txt", ".rst", ".yml", ".yaml")) else ""
    )
