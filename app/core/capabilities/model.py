"""The data every consumer of capability analysis shares: hits, risk, scan results.

These shapes are the ``vetbench.scan/1`` JSON schema; renaming a field is a breaking change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SEVERITIES = ("none", "low", "medium", "high", "critical")
LEVELS = SEVERITIES  # a package risk level uses the same names


def severity_rank(name: str) -> int:
    """0 for none … 4 for critical; unknown names rank as none."""
    try:
        return SEVERITIES.index(name)
    except ValueError:
        return 0


@dataclass(frozen=True)
class Hit:
    """One capability found on one place of one file."""

    capability: str  # stable id, e.g. "exec.decode_then_exec"
    severity: str  # none | low | medium | high | critical (contextual)
    path: str  # member path inside the artifact
    line: int  # 1-based
    end_line: int
    column: int  # 0-based, as Python's ast reports it
    match: str  # the matched text (trimmed to a readable length)
    snippet: str  # the line with one line of context each side
    rule: str  # id of the rule that fired
    explanation: str  # one sentence a moderator understands
    # Where the code runs without anyone calling it: "install" (setup.py, .pth, a build
    # backend), "import" (module level of a package module), or "" (only when called).
    place: str = ""
    # Found in decoded data: what it decoded to (first 400 characters) and the layers that
    # were peeled off, in the order they are undone ("b64decode → decompress").
    decoded: str = ""
    layers: str = ""
    # When ``match`` was trimmed: sha256 of the whole match without whitespace, so a release
    # diff pairs hits on everything they matched, not on the first 200 characters.
    match_sha256: str = ""

    def to_json(self) -> dict:
        out = asdict(self)
        if not out["match_sha256"]:
            del out["match_sha256"]  # only long matches carry it
        return out

    @classmethod
    def from_json(cls, obj: dict) -> Hit:
        fields = cls.__dataclass_fields__
        return cls(**{k: obj[k] for k in fields if k in obj})


@dataclass(frozen=True)
class ThreatStep:
    capability: str
    path: str
    line: int

    def to_json(self) -> dict:
        return {"capability": self.capability, "path": self.path, "line": self.line}


@dataclass(frozen=True)
class Threat:
    """One named threat; ``steps`` are the hits that make it up, in reading order."""

    id: str
    severity: str
    explanation: str
    steps: tuple[ThreatStep, ...]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "severity": self.severity,
            "explanation": self.explanation,
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True)
class Risk:
    score: float  # 0–10
    level: str  # none | low | medium | high | critical

    def to_json(self) -> dict:
        return {"score": self.score, "level": self.level}


@dataclass
class ScanResult:
    """What ``vetbench scan --json`` prints for one artifact (schema vetbench.scan/1)."""

    target: dict
    risk: Risk
    findings: list[Hit] = field(default_factory=list)
    threats: list[Threat] = field(default_factory=list)  # strongest first
    files_scanned: int = 0
    # Python and JavaScript modules among them: how big a program the package is (the threat
    # layer asks a lone weak threat in a large one for corroboration, see corroboration.corroborate).
    code_files: int = 0
    skipped: list[dict] = field(default_factory=list)  # {"path", "reason"}
    errors: list[str] = field(default_factory=list)
    # How the scan ran when not as usual (yara-x unavailable, see .fallback). Not an error: the
    # findings are complete, so --fail-on still applies; the JSON has "notes" only when set.
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {
            "schema": "vetbench.scan/1",
            "target": self.target,
            "risk": self.risk.to_json(),
            "threats": [t.to_json() for t in self.threats],
            "findings": [h.to_json() for h in self.findings],
            "files": {
                "scanned": self.files_scanned,
                "code": self.code_files,
                "skipped": list(self.skipped),
            },
            "errors": list(self.errors),
        }
        if self.notes:
            out["notes"] = list(self.notes)
        return out
