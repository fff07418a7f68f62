"""The window's menu bar (File, Queue, Review, Decide, View, Help) and what each entry does.

Entries with a key come from :data:`app.ui.shortcuts.SHORTCUTS`, so the ``?`` sheet and the
menus never disagree; the few without a key (open the demo, sync the dataset, about) are
listed here. Every action is also added to the window itself, so its key works with the menu
bar hidden; single-letter keys stay quiet in text fields and drop-downs (the TypingGuard),
keys with Ctrl or Alt are menu keys everywhere, as in any desktop application.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from app.ui.shortcuts import SHORTCUTS

MENU_ORDER = ("File", "Queue", "Review", "Decide", "View", "Help")

# Actions without a key: (action id, label, menu).
MENU_ONLY: tuple[tuple[str, str, str], ...] = (
    ("open_demo", "Open the demo queue (eleven inert attack-shaped packages)", "File"),
    ("fetch_item", "Fetch the release files of this item from the registry", "File"),
    ("sync", "Sync the dataset (push decisions, pull the others' labels)", "File"),
    ("about", "About Vetbench", "Help"),
)

# The File menu reads top to bottom as a moderator uses it; None is a separator.
FILE_ORDER = ("add", "open_demo", "fetch_item", "export_evidence", "sync", None, "quit")


def window_handlers(w) -> dict:
    """What each action id does in window ``w`` (a :class:`~app.ui.main_window.MainWindow`)."""
    return {
        "next_item": lambda: w.queue.select_next(1),
        "prev_item": lambda: w.queue.select_next(-1),
        "filter": lambda: (w.queue.filter_edit.setFocus(), w.queue.filter_edit.selectAll()),
        "refresh": lambda: w.queue_model.reload(),
        "next_change": lambda: w.release.diff.next_change(1),
        "prev_change": lambda: w.release.diff.next_change(-1),
        "next_hit": lambda: w.step_hit(1),
        "prev_hit": lambda: w.step_hit(-1),
        "next_file": lambda: w.step_file(1),
        "prev_file": lambda: w.step_file(-1),
        "label_hit": w.label_current_hit,
        "evidence": w.add_evidence,
        **w.triage.handlers(),
        **w.file_actions.handlers(),
        "reason": lambda: w.decision.reason_edit.setFocus(),
        "campaign": w.show_campaign,
        "focus_queue": w.queue.table.setFocus,
        "focus_files": w.release.files.setFocus,
        "focus_diff": w.release.diff.right.setFocus,
        "focus_capabilities": w.release.delta.caps.setFocus,
        "focus_decision": w.decision.action_combo.setFocus,
        "release_file": w.release.choose_file,
        "find": lambda: w.release.diff.find(),
        "search_release": w.release.search_release,
        "wrap": lambda: w.release.diff.set_wrap(w.actions["wrap"].isChecked()),
        "zoom_in": lambda: w.release.diff.zoom(1),
        "zoom_out": lambda: w.release.diff.zoom(-1),
        "zoom_reset": lambda: w.release.diff.zoom(0),
        "theme": w.cycle_theme,
        "help": w.overlay.toggle,
    }


def _keys(key: str) -> list[QKeySequence]:
    keys = [QKeySequence(key)]
    if key == "?":  # F1 as well, the usual help key (Qt maps Shift+/ to "?" itself)
        keys.append(QKeySequence("F1"))
    if key == "Ctrl++":  # the unshifted key of "+" on most layouts
        keys.append(QKeySequence("Ctrl+="))
    return keys


def build_menus(w, handlers: dict) -> dict[str, QAction]:
    """Fill ``w``'s menu bar; returns the actions by id (``w.actions``)."""
    menus = {name: w.menuBar().addMenu(f"&{name}") for name in MENU_ORDER}
    for name, menu in menus.items():
        menu.setObjectName(f"menu{name}")
    actions: dict[str, QAction] = {}
    entries = [(a, k, label, m) for a, k, label, m in SHORTCUTS]
    entries += [(a, "", label, m) for a, label, m in MENU_ONLY]
    for action_id, key, label, _menu in entries:
        action = QAction(label, w)
        action.setObjectName(f"action_{action_id}")
        if key:
            action.setShortcuts(_keys(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(handlers[action_id])
        w.addAction(action)  # shortcuts work even with the menu bar hidden
        actions[action_id] = action
    for action_id in FILE_ORDER:
        if action_id is None:
            menus["File"].addSeparator()
        else:
            menus["File"].addAction(actions[action_id])
    for action_id, _key, _label, menu in entries:
        if menu != "File":
            menus[menu].addAction(actions[action_id])
    actions["wrap"].setCheckable(True)
    actions["wrap"].setChecked(True)
    actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)
    return actions
