"""Text documents for the diff editors, built in a worker thread.

Setting 10,000 lines into a QPlainTextEdit costs tens of milliseconds per side on the GUI
thread. A QTextDocument is a plain QObject (no widget), so the worker builds it — with the
plain-text layout the editor needs and the editor's font — and moves it to the GUI thread;
the editor then only swaps documents. Small files are not worth the hop and are set directly.
"""

from __future__ import annotations

from PySide6.QtCore import QThread
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QPlainTextDocumentLayout

from app.config import text_on_gui_thread

PREBUILD_ROWS = 2_000  # below this, setPlainText on the GUI thread is cheaper than the hop
# Qt 6 text layout is thread-safe; this switch exists only to rule the hop out when
# diagnosing a platform problem (set VETBENCH_GUI_THREAD_TEXT=1, see app.config).


def build_document(text: str, font: QFont, gui_thread: QThread) -> QTextDocument:
    """A document holding ``text``, owned by ``gui_thread`` (call from a worker)."""
    doc = QTextDocument()
    doc.setDocumentLayout(QPlainTextDocumentLayout(doc))
    doc.setDefaultFont(font)
    doc.setUndoRedoEnabled(False)
    doc.setPlainText(text)
    doc.moveToThread(gui_thread)
    return doc


def documents_for(view, font: QFont, gui_thread: QThread) -> dict[str, QTextDocument]:
    """Prebuilt documents for the big sides of a file view: ``{"left": doc, "right": doc}``."""
    docs: dict[str, QTextDocument] = {}
    if text_on_gui_thread():
        return docs
    for name in ("left", "right"):
        side = getattr(view, name, None)
        if side is not None and len(side.numbers) >= PREBUILD_ROWS:
            docs[name] = build_document(side.text, font, gui_thread)
    return docs
