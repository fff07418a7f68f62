"""A decision turned into what leaves Vetbench: the evidence page and the PyPI Observation.

``vetbench report ITEM --html FILE`` writes one self-contained page: the verdict, action,
reason, reviewer, evidence lines and confirmed hits first, then the threats, then the diff of
the release file under review with hit lines marked and stable anchors
(:mod:`app.core.diff.html_report`). ``vetbench observation ITEM`` builds the body PyPI's
*Observations* endpoint takes (``POST /danger-api/projects/<name>/observations``): ``kind``,
``summary`` and, for malware, an ``inspector_url`` pointing at the file and line in PyPI's
inspector, built from the artifact's download path and the member's real path inside the
archive (an sdist's top folder included). Nothing here is sent unless asked, and an
Observation is logged on the item only when the server accepted it. (The archive, scanner and
diff are imported where used: the command line imports this module to list its options.)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

from app import __version__
from app.errors import UsageError, VetbenchError

OBSERVATION_KINDS = ("is_malware", "is_spam", "is_dependency_confusion", "something_else")
DEFAULT_SERVER = "https://pypi.org"
INSPECTOR = "https://inspector.pypi.io"
SEND_TIMEOUT = 30.0


class SendError(VetbenchError):
    """The registry refused or did not answer: nothing was recorded as sent."""


def _decision(store, item):
    current = store.current_decision(item.id)
    if current is not None:
        return current
    decisions = store.decisions_for(item.id)
    return decisions[-1] if decisions else None


def review_of(store, item, bundle) -> dict:
    """The decision part of the evidence page."""
    decision = _decision(store, item)
    notes = [f"Files of this release differ: {m}" for m in bundle.mismatches]
    if bundle.file is not None:
        notes.insert(0, f"Release file under review: {bundle.file.filename}")
    if decision is None:
        return {"verdict": None, "reason": "not decided yet", "notes": notes}
    return {
        "verdict": decision.verdict,
        "action": decision.action,
        "kind": decision.kind,
        "reason": decision.reason,
        "reviewer": decision.reviewer,
        "decided_at": decision.decided_at,
        "confidence": decision.confidence,
        "evidence": [ev.to_json() for ev in decision.evidence],
        "confirmed_hits": [h.to_json() for h in decision.hit_labels if h.label == "confirmed"],
        "notes": notes + (["This decision was undone."] if decision.undone else []),
    }


def write_evidence_report(store, item_id: int, out: str | Path) -> Path:
    """``vetbench report``: the evidence page of one item (see the module docstring)."""
    from app.core.diff.html_report import write_report
    from app.workflows.release import ReleaseCache, load_release

    item = store.get_item(item_id)
    bundle = load_release(store, item_id, ReleaseCache())
    if bundle.error or bundle.diff is None:
        raise UsageError(bundle.error or f"#{item_id}: no release to report on")
    try:
        return write_report(bundle.diff, out, review=review_of(store, item, bundle))
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


# ---------------------------------------------------------------------------- observations


def _pointed_line(decision, bundle) -> tuple[str, int | None] | None:
    """The member path and line the Observation points at: the first evidence line, else the
    first confirmed hit, else the most severe hit the release added."""
    if decision is not None:
        for ev in decision.evidence:
            return ev.path, ev.line_start
        for h in decision.hit_labels:
            if h.label == "confirmed":
                return h.path, h.line
    added = bundle.diff.capabilities.added if bundle.diff and bundle.diff.capabilities else []
    if added:
        from app.core.capabilities.model import severity_rank

        worst = max(added, key=lambda h: severity_rank(h.severity))
        return worst.path, worst.line
    return None


def inspector_url(name: str, version: str, file_url: str | None, real_path: str | None, line):
    """PyPI's inspector page of ``real_path`` (inside the file at ``file_url``) at ``line``;
    without a download URL (a local file), the release's page."""
    base = f"{INSPECTOR}/project/{quote(name)}/{quote(version)}/"
    if not file_url:
        return base
    path = urlsplit(file_url).path  # /packages/ab/cd/<hash>/<filename>
    if not path.startswith("/packages/"):
        return base
    url = base + path.lstrip("/") + "/"
    if real_path:
        url += quote(real_path)
        if line:
            url += f"#line.{int(line)}"
    return url


def observation_body(store, item_id: int, kind: str | None, summary: str | None) -> dict:
    """The JSON body of the Observation for this item's decision (what a dry run prints)."""
    item = store.get_item(item_id)
    decision = _decision(store, item)
    if kind is None:
        if decision is None or decision.verdict != "malicious":
            raise UsageError(
                f"#{item_id} is not decided malicious: give --kind "
                f"({', '.join(OBSERVATION_KINDS)}) to report it anyway"
            )
        kind = decision.kind if decision.kind in OBSERVATION_KINDS else "something_else"
    if kind not in OBSERVATION_KINDS:
        raise UsageError(f"--kind is one of {', '.join(OBSERVATION_KINDS)} (got {kind!r})")
    text = summary if summary is not None else (decision.reason if decision else "")
    if not text or not text.strip():
        raise UsageError(f"#{item_id}: no summary (the decision has no reason): give --summary")
    body: dict = {"kind": kind, "summary": text.strip()}
    if kind == "is_malware":
        from app.workflows.release import ReleaseCache, load_release

        bundle = load_release(store, item_id, ReleaseCache())
        if bundle.error or bundle.new is None:
            raise UsageError(bundle.error or f"#{item_id}: no release file to point at")
        pointed = _pointed_line(decision, bundle)
        top = bundle.new.metadata.get("top_folder")
        real = None
        if pointed is not None:
            real = f"{top}/{pointed[0]}" if top else pointed[0]
        ref = next(
            (r for r in store.artifacts_for(item_id) if r.path == bundle.file.path and r.url),
            None,
        )
        version = bundle.new.version or (item.versions[-1] if item.versions else "")
        body["inspector_url"] = inspector_url(
            item.project,
            version,
            ref.url if ref else None,
            real,
            pointed[1] if pointed else None,
        )
    return body


def _opener(url: str) -> urllib.request.OpenerDirector:
    """The default opener, but never through a proxy for this machine's own address."""
    if urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1"):
        return urllib.request.build_opener(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener()


def send_observation(
    store, item_id: int, body: dict, *, server: str, token: str | None, actor: str | None = None
) -> dict:
    """POST ``body`` to ``server``; on a 2xx answer log an ``observation`` entry on the item
    and return the server's answer. Anything else raises :class:`SendError` (one line) and
    records nothing."""
    if not token:
        raise UsageError(
            "no PyPI API token: set VETBENCH_PYPI_TOKEN or store one with `keyring set vetbench pypi`"
        )
    item = store.get_item(item_id)
    url = f"{server.rstrip('/')}/danger-api/projects/{quote(item.project)}/observations"
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"vetbench/{__version__}",
        },
    )
    try:
        with _opener(url).open(request, timeout=SEND_TIMEOUT) as response:
            status, raw = response.status, response.read(1024 * 1024)
    except urllib.error.HTTPError as exc:
        why = {401: "the token was refused", 403: "the token may not do this"}.get(
            exc.code, "the server failed"
        )
        raise SendError(f"{url}: HTTP {exc.code}, {why}; nothing was recorded") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(
            f"{url}: cannot reach the server ({reason}); nothing was recorded"
        ) from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        answer = {"text": raw.decode("utf-8", "replace")[:2000]}
    store.record_observation(
        item.id,
        actor,
        {
            "server": server,
            "url": url,
            "status": status,
            "kind": body.get("kind"),
            "body": body,
            "answer": answer,
        },
    )
    return {"status": status, "answer": answer}


__all__ = [
    "OBSERVATION_KINDS",
    "SendError",
    "inspector_url",
    "observation_body",
    "review_of",
    "send_observation",
    "write_evidence_report",
]
