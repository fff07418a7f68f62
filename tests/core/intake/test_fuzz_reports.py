"""Inbox report files from anyone: whatever the bytes or the JSON, a report or one refusal.

Hypothesis builds random JSON documents shaped like reports (the known fields holding values of
every type, nested, with control characters, NULs and lone surrogates) and random bytes; the
reader must answer with reports or an :class:`InboxFormatError` listing the problems, never
another exception.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.intake.inbox import InboxFormatError, InboxReport, parse_reports

FIELDS = [
    "ecosystem",
    "name",
    "version",
    "versions",
    "reason",
    "reporter",
    "source",
    "baseline",
    "artifact",
    "path",
    "url",
    "sha256",
]
_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=30)
_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT
JSONISH = st.recursive(
    _SCALAR,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | _TEXT, inner, max_size=6)
    ),
    max_leaves=20,
)
GOOD = {
    "ecosystem": "pypi",
    "name": "acme",
    "version": "1.1",
    "reason": "posts ~/.ssh to 192.0.2.7",
    "artifact": {"path": "acme-1.1.tar.gz", "sha256": "a" * 64},
}


def _answer(data: bytes, base=None) -> list[InboxReport] | InboxFormatError:
    try:
        reports = parse_reports(data, base)
    except InboxFormatError as exc:
        assert exc.problems and all(isinstance(p, str) for p in exc.problems)
        return exc
    assert reports and all(isinstance(r, InboxReport) for r in reports)
    return reports


def _dump(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(doc=JSONISH)
def test_any_json_document_is_reports_or_one_refusal(doc, tmp_path):
    _answer(_dump(doc), tmp_path)


@SETTINGS
@given(field=st.sampled_from(sorted(GOOD) + ["versions", "source", "baseline"]), value=JSONISH)
def test_one_field_of_a_good_report_holding_anything(field, value, tmp_path):
    doc = {**GOOD, field: value}
    _answer(_dump(doc), tmp_path)
    _answer(_dump({**GOOD, "artifact": {"path": value, "url": value, "sha256": value}}), tmp_path)
    _answer(_dump([GOOD, doc]), tmp_path)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_any_bytes_are_reports_or_one_refusal(data):
    _answer(data)
    _answer(_dump(GOOD)[:-3] + data)


def test_a_path_with_a_nul_byte_is_refused_not_a_crash(tmp_path):
    doc = {**GOOD, "artifact": {"path": "acme\x00.tar.gz"}}
    assert isinstance(_answer(_dump(doc), tmp_path), InboxFormatError)
