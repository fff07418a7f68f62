"""npm's ``package.json``: what runs at install, what a name and its dependencies claim.

Lifecycle scripts (``preinstall``, ``install``, ``postinstall``, ``prepare``…) are commands npm
runs on the installing machine: each is read as shell (:mod:`.shell`), and a ``node file.js`` in
one makes that file *install-time code* (:func:`install_time_files`, given the ``setup`` role
so its acting capabilities weigh as they would in ``setup.py``). Also: ``bin`` entries that
shadow system commands, dependencies on URLs/git/tarballs/local paths, and dependency confusion
(an internal-looking name published with an absurd version).
"""

from __future__ import annotations

import re

from app.core.archive import Artifact, Member
from app.core.capabilities.hits import make_hit
from app.core.capabilities.model import Hit
from app.core.capabilities.pynames import SHADOW_COMMANDS
from app.core.capabilities.shell import command_findings, node_targets, with_decoded
from app.core.capabilities.unread import unread_hit
from app.core.jsondata import JSONInputError, loads_bounded

HOOKS = {
    "preinstall": "high",
    "install": "high",
    "postinstall": "high",
    "prepare": "medium",
    "preprepare": "medium",
    "postprepare": "medium",
    "preuninstall": "medium",
    "uninstall": "medium",
    "postuninstall": "medium",
    "prepublish": "low",
}
# Commands popular packages run at install that only build or print: the hook stays medium.
_BENIGN = re.compile(
    r"^(?:node-gyp rebuild|node-gyp-build|prebuild-install[^;&|]*|husky(?: install)?|tsc|"
    r"npm run build|patch-package|node install\.js|node scripts/postinstall\.js|"
    r"opencollective[- ]postinstall|ngcc|is-ci \|\| husky install|node-gyp-build-optional-packages)$"
)
# ``node -e`` wrappers that run one of the package's own files and ignore its failure
# (core-js: ``node -e "try{require('./postinstall')}catch(e){}"``): the file they name.
_REQUIRE_WRAPPER = re.compile(
    r"""^node\s+-e\s+(["'])\s*(?:try\s*\{\s*)?require\(\s*(["'])\./([\w./-]+)\2\s*\)\s*;?"""
    r"""\s*(?:\}\s*catch\s*(?:\(\s*\w*\s*\))?\s*\{\s*\}\s*)?\1$"""
)
# ``node file`` with plain words and flags after it (cypress: ``node dist/index.js --exec
# install``): arguments hand the file options; no quote, variable, redirection or pipe.
_NODE_FILE = re.compile(r"^node\s+(?:\./)?([\w][\w./-]*)((?:\s+[\w./=:@+-]+)*)$")
# A step that only ends the hook or says so (bstring: ``node-gyp rebuild || echo 'Build
# failed.'``; es5-ext: ``... || exit 0``): a fallback that keeps ``npm install`` going when the
# build fails. A literal echo writes nowhere but the log: no variable, substitution,
# redirection or pipe.
_FALLBACK = re.compile(
    r"""^(?:exit(?:\s+\d+)?|true|:|echo(?:\s+(?:'[^'$`\\]*'|"[^"$`\\]*"|[\w.,!-]+))*)$"""
)
# A ``bin`` name run as a command with plain arguments, as in ``_NODE_FILE``.
_BIN_COMMAND = re.compile(r"^([\w@.-][\w.@-]*)((?:\s+[\w./=:@+-]+)*)$")
_SEGMENTS = re.compile(r"\s*(?:\|\||&&|;)\s*")
# Deeper than any real package.json, yet within what the decoder survives: a deep ``config``
# beside ``scripts`` does not hide the scripts; deeper than this is scan.unread.
PACKAGE_JSON_DEPTH = 512
_DEP_KEYS = ("dependencies", "optionalDependencies", "peerDependencies", "devDependencies")
_URL_SPEC = re.compile(
    r"^(?:https?:|git(?:\+\w+)?:|git@|github:|gitlab:|bitbucket:|gist:|file:|link:|\.{0,2}/|~/|"
    r"[\w-]+/[\w.-]+(?:#.*)?$)"
)
_INTERNAL = re.compile(
    r"(?:^|[-_.@/])(?:internal|private|corp|intranet|infra|sandbox-internal)(?:$|[-_./])"
)


def _doc(art: Artifact) -> tuple[Member | None, dict | None]:
    m = art.member("package.json")
    if m is None or not m.text:
        return None, None
    try:
        doc = loads_bounded(m.text, max_depth=PACKAGE_JSON_DEPTH)
    except JSONInputError:
        return m, None
    return (m, doc) if isinstance(doc, dict) else (m, None)


def _too_deep(m: Member) -> Hit | None:
    """``scan.unread`` for a root package.json nested too deeply to read: npm's parser may
    accept what Vetbench refuses, so its lifecycle scripts are unknown, not absent."""
    try:
        loads_bounded(m.text or "", max_depth=PACKAGE_JSON_DEPTH)
    except JSONInputError as exc:
        if "nested deeper" in str(exc):
            return unread_hit(m.path, f"package.json is {exc}; its install scripts were not read")
    return None


def _scripts(doc: dict) -> dict[str, str]:
    s = doc.get("scripts")
    return (
        {k: v for k, v in s.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(s, dict)
        else {}
    )


def install_time_files(art: Artifact) -> frozenset[str]:
    """Paths of the package's files that lifecycle scripts run with node (or sh/python), and
    a ``binding.gyp`` that npm's implicit ``node-gyp rebuild`` reads at install."""
    _m, doc = _doc(art)
    if doc is None:
        return frozenset()
    paths = {m.path for m in art.members}
    out = set()
    scripts = _scripts(doc)
    if "binding.gyp" in paths and not (scripts.get("install") or scripts.get("preinstall")):
        # npm's own install step for a package with a binding.gyp is node-gyp rebuild, which
        # runs the file's <!(command) expansions and actions
        out.add("binding.gyp")
    for hook in HOOKS:
        cmd = scripts.get(hook)
        if not cmd or HOOKS[hook] == "low":
            continue
        targets = node_targets(cmd) + re.findall(
            r"(?:^|[;&|]\s*)(?:sh|bash|python3?)\s+\.?/?([\w./-]+)", cmd
        )
        wrapped = _REQUIRE_WRAPPER.match(cmd.strip())
        if wrapped:
            targets.append(wrapped.group(3))
        bins = _own_bins(doc)
        for step in _SEGMENTS.split(cmd.strip()):
            named = _BIN_COMMAND.match(step)
            if named and named.group(1) in bins:
                targets.append(bins[named.group(1)])
        for t in targets:
            found = _own_file(t, paths)
            if found:
                out.add(found)
    return frozenset(out)


def _own_bins(doc: dict) -> dict[str, str]:
    """The package's own commands (``bin``) and the files they run. npm puts the installed
    package's ``bin`` links on the PATH of its lifecycle scripts, so a hook naming one of them
    (@npmcli/template-oss: ``"postinstall": "template-oss-apply"``) runs that file with node."""
    bins = doc.get("bin")
    name = doc.get("name")
    if isinstance(bins, str) and isinstance(name, str):
        bins = {name.rsplit("/", 1)[-1]: bins}
    if not isinstance(bins, dict):
        return {}
    return {
        k: re.sub(r"^\./", "", v)
        for k, v in bins.items()
        if isinstance(k, str) and isinstance(v, str)
    }


def _own_file(target: str, paths: set[str]) -> str | None:
    """The package's file that ``node target`` runs (as node resolves it), or None."""
    for cand in (target, target + ".js", target + "/index.js"):
        if cand in paths:
            return cand
    return None


def _builds_or_runs_own_files(cmd: str, paths: set[str], bins: dict[str, str]) -> bool:
    """Whether every step of a hook is a build step popular packages run (node-gyp,
    prebuild-install, tsc…), node running one of the package's own files (with plain
    arguments), one of the package's own ``bin`` commands, or a fallback that only ends the
    hook or echoes a literal (``|| exit 0``, ``|| echo 'Build failed.'``), alternatives and
    sequences of them included (``prebuild-install || node-gyp rebuild``). At least one step
    must be more than a fallback.

    Such a hook is no act of its own: npm starting a file the package ships says only that the
    file runs at install, and that file is read as install-time code (:func:`install_time_files`)
    whose acts are scored as setup.py's are. A hook that names a file the package does not ship,
    runs anything else or has shell of its own stays high: there is nothing to read in its place."""
    whole = cmd.strip()
    steps = [whole] if _REQUIRE_WRAPPER.match(whole) else [s for s in _SEGMENTS.split(whole) if s]
    if not steps or all(_FALLBACK.match(step) for step in steps):
        return False
    for step in steps:
        if _BENIGN.match(step) or _FALLBACK.match(step):
            continue
        plain = _NODE_FILE.match(step)
        wrapped = _REQUIRE_WRAPPER.match(step)
        named = _BIN_COMMAND.match(step)
        target = plain.group(1) if plain else wrapped.group(3) if wrapped else None
        if target is None and named and named.group(1) in bins:
            target = bins[named.group(1)]
        if target is None or _own_file(target, paths) is None:
            return False
    return True


def _line(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def _hit(m: Member, cap: str, sev: str, line: int, match: str, rule: str, expl: str) -> Hit:
    return make_hit(cap, sev, m.path, (m.text or "").split("\n"), line, None, 0, match, rule, expl)


def manifest_hits(art: Artifact) -> list[Hit]:
    """Every finding of the root ``package.json``."""
    m, doc = _doc(art)
    if m is None:
        return []
    if doc is None:
        deep = _too_deep(m)
        return [deep] if deep else []
    text = m.text or ""
    hits: list[Hit] = []
    scripts = _scripts(doc)
    paths = {mm.path for mm in art.members}
    for hook, sev in HOOKS.items():
        cmd = scripts.get(hook)
        if cmd is None:
            continue
        line = _line(text, f'"{hook}"')
        found = command_findings(cmd)
        quiet = _builds_or_runs_own_files(cmd, paths, _own_bins(doc))
        s = "medium" if sev == "high" and quiet and not found else sev
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
        for f in found:
            sev2 = f.severity if sev != "low" else "low"
            h = _hit(
                m,
                f.capability,
                sev2,
                line,
                f.match,
                f.rule,
                f"In the '{hook}' script: {f.explanation}",
            )
            hits.append(with_decoded(h, f.decoded))
    bins = doc.get("bin")
    if isinstance(bins, dict):
        for name in bins:
            if str(name).lower() in SHADOW_COMMANDS:
                hits.append(
                    _hit(
                        m,
                        "install.entrypoint_shadow",
                        "medium",
                        _line(text, f'"{name}"'),
                        str(name),
                        "npm.bin_shadow",
                        f"Installs a command named '{name}', which shadows the system command of that name.",
                    )
                )
    for key in _DEP_KEYS:
        deps = doc.get(key)
        if not isinstance(deps, dict):
            continue
        for dep, spec in deps.items():
            if not isinstance(spec, str) or not _URL_SPEC.match(spec.strip()):
                continue
            if spec.startswith(("npm:", "workspace:")):
                continue
            sev = "medium" if key == "devDependencies" else "high"
            hits.append(
                _hit(
                    m,
                    "meta.url_dependency",
                    sev,
                    _line(text, f'"{dep}"'),
                    f'"{dep}": "{spec}"',
                    "npm.url_dependency",
                    f"The dependency '{dep}' comes from a URL, git repository, tarball or local path, not the registry.",
                )
            )
    hits.extend(_dependency_confusion(m, doc, text))
    return hits


def _calendar_major(major: str) -> bool:
    """A major version that is a date, YYYYMMDD (Closure Compiler's ``20231112.0.0``, which
    its ``@types`` package mirrors): a release scheme, not a number picked to outrank."""
    if len(major) != 8:
        return False
    year, month, day = int(major[:4]), int(major[4:6]), int(major[6:])
    return 1990 <= year <= 2100 and 1 <= month <= 12 and 1 <= day <= 31


def _dependency_confusion(m: Member, doc: dict, text: str) -> list[Hit]:
    """An internal-looking name with a major of 90 or more, or any scoped name with 99 or more.

    Two shapes are a versioning scheme as often as an attack: a major that is a calendar date
    (YYYYMMDD) and a scoped package without an internal-looking word whose whole family jumped
    to a four-digit major (pnpm's packages, ``1101.0.0``). A confusion payload has to run on the
    machine that mistakes it for the internal package, and it does so from an install hook, so
    these two stay high where the package has one (``preinstall``/``install``/``postinstall``)
    and are shown at medium where it has none. An internal-looking name with a plain big major
    stays high either way."""
    name, version = doc.get("name"), doc.get("version")
    if not isinstance(name, str) or not isinstance(version, str):
        return []
    major = re.match(r"(\d+)", version)
    if not major or int(major.group(1)) < 90:
        return []
    internal = _INTERNAL.search(name.lower()) is not None
    if not internal and not (name.startswith("@") and int(major.group(1)) >= 99):
        return []
    scheme = _calendar_major(major.group(1)) or (not internal and len(major.group(1)) >= 4)
    hooked = any(_scripts(doc).get(h) for h in ("preinstall", "install", "postinstall"))
    return [
        _hit(
            m,
            "meta.dependency_confusion",
            "medium" if scheme and not hooked else "high",
            _line(text, '"version"'),
            f"{name}@{version}",
            "npm.dependency_confusion",
            f"'{name}' looks like a company-internal name and is published as version {version}: a public copy "
            "that outranks the internal package (dependency confusion).",
        )
    ]
