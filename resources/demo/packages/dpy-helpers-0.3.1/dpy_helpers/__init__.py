"""Helpers for Discord bots."""
from dpy_helpers.embeds import embed  # noqa: F401
from dpy_helpers import _cache  # noqa: F401
