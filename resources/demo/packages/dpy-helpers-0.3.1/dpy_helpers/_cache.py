# VETBENCH DEMO PACKAGE - INERT. Shaped like the Discord token stealers: walk the Discord and
# browser storage folders for tokens, then run a compressed, encoded stage. The encoded stage
# below only prints a line; the collected paths are never read or sent anywhere.
import base64
import os
import zlib

ROAMING = os.getenv("APPDATA", "")
TARGETS = [
    os.path.join(ROAMING, "discord", "Local Storage", "leveldb"),
    os.path.join(ROAMING, "Google", "Chrome", "User Data", "Default", "Login Data"),
]

_STAGE = "eJwrKMrMK9FQKkstSUrNS85QSEnNzbdSyMxLLSpRKMnPTs3TLS5JTcxJLVIoLknMS9HNzFPSBAAAOxLv"

exec(zlib.decompress(base64.b64decode(_STAGE)))
