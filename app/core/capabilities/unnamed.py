"""Shell scripts no code of a package names: a download-and-run line there is shown, not a
threat.

pip never runs a shell script it unpacks; a ``.sh``/``.bat``/``.ps1`` in a Python release runs
only when code starts it (``setup.py``, a module, ``scripts=[...]``, an npm lifecycle line),
and that code names it. A docs-build or CI helper at the top of an sdist
(``curl -LsSf https://…/install.sh | sh`` to get a build tool) is started by a maintainer,
never by an install. So a ``process.shell_download`` line in a script whose file name no code
file of the package holds is shown at medium. Named by code, installed as a command (a
wheel's ``.data/scripts/``), or run by an npm lifecycle script (its hits carry the install
place), it keeps its severity.
"""

from __future__ import annotations

from app.core.archive import Artifact
from app.core.capabilities.model import Hit
from app.core.capabilities.unread import lower_unnamed

_SCRIPT_SUFFIXES = (".sh", ".bash", ".bat", ".cmd", ".ps1")
_LOWERED = frozenset({"process.shell_download"})


def lower_unnamed_scripts(hits: list[Hit], artifact: Artifact) -> list[Hit]:
    """``hits`` with the download-and-run lines of scripts nothing names at medium."""
    candidates = [
        h
        for h in hits
        if h.capability in _LOWERED
        and not h.place
        and h.severity in ("high", "critical")
        and h.path.lower().endswith(_SCRIPT_SUFFIXES)
        and ".data/scripts/" not in h.path
    ]
    why = " No code of the package names this script, so no install or import starts it."
    return lower_unnamed(hits, candidates, artifact, _script_names, why, skip_own=True)


def _script_names(hit: Hit) -> tuple[str, str]:
    """The lower-case names code would use to start the script: with and without suffix."""
    name = hit.path.rsplit("/", 1)[-1].lower()
    return name, name.rsplit(".", 1)[0]
