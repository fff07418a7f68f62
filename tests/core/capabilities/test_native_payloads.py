"""Native payloads: binaries shipped in a package are recognised by their bytes, their imports
and packers are reported, and install or import-time code that starts one is a threat, while a
compiled extension in a platform wheel or pip's launcher stays below high. Every binary is an
inert header built in ``native_fixtures`` (a ``ret`` for code); nothing is loaded or run."""

from __future__ import annotations

import base64

from app.core.archive import open_artifact
from app.core.capabilities.scan import scan_artifact
from tests.core.archive.fixtures import make_sdist, make_wheel
from tests.core.capabilities import native_fixtures as nf


def scan(path):
    return scan_artifact(open_artifact(path))


def threat_ids(result) -> set[str]:
    return {t.id for t in result.threats}


def rules(result) -> dict[str, list]:
    out: dict[str, list] = {}
    for h in result.findings:
        out.setdefault(h.rule, []).append(h)
    return out


def test_setup_py_starting_a_shipped_exe_is_a_high_chain(tmp_path):
    setup = b"""import os, subprocess
from setuptools import setup
here = os.path.dirname(os.path.abspath(__file__))
subprocess.Popen([os.path.join(here, "bin", "helper.exe")])
setup(name="colorfull", version="1.0")
"""
    path = make_sdist(
        tmp_path, name="colorfull", files={"setup.py": setup, "bin/helper.exe": nf.pe()}
    )
    result = scan(path)
    assert result.risk.level in ("high", "critical")
    assert "chain.bundled_execute" in threat_ids(result)
    launch = rules(result)["bin.launch"][0]
    assert launch.path == "setup.py" and launch.line == 4
    assert "bin/helper.exe" in launch.explanation


def test_a_keylogger_started_at_import_is_critical_and_its_imports_are_named(tmp_path):
    init = b"""import os, subprocess
_exe = os.path.join(os.path.dirname(__file__), "svc.dat")
subprocess.Popen([_exe], creationflags=0x08000000)
"""
    path = make_wheel(
        tmp_path,
        name="fastjsonx",
        files={"fastjsonx/__init__.py": init, "fastjsonx/svc.dat": nf.keylogger_exe()},
    )
    result = scan(path)
    assert result.risk.level == "critical"
    imports = rules(result)["bin.imports"][0]
    assert imports.path == "fastjsonx/svc.dat"  # found by its bytes, not its name
    assert (
        "SetWindowsHookExW" in imports.explanation and "URLDownloadToFileW" in imports.explanation
    )


def test_packed_binaries_are_a_disguise(tmp_path):
    files = {
        "pkgx/upx.exe": nf.pe(section_names=("UPX0", "UPX1")),
        "pkgx/frozen.bin": nf.pyinstaller_exe(),
    }
    result = scan(make_wheel(tmp_path, name="pkgx", files=files))
    packed = {h.path: h for h in rules(result)["bin.packed"]}
    assert "UPX" in packed["pkgx/upx.exe"].explanation
    assert "PyInstaller" in packed["pkgx/frozen.bin"].explanation
    assert "disguise.obfuscation" in threat_ids(result)
    assert result.risk.level in ("high", "critical")


def test_a_program_base64_encoded_in_a_source_string_is_found_and_decoded(tmp_path):
    blob = base64.b64encode(nf.keylogger_exe()).decode()
    code = f'PAYLOAD = "{blob}"\n'.encode()
    result = scan(make_wheel(tmp_path, name="tinyutil", files={"tinyutil/data.py": code}))
    embedded = rules(result)["bin.embedded"][0]
    assert embedded.path == "tinyutil/data.py" and embedded.line == 1
    assert embedded.layers == "b64decode"
    assert "PE program" in embedded.decoded and "keylogging" in embedded.decoded
    assert result.risk.level in ("high", "critical")


def test_a_hex_encoded_elf_is_found(tmp_path):
    code = f"BLOB = bytes.fromhex('{nf.elf(extra=bytes(2048)).hex()}')\n".encode()
    result = scan(make_wheel(tmp_path, name="tinyutil", files={"tinyutil/data.py": code}))
    embedded = rules(result)["bin.embedded"][0]
    assert embedded.layers == "unhexlify" and "ELF" in embedded.decoded


def test_a_pure_python_package_shipping_a_program_is_said_but_not_high(tmp_path):
    """pip and setuptools ship Windows launchers in pure-Python wheels: information only."""
    files = {"launcher/cli-64.exe": nf.pe(), "launcher/gui-64.exe": nf.pe()}
    result = scan(make_wheel(tmp_path, name="launcher", files=files))
    assert "bin.pure_python_program" in rules(result)
    assert result.risk.level not in ("high", "critical"), [t.to_json() for t in result.threats]


def test_compiled_extension_in_a_platform_wheel_is_not_an_alarm(tmp_path):
    init = b"from ._speedups import *\nimport ctypes, os\n_lib = ctypes.CDLL(os.path.join(os.path.dirname(__file__), '_speedups.cpython-311-x86_64-linux-gnu.so'))\n"
    files = {
        "fastthing/__init__.py": init,
        "fastthing/_speedups.cpython-311-x86_64-linux-gnu.so": nf.elf(executable=False),
        "fastthing/_win.pyd": nf.pe(
            {"kernel32.dll": ["CreateProcessW"], "ws2_32.dll": ["connect"]}, dll=True
        ),
        "fastthing-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_28_x86_64\n",
    }
    result = scan(make_wheel(tmp_path, name="fastthing", files=files))
    assert result.risk.level not in ("high", "critical"), [t.to_json() for t in result.threats]
    assert "bin.pure_python_program" not in rules(result)


def test_a_binary_never_named_in_install_code_is_no_chain(tmp_path):
    setup = b"import subprocess\nfrom setuptools import setup\nsubprocess.call(['git', 'describe'])\nsetup(name='x')\n"
    path = make_sdist(
        tmp_path, name="gitver", files={"setup.py": setup, "tools/helper.exe": nf.pe()}
    )
    assert "chain.bundled_execute" not in threat_ids(scan(path))


def test_truncated_and_hostile_headers_do_not_stop_the_scan(tmp_path):
    bad_pe = nf.pe()[:300] + b"\xff" * 64
    files = {
        "odd/a.exe": bad_pe,
        "odd/b.so": b"\x7fELF" + b"\xff" * 200,
        "odd/c.dat": b"MZ" + b"\0" * 100,
    }
    result = scan(make_wheel(tmp_path, name="odd", files=files))
    assert not result.errors
    assert result.files_scanned >= 3


def test_a_program_too_large_to_keep_is_still_read_at_both_ends(tmp_path):
    """A PyInstaller program is typically 5-15 MB: the archive reader keeps its first and last
    64 KB, enough for the headers and the cookie at its end."""
    import random

    filler = random.Random(0).randbytes(5 * 1024 * 1024)  # incompressible: no bomb ratio
    cookie = nf.PYINSTALLER_COOKIE + bytes(16) + b"python311.dll".ljust(64, b"\0")
    big = nf.pe({"kernel32.dll": ["CreateProcessW"]}, trailer=filler + cookie)
    setup = b"import subprocess\nfrom setuptools import setup\nsubprocess.Popen(['bin/update.exe'])\nsetup(name='bigpkg')\n"
    path = make_sdist(tmp_path, name="bigpkg", files={"setup.py": setup, "bin/update.exe": big})
    artifact = open_artifact(path)
    member = next(m for m in artifact.members if m.path == "bin/update.exe")
    assert member.data is None and member.edges is not None  # not kept whole
    result = scan_artifact(artifact)
    packed = rules(result)["bin.packed"][0]
    assert packed.path == "bin/update.exe" and "PyInstaller" in packed.explanation
    launch = rules(result)["bin.launch"][0]
    assert launch.severity == "critical" and launch.path == "setup.py"


def test_a_hex_encoded_elf_in_mixed_case_is_found(tmp_path):
    """unhexlify reads any case: the quick pre-check must not skip "7F454c46…"."""
    hexed = nf.elf(extra=bytes(2048)).hex()
    assert hexed.startswith("7f454c46")
    mixed = "7F454c46" + hexed[8:]
    assert "7f454c46" not in mixed and "7F454C46" not in mixed
    code = f"BLOB = bytes.fromhex('{mixed}')\n".encode()
    result = scan(make_wheel(tmp_path, name="tinyutil", files={"tinyutil/data.py": code}))
    embedded = rules(result)["bin.embedded"][0]
    assert embedded.layers == "unhexlify" and "ELF" in embedded.decoded
