"""Dataset labels from any co-writer: whatever the file holds, a label or one LabelError.

Hypothesis fills a valid label's fields with random JSON (every type, nesting, control
characters, lone surrogates) and throws random bytes at the parser; the reader answers with a
validated label or a :class:`LabelError`, never another exception. A few whole syncs over such
files check the same end to end: each bad file is a listed problem, the sync finishes.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sync.engine import sync_dataset
from app.sync.labels import LabelError, make_label, parse_label
from app.sync.layout import atomic_write
from tests.sync.signed import signed

_TEXT = st.text(alphabet=st.characters(codec=None), max_size=30)
_SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | _TEXT
JSONISH = st.recursive(
    _SCALAR,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=5),
    max_leaves=16,
)
GOOD = signed(
    make_label(
        ecosystem="pypi",
        name="acme",
        version="1.1",
        reviewer="carol",
        verdict="malicious",
        action="remove_project",
        reason="posts ~/.ssh to 192.0.2.7",
        evidence=[{"path": "setup.py", "line_start": 3, "line_end": 4}],
        hit_labels=[{"capability": "network.http", "path": "setup.py", "label": "confirmed"}],
        artifact={"filename": "acme-1.1.tar.gz", "sha256": "a" * 64, "sample": None},
    )
)
FIELDS = sorted(GOOD)


def _dump(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass")


def _answer(data: bytes):
    try:
        label = parse_label(data, "labels/pypi/acme/1.1/carol.json")
    except LabelError as exc:
        assert str(exc).startswith("labels/pypi/acme/1.1/carol.json")
        return exc
    assert isinstance(label, dict) and label["schema"] == "vetbench.label/1"
    return label


SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(field=st.sampled_from(FIELDS), value=JSONISH)
def test_any_value_in_any_field_is_a_label_or_one_refusal(field, value):
    _answer(_dump({**GOOD, field: value}))
    for nested in ("evidence", "hit_labels"):
        _answer(_dump({**GOOD, nested: [{**GOOD[nested][0], "path": value, "line": value}]}))
    _answer(_dump({**GOOD, "artifact": {**GOOD["artifact"], field: value}}))
    _answer(_dump({**GOOD, "signature": {**GOOD["signature"], "value": value}}))


@SETTINGS
@given(doc=JSONISH)
def test_any_json_document_is_refused_cleanly(doc):
    assert isinstance(_answer(_dump(doc)), LabelError)


@SETTINGS
@given(data=st.binary(max_size=300))
def test_any_bytes_are_a_label_or_one_refusal(data):
    _answer(data)
    _answer(_dump(GOOD)[:-2] + data)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(values=st.lists(st.tuples(st.sampled_from(FIELDS), JSONISH), min_size=1, max_size=4))
def test_a_sync_over_hostile_label_files_finishes_and_lists_them(values, tmp_path_factory, desks):
    ds = tmp_path_factory.mktemp("ds")
    rels = []
    for i, (field, value) in enumerate(values):
        rel = f"labels/pypi/p{i}/1.0/carol.json"
        atomic_write(ds, rel, _dump({**GOOD, "name": f"p{i}", "version": "1.0", field: value}))
        rels.append(rel)
    bob = desks("bob")
    report = sync_dataset(bob.store, ds, "bob")  # no exception, whatever the files hold
    listed = {p.path for p in report.problems} | set(report.pulled)
    assert set(rels) <= listed
