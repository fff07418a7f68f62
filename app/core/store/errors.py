"""Errors of the local store (kept apart so every store module can raise them)."""

from app.errors import VetbenchError


class StoreError(VetbenchError):
    """The store cannot be used as asked (corrupt/foreign file, unknown item, busy…)."""


class ItemNotFound(StoreError, LookupError):
    """No queue item (or decision) with that id."""


class StaleItem(StoreError):
    """The item changed (another process decided, skipped, undid or re-reported it) after the
    moderator opened it: a decision based on what they saw is refused, never applied."""
