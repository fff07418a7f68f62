"""Which releases a queue item can be compared against, in the order the picker offers them.

The release under review is the item's ``new`` artifact; baselines are the item's own
``baseline`` artifacts (the previous release first), then releases of the same project queued
as other items (the newest one judged benign marked "last benign"), then "no baseline".
One place decides this for the window and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Baseline:
    label: str  # shown in the picker, e.g. "1.4.0 (previous)"
    version: str | None
    path: str | None  # None: no baseline, every file is new


def baselines_for(store, item_id: int) -> tuple[str | None, list[Baseline]]:
    """(path of the new artifact, baseline choices) from the item's artifacts."""
    refs = store.artifacts_for(item_id)
    item = store.get_item(item_id)
    new = next((r for r in reversed(refs) if r.role == "new" and r.path), None)
    choices: list[Baseline] = []
    labels = {}
    try:
        for lab in store.external_labels_for((item.ecosystem, item.project)):
            if lab.label.get("verdict") == "benign":
                labels[lab.version] = "benign"
    except Exception:  # noqa: BLE001 - labels are a nicety for the picker
        labels = {}
    seen: set[str] = set()
    for ref in reversed(refs):
        if ref.role != "baseline" or not ref.path or ref.path in seen:
            continue
        seen.add(ref.path)
        tag = "previous" if ref.version == item.baseline else "at hand"
        if labels.get(ref.version) == "benign":
            tag += ", benign"
        choices.append(Baseline(f"{ref.version or '?'} ({tag})", ref.version, ref.path))
    # Releases of the same project queued as other items are at hand too; the newest one
    # judged benign (here or by another reviewer) is marked "last benign".
    others: list[tuple[str, str, bool]] = []
    try:
        for other in store.list_items(text=item.project, limit=50):
            if other.id == item.id or other.ecosystem != item.ecosystem or \
                    other.project.lower() != item.project.lower():
                continue
            current = store.current_decision(other.id)
            benign = current is not None and current.verdict == "benign"
            for ref in store.artifacts_for(other.id):
                if ref.role == "new" and ref.path and ref.path not in seen \
                        and (new is None or ref.path != new.path):
                    seen.add(ref.path)
                    others.append((ref.version or "?", ref.path,
                                   benign or labels.get(ref.version) == "benign"))
    except Exception:  # noqa: BLE001 - extra choices are a nicety
        others = []
    last_benign = next((o for o in reversed(others) if o[2]), None)
    for version, path, _benign in others:
        tag = "last benign" if last_benign and path == last_benign[1] else "at hand"
        choices.append(Baseline(f"{version} ({tag})", version, path))
    choices.append(Baseline("no baseline (all files new)", None, None))
    return (new.path if new else None), choices
