"""How ``lint`` grows with the rulebook: generated rulebooks of 36 to 1,024 rules, timed in
one run, with the growth exponent fitted over them.

Usage::

    python benchmarks/bench_lint.py [--runs 5] [--sizes 36,64,128,256,512,1024]
                                    [--baseline 5286cea]

Each size is the shipped rulebook (36 rules) plus generated back-off rules
(:func:`grown`): on check-ins, symptoms and compensations, most tied to one stage, each
with one to three thresholds on fields where a higher value is worse, drawn from a band
that rises with the action's severity (a harsher action needs a worse value), as a rule
author extending the rulebook would write them. They are drawn from a fixed seed, so every
run and every version lints the same rulebooks.

Each round is a fresh process that lints every size once (untimed, to warm imports), then
``--runs`` times in turn; a size keeps its fastest run in that round. Printed per size: the
median, min and max over the rounds, and the ratio against the smallest rulebook of the same
round, and the findings (how many, and a digest of their words, to compare versions by);
then the growth exponent, the slope of log(seconds) over log(rules) fitted by least
squares (1: linear; N log N over these sizes fits 1.20; 2: quadratic).

``--baseline REF`` times the same rulebooks on ``git archive REF`` (imported from a
temporary folder) in the same run, its rule limit raised by hand where it is below the
largest size, and prints its exponent too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SIZES = (36, 64, 128, 256, 512, 1024)
# Back-off actions from mildest to harshest: the band of a threshold rises with the index.
_ACTIONS = ("hold", "ease", "deload", "rest", "regress")
# Fields on which a higher value is worse, with the range their thresholds are drawn from.
_CHECKIN = {"max_severity": (1, 10), "foot_fatigue": (1, 10), "consecutive_missed": (1, 11),
            "days_since_last_session": (4, 24), "days_since_last_checkin": (4, 24),
            "symptom_count": (1, 6), "compensation_count": (1, 6)}
_SYMPTOM = {"severity": (1, 10), "days": (1, 5)}
_SYMPTOM_KINDS = ("soreness", "stiffness", "irritation", "fatigue")
_LOCATIONS = ("ball_of_foot", "arch", "toes", "heel", "plantar_fascia", "ankle")
_COMPENSATIONS = ("knee_valgus", "hip_adduction", "toe_gripping", "arch_collapse", "heel_lift")
_CATEGORIES = ("activation", "static_hold", "dynamic_transition", "balance")


def _threshold(rng: random.Random, span: tuple[int, int], action: str) -> int:
    low, high = span
    band = (high - low) / len(_ACTIONS)
    start = low + band * _ACTIONS.index(action)
    return int(start + rng.random() * band)


def _conditions(rng: random.Random, fact: str, action: str, stages: list[str]
                ) -> list[dict[str, Any]]:
    when: list[dict[str, Any]] = []
    if rng.random() < 0.8:
        when.append({"field": "stage", "op": "eq", "value": rng.choice(stages)})
    if fact == "compensation":
        when.append({"field": "kind", "op": "eq", "value": rng.choice(_COMPENSATIONS)})
        when.append({"field": "exercise_category", "op": "eq",
                     "value": rng.choice(_CATEGORIES)})
        return when
    fields = _CHECKIN if fact == "checkin" else _SYMPTOM
    if fact == "symptom":
        when.append({"field": "kind", "op": "eq", "value": rng.choice(_SYMPTOM_KINDS)})
        if rng.random() < 0.3:
            when.append({"field": "location", "op": "eq", "value": rng.choice(_LOCATIONS)})
    for field in rng.sample(sorted(fields), rng.randint(1, min(2, len(fields)))):
        if field == "foot_fatigue":
            when.append({"field": "has_foot_fatigue", "op": "eq", "value": True})
        when.append({"field": field, "op": "ge",
                     "value": _threshold(rng, fields[field], action)})
    return when


def grown(size: int, seed: int = 25) -> Any:
    """The shipped rulebook with generated back-off rules added up to ``size`` rules."""
    import footcore
    from footcore._conditions import FactType, Op
    from footcore._rulebook import Condition, Rule
    from footcore._rulebook_loading import assemble

    rulebook = footcore.load_rulebook()
    rng = random.Random(seed)
    stages = [stage.id for stage in rulebook.stages]
    added = []
    for number in range(size - len(rulebook.rules)):
        fact = rng.choices(("checkin", "symptom", "compensation"), (9, 9, 2))[0]
        action = rng.choice(_ACTIONS)
        when = tuple(Condition(c["field"], Op(c["op"]), c["value"])
                     for c in _conditions(rng, fact, action, stages))
        added.append(Rule(
            f"extra-{number:04}", footcore.Action(action), FactType(fact),
            f"generated {action} rule {number}", ("default",), when=when,
            rationale="generated to measure lint"))
    return assemble(rulebook.meta, rulebook.params, rulebook.exercises.values(),
                            rulebook.stages, [*rulebook.rules, *added], location="grown")


def worker(src: str | None, sizes: list[int], runs: int) -> dict[str, Any]:
    """One round: the fastest of ``runs`` lints of each size, in seconds."""
    if src is not None:
        sys.path.insert(0, src)
    import footcore
    from footcore.analysis import lint

    limits = sys.modules["footcore._limits"]
    limits._BY_NAME["rules"] = max(limits._BY_NAME["rules"], max(sizes))
    books = {size: grown(size) for size in sizes}
    findings = {size: _summary(lint(books[size])) for size in sizes}
    best = {size: math.inf for size in sizes}
    for _ in range(runs):
        for size in sizes:
            started = time.perf_counter()
            lint(books[size])
            best[size] = min(best[size], time.perf_counter() - started)
    return {"module": footcore.__file__, "seconds": best, "findings": findings}


def _summary(findings: tuple[Any, ...]) -> str:
    """How many findings, and a digest of their words: the same on every version that finds
    the same."""
    text = "\n".join(map(str, findings)).encode()
    return f"{len(findings)} {hashlib.sha256(text).hexdigest()[:8]}"


def exponent(sizes: list[int], seconds: list[float]) -> float:
    """The least-squares slope of log(seconds) over log(size)."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
            / sum((x - mx) ** 2 for x in xs))


def rounds(src: Path | None, sizes: list[int], runs: int, count: int) -> list[dict[str, Any]]:
    command = [sys.executable, __file__, "--worker", "--runs", str(runs),
               "--sizes", ",".join(map(str, sizes))]
    if src is not None:
        command += ["--src", str(src)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    found = []
    for _ in range(count):
        done = subprocess.run(command, capture_output=True, text=True, check=True, env=env,
                              cwd=REPO, timeout=3600)
        found.append(json.loads(done.stdout))
    return found


def report(name: str, found: list[dict[str, Any]], sizes: list[int]) -> None:
    print(f"{name}: footcore from {found[0]['module']}")
    print(f"  {'rules':>6} {'seconds: median (min-max)':>30} {f'x {sizes[0]} rules':>12} "
          f"{'findings (digest)':>18}")
    for size in sizes:
        times = [f["seconds"][str(size)] for f in found]
        ratios = [f["seconds"][str(size)] / f["seconds"][str(sizes[0])] for f in found]
        print(f"  {size:>6} {statistics.median(times):>12.4f} ({min(times):.4f}-"
              f"{max(times):.4f}) {statistics.median(ratios):>10.1f}x "
              f"{found[0]['findings'][str(size)]:>18}")
    slopes = [exponent(sizes, [f["seconds"][str(s)] for s in sizes]) for f in found]
    print(f"  growth exponent: median {statistics.median(slopes):.2f} "
          f"(min {min(slopes):.2f}, max {max(slopes):.2f})")


def baseline_tree(ref: str, into: Path) -> Path:
    archive = into / "baseline.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref], stdout=out, check=True, cwd=REPO)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree" / "src"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--baseline", help="git ref to time the same rulebooks on")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--src", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.worker:
        print(json.dumps(worker(args.src, sizes, args.runs)))
        return
    report("working tree", rounds(None, sizes, args.runs, args.rounds), sizes)
    if args.baseline:
        with tempfile.TemporaryDirectory() as folder:
            src = baseline_tree(args.baseline, Path(folder))
            report(args.baseline, rounds(src, sizes, args.runs, args.rounds), sizes)


if __name__ == "__main__":
    main()
