"""Errors of the local store (kept apart so every store module can raise them)."""

from app.errors import VetbenchError


class StoreError(VetbenchError):
    """The store cannot be used as asked (corrupt/foreign file, unknown item, busy…)."""


class ItemNotFound(StoreError, LookupError):
    """No queue item (or decision) with that id."""
