"""``--json`` output survives text no UTF-8 stream can carry (found on a popular release)."""

from __future__ import annotations

import io
import json

from app.commands import _output


def test_a_lone_surrogate_is_printed_as_its_json_escape(monkeypatch):
    """A JavaScript ``"\\ud800"`` escape decoded from a package is a lone surrogate: printed raw
    it raised UnicodeEncodeError and ended the whole scan batch; escaped, the line is valid
    UTF-8 and parses back to the same document."""
    doc = {"decoded": "a\ud800b", "match": "x\udfff", "ok": "\U0001f600"}
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", newline="\n")
    monkeypatch.setattr("sys.stdout", out)
    _output.print_json(doc)
    out.flush()
    raw = out.buffer.getvalue()
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    assert b"\\ud800" in raw and b"\\udfff" in raw
    assert json.loads(raw.decode("utf-8")) == doc
