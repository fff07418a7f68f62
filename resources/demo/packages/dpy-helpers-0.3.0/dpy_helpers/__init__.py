"""Helpers for Discord bots."""
from dpy_helpers.embeds import embed  # noqa: F401
