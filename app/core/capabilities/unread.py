"""What was not read is not clean: ``scan.unread`` hits for code the scan could not review.

A moderator acts on "risk: none". A skipped ``setup.py`` (too large, truncated archive), a
Python file the parser refused (newer syntax runs on a newer interpreter), or an analyser that
crashed on a file leave code nobody reviewed; each becomes a ``scan.unread`` hit of at least
high severity that says what was not read and why, so the verdict can only go up. Data files
(images, fonts, large binaries) that were skipped stay listed under ``skipped`` only.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from app.core.archive import NESTED_SEPARATOR, Artifact
from app.core.capabilities import context as ctx
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit

UNREAD = "scan.unread"
# How analyse_python's note starts for a file that fails on a Python 2-only statement or literal.
PYTHON2_NOTE = "is Python 2 code that no Python 3 can compile"
# ... and for a template or code fragment that no Python compiles as it is (pysyntax).
TEMPLATE_NOTE = "is a template or fragment that no Python compiles as it is"
# ... and for a module whose typo (an extra bracket) was blanked so the rest could be read.
BROKEN_NOTE = "has lines that no Python compiles, blanked"

# Suffixes and names of files an installer, the interpreter or npm runs (or that say what runs).
_RUNNABLE_SUFFIXES = (
    ".py",
    ".pyw",
    ".pth",
    ".pyx",
    ".js",
    ".mjs",
    ".cjs",
    ".ts",
    ".sh",
    ".bash",
    ".bat",
    ".cmd",
    ".ps1",
    ".so",
    ".pyd",
    ".dll",
    ".dylib",
    ".node",
    ".whl",
    ".egg",
    ".zip",
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tar.xz",
)
_RUNNABLE_NAMES = {
    "setup.py",
    "setup.cfg",
    "pyproject.toml",
    "package.json",
    "binding.gyp",
    "makefile",
    "pkg-info",
    "record",
    "entry_points.txt",
}
_BROKEN_FLAGS = ("truncated", "nested-truncated")
_WORD_RE = re.compile(r"\w+")


def can_run(path: str) -> bool:
    """True for a member whose content can run (or decides what runs) when installed or used.

    A name without a suffix (``bin/tool``, ``(archive start)``) may be a script with a shebang:
    it counts as runnable, since nothing was read to say otherwise.
    """
    name = path.rsplit("/", 1)[-1].lower()
    if name in _RUNNABLE_NAMES or name.endswith(_RUNNABLE_SUFFIXES):
        return True
    return "." not in name.lstrip(".")


def unread_hit(path: str, why: str, severity: str = "high") -> Hit:
    """One ``scan.unread`` hit: ``why`` is the reason the file was not (fully) reviewed."""
    return make_hit(
        UNREAD,
        severity,
        path,
        [],
        1,
        None,
        0,
        path,
        UNREAD,
        f"Not reviewed: {why}. Code that was not read cannot be called clean.",
    )


_UNPARSED_WHY = "this Python file "
_UNPARSED_NOTE = f"Not reviewed: {_UNPARSED_WHY}"
_MENDED_NOTE = f"{_UNPARSED_NOTE}{BROKEN_NOTE}"


def unparsed_hit(path: str, role: str, note: str) -> Hit:
    """A Python file the analyser could not parse: only the pattern rules saw it.

    High where it runs on install or import; lowered one step in tests, docs and examples,
    where unparsable fixtures (other Python versions' syntax) are common. Python 2 code
    (:data:`PYTHON2_NOTE`) is medium anywhere: no Python 3 can compile it, so it runs nowhere
    a package is installed today, and hiding a payload there would hide it from the victim too.
    So is a template or fragment (:data:`TEMPLATE_NOTE`): no Python compiles it as it is. And
    so is a module with a typo (:data:`BROKEN_NOTE`): Python refuses the whole file, and the
    analyser read all of it but those lines, which the pattern rules read.
    """
    old_or_template = note.startswith((PYTHON2_NOTE, TEMPLATE_NOTE, BROKEN_NOTE))
    severity = "medium" if role == ctx.TEST or old_or_template else "high"
    how = "" if note.startswith(BROKEN_NOTE) else ", so only pattern rules read it"
    return unread_hit(path, f"{_UNPARSED_WHY}{note}{how}", severity)


# A folder (below the artifact's top) with this many Python files that do not parse is a
# syntax-test corpus: a parser's, formatter's or linter's examples of broken code.
SYNTAX_CORPUS = 10
# Files Python runs by their place, not because code imports them by name.
LOADED_BY_PLACE = {
    "__init__.py",
    "__main__.py",
    "setup.py",
    "conftest.py",
    "sitecustomize.py",
    "usercustomize.py",
}
_IMPORT_LINE_RE = re.compile(
    r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+)?import[ \t]+[^\n]+"
    r"|(?:import_module|__import__|run_module|run_path|spec_from_file_location)\([^)\n]*",
    re.MULTILINE,
)


def _folders(path: str) -> list[str]:
    """The folders holding ``path`` at least two levels below the top of its innermost
    archive (``pkg/data``, ``pkg/data/bad``; not ``pkg``)."""
    outer, sep, inner = path.rpartition("!/")
    parts = inner.split("/")[:-1]
    return [outer + sep + "/".join(parts[:depth]) for depth in range(2, len(parts) + 1)]


def lower_syntax_corpora(hits: list[Hit], py_texts: dict[str, str]) -> list[Hit]:
    """Unparsable Python files of a syntax-test corpus shown at medium, not high.

    A payload hidden in a file the scanner cannot parse needs code that runs it: an import by
    name, or a place Python loads by itself. A parser project ships hundreds of files that
    do not parse on purpose (``resources/invalid/...``), which nothing imports. So an
    unparsable file is lowered one step when a folder holding it, at least two levels below
    the top, holds :data:`SYNTAX_CORPUS` or more unparsable files, the file is not one Python
    loads by its place (``__init__.py``, ``setup.py``, a top-level module...), and no import
    line or import call of a file outside such folders names it (the corpus's own parsed
    examples import any name). A lone unparsable module, one a
    module imports, or a package's ``__init__.py`` stays high whatever lies beside it."""
    # a file whose typo was blanked (medium already) still belongs to the crowd it sits in:
    # a parser's broken-bracket cases beside its other invalid ones
    unparsed: list[Hit] = []
    mended: list[Hit] = []
    for h in hits:
        if h.capability != UNREAD or not h.explanation.startswith(_UNPARSED_NOTE):
            continue
        if h.explanation.startswith(_MENDED_NOTE):
            mended.append(h)
        elif h.severity == "high":
            unparsed.append(h)
    if not unparsed or len(unparsed) + len(mended) < SYNTAX_CORPUS:
        return hits
    crowd: dict[str, int] = {}
    for h in unparsed + mended:
        for folder in _folders(h.path):
            crowd[folder] = crowd.get(folder, 0) + 1
    corpora = {folder for folder, n in crowd.items() if n >= SYNTAX_CORPUS}
    if not corpora:
        return hits
    named: set[str] = set()
    for path, text in py_texts.items():
        if "import" in text and not corpora.intersection(_folders(path)):
            for m in _IMPORT_LINE_RE.finditer(text):
                named.update(_WORD_RE.findall(m.group(0)))
    lowered: set[int] = set()
    for h in unparsed:
        name = h.path.rsplit("/", 1)[-1]
        in_crowd = bool(corpora.intersection(_folders(h.path)))
        stem = name.rsplit(".", 1)[0]
        if in_crowd and name.lower() not in LOADED_BY_PLACE and stem not in named:
            lowered.add(id(h))
    if not lowered:
        return hits
    return [
        replace(
            h,
            severity="medium",
            explanation=h.explanation
            + " One of many unparsable files in a syntax-test folder that no module imports.",
        )
        if id(h) in lowered
        else h
        for h in hits
    ]


def skipped_hits(artifact: Artifact) -> list[Hit]:
    """``scan.unread`` for each skip of a runnable file (medium in tests, docs and examples),
    and for an archive that broke off."""
    hits: list[Hit] = []
    seen: set[str] = set()
    broken = any(flag in artifact.flags for flag in _BROKEN_FLAGS)
    for skip in artifact.skips:
        rest_lost = "the rest was not read" in skip.reason or "nothing could be read" in skip.reason
        if not (rest_lost or can_run(skip.path)) or skip.path in seen:
            continue
        seen.add(skip.path)
        # A fixture archive in a test folder (a tool's test data, even inside a vendored
        # archive) is lowered one step like an unparsable test file: nothing installed runs it
        # unless readable code unpacks it. A broken archive loses what follows it: never lowered.
        tested = not rest_lost and ctx.file_role(skip.path) == ctx.TEST
        hits.append(unread_hit(skip.path, skip.reason[:300], "medium" if tested else "high"))
    if broken and not any("the rest was not read" in s.reason for s in artifact.skips):
        hits.append(unread_hit("(archive)", "the archive breaks off: members after it were lost"))
    return hits[:200]


_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".whl", ".egg")
# Files whose text decides or does what runs: where code would name an archive it unpacks.
_CODE_SUFFIXES = (
    ".py",
    ".pyw",
    ".pyx",
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
    "setup.cfg",
    "pyproject.toml",
    "package.json",
    "makefile",
)
_LOST = ("the rest was not read", "nothing could be read", "the archive breaks off")


def lower_unreferenced_archives(hits: list[Hit], artifact: Artifact) -> list[Hit]:
    """An archive the scan could not open (encrypted, corrupt, too deep and too large) that
    no code of the package names is shown at medium, not high.

    What hides in an unreadable archive runs only when code unpacks it, and that code names
    it: its file name, or the name without its suffix, appears in a Python, shell or
    JavaScript file or in the build configuration. A data archive nothing names (an
    encrypted test fixture, a model, a corpus) is listed as not reviewed at medium. One
    whose name any code file holds stays high, and so does an archive that breaks off
    (members after it are lost)."""
    candidates = [
        h
        for h in hits
        if h.capability == UNREAD
        and h.severity == "high"
        and not any(lost in h.explanation for lost in _LOST)
        and _archive_names(h.path)
    ]
    why = " No code of the package names this archive, so nothing shown unpacks it."
    hits = lower_unnamed(hits, candidates, artifact, lambda h: _archive_names(h.path), why)
    return _lower_unopenable(hits, candidates, artifact)


# What code that unpacks an archive, imports from one or starts a program holds: an archive
# or compression library (Python, npm), an unpacking command, a process start, an import
# by path. Matched on the lower-case text of every code file of the package.
_UNPACKS_RE = re.compile(
    r"zipfile|zipimport|tarfile|unpack_archive|shutil|\bunzip|\btar\b|\bgunzip|\b7z|"
    r"\bjar\b|adm-zip|yauzl|jszip|extract|decompress|inflate|\bzlib|\blzma|\bbz2|\bgzip|"
    r"pako|fflate|archiver|libarchive|py7zr|rarfile|patool|child_process|subprocess|"
    r"os\.(?:system|popen|exec|spawn)|\bspawn|\bexec|\beval\b|sys\.path|"
    # an interpreter started on a file (python runs a zip with __main__.py as it is)
    r"\b(?:python[\d.]*|node) +[\w./$-]|"
    r"import_module|importlib\.(?:util|machinery)|spec_from|__import__|run_path|shelljs|execa"
)


def _lower_unopenable(hits: list[Hit], candidates: list[Hit], artifact: Artifact) -> list[Hit]:
    """The unread archives still high (code names them) at medium when no code file of the
    package could unpack one: none holds an archive or compression library, an unpacking
    command, a process start or an import by path. Named only as a path handed on (an asset
    a deployment tool uploads, such as a Lambda layer inside a JavaScript package inside a
    wheel), the archive runs nowhere this package can take it; code that unpacks it lives in
    another package, which is scanned on its own. One line that could unpack keeps it high."""
    left = [h for h in candidates if any(x is h for x in hits)]
    if not left or any(_UNPACKS_RE.search(text) for _, text in code_texts(artifact)):
        return hits
    why = (
        " Code names it only as a path: no code of the package holds a way to unpack it or"
        " start a program."
    )
    lowered = {id(h) for h in left}
    return [
        replace(h, severity="medium", explanation=h.explanation + why) if id(h) in lowered else h
        for h in hits
    ]


def lower_unnamed(
    hits: list[Hit],
    candidates: list[Hit],
    artifact: Artifact,
    names_of: Callable[[Hit], Sequence[str]],
    why: str,
    *,
    skip_own: bool = False,
) -> list[Hit]:
    """``hits`` with each candidate none of whose ``names_of`` any code file holds (not its
    own file with ``skip_own``) at medium, ``why`` added: what a file holds runs only when
    code starts or unpacks it, and that code names it."""
    if not candidates:
        return hits
    code = code_texts(artifact)
    lowered = {
        id(h)
        for h in candidates
        if not any(
            name in text
            for path, text in code
            if not (skip_own and path == h.path)
            for name in names_of(h)
        )
    }
    if not lowered:
        return hits
    return [
        replace(h, severity="medium", explanation=h.explanation + why) if id(h) in lowered else h
        for h in hits
    ]


def code_texts(artifact: Artifact) -> list[tuple[str, str]]:
    """(path, lower-case text) of the files whose text decides or does what runs: where
    code would name an archive it unpacks or a script it starts."""
    return [
        (m.path, m.text.lower())
        for m in artifact.members
        if m.kind == "text" and m.text and m.path.lower().endswith(_CODE_SUFFIXES)
    ]


def _archive_names(path: str) -> list[str]:
    """The lower-case names code would use for the archives on ``path`` (``a.zip!/b.tar``:
    ``a.zip``, ``a``, ``b.tar``, ``b``; ``a.zip!/run.py``: ``a.zip``, ``a``); empty when no
    archive holds or is the file."""
    parts = [p.rsplit("/", 1)[-1].lower() for p in path.split("!/")]
    if not parts[-1].endswith(_ARCHIVE_SUFFIXES):
        parts.pop()
    names = []
    for part in parts:
        names.append(part)
        for suffix in _ARCHIVE_SUFFIXES:
            if part.endswith(suffix) and len(part) > len(suffix):
                names.append(part[: -len(suffix)])
                break
    return names


AMBIGUOUS = "archive.ambiguous"


def _in_a_bundled_archive(path: str, tops: set[str]) -> bool:
    """Whether ``path`` is a member of an archive that sits among the package's files (a fat
    jar merging its dependencies' ``META-INF/DEPENDENCIES``, a bundled zip). The installer
    unpacks only the package, never such an archive: its duplicate names concern whatever
    reads it later, and every copy was scanned. An archive that is the scanned file's only
    member (a sample's wrapper zip) is the package itself, whose duplicates stay high."""
    outer = path.split(NESTED_SEPARATOR, 1)[0]
    return NESTED_SEPARATOR in path and tops != {outer}


def _ambiguous_hit(path: str, severity: str, rule: str, why: str) -> Hit:
    return make_hit(AMBIGUOUS, severity, path, [], 1, None, 0, path, rule, why)


def ambiguity_hits(artifact: Artifact) -> list[Hit]:
    """``archive.ambiguous`` where the installer may unpack other files than were reviewed.

    Two readings that disagree (or one that fails) are critical; a polyglot whose readings
    agree, a gzip of several members or with trailing data, and duplicate member names with
    different contents are high (medium inside an archive bundled among the package's files). Every copy and reading is still scanned.
    """
    hits: list[Hit] = []
    poly = artifact.metadata.get("polyglot")
    if isinstance(poly, dict):
        kinds = " and ".join(str(k) for k in poly.get("readings", ()))
        differ, error = poly.get("differ") or [], poly.get("error")
        if differ or error:
            shown = ", ".join(str(p) for p in differ[:5])
            why = (
                f"readings disagree on {poly.get('differ_count')} file(s): {shown}"
                if differ
                else ""
            )
            why = why or f"the other reading fails ({error})"
            hits.append(
                _ambiguous_hit(
                    str(differ[0]) if differ else "(archive)",
                    "critical",
                    "arc.polyglot_disagree",
                    f"This file is both {kinds}: pip unpacks it as a zip, tar tools and npm "
                    f"read the tar; the {why}.",
                )
            )
        else:
            hits.append(
                _ambiguous_hit(
                    "(archive)",
                    "high",
                    "arc.polyglot",
                    f"This file is both {kinds}; both readings hold the same files.",
                )
            )
    for flag, why in (
        ("multi-member-gzip", "The gzip stream has several members: readers may stop early."),
        ("trailing-data", "Data follows the end of the tar or gzip stream (a hidden payload?)."),
    ):
        if flag in artifact.flags:
            hits.append(_ambiguous_hit("(archive)", "high", f"arc.{flag}", why))
    contents: dict[str, set[str]] = {}
    for m in artifact.members:
        contents.setdefault(m.path, set()).add(m.sha256)
    tops = {p for p in contents if NESTED_SEPARATOR not in p}
    for path, digests in contents.items():
        if len(digests) > 1:
            hits.append(
                _ambiguous_hit(
                    path,
                    "medium" if _in_a_bundled_archive(path, tops) else "high",
                    "arc.duplicate_differs",
                    f"{len(digests)} different copies of '{path[:80]}': every copy was scanned; "
                    "an unpacker keeps the last, which is the one shown.",
                )
            )
    return hits[:200]
