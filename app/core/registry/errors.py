"""Typed registry errors: every one is a :class:`VetbenchError`, so the CLI prints one line.

A moderator acts differently on "the project does not exist" (typo, or it was removed), "the
download did not match the index's hash" (a broken mirror or an attack) and "you are offline
and this file was never cached", so each has its own class.
"""

from __future__ import annotations

from app.errors import VetbenchError


class RegistryError(VetbenchError):
    """Any failure talking to a package index or its file hosts."""


class NotFound(RegistryError):
    """The index answered 404: no such project, release or file."""


class ServerError(RegistryError):
    """The server kept failing (5xx, 429) or could not be reached, after all retries."""


class DownloadError(RegistryError):
    """A file download failed part-way: truncated, too slow, too large, or cancelled."""


class TooLarge(DownloadError):
    """The file exceeds the configured size cap."""


class IntegrityError(RegistryError):
    """The downloaded bytes do not match the hash the index published; the file was discarded."""


class OfflineMiss(RegistryError):
    """Offline mode, and the document or file is not in the cache."""
