"""Optional schema check: fetch the published JSON schema once and cache it (documented in
the README; the URL is the project's own documentation host)."""

import json
import urllib.request

SCHEMA_URL = "https://docs.example.invalid/pyconfig-yaml/schema-1.2.json"


def fetch_schema(cache={}):
    if "schema" not in cache:
        with urllib.request.urlopen(SCHEMA_URL, timeout=5) as resp:
            cache["schema"] = json.load(resp)
    return cache["schema"]
