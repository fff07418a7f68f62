"""Damaged archives: whatever the bytes, the reader answers with data or an ArchiveError.

Hypothesis mutates small valid archives of every container kind (byte flips, cuts, inserts)
and the reader must never raise anything else, nor hang. A longer offline run of the same
idea (40,000 mutants) found the pyzipper and zipfile exceptions the reader now converts.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.archive import ArchiveError, open_bytes
from tests.core.archive import fixtures as F


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("seeds")
    return {
        "wheel": F.make_wheel(d).read_bytes(),
        "sdist.tar.gz": F.make_sdist(d).read_bytes(),
        "sdist.tar.xz": F.make_sdist(d, compression="xz").read_bytes(),
        "tar": F.tar_bytes(
            [
                ("p-1.0/" + "y" * 150 + ".py", b"z = 1\n"),
                (F._info("p-1.0/s", b"2", "../x"), None),
                ("p-1.0/in.tar", F.tar_bytes([("q", b"w")])),
            ]
        ),
        "stored.zip": F.raw_zip(
            [
                {"name": b"p/setup.py", "data": b"x = 1\n" * 20, "method": 0},
                {"name": b"p/in.zip", "data": F.zip_bytes({"a": b"b"}, 0), "method": 0},
            ]
        ),
        "sample.zip": F.make_sample_zip(d, F.make_sdist(d, "s", "2.0")).read_bytes(),
        "aes.zip": F.make_sample_zip(
            d, F.make_wheel(d, "w", "3.0"), aes=True, out_name="aes.zip"
        ).read_bytes(),
    }


_EDITS = st.lists(
    st.tuples(
        st.sampled_from(["set", "cut", "insert"]),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=16),
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(
        ["wheel", "sdist.tar.gz", "sdist.tar.xz", "tar", "stored.zip", "sample.zip", "aes.zip"]
    ),
    edits=_EDITS,
    keep=st.floats(0.05, 1.0),
)
def test_mutated_archives_give_data_or_an_archive_error(seeds, kind, edits, keep):
    data = bytearray(seeds[kind])
    for op, where, blob in edits:
        pos = int(where * (len(data) - 1))
        if op == "set":
            data[pos : pos + len(blob)] = blob
        elif op == "cut":
            del data[pos : pos + len(blob) * 8]
        else:
            data[pos:pos] = blob
    data = bytes(data[: max(1, int(len(data) * keep))])
    try:
        art = open_bytes(data, kind)
    except ArchiveError:
        return
    for m in art.members:  # everything a caller touches stays well-behaved
        assert m.path and not m.path.startswith("/")
        m.detect_encoding()
        assert m.entropy is None or 0.0 <= m.entropy <= 8.0
