"""Where a file sits decides how much a hit in it weighs.

The same ``requests.get`` is routine in a library function, alarming in ``setup.py`` (it runs
at install), in a ``.pth`` file (it runs at every interpreter start) or at module top level (it
runs on import). Tests, docs and examples hold most false alarms but have also hidden real
payloads, so they are lowered one step and never skipped.
"""

from __future__ import annotations

import re

from app.core.capabilities.model import SEVERITIES, severity_rank

# Roles of a file, from the strongest execution context to the weakest.
SETUP = "setup"  # setup.py: runs at build/install time
PTH = "pth"  # .pth / sitecustomize / usercustomize: runs at every interpreter start
BACKEND = "backend"  # in-tree build backend module: runs at build time
TEST = "test"  # tests, docs, examples, benchmarks, dev tools and scripts: lowered one step
CODE = "code"

_LOWERED_DIRS = {
    "test",
    "tests",
    "testing",
    "doc",
    "docs",
    "example",
    "examples",
    "sample",
    "samples",
    "bench",
    "benchmark",
    "benchmarks",
    "demo",
    "demos",
    "tutorial",
    "tutorials",
    "tools",
    "tool",
    "scripts",
    "script",
    "ci",
    ".github",
    ".gitlab",
    ".circleci",
    ".buildkite",
    ".devcontainer",
    "devtools",
    "dev",
    "maint",
    "misc",
    "contrib-tools",
    "benchmarking",
    "asv_bench",
    "fuzz",
    "fuzzing",
    "_examples",
    "testdata",
    "test_data",
    "fixtures",
    "action",
    "actions",
}
_TEST_FILE_RE = re.compile(r"(^test_.*|.*_test|^conftest|^tests?)\.py$")
# A folder named test(s)/testing with one word saying which tests or what part of them:
# "manual tests", "unit_tests", "integration-tests", "test_data", "testing_utils". Not a name
# that merely holds the word ("latest", "contest", a project called "acme-api-test").
_TEST_KIND = (
    r"manual|unit|integration|functional|e2e|end2end|system|regression|smoke|acceptance|perf|"
    r"performance|stress|fuzz|interop|compat|browser|ui"
)
_TEST_PART = r"data|utils|helpers|resources|fixtures|cases|suite|files|support|common|assets|input"
_TEST_WORD_RE = re.compile(
    rf"^(?:(?:{_TEST_KIND})[\s_.-]?)?(?:tests?|testing)(?:[\s_.-]?(?:{_TEST_PART}))?$"
)

# Capabilities that act (rather than merely exist): in an install context they are high.
ACTIVE = frozenset(
    {
        "net.outbound",
        "net.download_to_disk",
        "process.spawn",
        "process.spawn_hidden",
        "exec.dynamic",
        "exec.native_load",
        "exec.deserialize",
        "collect.sysinfo",
        "collect.user_input",
        "cred.env_bulk",
        "cred.secret_files",
        "fs.write_outside",
        "install.dependency_pull",
    }
)


def file_role(path: str, backend_modules: frozenset[str] = frozenset()) -> str:
    """The role of ``path`` inside an artifact (see the module constants)."""
    parts = path.split("/")
    name = parts[-1]
    lower = name.lower()
    if lower == "setup.py" and runs_at_install(path):
        return SETUP
    if lower.endswith(".pth"):
        return PTH
    if path in backend_modules:
        return BACKEND
    if any(
        p.lower() in _LOWERED_DIRS or _TEST_WORD_RE.search(p.lower()) for p in parts[:-1]
    ) or _TEST_FILE_RE.match(lower):
        return TEST
    if lower in STARTUP_MODULES and runs_at_startup(path):
        return PTH
    return CODE


# A project template's generation hooks: cookiecutter runs hooks/pre_prompt.py,
# hooks/pre_gen_project.py and hooks/post_gen_project.py of the folder holding
# cookiecutter.json when a user generates a project from it.
_TEMPLATE_HOOK_RE = re.compile(r"(?:^|/)hooks/(?:pre_prompt|pre_gen_project|post_gen_project)\.py$")


def template_hooks(paths: set[str] | frozenset[str]) -> frozenset[str]:
    """The generation hooks of project templates a package ships (a crawler framework's
    ``project_template/hooks/post_gen_project.py`` beside its ``cookiecutter.json``). A hook
    runs when a user generates a project with the package's command, in the new project's
    folder (it installs that project's requirements), never when the package is imported: it
    is a script, like those in ``scripts/``. A ``hooks/`` folder with no ``cookiecutter.json``
    beside it is package code like any other."""
    out = set()
    for path in paths:
        m = _TEMPLATE_HOOK_RE.search(path)
        if (
            m is not None
            and f"{path[: m.start()]}{'/' if m.start() else ''}cookiecutter.json" in paths
        ):
            out.add(path)
    return frozenset(out)


def runs_at_install(path: str) -> bool:
    """Whether a ``setup.py`` is the one an installer runs: at the top of the archive, or one
    folder deep (an sdist's members sit in one), counted from the innermost archive of a
    nested one. A ``setup.py`` deeper inside a package (an app template a build tool copies
    out, a vendored project's) is a module like any other: pip never runs it, and its module
    level is judged as code. A ``setup.py`` right inside a folder named like an sdist's top
    folder (``name-1.0/setup.py``) is one too, however deep (an unpacked sdist scanned inside
    the folder it was unpacked in), unless a test or docs folder holds it (a fixture project)."""
    inner = path.rsplit("!/", 1)[-1]
    if inner.count("/") <= 1:
        return True
    parts = inner.split("/")
    return _SDIST_TOP_RE.match(parts[-2]) is not None and not any(
        p.lower() in _LOWERED_DIRS for p in parts[:-1]
    )


# An sdist's top folder: the project name, a dash, a version (``NP-Helper-0.4``, ``x-1.0rc1``).
_SDIST_TOP_RE = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*-\d+(?:\.\d+)*(?:[._-]?(?:a|b|rc|post|dev)\d*)*$"
)


STARTUP_MODULES = ("sitecustomize.py", "usercustomize.py")
# Folders an sdist keeps its top-level modules in (``package_dir={"": "src"}``).
_SOURCE_ROOTS = ("src", "lib")


def runs_at_startup(path: str) -> bool:
    """Whether a ``sitecustomize.py``/``usercustomize.py`` lands where Python imports it at
    every start: at a sys.path root, which is the top of a wheel (or of its ``.data/purelib``
    or ``platlib``), and in an sdist its top folder or ``src/``. One deeper inside a package
    (a debugger's ``pydevd/pydev_sitecustomize/``) runs only where a tool puts that folder on
    PYTHONPATH on purpose: it is a module like any other. One folder deep is counted as a
    root, since an sdist's members sit in one."""
    parts = path.split("/")[:-1]
    if len(parts) >= 2 and parts[0].endswith(".data") and parts[1] in ("purelib", "platlib"):
        parts = parts[2:]
    if len(parts) == 2 and parts[1] in _SOURCE_ROOTS:
        return True
    return len(parts) <= 1


def step(severity: str, delta: int) -> str:
    """Move a severity up (+) or down (-) by ``delta`` steps, never below low unless none."""
    rank = severity_rank(severity)
    if rank == 0:
        return "none"
    return SEVERITIES[max(1, min(4, rank + delta))]


def at_least(severity: str, floor: str) -> str:
    return severity if severity_rank(severity) >= severity_rank(floor) else floor
