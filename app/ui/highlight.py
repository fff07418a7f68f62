"""A QSyntaxHighlighter that only applies spans computed in a worker.

Lexing 10,000 lines with pygments takes longer than a frame, so it happens off the GUI thread
(:func:`app.ui.file_model.token_lines`); this class just looks a block's spans up by block
number and sets formats. It also marks hazardous characters (bidi controls, escapes) that
:mod:`app.ui.safe_text` made visible, so they stand out instead of hiding.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat

from app.ui.theme import Theme


class PrecomputedHighlighter(QSyntaxHighlighter):
    def __init__(self, owner, theme: Theme):
        # Owned by the editor, not by a document: the editor swaps documents (big files come
        # prebuilt from a worker) and a document-owned highlighter would die with the first.
        super().__init__(owner)
        self.setDocument(None)
        self._syntax: dict[int, list[tuple[int, int, str]]] = {}
        self._hazards: dict[int, list[int]] = {}
        self._formats: dict[str, QTextCharFormat | None] = {}
        self._theme = theme
        self._hazard_format = QTextCharFormat()
        self._set_hazard_format()

    def _set_hazard_format(self) -> None:
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(self._theme.severity["critical"]))
        fmt.setForeground(QColor("#ffffff"))
        fmt.setFontWeight(QFont.Weight.Bold)
        self._hazard_format = fmt

    def set_spans(self, syntax: dict, hazards: dict) -> None:
        """Install new spans; the caller sets the document text right after (which
        highlights every block once), so no rehighlight is triggered here."""
        self._syntax = syntax
        self._hazards = hazards

    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self._formats.clear()
        self._set_hazard_format()
        if self.document() is not None:
            self.rehighlight()

    def _format(self, token: str) -> QTextCharFormat | None:
        if token not in self._formats:
            color = self._theme.token_color(token)
            fmt = None
            if color is not None:
                fmt = QTextCharFormat()
                fmt.setForeground(QColor(color))
                if token.startswith("Comment"):
                    fmt.setFontItalic(True)
            self._formats[token] = fmt
        return self._formats[token]

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        row = self.currentBlock().blockNumber()
        spans = self._syntax.get(row)
        if spans:
            for start, length, token in spans:
                fmt = self._format(token)
                if fmt is not None:
                    self.setFormat(start, length, fmt)
        marks = self._hazards.get(row)
        if marks:
            for pos in marks:
                self.setFormat(pos, 1, self._hazard_format)
