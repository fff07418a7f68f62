"""Benchmark: fingerprint and group real malware samples plus 1,000 generated variants.

Run:  .venv/bin/python tests/bench/bench_campaigns.py [--corpus ../shared/corpus] [--variants 1000]

Truth: the corpus samples are grouped first, alone; that grouping is the reference (the
source dataset's own near-duplicate clusters are stricter than campaigns, so they are only
reported for information). Every generated variant (package renamed, top-level functions
reordered, every URL/IP changed) belongs where its origin sample went; benign packages that
share only packaging boilerplate (the same ``setup.py`` shape) belong with nothing. Prints the
time taken and the pairwise precision and recall over all pairs that involve a generated
package. Samples are read as data only.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import random
import re
import sys
import tarfile
import tempfile
import time
import zipfile
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.core.archive import ArchiveError, open_artifact
from app.core.campaigns import grouping as camp
from app.core.capabilities.scan import scan_artifact
from app.core.store.db import Store

_HOST_RE = re.compile(r"(?i)(https?://)([^/'\"\s:]+)")


def load_samples(corpus: Path, limit: int | None) -> list[tuple[str, str | None, Path]]:
    """(sample id, cluster, inner artifact path extracted to a temp dir)."""
    out = []
    tmp = Path(tempfile.mkdtemp(prefix="vb-bench-camp-"))
    index = [json.loads(line) for line in (corpus / "malicious" / "index.jsonl").open()]
    for rec in index[:limit]:
        if rec.get("label_doubt"):
            continue
        cluster = (rec.get("similarity_cluster") or {}).get("fp")
        out.append((rec["id"], cluster, corpus / "malicious" / rec["sample_zip"]))
    del tmp
    return out


def python_files(artifact) -> dict[str, str]:
    return {m.path: m.text for m in artifact.text_members() if m.path.endswith(".py") and m.text}


def make_variant(files: dict[str, str], rng: random.Random, idx: int) -> dict[str, str]:
    """Rename identifiers of the package, reorder top-level defs, change every URL host."""
    out = {}
    for path, text in files.items():
        try:
            tree = ast.parse(text)
            defs = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
            if len(defs) > 1:
                positions = [i for i, n in enumerate(tree.body) if n in defs]
                shuffled = defs[:]
                rng.shuffle(shuffled)
                for pos, node in zip(positions, shuffled, strict=True):
                    tree.body[pos] = node
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and len(node.id) > 3 and node.id.islower():
                    node.id = f"{node.id}_v{idx}"
            text = ast.unparse(tree)
        except (SyntaxError, ValueError, RecursionError):
            pass
        text = _HOST_RE.sub(lambda m: f"{m.group(1)}203.0.113.{rng.randint(1, 254)}", text)
        out[f"variant{idx}/{path.split('/', 1)[-1]}"] = text
    return out


def write_sdist(dest: Path, name: str, files: dict[str, str]) -> Path:
    path = dest / f"{name}-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in {
            "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n",
            **files,
        }.items():
            data = text.encode("utf-8", "surrogatepass")
            info = tarfile.TarInfo(f"{name}-1.0/{rel}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


BOILERPLATE_SETUP = """from setuptools import setup, find_packages
with open("README.md") as fh:
    long_description = fh.read()
setup(name="{name}", version="1.0", packages=find_packages(), long_description=long_description)
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "corpus"
    )
    ap.add_argument("--variants", type=int, default=1000)
    ap.add_argument("--benign", type=int, default=100)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="vb-bench-camp-"))
    store = Store.open(work / "bench.db")

    # 1. The samples themselves, as the store would hold them.
    truth: dict[int, str] = {}
    clusters: dict[int, str] = {}
    sources: list[tuple[int, dict[str, str], str]] = []
    t_prepare = time.perf_counter()
    for sample_id, cluster, zpath in load_samples(args.corpus, None):
        inner_dir = work / sample_id
        inner_dir.mkdir()
        with zipfile.ZipFile(zpath) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            if len(names) != 1:
                continue
            target = inner_dir / Path(names[0]).name
            target.write_bytes(zf.read(names[0], pwd=b"infected"))
        try:
            artifact = open_artifact(target)
        except ArchiveError:
            continue
        item, _ = store.add_item("pypi", sample_id, ["1.0"], artifact_path=str(target))
        clusters[item.id] = cluster or sample_id
        files = python_files(artifact)
        if files:
            sources.append((item.id, files))
    t0 = time.perf_counter()
    camp.index_pending(store, scan=lambda a: scan_artifact(a))
    reference = {i: c.id for c in camp.regroup(store) for i in c.item_ids}
    corpus_seconds = time.perf_counter() - t0
    for item_id in clusters:
        truth[item_id] = (
            f"campaign:{reference[item_id]}" if item_id in reference else f"alone:{item_id}"
        )
    generated: set[int] = set()

    # 2. Variants of samples with Python code, and benign boilerplate-only packages.
    variant_dir = work / "variants"
    variant_dir.mkdir()
    for i in range(args.variants):
        origin, files = rng.choice(sources)
        name = f"variant-pkg-{i}"
        path = write_sdist(variant_dir, name, make_variant(files, rng, i))
        item, _ = store.add_item("pypi", name, ["1.0"], artifact_path=str(path))
        truth[item.id] = truth[origin]
        generated.add(item.id)
    for i in range(args.benign):
        name = f"plain-lib-{i}"
        files = {
            "setup.py": BOILERPLATE_SETUP.format(name=name),
            "README.md": "# lib\n",
            f"plain_lib_{i}/__init__.py": f"def f{i}(x):\n    return x + {i}\n",
        }
        path = write_sdist(variant_dir, name, files)
        item, _ = store.add_item("pypi", name, ["1.0"], artifact_path=str(path))
        truth[item.id] = f"benign:{i}"
        generated.add(item.id)
    prepare = time.perf_counter() - t_prepare

    # 3. Fingerprint (scan + fingerprint every item) and group.
    t0 = time.perf_counter()
    indexed = camp.index_pending(store, scan=lambda a: scan_artifact(a))
    t1 = time.perf_counter()
    campaigns = camp.regroup(store)
    t2 = time.perf_counter()

    predicted = {i: c.id for c in campaigns for i in c.item_ids}
    tp = fp = fn = 0
    for a, b in combinations(sorted(truth), 2):
        if a not in generated and b not in generated:
            continue
        same_truth = truth[a] == truth[b]
        same_pred = a in predicted and predicted.get(a) == predicted.get(b)
        tp += same_truth and same_pred
        fp += (not same_truth) and same_pred
        fn += same_truth and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    benign_grouped = sum(1 for i, g in truth.items() if g.startswith("benign:") and i in predicted)
    agree = sum(
        1
        for a, b in combinations(sorted(clusters), 2)
        if (clusters[a] == clusters[b])
        and reference.get(a) is not None
        and reference.get(a) == reference.get(b)
    )
    same_cluster = sum(
        1 for a, b in combinations(sorted(clusters), 2) if clusters[a] == clusters[b]
    )
    print(
        f"items: {len(truth)} (corpus samples {len(clusters)}, variants {args.variants}, "
        f"benign {args.benign}); prepared in {prepare:.1f} s"
    )
    print(
        f"corpus alone: {len(set(reference.values()))} campaigns over {len(reference)} samples "
        f"in {corpus_seconds:.2f} s; source-dataset near-duplicate pairs also grouped here: "
        f"{agree}/{same_cluster}"
    )
    print(
        f"fingerprint (scan + hash) {indexed} items: {t1 - t0:.2f} s "
        f"({indexed / max(t1 - t0, 1e-9):.0f} items/s); grouping: {t2 - t1:.2f} s"
    )
    print(
        f"campaigns: {len(campaigns)}; pairwise precision {precision:.3f}, recall {recall:.3f}; "
        f"benign boilerplate-only packages grouped: {benign_grouped}"
    )
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
