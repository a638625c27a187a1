"""Time ``footcore.testing.prove`` and compare what it flags with the sampled checks.

Usage::

    python benchmarks/bench_prove.py [--runs 5] [--mutants] [--wheel] [--scale]

- Timing: ``prove(load_rulebook())`` in ``--runs`` fresh processes (cold: the model is
  built in the call) and once more in each (warm), against the baseline of the same run:
  the kit's sampled checks of the same invariants on the same rulebook (its boundary cases
  and 400 Hypothesis draws, as ``kit_check`` makes them). Prints median, min and max, and
  the ratio prover / sampled per process.
- ``--mutants``: every valid mutant of the shipped rulebook, decided by the prover (over
  reachable inputs, and over every valid input) and checked by the sampled checks of the
  same invariants; prints the mutants each flags, whether the prover's set contains the
  sampled set, what only the prover flags, and the time per mutant.
- ``--scale``: the rulebooks that grow the prover's work (``tests/big_rulebooks.py``), each
  in ``--runs`` fresh processes: ``prove`` on the shipped rulebook grown to 64 rules with
  10 conditions each (some pause rules on symptoms); ``prove`` and ``lint`` on a rulebook
  at every documented limit; and loading the shipped rulebook with one more 10-condition
  pause rule (the safety floor). Prints the CPU seconds (median, min, max) and the
  verdict: how many invariants proved, with a counterexample, unknown; or whether it
  loaded.
- ``--wheel``: builds the wheel, installs it (with its ``testing`` extra) in a fresh
  virtualenv and runs the timing there, from another directory.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ONE_RUN = """
import json, time
started = time.perf_counter()
import footcore
from footcore.testing import PROVABLE, prove
rulebook = footcore.load_rulebook()
loaded = time.perf_counter()
report = prove(rulebook)
cold = time.perf_counter()
prove(rulebook)
warm = time.perf_counter()
from footcore.testing import kit_check
check = kit_check(rulebook, examples=400, only=PROVABLE, liveness=False)
drawn = time.perf_counter()
check(rulebook)
sampled = time.perf_counter()
print(json.dumps({"ok": report.ok, "steps": report.steps, "import_load": loaded - started,
                  "cold": cold - loaded, "warm": warm - cold, "draw": drawn - warm,
                  "sampled": sampled - drawn, "cases": len(check.corpus),
                  "module": footcore.__file__}))
"""


SCALE_RUN = """
import json, sys, time
sys.path.insert(0, "tests")
import footcore
from big_rulebooks import at_limits, floor_case, sixty_four
from footcore._rulebook_loading import rulebook_from_data
from footcore.analysis import lint, prove
case = sys.argv[1]
shipped = footcore.load_rulebook()
if case == "floor":
    data = floor_case(shipped)
    started = time.process_time()
    try:
        rulebook_from_data(data, location="floor case")
        verdict = "loads"
    except footcore.RulebookError as exc:
        verdict = "refused: " + str(exc).split("safety floor: ")[-1].split(";")[0]
    print(json.dumps({"cpu": time.process_time() - started, "verdict": verdict}))
    raise SystemExit
rulebook = sixty_four(shipped) if case == "prove-64" else at_limits(shipped)
started = time.process_time()
if case == "lint-limits":
    findings = lint(rulebook)
    codes = sorted({f.code for f in findings if f.code in ("unsafe", "not-proved")})
    verdict = ", ".join(codes) or "no unsafe or not-proved finding"
else:
    report = prove(rulebook)
    counts = {s: sum(r.status == s for r in report.results.values())
              for s in ("proved", "counterexample", "unknown")}
    verdict = ", ".join(f"{n} {s}" for s, n in counts.items())
print(json.dumps({"cpu": time.process_time() - started, "verdict": verdict,
                  "rules": len(rulebook.rules)}))
"""
SCALE_CASES = {
    "prove-64": "prove, 64 rules (shipped + generated, 10 conditions each)",
    "prove-limits": "prove, a rulebook at every documented limit",
    "lint-limits": "lint, a rulebook at every documented limit",
    "floor": "safety floor, shipped + one 10-condition pause rule",
}


def scale(runs: int) -> None:
    for case, label in SCALE_CASES.items():
        found = []
        for _ in range(runs):
            done = subprocess.run([sys.executable, "-c", SCALE_RUN, case], capture_output=True,
                                  text=True, cwd=REPO, check=True, timeout=3600)
            found.append(json.loads(done.stdout))
        verdicts = sorted({f["verdict"] for f in found})
        print(f"{label}: CPU {spread([f['cpu'] for f in found])}; verdict: "
              f"{' | '.join(verdicts)}", flush=True)


def spread(values: list[float], unit: str = "s") -> str:
    return (f"median {statistics.median(values):.3f} {unit} (min {min(values):.3f}, "
            f"max {max(values):.3f})")


def timing(python: str, runs: int, cwd: Path) -> None:
    found = []
    for _ in range(runs):
        done = subprocess.run([python, "-c", ONE_RUN], capture_output=True, text=True,
                              cwd=cwd, check=True, timeout=600)
        found.append(json.loads(done.stdout))
    print(f"footcore from {found[0]['module']}")
    print(f"prove(load_rulebook()): all proved: {all(f['ok'] for f in found)}, "
          f"{found[0]['steps']} steps")
    print(f"  cold (model built in the call): {spread([f['cold'] for f in found])}")
    print(f"  warm (model cached):            {spread([f['warm'] for f in found])}")
    print(f"baseline, sampled checks of the same invariants on {found[0]['cases']} cases: "
          f"{spread([f['sampled'] for f in found])} (drawing them: "
          f"{spread([f['draw'] for f in found])})")
    print(f"  ratio prove cold / sampled: "
          f"{spread([f['cold'] / f['sampled'] for f in found], 'x')}")


def mutants() -> None:
    import footcore
    from footcore.testing import PROVABLE, kit_check, mutants, prove

    rulebook = footcore.load_rulebook()
    sampled_check = kit_check(rulebook, examples=400, only=PROVABLE, liveness=False)
    flagged: dict[str, set[str]] = {"reachable": set(), "every valid input": set(),
                                    "sampled": set()}
    seconds: dict[str, list[float]] = {name: [] for name in flagged}
    unknown: list[str] = []
    count = 0
    for mutant in mutants(rulebook):
        count += 1
        for name, reachable in (("reachable", True), ("every valid input", False)):
            started = time.perf_counter()
            report = prove(mutant.rulebook, spec=rulebook, reachable=reachable)
            seconds[name].append(time.perf_counter() - started)
            if report.counterexamples:
                flagged[name].add(mutant.name)
            unknown += [f"{mutant.name}: {r}" for r in report.results.values()
                        if r.status == "unknown"]
        started = time.perf_counter()
        try:
            sampled_check(mutant.rulebook)
        except AssertionError:
            flagged["sampled"].add(mutant.name)
        seconds["sampled"].append(time.perf_counter() - started)
    print(f"{count} valid mutants of the shipped rulebook; invariants: {', '.join(PROVABLE)}")
    for name, found in flagged.items():
        print(f"  {name}: flags {len(found)}; {spread(seconds[name])} per mutant")
    for name in ("reachable", "every valid input"):
        print(f"  prover ({name}) contains the sampled set: "
              f"{flagged['sampled'] <= flagged[name]}; only the prover: "
              f"{sorted(flagged[name] - flagged['sampled'])}")
    print(f"  unknown results: {unknown or 'none'}")


def wheel(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir",
                        str(root / "dist"), str(REPO)], check=True, capture_output=True)
        (built,) = (root / "dist").glob("footcore-*.whl")
        subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
        python = str(root / "venv" / "bin" / "python")
        subprocess.run([python, "-m", "pip", "install", "--quiet", f"{built}[testing]"],
                       check=True)
        elsewhere = root / "elsewhere"
        elsewhere.mkdir()
        timing(python, runs, elsewhere)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mutants", action="store_true")
    parser.add_argument("--wheel", action="store_true")
    parser.add_argument("--scale", action="store_true")
    args = parser.parse_args()
    if args.scale:
        scale(args.runs)
    elif args.wheel:
        wheel(args.runs)
    else:
        timing(sys.executable, args.runs, REPO)
    if args.mutants:
        mutants()


if __name__ == "__main__":
    main()
