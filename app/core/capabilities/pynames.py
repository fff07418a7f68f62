"""Tables of Python call names the analyser recognises, by what they let code do.

Qualified names are what alias resolution produces: ``import subprocess as sp; sp.Popen`` is
``subprocess.Popen``; ``s = socket.socket(); s.connect`` is ``socket.socket().connect``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from functools import lru_cache

EXEC_SINKS = {
    "builtins.exec",
    "builtins.eval",
    "builtins.compile",
    "builtins.execfile",
    "types.FunctionType",
    "code.InteractiveInterpreter().runsource",
    "runpy.run_path",
}
IMPORT_SINKS = {"builtins.__import__", "importlib.import_module", "importlib.__import__"}
DESERIALIZE = {
    "pickle.loads",
    "pickle.load",
    "cPickle.loads",
    "cPickle.load",
    "_pickle.loads",
    "marshal.loads",
    "marshal.load",
    "dill.loads",
    "dill.load",
    "cloudpickle.loads",
    "shelve.open",
    "joblib.load",
    "jsonpickle.decode",
    "pandas.read_pickle",
}
DECODERS = {
    "base64.b64decode",
    "base64.standard_b64decode",
    "base64.urlsafe_b64decode",
    "base64.b32decode",
    "base64.b16decode",
    "base64.a85decode",
    "base64.b85decode",
    "base64.decodebytes",
    "base64.decodestring",
    "binascii.a2b_base64",
    "binascii.unhexlify",
    "binascii.a2b_hex",
    "zlib.decompress",
    "lzma.decompress",
    "bz2.decompress",
    "gzip.decompress",
    "codecs.decode",
    "marshal.loads",
    "bytes.fromhex",
    "builtins.bytes.fromhex",
}
SPAWN = {
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "os.execl",
    "os.execle",
    "os.execlp",
    "os.execlpe",
    "os.execv",
    "os.execve",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnle",
    "os.spawnlp",
    "os.spawnv",
    "os.spawnve",
    "os.spawnvp",
    "os.posix_spawn",
    "os.posix_spawnp",
    "os.startfile",
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.run",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "pty.spawn",
    "commands.getoutput",
    "commands.getstatusoutput",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
    "popen2.popen2",
    "win32api.ShellExecute",
    "win32process.CreateProcess",
    "sh.Command",
    "plumbum.local",
}
NET_MODULES = (
    "requests",
    "httpx",
    "urllib3",
    "aiohttp",
    "http.client",
    "httplib",
    "urllib.request",
    "urllib2",
    "urllib",
    "socket",
    "ftplib",
    "smtplib",
    "telnetlib",
    "paramiko",
    "websocket",
    "websockets",
    "pycurl",
    "dns.resolver",
    "discord_webhook",
    "telebot",
    "telegram",
    "dhooks",
    "mechanize",
    "xmlrpc.client",
    "tornado.httpclient",
)
NET_VERBS = {
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "request",
    "urlopen",
    "urlretrieve",
    "connect",
    "create_connection",
    "send",
    "sendall",
    "sendto",
    "HTTPConnection",
    "HTTPSConnection",
    "Request",
    "fetch",
    "ClientSession",
    "PoolManager",
    "Client",
    "AsyncClient",
    "stream",
    "sendmail",
    "send_message",
    "SMTP",
    "SMTP_SSL",
    "FTP",
    "storbinary",
    "execute",
    "DiscordWebhook",
    "Webhook",
    "TeleBot",
    "send_document",
    "sendDocument",
    "ServerProxy",
}
NET_READ = {
    "read",
    "recv",
    "recv_into",
    "text",
    "content",
    "json",
    "iter_content",
    "readlines",
    "getresponse",
    "data",
    "body",
    "raw",
}
DOWNLOAD_TO_DISK = {
    "urllib.request.urlretrieve",
    "urllib.urlretrieve",
    "wget.download",
    "gdown.download",
}
# Encoders that make data fit a URL or a host name label: in a looked-up host name they are
# how data leaves through DNS.
ENCODERS = frozenset(
    {
        "base64.b32encode",
        "base64.b16encode",
        "base64.b64encode",
        "base64.urlsafe_b64encode",
        "binascii.hexlify",
        "binascii.b2a_hex",
    }
)
SYSINFO = {
    "socket.gethostname",
    "socket.getfqdn",
    "platform.node",
    "platform.uname",
    "os.uname",
    "getpass.getuser",
    "os.getlogin",
    "os.getuid",
    "pwd.getpwuid",
    "uuid.getnode",
    "psutil.users",
}
# What platform the code runs on (OS, release, architecture): every telemetry client, crash
# reporter and user agent sends it, and it names no host or person, so it is a fact shown at low
# and never the source of a chain (SYSINFO's host name, user name, user id and MAC address are).
PLATFORM_FACTS = {"platform.platform"}
# Libraries whose calls hand back a browser's cookies (its logged-in sessions), decrypted:
# ``browser_cookie3.chrome(domain_name=...)`` is a cookie stealer's first line.
BROWSER_COOKIE_MODULES = ("browser_cookie3.", "browsercookie.", "rookiepy.", "pycookiecheat.")
# Their per-browser calls, which the taint pass looks at (a generic ``load`` it does not).
BROWSER_NAMES = frozenset(
    {
        "chrome",
        "chromium",
        "firefox",
        "brave",
        "edge",
        "opera",
        "opera_gx",
        "librewolf",
        "vivaldi",
        "safari",
        "arc",
        "chrome_cookies",
        "firefox_cookies",
    }
)
USER_INPUT = {
    "pyperclip.paste",
    "PIL.ImageGrab.grab",
    "ImageGrab.grab",
    "pyautogui.screenshot",
    "pynput.keyboard.Listener",
    "keyboard.on_press",
    "keyboard.hook",
    "keyboard.record",
    "keyboard.read_key",
    "win32clipboard.GetClipboardData",
    "mss.mss",
    "cv2.VideoCapture",
    "pyscreenshot.grab",
    "sounddevice.rec",
    "pynput.mouse.Listener",
    "clipboard.paste",
    "pyHook.HookManager",
    "pythoncom.PumpMessages",
}
NATIVE_LOAD = {
    "ctypes.CDLL",
    "ctypes.WinDLL",
    "ctypes.OleDLL",
    "ctypes.PyDLL",
    "ctypes.cdll.LoadLibrary",
    "ctypes.windll.LoadLibrary",
    "ctypes.oledll.LoadLibrary",
    "ctypes.pydll.LoadLibrary",
    "_ctypes.dlopen",
    "_ctypes.LoadLibrary",
    "cffi.FFI().dlopen",
    "win32api.LoadLibrary",
}
INJECTION_APIS = {
    "VirtualAllocEx",
    "WriteProcessMemory",
    "CreateRemoteThread",
    "NtUnmapViewOfSection",
    "QueueUserAPC",
    "SetWindowsHookExA",
    "SetWindowsHookExW",
    "GetAsyncKeyState",
}
SHELLCODE_APIS = {
    "VirtualAlloc",
    "VirtualProtect",
    "RtlMoveMemory",
    "CreateThread",
    "WaitForSingleObject",
}
HOME_SOURCES = {
    "os.path.expanduser",
    "pathlib.Path.home",
    "os.path.expandvars",
    "tempfile.gettempdir",
    "tempfile.mkdtemp",
    "tempfile.mktemp",
    "os.getenv",
    "os.environ.get",
    "os.environ",
    "tempfile.gettempdirb",
    "site.getsitepackages",
    "site.getusersitepackages",
    "sysconfig.get_paths",
    "pathlib.Path.expanduser",
}
HOME_ENV = (
    "APPDATA",
    "LOCALAPPDATA",
    "TEMP",
    "TMP",
    "USERPROFILE",
    "HOME",
    "PROGRAMDATA",
    "STARTUP",
    "XDG_CONFIG_HOME",
)
SAFE_TOOLS = {
    "git",
    "hg",
    "svn",
    "gcc",
    "cc",
    "g++",
    "c++",
    "clang",
    "clang++",
    "cl",
    "pkg-config",
    "pkgconf",  # the pkg-config of Alpine, Fedora and FreeBSD
    "make",
    "cmake",
    "ninja",
    "nvcc",
    "xcrun",
    "uname",
    "cython",
    "meson",
    "rustc",
    "cargo",
    "swig",
    "sw_vers",
    "ldconfig",
    "lsb_release",
    "where",
    "which",
    "ar",
    "ld",
    "nm",
    "pandoc",
    "sphinx-build",
    # docutils' writers, docs tools like pandoc (setup.py asks rst2man for its version)
    "rst2man",
    "rst2man.py",  # the name older docutils installs
    "rst2html",
    "rst2html5",
    "brew",
    "gfortran",
    "icc",
    "npm",
    "yarn",
    "node",
    "tox",
    "pytest",
    "pip",
    "python",
    "python3",
    "sys.executable",
    "autoreconf",
    # the rest of autotools, and touch (sources' timestamps, so make does not rerun them)
    "autoconf",
    "automake",
    "aclocal",
    "libtoolize",
    "touch",
    "protoc",
    # gettext's catalog compiler: setup.py turns the package's .po translations into .mo files
    "msgfmt",
    "ldd",
    "getconf",
    "sysctl",
    "otool",
    "file",
    "locale",
}
SHADOW_COMMANDS = {
    "pip",
    "pip3",
    "python",
    "python3",
    "py",
    "ls",
    "sudo",
    "su",
    "ssh",
    "scp",
    "git",
    "curl",
    "wget",
    "sh",
    "bash",
    "zsh",
    "cd",
    "cat",
    "rm",
    "cp",
    "mv",
    "npm",
    "npx",
    "node",
    "yarn",
    "docker",
    "kubectl",
    "aws",
    "gcloud",
    "az",
    "apt",
    "apt-get",
    "yum",
    "dnf",
    "brew",
    "make",
    "gcc",
    "cc",
    "systemctl",
    "passwd",
    "chmod",
    "chown",
    "env",
    "which",
    "grep",
    "find",
    "ps",
    "kill",
    "tar",
    "unzip",
    "zip",
    "explorer",
    "cmd",
    "powershell",
    "pwsh",
    "java",
    "go",
    "cargo",
    "rustc",
    "ruby",
    "gem",
    "perl",
    "php",
    "pnpm",
    "uv",
    "poetry",
    "pipx",
    "conda",
    "twine",
    "gpg",
    "openssl",
    "mkdir",
    "echo",
    "touch",
    "vim",
    "vi",
    "nano",
    "less",
    "more",
    "top",
    "id",
    "whoami",
    "ping",
    "nc",
    "netstat",
    "ifconfig",
    "ip",
    "mount",
    "crontab",
    "at",
    "login",
    "sed",
    "awk",
}


_SENSITIVE_PARTS = (
    "os",
    "sys",
    "subprocess",
    "system",
    "popen",
    "exec",
    "eval",
    "compile",
    "__import__",
    "builtins",
    "socket",
    "urllib",
    "request",
    "urlopen",
    "requests",
    "base64",
    "b64decode",
    "marshal",
    "zlib",
    "ctypes",
    "getattr",
    "pty",
    "spawn",
    "http",
    "decode",
    "loads",
    "open",
    "environ",
    "shutil",
    "winreg",
    "webbrowser",
)


def sensitive_name(name: str) -> bool:
    """A name worth hiding: a module or function that runs, fetches, decodes or loads."""
    parts = re.split(r"[.\s]+", name.strip().lower())
    return any(
        p in _SENSITIVE_PARTS or p.startswith(("exec", "eval", "popen", "system", "b64"))
        for p in parts
        if p
    )


# What pynput.keyboard offers besides its listeners: the Controller presses and types keys (it
# sends input, as pyautogui.write does, and reads none), Key and KeyCode name keys, HotKey parses
# a combination a Listener is fed. Listener, Events and GlobalHotKeys read the keyboard.
_PYNPUT_SENDERS = frozenset({"Controller", "Key", "KeyCode", "HotKey"})


def reads_keys(q: str) -> bool:
    """A call under pyHook or pynput.keyboard that reads the keyboard (not a pynput sender)."""
    if q.startswith("pyHook"):
        return True
    head, _, rest = q.partition("pynput.keyboard")
    return not head and rest.split(".")[1:2] != [] and rest.split(".")[1] not in _PYNPUT_SENDERS


# A variable that names a file, a path or a stream address, not a camera index.
_VIDEO_SOURCE_RE = re.compile(r"file|path|url|uri|video|movie|clip|stream|src")


def opens_a_video(q: str, arg0: ast.AST | None, fold: Callable[[ast.AST], object]) -> bool:
    """``cv2.VideoCapture("clip.mp4")`` or ``VideoCapture(file_name)`` decodes a video file
    or stream; only a camera index (``VideoCapture(0)``) or a source the code does not say
    captures the webcam. ``fold`` gives an argument's constant value (None: computed)."""
    if q != "cv2.VideoCapture" or arg0 is None:
        return False
    value = fold(arg0)
    if value is not None:
        return isinstance(value, str | bytes)
    name = arg0.id if type(arg0) is ast.Name else getattr(arg0, "attr", "")
    return _VIDEO_SOURCE_RE.search(name.lower()) is not None


_SECRET_PARAM_RE = re.compile(
    r"(?:^|_)(?:private|priv|secret|validate|signing|wallet)_?key$|mnemonic|seed_?phrase|^seed$|keypair|wallet",
    re.I,
)

# What never leaves a wallet: its seed phrase or private key. Sent over the network from the
# function it is handed to, it is a trojanised API (an SDK's own API key or secret is not).
WALLET_PARAM_RE = re.compile(r"mnemonic|seed_?phrase|(?:^|_)priv(?:ate)?_?key$", re.I)


@lru_cache(maxsize=4096)
def secret_param(name: str) -> bool:
    """``_SECRET_PARAM_RE`` on a parameter name, remembered: the same few names (``self``,
    ``key``, ``value``...) come back in every function, and the search was 4 % of the
    analysis of the popular releases."""
    return _SECRET_PARAM_RE.search(name) is not None


# Builtins whose replacement (``builtins.open = my_open``) hijacks every later caller.
PATCHABLE = {
    "open",
    "print",
    "exec",
    "eval",
    "__import__",
    "input",
    "compile",
    "getattr",
    "len",
    "str",
    "bytes",
    "isinstance",
    "type",
    "hash",
}
