"""JSON from other people's files, read with bounds: size, nesting depth, one clear error.

Why: ``json.loads`` of ``[`` x 100,000 raises :class:`RecursionError`, which no caller that
catches ``ValueError`` expects, so one hostile inbox report, label, OSV record or package.json
ended a whole import (or a scan) with a traceback instead of being refused on its own. A depth
the decoder survives (say 900) still breaks the recursive code that walks the result later.
So every reader of untrusted JSON goes through :func:`loads_bounded`: it refuses too many
bytes before decoding, turns the decoder's recursion error into a :class:`JSONInputError`
(a ``ValueError``, so existing ``except ValueError`` handlers refuse the one file), and
checks the depth of what was decoded without recursion.

Real documents are shallow: package.json, OSV records and Vetbench's own reports and labels
nest fewer than 10 levels; :data:`MAX_DEPTH` leaves a wide margin.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

MAX_DEPTH = 64


class JSONInputError(ValueError):
    """The text is not JSON Vetbench will use: invalid, too large or nested too deeply."""


def depth_of(doc: Any, limit: int) -> int:
    """Nesting depth of a decoded document (a scalar is 0), counted without recursion; stops
    counting once ``limit`` is passed (the caller only needs to know that it was)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list)))
    return deepest


def loads_bounded(
    data: bytes | str,
    *,
    max_bytes: int | None = None,
    max_depth: int = MAX_DEPTH,
    encoding: str = "utf-8",
) -> Any:
    """Decode ``data`` as JSON, or raise :class:`JSONInputError` saying why not.

    ``max_bytes`` refuses larger input before anything is decoded; ``encoding`` decodes bytes
    (``utf-8-sig`` accepts a BOM)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise JSONInputError(f"larger than {max_bytes} bytes")
    if isinstance(data, bytes):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise JSONInputError(f"not UTF-8 text: {exc}") from None
    else:
        text = data
    try:
        doc = json.loads(text)
    except RecursionError:
        raise JSONInputError(f"nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise JSONInputError(f"not valid JSON: {exc}") from None
    if depth_of(doc, max_depth) > max_depth:
        raise JSONInputError(f"nested deeper than {max_depth} levels")
    return doc
