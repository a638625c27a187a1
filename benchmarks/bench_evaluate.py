"""Time ``Engine.evaluate`` per backend on generated (state, check-in) pairs.

Usage::

    python benchmarks/bench_evaluate.py [--n 5000] [--seed 0]

Generates N valid inputs deterministically from ``random.Random(seed)``, then times every
evaluation on the native backend and, where durable_rules imports, on the durable backend,
in the same run. Also times the bare matching layer (facts already built, rules fired, no
resolution, state or plan) to show what the backend itself costs. Reports the median and
95th percentile in microseconds per call, calls per second, and durable/native ratios;
checks along the way that both backends gave the same decisions.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs

try:
    import footcore
except ImportError:  # run from a checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import footcore

from footcore import (
    AthleteState,
    BackOff,
    CheckIn,
    Compensation,
    CompensationKind,
    Decision,
    Engine,
    Goal,
    Location,
    Metrics,
    Rulebook,
    Symptom,
    SymptomKind,
)
from footcore._facts import build_facts  # private: used only to time the matching layer

TODAY = date(2026, 7, 24)
WARM_UP = 200

Pair = tuple[AthleteState, CheckIn]


# ---------------------------------------------------------------- inputs


def _maybe(rng: random.Random, low: float, high: float) -> float | None:
    return round(rng.uniform(low, high), 2) if rng.random() < 0.6 else None


def _metrics(rng: random.Random) -> Metrics:
    return Metrics(balance_eyes_open_s=_maybe(rng, 0, 60),
                   balance_eyes_closed_s=_maybe(rng, 0, 30),
                   forefoot_symmetry=_maybe(rng, 0, 1),
                   foot_fatigue=_maybe(rng, 0, 10))


def make_pair(rng: random.Random, rulebook: Rulebook) -> Pair:
    """One valid (state, check-in) pair: the check-in is on or after ``TODAY``."""
    stage = rng.choice(rulebook.stages)
    window = rulebook.whole("window_days")
    started = TODAY - timedelta(days=rng.randint(0, 200))
    span = (TODAY - started).days
    backoff = rng.choice(list(BackOff))
    state = AthleteState(
        athlete_id=f"a-{rng.randint(1, 999)}",
        goal=rng.choice(list(Goal)),
        stage=stage.id,
        dose_level=rng.randrange(len(stage.steps)),
        started_on=started,
        rulebook_digest=rulebook.digest,
        prior_foot_ankle_problems=rng.random() < 0.3,
        clinician_cleared=rng.random() < 0.3,
        paused=rng.random() < 0.1,
        backoff=backoff,
        backoff_until=None if backoff is BackOff.NONE
        else TODAY + timedelta(days=rng.randint(-10, 10)),
        last_backoff_on=started if rng.random() < 0.3 else None,
        last_change_on=started + timedelta(days=rng.randint(0, span)),
        last_checkin_on=started + timedelta(days=rng.randint(0, span)),
        recent_sessions=tuple(sorted(TODAY - timedelta(days=d) for d in
                                     rng.sample(range(1, window + 1), rng.randint(0, 7)))),
        consecutive_completed=rng.randint(0, 12),
        consecutive_missed=rng.randint(0, 4),
        clean_streak=rng.randint(0, 12),
        metrics=_metrics(rng),
    )
    exercises = sorted(rulebook.exercises)
    symptoms = tuple(
        Symptom(rng.choice(list(SymptomKind)), rng.choice(list(Location)),
                severity=rng.randint(0, 10), days=rng.randint(0, 21))
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))))
    compensations = tuple(
        Compensation(rng.choice(list(CompensationKind)),
                      rng.choice(exercises) if rng.random() < 0.7 else None)
        for _ in range(rng.choice((0, 0, 0, 1, 2))))
    completed = rng.random() < 0.8
    checkin = CheckIn(
        on=TODAY + timedelta(days=rng.randint(0, 30)), completed=completed,
        minutes=rng.randint(15, 20) if completed else 0, symptoms=symptoms,
        compensations=compensations, metrics=_metrics(rng),
        clinician_cleared=rng.random() < 0.1,
    )
    return state, checkin


# ---------------------------------------------------------------- timing


def time_each(call: Callable[[int], object], n: int) -> tuple[list[float], float]:
    """Microseconds per call for calls 0..n-1 (after a warm-up), and the total seconds."""
    for i in range(min(WARM_UP, n)):
        call(i)
    samples = []
    clock = time.perf_counter_ns
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        began = clock()
        for i in range(n):
            start = clock()
            call(i)
            samples.append((clock() - start) / 1000)
        total = (clock() - began) / 1e9
    finally:
        if gc_was_on:
            gc.enable()
    return samples, total


def summary(samples: Sequence[float], total: float) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, len(ordered) / total


def _canonical(decision: Decision | None) -> str:
    assert decision is not None
    return footcore.to_json(attrs.evolve(decision, backend="-"))


def engines(rulebook: Rulebook) -> tuple[dict[str, Engine], dict[str, str]]:
    made: dict[str, Engine] = {"native": Engine(rulebook, backend="native")}
    skipped: dict[str, str] = {}
    try:
        made["durable"] = Engine(rulebook, backend="durable")
    except (footcore.FootcoreError, ImportError) as exc:
        skipped["durable"] = f"{type(exc).__name__}: {exc}"
    return made, skipped


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="inputs to time (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the input generator")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")

    rulebook = footcore.load_rulebook()
    rng = random.Random(args.seed)
    pairs = [make_pair(rng, rulebook) for _ in range(args.n)]
    facts = [build_facts(rulebook, state, checkin) for state, checkin in pairs]
    made, skipped = engines(rulebook)

    print(f"footcore {footcore.__version__}, Python {platform.python_version()} "
          f"({platform.python_implementation()}), rulebook {rulebook.id} {rulebook.version}, "
          f"{len(rulebook.rules)} rules")
    print(f"n={args.n} generated inputs, seed={args.seed}, warm-up {min(WARM_UP, args.n)} "
          f"calls per row\n")

    rows: dict[tuple[str, str], tuple[float, float, float]] = {}
    decisions: dict[str, list[Decision | None]] = {}
    for name, engine in made.items():
        out: list[Decision | None] = [None] * args.n

        def evaluate(i: int, engine: Engine = engine, out: list[Decision | None] = out) -> None:
            state, checkin = pairs[i]
            out[i] = engine.evaluate(state, checkin)

        rows[name, "evaluate"] = summary(*time_each(evaluate, args.n))
        decisions[name] = out
        matcher = engine._matcher  # private: the backend alone

        def match(i: int, matcher: Any = matcher) -> None:
            matcher.match(facts[i])

        rows[name, "match"] = summary(*time_each(match, args.n))

    firings = statistics.mean(len(d.firings) for d in decisions["native"] if d)
    print(f"{firings:.1f} firings per decision on average\n")
    header = f"{'backend':<9} {'layer':<9} {'median us':>10} {'p95 us':>10} {'per second':>12}"
    print(header)
    print("-" * len(header))
    for (name, layer), (median, p95, rate) in rows.items():
        print(f"{name:<9} {layer:<9} {median:>10.1f} {p95:>10.1f} {rate:>12,.0f}")
    for name, reason in skipped.items():
        print(f"{name:<9} (not timed: {reason})")

    if "durable" in made:
        print()
        for layer in ("evaluate", "match"):
            ratio = rows["durable", layer][0] / rows["native", layer][0]
            print(f"durable/native, {layer}: {ratio:.2f}x (median)")
        same = sum(_canonical(a) == _canonical(b) for a, b in zip(
            decisions["native"], decisions["durable"], strict=True))
        print(f"decisions identical (JSON, backend aside) on {same} of {args.n} inputs")
        if same != args.n:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
