"""README.md stays true: every capability id and every subcommand is documented there, and
the quick start names the two commands the CI really runs."""

import json
import re
from pathlib import Path

from app.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_capability_id_is_in_the_readme():
    catalogue = json.loads((ROOT / "resources/rules/capabilities.json").read_text())["capabilities"]
    missing = [cap for cap in catalogue if f"`{cap}`" not in README]
    assert not missing


def test_every_subcommand_is_in_the_readme():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = [name for name in sub.choices if f"vetbench {name}" not in README]
    assert not missing


def test_quick_start_is_the_two_commands_ci_runs():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert re.search(r"^packaging/dev\.sh demo\b", quick, re.M)
    assert re.search(r"^packaging/dev\.sh test\b", quick, re.M)
    assert "packaging/dev.sh test" in (ROOT / ".ci/run").read_text()


def test_layout_picture_names_every_package_and_workflow():
    """The README's tree is the one a newcomer reads first: every package under app/ and
    app/core/, every module of the diff layers and every use case must appear in it."""
    picture = README.split("## Layout", 1)[1].split("```", 2)[1]
    app_dir = ROOT / "app"
    packages = [p.name for p in app_dir.iterdir() if (p / "__init__.py").is_file()]
    packages += [p.name for p in (app_dir / "core").iterdir() if (p / "__init__.py").is_file()]
    missing = [name for name in packages if f"{name}/" not in picture]
    diff_modules = [
        p.stem for p in (app_dir / "core" / "diff").glob("*.py") if p.stem != "__init__"
    ]
    missing += [name for name in diff_modules if name not in picture]
    workflows = [p.stem for p in (app_dir / "workflows").glob("*.py") if p.stem != "__init__"]
    missing += [name for name in workflows if name not in picture]
    assert not missing, f"README layout misses: {missing}"


def test_every_threat_id_is_in_the_readme():
    from app.core.capabilities.threats import THREATS

    section = README.split("### Threat ids", 1)[1].split("\n## ", 1)[0]
    missing = [tid for tid in THREATS if f"`{tid}`" not in section]
    assert not missing
