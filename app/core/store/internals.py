"""What the operation mixins use from :class:`app.core.store.db.Store`, for the type checker.

:class:`~app.core.store.decisions.DecisionOps` and :class:`~app.core.store.campaigns.CampaignOps`
run on the store's connection, lock and transaction helpers, which :class:`Store` defines. They
name :class:`StoreInternals` as their base only while type checking; at run time the base is
``object``, so nothing here changes the store's classes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from app.core.store.records import Change, QueueItem


class StoreInternals(Protocol):
    """The members of :class:`Store` its mixins call (signatures as in ``db.py``)."""

    _lock: threading.RLock

    def batch(self) -> AbstractContextManager[object]: ...

    def _x(self, sql: str, params: Sequence | dict = ()) -> sqlite3.Cursor: ...

    def _append_log(
        self,
        action: str,
        *,
        actor: str | None = None,
        item_id: int | None = None,
        decision_id: int | None = None,
        detail: dict | None = None,
    ) -> int: ...

    def get_item(self, item_id: int) -> QueueItem: ...

    def set_status(self, item_id: int, status: str, *, actor: str | None = None) -> Change: ...

    def undo_decision(self, decision_id: int, *, actor: str | None = None) -> Change: ...
