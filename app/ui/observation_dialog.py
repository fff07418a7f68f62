"""Decide → Report to PyPI: the item's decision as a PyPI *Observation*, previewed first.

The same code as ``vetbench observation ITEM``: :func:`app.workflows.evidence.observation_body`
builds the request body (kind, summary, and for malware the inspector URL of the file and
line), shown here as the JSON a dry run prints. **Send** is enabled only when
``VETBENCH_PYPI_TOKEN`` is set and a body was built; it posts with
:func:`~app.workflows.evidence.send_observation`, which logs the Observation on the item only
when the server accepted it. Refusals (401/403), server errors and a server that is down are
said in the dialog and the banner; nothing is recorded then.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from app import config
from app.ui import safe_text
from app.ui.diff_view import plain_label
from app.workflows.evidence import DEFAULT_SERVER, OBSERVATION_KINDS

FROM_DECISION = "from the decision"


class ObservationDialog(QDialog):
    def __init__(self, window, item):
        super().__init__(window)
        self.setObjectName("observationDialog")
        self.setWindowTitle(f"Report {safe_text.one_line(item.label, 60)} to PyPI")
        self.w, self.item = window, item
        self.body: dict | None = None
        self.kind = QComboBox()
        self.kind.setAccessibleName("Observation kind")
        self.kind.addItems([FROM_DECISION, *OBSERVATION_KINDS])
        self.summary = QLineEdit()
        self.summary.setAccessibleName("Summary")
        self.summary.setPlaceholderText("default: the decision's reason")
        self.server = QLineEdit(DEFAULT_SERVER)
        self.server.setAccessibleName("Server")
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("observationPreview")
        self.preview.setAccessibleName("Request body (dry run)")
        self.preview.setReadOnly(True)
        self.preview.setMinimumSize(560, 160)
        self.status = plain_label("")
        self.status.setObjectName("observationStatus")
        self.status.setWordWrap(True)
        self.token = config.pypi_token()
        form = QFormLayout()
        form.addRow("Kind", self.kind)
        form.addRow("Summary", self.summary)
        form.addRow("Server", self.server)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.preview_button = QPushButton("&Preview")
        self.send_button = QPushButton("&Send")
        self.send_button.setEnabled(False)
        self.preview_button.setDefault(True)  # Return in a field previews; it never sends
        for button in (self.send_button, buttons.button(QDialogButtonBox.StandardButton.Close)):
            button.setAutoDefault(False)
        buttons.addButton(self.preview_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.preview_button.clicked.connect(self.build)
        self.send_button.clicked.connect(self.send)
        self.kind.activated.connect(lambda _i: self.build())
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(plain_label("The request body (what a dry run prints):"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.build()

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b00020;" if error else "")
        self.status.setText(text)

    def build(self) -> None:
        """Build the body in the background (a malware body reads the release for the line)."""
        store, item_id = self.w.store, self.item.id
        kind = None if self.kind.currentText() == FROM_DECISION else self.kind.currentText()
        summary = self.summary.text().strip() or None
        self.body = None
        self.send_button.setEnabled(False)
        self._say("Building the Observation…")

        def work(_cancel, _progress):
            from app.workflows.evidence import observation_body

            return observation_body(store, item_id, kind, summary)

        def done(body):
            self.body = body
            self.preview.setPlainText(json.dumps(body, indent=2, ensure_ascii=False))
            if self.token:
                self.send_button.setEnabled(True)
                self._say("Dry run. Send posts it to the server with VETBENCH_PYPI_TOKEN.")
            else:
                self._say(
                    "Dry run only: set VETBENCH_PYPI_TOKEN (a PyPI API token) before starting "
                    "Vetbench to send it.",
                    error=True,
                )

        def failed(message, _details):
            self.preview.setPlainText("")
            text = message.split(": ", 2)[-1]
            # The use case speaks in the CLI's options; here they are the fields above.
            text = text.replace("give --kind", "pick a Kind").replace(
                "give --summary", "write a Summary"
            )
            self._say(text, error=True)

        self.w.runner.submit(
            "io", "observation", work, done, failed, label="Building the Observation"
        )

    def send(self) -> None:
        if self.body is None or not self.token:
            return
        store, item_id, body = self.w.store, self.item.id, self.body
        server, token, actor = self.server.text().strip(), self.token, self.w.reviewer
        self.send_button.setEnabled(False)
        self._say(f"Sending to {server}…")

        def work(_cancel, _progress):
            from app.workflows.evidence import send_observation

            return send_observation(store, item_id, body, server=server, token=token, actor=actor)

        def done(result):
            self._say(f"Sent: {server} answered HTTP {result['status']}; logged on the item.")
            self.w.statusBar().showMessage(
                f"Observation on {safe_text.one_line(self.item.label, 80)} sent to {server}", 8000
            )

        def failed(message, details):
            text = message.split(": ", 2)[-1]
            self._say(text, error=True)
            self.w.banner.show_error(f"Report to PyPI: {text}", details)
            self.send_button.setEnabled(True)

        self.w.runner.submit(
            "io", "observation-send", work, done, failed, label="Sending the Observation"
        )
