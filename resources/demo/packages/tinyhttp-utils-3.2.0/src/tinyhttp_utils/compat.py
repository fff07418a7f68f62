"""Compatibility shims for older Pythons."""

import sys

PY38 = sys.version_info[:2] == (3, 8)


def removeprefix(text, prefix):
    return text[len(prefix):] if prefix and text.startswith(prefix) else text
