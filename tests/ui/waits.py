"""Waiting for the window to show a file with no work left, shared by the window tests.

Written as an assertion so that a wait that times out says what the window was still
doing (which lane's work was pending, whether a selection or colours were still to come,
which page the release pane showed) instead of only "timed out"."""

from __future__ import annotations

TIMEOUT = 20_000


def work_state(window) -> str:
    view = window.release.diff.view
    page = window.release.diff.stack.currentWidget()
    return (
        f"item={getattr(window.item, 'label', None)!r} "
        f"file={getattr(view, 'path', None)!r} "
        f"pending={window.runner.describe_pending()} "
        f"selection_pending={window.queue.selection_pending()} "
        f"colours_pending={bool(view is not None and view.syntax_pending)} "
        f"page={type(page).__name__}:{page.objectName()!r}"
        + (f" message={page.text()[:200]!r}" if hasattr(page, "text") else "")
    )


def wait_file_shown(window, qtbot, timeout: int = TIMEOUT) -> None:
    """Until a file of the selected release is on screen and no background work is left."""

    def shown() -> None:
        assert window.release.diff.view is not None, f"no file shown: {work_state(window)}"
        assert window.is_settled(), f"work left: {work_state(window)}"

    qtbot.waitUntil(shown, timeout=timeout)
