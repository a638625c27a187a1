"""Every example script runs, so none of them rots: from the checkout, and as
``footcore init`` writes them into a working folder."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

import pytest

from footcore._cli import main

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    assert {p.name for p in EXAMPLES} >= {"quickstart.py", "clean_runner.py", "web_handler.py"}


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script: Path, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr


def test_clean_runner_reaches_the_top() -> None:
    script = Path(__file__).parents[1] / "examples" / "clean_runner.py"
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "Reached the top of maintenance" in done.stdout
    for stage in ("activation", "control", "unilateral", "integration", "maintenance"):
        assert f" {stage} " in done.stdout


@pytest.mark.parametrize("name", sorted(p.name for p in (
    Path(__file__).parents[1] / "rules").glob("*.toml")))
def test_the_example_rulebook_is_the_shipped_one_but_for_its_marked_changes(name: str) -> None:
    """examples/custom_rulebook shows an app's copy of the rulebook with a few changes, each
    marked ``acme-feet``: every other line is the shipped rulebook's, so the example keeps
    up with it (a merge once left it on old rules)."""
    root = Path(__file__).parents[1]
    shipped = (root / "rules" / name).read_text().splitlines()
    copy = (root / "examples" / "custom_rulebook" / "rules" / name).read_text().splitlines()
    marked = [n for n, line in enumerate(copy) if "acme" in line.lower()]
    matcher = difflib.SequenceMatcher(a=shipped, b=copy, autojunk=False)
    for tag, _, _, low, high in matcher.get_opcodes():
        if tag == "equal":
            continue
        near = any(low - 15 <= n <= max(high, low) + 1 for n in marked)
        assert near, f"{name}: example lines {low + 1}-{high} differ without an acme mark"


# What each example prints when it ran to its end.
LAST_WORDS = {
    "audit_log.py": "intact, 18 records",
    "audit_store.py": "checkpoint 1 signed 1 chain head(s)",
    "clean_runner.py": "Reached the top of maintenance",
    "coach_override.py": "1 erasure: chains intact",
    "quickstart.py": "plan change(s); the first:",
    "web_handler.py": "200 hold",
}


def test_init_writes_every_example_and_each_runs_from_there(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    work = tmp_path / "work"
    assert main(["init", str(work)]) == 0
    assert "python examples/quickstart.py" in capsys.readouterr().out
    written = sorted((work / "examples").iterdir())
    assert [p.name for p in written] == [p.name for p in EXAMPLES] == sorted(LAST_WORDS)
    assert (work / "rules").is_dir()  # beside the rulebook it writes
    for script in written:
        assert script.read_bytes() == (Path(__file__).parents[1] / "examples" /
                                       script.name).read_bytes()
        done = subprocess.run([sys.executable, str(script.relative_to(work))], cwd=work,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        assert LAST_WORDS[script.name] in done.stdout, (script.name, done.stdout)
