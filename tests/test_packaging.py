"""The wheel: built from this checkout, installed in a fresh virtualenv, used from elsewhere.

This runs in the normal suite (about 10-60 s, most of it pip; marked ``once``, so .ci/run
runs it under its first interpreter only: the wheel is the same for all). It catches the
packaging mistakes no import-from-the-checkout test can see: rules/ or an example script
not shipped inside the package, py.typed or the Hypothesis strategies missing, a default
rulebook that only loads from a source tree, a prover that needs Hypothesis after all, a
core that needs durable_rules (the ``durable`` extra) after all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import footcore
from footcore.testing import PROVABLE

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 600
pytestmark = [pytest.mark.once, pytest.mark.long]

SCRIPT = """
import importlib.util
import json
import sys
from datetime import date

import footcore
import footcore.testing  # the kit's package imports; its strategies need hypothesis

rulebook = footcore.load_rulebook()
checkin = footcore.CheckIn(
    on=date(2026, 1, 7), completed=True, minutes=18,
    symptoms=(footcore.Symptom(footcore.SymptomKind.STIFFNESS, footcore.Location.ARCH,
                               severity=4),),
)
actions = {}
for backend in ("native", "auto", "durable"):
    try:
        engine = footcore.Engine(rulebook, backend=backend)
        state = engine.new_athlete("a-17", goal=footcore.Goal.RUNNER, start=date(2026, 1, 5))
        actions[backend] = engine.evaluate(state, checkin).action.value
    except Exception as exc:  # reported by the test, after the checks that do not need it
        actions[backend] = f"{type(exc).__name__} {getattr(exc, 'code', '')}: {exc}"
print(actions["native"], file=sys.stderr)
# The prover needs no Hypothesis (not installed here): it proves the shipped rulebook safe.
report = footcore.testing.prove(rulebook)
print(json.dumps({
    "proof": {"ok": report.ok, "invariants": len(report.results),
              "hypothesis": "hypothesis" in sys.modules},
    "digest": rulebook.digest,
    "location": str(rulebook.location),
    "module": footcore.__file__,
    "actions": actions,
    # the core install has no durable_rules (an extra), and none of its modules is loaded
    "durable": [importlib.util.find_spec("durable_rules_engine") is not None,
                sorted(name for name in sys.modules if name.startswith("durable"))],
    "version": footcore.__version__,
}))
"""


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.returncode == 0, (
        f"{' '.join(args)} exited {done.returncode}\n"
        f"--- stdout\n{done.stdout[-4000:]}\n--- stderr\n{done.stderr[-4000:]}")
    return done.stdout


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def test_wheel_ships_the_rulebook_and_works_from_a_fresh_virtualenv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # The sdist first, then the wheel built from it: what a user installing either gets.
    _run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO)], cwd=REPO)
    wheels = sorted(dist.glob("footcore-*.whl"))
    assert len(wheels) == 1, wheels
    wheel = wheels[0]
    (sdist,) = dist.glob("footcore-*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert any(name.endswith("/LICENSE") for name in archive.getnames())
        # The TypeScript client's sources come with the tests that run it, its installed
        # packages and build never (.gitignore).
        assert any(name.endswith("/clients/typescript/package-lock.json")
                   for name in archive.getnames())
        assert not [name for name in archive.getnames()
                    if "node_modules" in name or "/clients/typescript/dist" in name]

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert not [name for name in names if "clients/" in name or "node_modules" in name]
    rules = sorted(p.name for p in (REPO / "rules").iterdir() if p.is_file())
    assert rules, "the checkout has a rules/ directory with files"
    missing = {f"footcore/rules/{name}" for name in rules} - names
    assert not missing, f"rules missing from the wheel: {sorted(missing)}"
    sources = {f"footcore/{p.relative_to(REPO / 'src/footcore').as_posix()}"
               for p in (REPO / "src/footcore").rglob("*.py")}
    scenarios = {f"footcore/scenarios/{p.name}" for p in (REPO / "examples/scenarios").glob("*")}
    examples = {f"footcore/examples/{p.name}" for p in (REPO / "examples").glob("*.py")}
    expected = {"footcore/py.typed", "footcore/__init__.py", "footcore/testing/__init__.py",
                "footcore/schemas/checkin.json", "footcore/schemas/athlete-state.json",
                "footcore/schemas/decision.json", "footcore/__main__.py", *sources, *scenarios,
                *examples}
    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
    licence = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    assert licence, "the wheel carries no LICENSE"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    for line in ("License-Expression: MIT", "Project-URL: Homepage, https://github.com/"
                 "footcore/footcore"):
        assert line.encode() in metadata, line

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = _venv_python(venv)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")}
    # --no-compile: pip would compile every module it installs (most of its CPU here); Python
    # compiles the ones the checks below import, when they import them.
    pip = [str(python), "-m", "pip", "install", "--quiet", "--no-compile"]
    _run([*pip, str(wheel)], cwd=tmp_path, env=env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "use_footcore.py").write_text(SCRIPT, encoding="utf-8")
    out = json.loads(_run([str(python), "use_footcore.py"], cwd=elsewhere, env=env))

    installed = Path(out["module"]).resolve()
    assert venv.resolve() in installed.parents, f"footcore imported from {installed}"
    assert venv.resolve() in Path(out["location"]).resolve().parents, (
        f"the default rulebook was loaded from {out['location']}, not from the wheel")
    assert out["digest"] == footcore.load_rulebook(REPO / "rules").digest
    assert out["version"] == footcore.__version__
    durable = out["actions"].pop("durable")
    assert out["actions"] == {"native": "deload", "auto": "deload"}
    assert durable.startswith("EngineError durable-missing: ") and "footcore[durable]" in durable
    assert out["durable"] == [False, []]
    assert out["proof"] == {"ok": True, "invariants": len(PROVABLE), "hypothesis": False}

    # The command, as a new user runs it from an empty folder: no checkout, no matplotlib.
    footcore_cmd = str(venv / "bin" / "footcore")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run([footcore_cmd, "--version"], cwd=empty, env=env).strip() == (
        f"footcore {footcore.__version__}")
    assert "usage: footcore" in _run([str(python), "-m", "footcore"], cwd=empty, env=env)
    _run([footcore_cmd, "init", "."], cwd=empty, env=env)
    assert sorted(p.name for p in (empty / "scenarios").iterdir()) == sorted(
        p.name for p in (REPO / "examples/scenarios").glob("*.toml"))
    assert sorted(p.name for p in (empty / "examples").iterdir()) == sorted(
        p.name for p in (REPO / "examples").glob("*.py"))
    # The examples run as written from there, on the wheel alone (audit_store.py, which
    # signs, once the sign extra is in, below).
    assert "Reached the top of maintenance" in _run(
        [str(python), "examples/clean_runner.py"], cwd=empty, env=env)
    assert "DELOAD" in _run([str(python), "examples/quickstart.py"], cwd=empty, env=env)
    assert "200 hold" in _run([str(python), "examples/web_handler.py"], cwd=empty, env=env)
    assert "intact, 18 records" in _run([str(python), "examples/audit_log.py"], cwd=empty,
                                        env=env)
    assert "0 errors, 0 warnings" in _run([footcore_cmd, "lint", "rules"], cwd=empty,
                                              env=env)
    refused = subprocess.run([footcore_cmd, "simulate", "scenarios/sharp_pain.toml", "--out",
                              "out"], cwd=empty, env=env, capture_output=True, text=True,
                             timeout=TIMEOUT, check=False)
    assert refused.returncode == 2 and "footcore[plots]" in refused.stderr
    assert not (empty / "out").exists()  # refused before the run, nothing written
    timeline = _run([footcore_cmd, "simulate", "scenarios/sharp_pain.toml", "--out", "out",
                     "--no-chart", "--rules", "rules"], cwd=empty, env=env)
    assert "PAUSE" in timeline and "backend native" in timeline  # without durable_rules
    _run([footcore_cmd, "report", "out/decisions.jsonl", "runner-sharp", "--out", "pages",
          "--no-chart"], cwd=empty, env=env)
    (page,) = (empty / "pages").glob("runner-sharp-*.html")
    assert 'id="row-1"' in page.read_text()

    # With the plots extra, the chart too: on the page and beside the decisions.
    _run([*pip, f"{wheel}[plots,sign]"], cwd=tmp_path, env=env)
    assert "checkpoint 1 signed" in _run([str(python), "examples/audit_store.py"], cwd=empty,
                                         env=env)
    _run([footcore_cmd, "simulate", "scenarios/sharp_pain.toml", "--out", "out"], cwd=empty,
         env=env)
    assert (empty / "out" / "chart.png").read_bytes().startswith(b"\x89PNG")
    _run([footcore_cmd, "report", "out/decisions.jsonl", "runner-sharp", "--out", "pages"],
         cwd=empty, env=env)
    assert "data:image/png;base64," in page.read_text()
