"""Vetbench: the moderator's desk for flagged packages.

The version is read from the installed distribution's metadata so that the wheel, the
bundle and an editable checkout all report the same number as pyproject.toml.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("vetbench")
except _metadata.PackageNotFoundError:  # running from a bare source tree
    __version__ = "0.0.0+source"
