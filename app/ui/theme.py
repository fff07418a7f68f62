"""Dark and light themes that follow the system colour scheme.

One small :class:`Theme` record holds every colour the custom-painted widgets use (diff
backgrounds, severity colours, syntax token colours), so the widgets never hard-code a colour
and a scheme change repaints everything from one place.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette

SEVERITY_LIGHT = {
    "critical": "#b3001b",
    "high": "#d9480f",
    "medium": "#c08a00",
    "low": "#4a7fb5",
    "none": "#8a8f98",
}
SEVERITY_DARK = {
    "critical": "#ff5c6c",
    "high": "#ff922b",
    "medium": "#f5c542",
    "low": "#74a7e0",
    "none": "#8a8f98",
}

# A shape for each severity, so the level is seen without telling colours apart (about one
# man in twelve cannot tell the red of critical from the orange of high): filled and bigger
# is worse. Shown before the score in the queue and before the hit count in the file list.
SEVERITY_GLYPHS = {
    "critical": "◆",
    "high": "▲",
    "medium": "●",
    "low": "○",
    "none": "·",
}


def severity_glyph(level: str | None) -> str:
    return SEVERITY_GLYPHS.get(level or "none", "")


TOKENS_LIGHT = {
    "keyword": "#7a3e9d",
    "string": "#0a7a33",
    "comment": "#7b8088",
    "number": "#a0522d",
    "name.function": "#1b5fad",
    "name.class": "#1b5fad",
    "name.builtin": "#8a5a00",
    "operator": "#555555",
    "name.decorator": "#8a5a00",
}
TOKENS_DARK = {
    "keyword": "#c792ea",
    "string": "#a5d6a7",
    "comment": "#8b949e",
    "number": "#f78c6c",
    "name.function": "#82aaff",
    "name.class": "#82aaff",
    "name.builtin": "#ffcb6b",
    "operator": "#b0b6bf",
    "name.decorator": "#ffcb6b",
}


@dataclass(frozen=True)
class Theme:
    dark: bool
    base: str
    text: str
    muted: str
    line_number_bg: str
    added_bg: str
    removed_bg: str
    changed_bg: str
    added_span: str
    removed_span: str
    filler_bg: str
    current_line: str
    banner_bg: str
    banner_text: str
    severity: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    # A hit the moderator labelled (x): confirmed ✓ / dismissed ✗ (app/ui/hit_marks.py).
    hit_confirmed: str = "#8250df"
    hit_dismissed: str = "#6e7781"

    def severity_color(self, name: str) -> QColor:
        return QColor(self.severity.get(name, self.severity["none"]))

    def token_color(self, token: str) -> str | None:
        """Colour for a pygments token type name such as ``Name.Function`` (or ``None``)."""
        low = token.lower()
        while low:
            if low in self.tokens:
                return self.tokens[low]
            if "." not in low:
                break
            low = low.rsplit(".", 1)[0]
        for prefix in ("keyword", "string", "comment", "number"):
            if low.startswith(prefix) or f".{prefix}" in low:
                return self.tokens[prefix]
        return None


LIGHT = Theme(
    dark=False,
    base="#ffffff",
    text="#1f2328",
    muted="#6e7781",
    line_number_bg="#f3f4f6",
    added_bg="#e6f4ea",
    removed_bg="#fdecec",
    changed_bg="#fff6dc",
    added_span="#a8dfb5",
    removed_span="#f6b8b8",
    filler_bg="#f0f1f3",
    current_line="#e8f0fe",
    banner_bg="#fde2e1",
    banner_text="#611a15",
    severity=SEVERITY_LIGHT,
    tokens=TOKENS_LIGHT,
)
DARK = Theme(
    dark=True,
    base="#1e1f22",
    text="#dcdfe4",
    muted="#8b949e",
    line_number_bg="#25262a",
    added_bg="#1d3526",
    removed_bg="#3d2226",
    changed_bg="#3a3320",
    added_span="#2e6b43",
    removed_span="#7a2f38",
    filler_bg="#232428",
    current_line="#2b3245",
    banner_bg="#4a1f22",
    banner_text="#ffd7d5",
    severity=SEVERITY_DARK,
    tokens=TOKENS_DARK,
    hit_confirmed="#c297ff",
    hit_dismissed="#9198a1",
)


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    try:
        return app.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # pragma: no cover - older Qt
        return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def make_palette(theme: Theme) -> QPalette:
    from PySide6.QtWidgets import QApplication

    if not theme.dark:
        return QApplication.style().standardPalette()
    pal = QPalette()
    role = QPalette.ColorRole
    pal.setColor(role.Window, QColor("#2b2d30"))
    pal.setColor(role.WindowText, QColor(theme.text))
    pal.setColor(role.Base, QColor(theme.base))
    pal.setColor(role.AlternateBase, QColor("#26282b"))
    pal.setColor(role.Text, QColor(theme.text))
    pal.setColor(role.Button, QColor("#34363a"))
    pal.setColor(role.ButtonText, QColor(theme.text))
    pal.setColor(role.Highlight, QColor("#3d5a99"))
    pal.setColor(role.HighlightedText, QColor("#ffffff"))
    pal.setColor(role.ToolTipBase, QColor("#34363a"))
    pal.setColor(role.ToolTipText, QColor(theme.text))
    pal.setColor(role.PlaceholderText, QColor(theme.muted))
    pal.setColor(role.Link, QColor("#82aaff"))
    for group in (QPalette.ColorGroup.Disabled,):
        pal.setColor(group, role.Text, QColor(theme.muted))
        pal.setColor(group, role.WindowText, QColor(theme.muted))
        pal.setColor(group, role.ButtonText, QColor(theme.muted))
    return pal


class ThemeManager(QObject):
    """Holds the current theme; follows the system unless the user forced one."""

    changed = Signal(object)  # Theme

    def __init__(self, mode: str = "system", parent=None):
        super().__init__(parent)
        self._mode = mode
        self.theme = self._resolve()
        app = QGuiApplication.instance()
        if app is not None:
            app.setPalette(make_palette(self.theme))
            # Qt before 6.5 has no colorSchemeChanged: the theme then follows restarts only.
            with contextlib.suppress(AttributeError):
                app.styleHints().colorSchemeChanged.connect(lambda *_: self.refresh())

    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        self._mode = mode
        self.refresh()

    def _resolve(self) -> Theme:
        if self._mode == "dark":
            return DARK
        if self._mode == "light":
            return LIGHT
        return DARK if system_prefers_dark() else LIGHT

    def refresh(self) -> None:
        self.theme = self._resolve()
        app = QGuiApplication.instance()
        if app is not None:
            app.setPalette(make_palette(self.theme))
        self.changed.emit(self.theme)
