"""The corpora of the detection benchmark, split by a hash of the project name.

Not part of the test suite. ``bench_detection.py`` uses this module; it can also be run on its
own to (re)pin the popular releases::

    .venv/bin/python tests/bench/detection_corpus.py --pin      # writes benign_popular_300.json
    .venv/bin/python tests/bench/detection_corpus.py --pin-extra  # writes benign_popular_extra.json
    .venv/bin/python tests/bench/detection_corpus.py --pin-extra-2 --pin-holdout
    .venv/bin/python tests/bench/detection_corpus.py --repin popular-extra-3,popular-holdout-2

Four corpora, all read as data (nothing is installed, imported or run):

* ``malicious/`` and ``malicious-2/`` of ``../shared/corpus`` (ZipCrypto zips, password
  ``infected``), unwrapped into a work folder;
* ``benign.jsonl``: the two newest releases of 47 top projects, fetched by exact file name;
* ``benign-popular-300.txt``: the newest wheel (sdist where there is none) of 300 popular
  projects, pinned by file name and sha256 in ``tests/bench/benign_popular_300.json`` the first
  time and fetched from that pin ever after, so the figure is about the same releases every run.

A fifth, ``popular-extra``, is **tune only**: the newest file of about 300 more popular projects,
in neither ``benign-popular-300.txt`` nor ``benign.jsonl`` (every fourth project of the 1,400 most
downloaded that the two lists leave out, plus projects of the kinds that cry wolf: telemetry and
APM agents, cloud SDKs and CLIs, Jupyter, Windows and desktop automation, build tools, ML),
pinned in ``tests/bench/benign_popular_extra.json``. It widens what rules are tuned on, so that
the popular-300 report half stays unseen; its ``half`` is always ``tune``.

Two more come from the same ranking (the projects among the 1,400 most downloaded that neither
benign list names, in download order; call it ``free``): ``popular-extra-2`` (**tune only**,
``free[1::4]`` and ``free[2::4]``, about 500 releases, pinned in
``benign_popular_extra_2.json``) and ``popular-holdout`` (**validation, never tuned**,
``free[3::4]``, pinned in ``benign_popular_holdout.json``). Two more reach one rank band deeper
(ranks 1,401 to 2,400, less every name a benign list or another popular corpus has; call it
``free2``): ``popular-extra-3`` (**tune only**, ``free2[0::2]``, ``benign_popular_extra_3.json``)
and ``popular-holdout-2`` (**validation, never tuned**, ``free2[1::2]``,
``benign_popular_holdout_2.json``). A third band (ranks 2,401 to 3,600, ``free3``) gives
``popular-extra-4`` (**tune only**, ``free3[0::2]``, ``benign_popular_extra_4.json``) and
``popular-holdout-3`` (**validation, never tuned**, ``free3[1::2]``,
``benign_popular_holdout_3.json``). A fourth band (ranks 3,601 to 4,800, ``free4``) gives
``popular-extra-5`` (**tune only**, ``free4[0::2]``, ``benign_popular_extra_5.json``) and
``popular-holdout-4`` (**validation, never tuned**, ``free4[1::2]``,
``benign_popular_holdout_4.json``). Ranks 4,801 to 7,200 (``free5``), all of them, are
``popular-extra-6`` (**tune only**, ``benign_popular_extra_6.json``): by round 8 a band's tune
half held only five false alarms, too few to find the classes the holdouts still show.
Ranks 7,201 to 9,600 (``free6``) are split like the fourth band: ``popular-extra-7``
(``free6[0::2]``, **tune only**) and ``popular-holdout-5`` (``free6[1::2]``, **validation,
never tuned**), pinned before round 9 changed anything, so that round's weighing of a lone
threat is measured on releases it never saw.
Ranks 9,601 to 12,000 (``free7``) give ``popular-extra-8`` and ``popular-holdout-6`` the same
way; holdout-6 was reported once untouched (round 11) and then opened for tuning
(:data:`OPENED_HOLDOUTS`, its half is now ``tune``). Ranks 12,001 to 15,000 (``free8``) give
``popular-extra-9`` (**tune only**) and ``popular-holdout-7``, pinned before round 12 changed
anything; holdout-7 was reported untouched in rounds 12 to 17 (the last time 17/1,489) and
then opened for tuning like holdout-6: the tune corpora had run out of classes (a dozen false
alarms in 9,927) while it kept showing more. The ranking the environment ships stops at
15,000, so no deeper band can be pinned; holdouts 1 to 5 stay never tuned.
No project is in two corpora. A holdout's (:data:`HOLDOUTS`)
``half`` is always ``holdout``: the benchmark prints its false-alarm rate and the threat ids
that fired, aggregated, and never its items, so that one figure stays about releases nobody has
looked at. Re-pin with ``--repin NAME[,NAME]`` (or the older ``--pin-extra-2`` /
``--pin-holdout``); fetch only some corpora with ``--corpora``. A corpus with no pin file is
never pinned behind the benchmark's back: it stops and says which ``--repin`` to run.

Every record gets ``half``: ``tune`` or ``report``, from the sha256 of its PEP 503 project name.
Rules may be tuned on the ``tune`` half only; the README's figures come from the ``report`` half.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zipfile
from pathlib import Path
from urllib.parse import urljoin

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_scan import CACHE, download_benign, unwrap_sample  # noqa: E402
from packaging.utils import canonicalize_name  # noqa: E402

PINS = HERE / "benign_popular_300.json"
EXTRA_PINS = HERE / "benign_popular_extra.json"
EXTRA_2_PINS = HERE / "benign_popular_extra_2.json"
HOLDOUT_PINS = HERE / "benign_popular_holdout.json"
EXTRA_3_PINS = HERE / "benign_popular_extra_3.json"
HOLDOUT_2_PINS = HERE / "benign_popular_holdout_2.json"
EXTRA_4_PINS = HERE / "benign_popular_extra_4.json"
HOLDOUT_3_PINS = HERE / "benign_popular_holdout_3.json"
EXTRA_5_PINS = HERE / "benign_popular_extra_5.json"
HOLDOUT_4_PINS = HERE / "benign_popular_holdout_4.json"
EXTRA_6_PINS = HERE / "benign_popular_extra_6.json"
EXTRA_7_PINS = HERE / "benign_popular_extra_7.json"
HOLDOUT_5_PINS = HERE / "benign_popular_holdout_5.json"
EXTRA_8_PINS = HERE / "benign_popular_extra_8.json"
HOLDOUT_6_PINS = HERE / "benign_popular_holdout_6.json"
EXTRA_9_PINS = HERE / "benign_popular_extra_9.json"
HOLDOUT_7_PINS = HERE / "benign_popular_holdout_7.json"
HOLDOUT = "popular-holdout"
# Corpora whose items are never listed, opened or tuned on (see the module docstring).
HOLDOUTS = frozenset(
    {
        HOLDOUT,
        "popular-holdout-2",
        "popular-holdout-3",
        "popular-holdout-4",
        "popular-holdout-5",
    }
)
# Holdouts reported once untouched and then opened for tuning (their half is now ``tune``).
OPENED_HOLDOUTS = frozenset({"popular-holdout-6", "popular-holdout-7"})
POPULAR_RANKS = 1400  # how deep into the download ranking the first popular corpora reach
POPULAR_RANKS_2 = 2400  # the second band (POPULAR_RANKS + 1 ..) of popular-extra-3 / holdout-2
POPULAR_RANKS_3 = 3600  # the third band (POPULAR_RANKS_2 + 1 ..) of popular-extra-4 / holdout-3
POPULAR_RANKS_4 = 4800  # the fourth band (POPULAR_RANKS_3 + 1 ..) of popular-extra-5 / holdout-4
POPULAR_RANKS_5 = 7200  # the fifth band (POPULAR_RANKS_4 + 1 ..), all of it popular-extra-6
POPULAR_RANKS_6 = 9600  # the sixth band (POPULAR_RANKS_5 + 1 ..) of popular-extra-7 / holdout-5
POPULAR_RANKS_7 = 12000  # the seventh band (POPULAR_RANKS_6 + 1 ..) of popular-extra-8 / holdout-6
POPULAR_RANKS_8 = 15000  # the eighth band (POPULAR_RANKS_7 + 1 ..) of popular-extra-9 / holdout-7
MAX_POPULAR_BYTES = 80 * 1024 * 1024  # a 600 MB CUDA wheel says nothing a 5 MB one does not


def half_of(name: str) -> str:
    """``tune`` or ``report``: the first byte of sha256(canonical name), even or odd."""
    digest = hashlib.sha256(canonicalize_name(name).encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "report"


def malicious(corpus: Path, work: Path) -> list[dict]:
    """Both malicious sets, unwrapped; ``doubt`` marks samples left out of recall."""
    out = []
    for folder in ("malicious", "malicious-2"):
        index = corpus / folder / "index.jsonl"
        for line in index.read_text().splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            zip_path = corpus / folder / rec["sample_zip"]
            try:
                path = unwrap_sample(str(zip_path), work / folder)
            except (zipfile.BadZipFile, RuntimeError, OSError) as exc:
                print(f"  ! {rec['id']}: {exc}", file=sys.stderr)
                continue
            out.append(
                {
                    "corpus": folder,
                    "id": rec["id"],
                    "name": rec["name"],
                    "path": str(path),
                    "doubt": bool(rec.get("label_doubt")),
                    "half": half_of(rec["name"]),
                }
            )
    return out


def benign_top(corpus: Path) -> list[dict]:
    return [
        {
            "corpus": "benign",
            "id": r["filename"],
            "name": r["name"],
            "path": r["path"],
            "half": half_of(r["name"]),
        }
        for r in download_benign(corpus)
    ]


def _choose_file(doc: dict) -> dict | None:
    """The newest release's wheel: pure Python first, then CPython 3.11 x86_64 Linux, then any
    wheel, else its sdist."""
    files = [f for f in doc.get("urls", []) if not f.get("yanked")]
    wheels = [f for f in files if f["packagetype"] == "bdist_wheel"]

    def rank(f: dict) -> tuple:
        name = f["filename"]
        return (
            "-none-any.whl" not in name,
            not ("cp311" in name and "x86_64" in name and "manylinux" in name),
            not ("abi3" in name and "x86_64" in name and "manylinux" in name),
            f["size"],
        )

    if wheels:
        return sorted(wheels, key=rank)[0]
    sdists = [f for f in files if f["packagetype"] == "sdist"]
    return sdists[0] if sdists else None


def pin_names(names: list[str], out: Path) -> list[dict]:
    """The newest file of each project in ``names`` (one PyPI JSON look-up each), pinned in ``out``."""
    import httpx

    pins = []
    with httpx.Client(timeout=60, follow_redirects=True) as client:
        for name in [n for n in names if n and not n.startswith("#")]:
            resp = client.get(f"https://pypi.org/pypi/{name}/json")
            if resp.status_code != 200:
                pins.append({"name": name, "skip": f"PyPI answered {resp.status_code}"})
                continue
            doc = resp.json()
            f = _choose_file(doc)
            if f is None:
                pins.append({"name": name, "skip": "no file in the newest release"})
                continue
            pin = {
                "name": name,
                "version": doc["info"]["version"],
                "filename": f["filename"],
                "sha256": f["digests"]["sha256"],
                "size": f["size"],
                "url": urljoin(f"https://pypi.org/pypi/{name}/json", f["url"]),
            }
            if f["size"] > MAX_POPULAR_BYTES:
                pin["skip"] = f"{f['size'] // 2**20} MB, over the benchmark's 80 MB cap"
            pins.append(pin)
    out.write_text(json.dumps(pins, indent=1) + "\n")
    return pins


# Kinds of project that exercise the rules most likely to cry wolf (see the module docstring).
EXTRA_KINDS = [
    "newrelic",
    "elastic-apm",
    "scout-apm",
    "posthog",
    "segment-analytics-python",
    "mixpanel",
    "analytics-python",
    "jupyter-server",
    "ipykernel",
    "notebook",
    "jupyterlab",
    "streamlit",
    "gradio",
    "dask",
    "distributed",
    "ray",
    "transformers",
    "huggingface-hub",
    "fabric",
    "ansible-core",
    "docker",
    "azure-cli-core",
    "oci",
    "aliyun-python-sdk-core",
    "alibabacloud-tea-openapi",
    "ibm-cloud-sdk-core",
    "tencentcloud-sdk-python",
    "pyodbc",
    "wmi",
    "comtypes",
    "pythonnet",
    "pywinauto",
    "pyautogui",
    "pynput",
    "pyperclip",
    "keyboard",
    "mss",
    "playwright",
    "pyppeteer",
    "undetected-chromedriver",
    "yt-dlp",
    "gdown",
    "wandb",
    "clearml",
    "comet-ml",
    "pre-commit",
    "nox",
    "cibuildwheel",
    "scikit-build-core",
    "maturin",
    "meson-python",
    "setuptools-rust",
    "cython",
    "pybind11",
    "conan",
    "platformio",
    "esptool",
    "pyserial",
    "pyusb",
    "frida",
    "secretstorage",
    "nuitka",
    "py2app",
    "pyupgrade",
]


def benign_listed(corpus: Path) -> set[str]:
    """The canonical names ``benign-popular-300.txt`` and ``benign.jsonl`` already have."""
    seen = {
        canonicalize_name(n.strip())
        for n in (corpus / "benign-popular-300.txt").read_text().splitlines()
        if n.strip()
    }
    return seen | {
        canonicalize_name(json.loads(x)["name"])
        for x in (corpus / "benign.jsonl").read_text().splitlines()
        if x.strip()
    }


def free_ranked(corpus: Path, first: int = 1, last: int = POPULAR_RANKS) -> list[str]:
    """The projects ranked ``first`` .. ``last`` among the most downloaded that neither benign
    list names, most downloaded first (from the package list the environment ships, no
    registry asked)."""
    seen = benign_listed(corpus)
    listing = Path("/work/.library/env/packages/pypi.tsv")
    ranked = []
    for line in listing.read_text().splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) > 3 and cols[3].isdigit() and first <= int(cols[3]) <= last:
            ranked.append((int(cols[3]), cols[0]))
    return [n for _, n in sorted(ranked) if canonicalize_name(n) not in seen]


def extra_names(corpus: Path) -> list[str]:
    """Every fourth of :func:`free_ranked` (``free[::4]``), plus :data:`EXTRA_KINDS`."""
    names = free_ranked(corpus)[::4]
    taken = {canonicalize_name(n) for n in names} | benign_listed(corpus)
    names += [n for n in EXTRA_KINDS if canonicalize_name(n) not in taken]
    return names


def extra_2_names(corpus: Path) -> list[str]:
    """``free[1::4]`` and ``free[2::4]`` in download order, less any name ``popular-extra``
    already has (an :data:`EXTRA_KINDS` project may rank anywhere)."""
    taken = {canonicalize_name(n) for n in extra_names(corpus)}
    free = free_ranked(corpus)
    return [n for i, n in enumerate(free) if i % 4 in (1, 2) and canonicalize_name(n) not in taken]


def holdout_names(corpus: Path) -> list[str]:
    """``free[3::4]``, less any name another popular corpus has."""
    taken = {canonicalize_name(n) for n in extra_names(corpus) + extra_2_names(corpus)}
    free = free_ranked(corpus)
    return [n for n in free[3::4] if canonicalize_name(n) not in taken]


def _deeper_band(corpus: Path, first: int, last: int) -> list[str]:
    """Ranks ``first`` .. ``last`` less every name of ``popular-extra`` (whose kinds may rank
    anywhere); the bands themselves never overlap."""
    taken = {canonicalize_name(n) for n in extra_names(corpus)}
    return [n for n in free_ranked(corpus, first, last) if canonicalize_name(n) not in taken]


def free2_ranked(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS + 1`` .. :data:`POPULAR_RANKS_2`, less every name the first popular
    corpora have (an :data:`EXTRA_KINDS` project may rank anywhere)."""
    return _deeper_band(corpus, POPULAR_RANKS + 1, POPULAR_RANKS_2)


def extra_3_names(corpus: Path) -> list[str]:
    """``free2[0::2]``: tune only."""
    return free2_ranked(corpus)[0::2]


def holdout_2_names(corpus: Path) -> list[str]:
    """``free2[1::2]``: the second holdout."""
    return free2_ranked(corpus)[1::2]


def free3_ranked(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS_2 + 1`` .. :data:`POPULAR_RANKS_3`, less the first corpora's names."""
    return _deeper_band(corpus, POPULAR_RANKS_2 + 1, POPULAR_RANKS_3)


def extra_4_names(corpus: Path) -> list[str]:
    """``free3[0::2]``: tune only."""
    return free3_ranked(corpus)[0::2]


def holdout_3_names(corpus: Path) -> list[str]:
    """``free3[1::2]``: the third holdout."""
    return free3_ranked(corpus)[1::2]


def free4_ranked(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS_3 + 1`` .. :data:`POPULAR_RANKS_4`, less the first corpora's names."""
    return _deeper_band(corpus, POPULAR_RANKS_3 + 1, POPULAR_RANKS_4)


def extra_5_names(corpus: Path) -> list[str]:
    """``free4[0::2]``: tune only."""
    return free4_ranked(corpus)[0::2]


def holdout_4_names(corpus: Path) -> list[str]:
    """``free4[1::2]``: the fourth holdout."""
    return free4_ranked(corpus)[1::2]


def extra_6_names(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS_4 + 1`` .. :data:`POPULAR_RANKS_5`, every name: tune only."""
    return _deeper_band(corpus, POPULAR_RANKS_4 + 1, POPULAR_RANKS_5)


def free6_ranked(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS_5 + 1`` .. :data:`POPULAR_RANKS_6`, less the first corpora's names."""
    return _deeper_band(corpus, POPULAR_RANKS_5 + 1, POPULAR_RANKS_6)


def extra_7_names(corpus: Path) -> list[str]:
    """``free6[0::2]``: tune only."""
    return free6_ranked(corpus)[0::2]


def holdout_5_names(corpus: Path) -> list[str]:
    """``free6[1::2]``: the fifth holdout, pinned before round 9 tuned anything."""
    return free6_ranked(corpus)[1::2]


def free7_ranked(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS_6 + 1`` .. :data:`POPULAR_RANKS_7`, less the first corpora's names."""
    return _deeper_band(corpus, POPULAR_RANKS_6 + 1, POPULAR_RANKS_7)


def extra_8_names(corpus: Path) -> list[str]:
    """``free7[0::2]``: tune only."""
    return free7_ranked(corpus)[0::2]


def holdout_6_names(corpus: Path) -> list[str]:
    """``free7[1::2]``: the sixth holdout, pinned before round 11 tuned anything on its twin,
    reported once untouched (30/1,192) and opened for tuning in round 12."""
    return free7_ranked(corpus)[1::2]


def free8_ranked(corpus: Path) -> list[str]:
    """Ranks ``POPULAR_RANKS_7 + 1`` .. :data:`POPULAR_RANKS_8`, less the first corpora's names."""
    return _deeper_band(corpus, POPULAR_RANKS_7 + 1, POPULAR_RANKS_8)


def extra_9_names(corpus: Path) -> list[str]:
    """``free8[0::2]``: tune only."""
    return free8_ranked(corpus)[0::2]


def holdout_7_names(corpus: Path) -> list[str]:
    """``free8[1::2]``: the seventh holdout, pinned before round 12 tuned anything."""
    return free8_ranked(corpus)[1::2]


def popular_300_names(corpus: Path) -> list[str]:
    return [n.strip() for n in (corpus / "benign-popular-300.txt").read_text().splitlines()]


# The popular corpora pinned from a name list: pin file, the names, and the half every record
# gets (None: by the name's hash). ``popular`` (benign-popular-300) is pinned the same way.
PINNED = {
    "popular": (PINS, popular_300_names, None),
    "popular-extra": (EXTRA_PINS, extra_names, "tune"),
    "popular-extra-2": (EXTRA_2_PINS, extra_2_names, "tune"),
    "popular-extra-3": (EXTRA_3_PINS, extra_3_names, "tune"),
    HOLDOUT: (HOLDOUT_PINS, holdout_names, "holdout"),
    "popular-holdout-2": (HOLDOUT_2_PINS, holdout_2_names, "holdout"),
    "popular-extra-4": (EXTRA_4_PINS, extra_4_names, "tune"),
    "popular-holdout-3": (HOLDOUT_3_PINS, holdout_3_names, "holdout"),
    "popular-extra-5": (EXTRA_5_PINS, extra_5_names, "tune"),
    "popular-holdout-4": (HOLDOUT_4_PINS, holdout_4_names, "holdout"),
    "popular-extra-6": (EXTRA_6_PINS, extra_6_names, "tune"),
    "popular-extra-7": (EXTRA_7_PINS, extra_7_names, "tune"),
    "popular-holdout-5": (HOLDOUT_5_PINS, holdout_5_names, "holdout"),
    "popular-extra-8": (EXTRA_8_PINS, extra_8_names, "tune"),
    "popular-holdout-6": (HOLDOUT_6_PINS, holdout_6_names, "tune"),
    "popular-extra-9": (EXTRA_9_PINS, extra_9_names, "tune"),
    "popular-holdout-7": (HOLDOUT_7_PINS, holdout_7_names, "tune"),
}


def pin_corpus(name: str, corpus: Path) -> list[dict]:
    """Look up the newest file of each of the corpus's projects once and write its pins."""
    pins_path, names, _half = PINNED[name]
    return pin_names(names(corpus), pins_path)


def pinned_corpus(name: str, corpus: Path) -> list[dict]:
    """The pinned releases of one popular corpus, downloaded once into the bench cache and
    verified; every record's half is the corpus's (tune only, holdout) or its name's hash."""
    pins_path, _names, half = PINNED[name]
    if not pins_path.exists():
        raise SystemExit(
            f"no pins for {name} ({pins_path.name}): run "
            f"tests/bench/detection_corpus.py --repin {name} first"
        )
    out = fetch_pinned(json.loads(pins_path.read_text()), CACHE / name, name)
    return out if half is None else [{**r, "half": half} for r in out]


def fetch_pinned(pins: list[dict], dest: Path, corpus_name: str) -> list[dict]:
    """Each pinned file, downloaded once into ``dest`` and verified by its sha256.

    Eight downloads run at a time: a clean clone fetches some 15,000 files for all corpora,
    and one at a time it spends most of an hour waiting on round trips, not bytes."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    dest.mkdir(parents=True, exist_ok=True)
    wanted = [pin for pin in pins if not pin.get("skip")]

    def fetch(client: httpx.Client, pin: dict) -> dict | None:
        path = dest / pin["filename"]
        if path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == pin["sha256"]:
            return _fetched(pin, path, corpus_name)
        data = client.get(pin["url"]).content
        if hashlib.sha256(data).hexdigest() != pin["sha256"]:
            shown = "a holdout file" if corpus_name in HOLDOUTS else pin["filename"]
            print(f"  ! {shown}: sha256 mismatch, skipped", file=sys.stderr)
            return None
        part = dest / f".{pin['sha256'][:24]}.part"  # a name near 255 bytes has no room
        part.write_bytes(data)
        part.replace(path)  # a file cut short by an interrupt is never taken for a pinned one
        return _fetched(pin, path, corpus_name)

    with (
        httpx.Client(timeout=120, follow_redirects=True) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        got = list(pool.map(lambda pin: fetch(client, pin), wanted))
    return [record for record in got if record is not None]


def _fetched(pin: dict, path: Path, corpus_name: str) -> dict:
    return {
        "corpus": corpus_name,
        "id": pin["filename"],
        "name": pin["name"],
        "path": str(path),
        "half": half_of(pin["name"]),
    }


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description="(Re)pin and fetch the popular corpora.")
    ap.add_argument("--pin", action="store_true", help="re-pin benign-popular-300")
    ap.add_argument("--pin-extra", action="store_true", help="re-pin popular-extra")
    ap.add_argument("--pin-extra-2", action="store_true", help="re-pin popular-extra-2")
    ap.add_argument("--pin-holdout", action="store_true", help="re-pin popular-holdout")
    ap.add_argument("--repin", default="", help="re-pin these corpora: any of " + ",".join(PINNED))
    ap.add_argument("--corpora", default="popular,popular-extra,popular-extra-2," + HOLDOUT)
    args = ap.parse_args()
    corpus = ROOT.parent / "shared" / "corpus"
    repin = [n for n in args.repin.split(",") if n]
    for asked, name in (
        (args.pin, "popular"),
        (args.pin_extra, "popular-extra"),
        (args.pin_extra_2, "popular-extra-2"),
        (args.pin_holdout, HOLDOUT),
    ):
        if asked:
            repin.append(name)
    for name in [*repin, *args.corpora.split(",")]:
        if name not in PINNED:
            ap.error(f"unknown corpus {name}; one of {', '.join(PINNED)}")
    for name in repin:
        pins = pin_corpus(name, corpus)
        shown = sum(1 for p in pins if not p.get("skip"))
        print(f"pinned {shown} of {len(pins)} -> {PINNED[name][0]}")
    for name in args.corpora.split(","):
        got = pinned_corpus(name, corpus)
        print(f"{len(got)} {name} releases in {CACHE / name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
