"""A release diff: the tree diff plus what the release adds -- capabilities, install surface,
metadata and risk. The top of :mod:`app.core.diff` (matcher < intraline < lines < tree <
surface, capabilities < release), the entry point for the CLI, the HTML report and the window
(call it from a worker thread)::

    diff = diff_artifacts(old, new, scan=None, cancel=None)   # -> ReleaseDiff
    diff.to_json()                                             # schema vetbench.diff/1
    diff.files[3].line_diff(ignore_whitespace=True)            # -> lines.LineDiff on demand

Pass ``scan`` (a callable ``Artifact -> ScanResult``) to use a cached scanner; the default is
:func:`app.core.capabilities.scan.scan_artifact`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.archive import Artifact
from app.core.diff.capabilities import CapabilityDelta, pair_hits, path_map
from app.core.diff.surface import SurfaceChange, install_surface_delta, metadata_delta
from app.core.diff.tree import FileDiff, diff_trees
from app.errors import Cancelled

__all__ = ["ReleaseDiff", "diff_artifacts"]


@dataclass
class ReleaseDiff:
    """Everything ``vetbench diff`` reports; ``to_json()`` is schema vetbench.diff/1."""

    old_target: dict
    new_target: dict
    files: list[FileDiff]
    capabilities: CapabilityDelta | None = None
    install_surface: list[SurfaceChange] = field(default_factory=list)
    metadata: list[dict] = field(default_factory=list)
    risk_old: dict = field(default_factory=lambda: {"score": 0.0, "level": "none"})
    risk_new: dict = field(default_factory=lambda: {"score": 0.0, "level": "none"})
    # What the release adds, scored on its own: a lone chain slipped into a large project is
    # shown at medium in the new side's whole-release risk (corroboration.corroborate), not here.
    risk_added: dict = field(default_factory=lambda: {"score": 0.0, "level": "none"})
    errors: list[str] = field(default_factory=list)
    # Each side's threats (threats.Threat, strongest first), from the scans the delta uses.
    threats_new: list = field(default_factory=list)
    threats_old: list = field(default_factory=list)

    def changed_files(self) -> list[FileDiff]:
        return [f for f in self.files if f.changed]

    def threat_is_added(self, threat) -> bool:
        """A threat of the new side is new against the baseline when one of its steps is a
        hit the release added (a chain the old release had, code only moved, is not)."""
        added = self._added_steps()
        return any((s.capability, s.path, s.line) in added for s in threat.steps)

    def _added_steps(self) -> frozenset:
        caps = self.capabilities
        return frozenset((h.capability, h.path, h.line) for h in (caps.added if caps else ()))

    def threats_in_order(self) -> list:
        """The new side's threats, those new against the baseline first (each group keeps
        the strongest-first order of the scan)."""
        return sorted(self.threats_new, key=lambda t: not self.threat_is_added(t))

    def to_json(self) -> dict[str, Any]:
        caps = self.capabilities
        return {
            "schema": "vetbench.diff/1",
            "old": self.old_target,
            "new": self.new_target,
            "files": [f.to_json() for f in self.files],
            "capabilities": {
                "added": [h.to_json() for h in caps.added] if caps else [],
                "removed": [h.to_json() for h in caps.removed] if caps else [],
                "unchanged": caps.unchanged_count if caps else 0,
            },
            "install_surface": [c.to_json() for c in self.install_surface],
            "metadata": list(self.metadata),
            "risk": {
                "old": dict(self.risk_old),
                "new": dict(self.risk_new),
                "added": dict(self.risk_added),
            },
            # Added to vetbench.diff/1: each side's threats as vetbench.scan/1 gives them; a
            # new-side threat says whether it is new against the baseline ("added").
            "threats": {
                "new": [
                    {**t.to_json(), "added": self.threat_is_added(t)} for t in self.threats_new
                ],
                "old": [t.to_json() for t in self.threats_old],
            },
        }


def diff_artifacts(
    old: Artifact,
    new: Artifact,
    *,
    scan: Callable[[Artifact], Any] | None = None,
    cancel: Callable[[], bool] | None = None,
    capabilities: bool = True,
) -> ReleaseDiff:
    """Diff ``new`` against ``old``: files, capability delta, install surface, metadata, risk.

    ``scan`` turns an artifact into a :class:`~app.core.capabilities.model.ScanResult`
    (pass a cached one; default :func:`app.core.capabilities.scan.scan_artifact`).
    ``cancel`` is polled throughout; when it returns True :class:`Cancelled` is raised.
    ``capabilities=False`` skips both scans (files, install surface and metadata only).
    Safe to call from a worker thread: it touches no shared state.
    """
    files = diff_trees(old, new, cancel=cancel)
    result = ReleaseDiff(old.target(), new.target(), files)
    result.install_surface = install_surface_delta(old, new, files)
    result.metadata = metadata_delta(old, new)
    if capabilities:
        _fill_capability_delta(result, old, new, files, scan=scan, cancel=cancel)
    return result


def _default_scan() -> Callable[[Any], Any] | None:
    try:
        from app.core.capabilities.scan import scan_artifact
    except ImportError:
        return None
    return scan_artifact


def _fill_capability_delta(
    result: ReleaseDiff,
    old: Artifact,
    new: Artifact,
    files: list[FileDiff],
    *,
    scan=None,
    cancel=None,
) -> None:
    """Scan both sides and store the capability delta and the risk in ``result``."""
    scan = scan or _default_scan()
    if scan is None:
        result.errors.append("capability scanner not available: capability delta skipped")
        return
    scans = []
    for artifact in (old, new):
        if cancel is not None and cancel():
            raise Cancelled("diff cancelled")
        scans.append(scan(artifact))
    old_scan, new_scan = scans
    result.capabilities = pair_hits(old_scan.findings, new_scan.findings, path_map(files))
    result.risk_old = old_scan.risk.to_json()
    result.risk_new = new_scan.risk.to_json()
    from app.core.capabilities.risk import score  # the scanner is there: scan() just ran

    result.risk_added = score(result.capabilities.added).to_json()
    result.threats_old = list(getattr(old_scan, "threats", None) or [])
    result.threats_new = list(getattr(new_scan, "threats", None) or [])
    for side, sr in (("old", old_scan), ("new", new_scan)):
        result.errors.extend(f"{side}: {e}" for e in getattr(sr, "errors", []) or [])
    # How the scans ran (yara-x unavailable): said once, not once per side.
    result.errors.extend(dict.fromkeys(n for sr in scans for n in getattr(sr, "notes", None) or []))
