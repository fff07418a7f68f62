"""The side-by-side content of one file of a loaded release, built in a worker (no Qt here).

:mod:`app.workflows.release` loads the release; this module turns one of its files into the
rows the diff view paints (:mod:`app.ui.file_model`) and keeps them on the bundle, so going
back to a file repaints at once.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.diff.tree import ADDED, REMOVED, FileDiff
from app.ui.file_model import FileView, binary_view, build_file_view, side_syntax
from app.workflows.release import ReleaseBundle


def file_view_for(
    bundle: ReleaseBundle,
    fd: FileDiff,
    *,
    force: bool = False,
    cancel: Callable[[], bool] | None = None,
) -> FileView:
    """The side-by-side content of one file of a release (run in a worker); kept on the
    bundle, so going back to a file (n/p across files, Alt+Up/Down) repaints at once."""
    key = (fd.path, fd.old_path, force)
    cached = bundle.views.get(key)
    if cached is not None:
        return cached
    view = _build_view(bundle, fd, force, cancel)
    if not (cancel and cancel()):
        if len(bundle.views) > 64:
            bundle.views.clear()
        bundle.views[key] = view
    return view


def _build_view(
    bundle: ReleaseBundle, fd: FileDiff, force: bool, cancel: Callable[[], bool] | None
) -> FileView:
    old_m, new_m = fd.old_member, fd.new_member
    if (old_m is not None and old_m.kind != "text") or (new_m is not None and new_m.kind != "text"):
        return binary_view(fd.path, fd.status, old_m, new_m)
    old_text = old_m.text if old_m is not None else None
    new_text = new_m.text if new_m is not None else None
    if fd.status == ADDED:
        old_text = None
    if fd.status == REMOVED:
        new_text = None
    return build_file_view(
        fd.path,
        fd.status,
        old_text,
        new_text,
        old_hits=bundle.old_hits.get(old_m.path, []) if old_m is not None else [],
        new_hits=bundle.new_hits.get(new_m.path, []) if new_m is not None else [],
        old_path=fd.old_path,
        added_hit_keys=bundle.added_keys,
        force=force,
        cancel=cancel,
    )


def file_syntax_for(
    fd: FileDiff, view: FileView, cancel: Callable[[], bool] | None = None
) -> tuple[dict, dict]:
    """Second step for a big file: (left, right) pygments spans per row."""
    old_m, new_m = fd.old_member, fd.new_member
    left = side_syntax(view.left, old_m.path, old_m.text, cancel) if old_m is not None else {}
    right = side_syntax(view.right, new_m.path, new_m.text, cancel) if new_m is not None else {}
    return left, right
