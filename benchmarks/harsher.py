"""No reward for a harsher back-off (issue 21, P10): replay a synthetic population under the
shipped rulebook and under each variant one step more cautious, and report the days to
each rung and whether any athlete reaches any rung sooner under a more cautious variant.

Usage::

    python benchmarks/harsher.py [--athletes 1000] [--checkins 78] [--seed 0]

The variants: every back-off threshold one step the harsher way (the direction read from
the rules that test it, ``footcore._caution.harsher_directions``), every deload rule
answered with rest instead, and every ease rule (P9's mild stiffness) with a deload.
Each athlete (``footcore.testing.population``) is replayed from the first rung under each
rulebook on the native backend; the days to a rung count from the athlete's start to the
first check-in that reaches it.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Sequence

import footcore as fc
import footcore.impact
import footcore.models
from footcore._caution import harsher_directions, harsher_step
from footcore.impact import History
from footcore.testing import derive, population

Reached = list[dict[str, int]]  # per athlete: rung -> days from the start to reach it


def variants(rulebook: fc.models.Rulebook) -> list[tuple[str, fc.models.Rulebook]]:
    """Each back-off threshold one step harsher, each deload rule made a rest and each ease
    rule (P9: mild stiffness) a deload."""
    out = []
    for name in harsher_directions(rulebook):
        value = harsher_step(rulebook, name)
        out.append((f"{name} {rulebook.number(name):g} -> {value:g}",
                    derive(rulebook, params={name: value}, label=f"{name}={value}")))
    harsher = {fc.Action.DELOAD: fc.Action.REST, fc.Action.EASE: fc.Action.DELOAD}
    for rule in rulebook.rules:
        if rule.action in harsher:
            action = harsher[rule.action]
            out.append((f"{rule.id}: {action} instead of {rule.action}",
                        derive(rulebook, rules={rule.id: {"action": action}},
                               label=f"{rule.id}={action}")))
    return out


def replay(rulebook: fc.models.Rulebook, histories: Sequence[History]) -> Reached:
    engine = fc.Engine(rulebook, backend="native")
    order = {stage.id: stage.order for stage in rulebook.stages}
    reached: Reached = []
    for history in histories:
        state, checkins = history.load()
        rungs: dict[str, int] = {}
        for checkin in checkins:
            state = engine.evaluate(state, checkin).state
            if state.stage not in rungs and order[state.stage] > 0:
                rungs[state.stage] = (checkin.on - state.started_on).days
        reached.append(rungs)
    return reached


def _pct(values: list[int], fraction: float) -> str:
    """The nearest-rank percentile of ``values``, or "-" for none."""
    if not values:
        return "-"
    return str(sorted(values)[max(math.ceil(len(values) * fraction) - 1, 0)])


def table(title: str, rungs: Sequence[str], reached: Reached) -> list[str]:
    lines = [title, f"  {'rung':<13}{'reached':>8}{'median':>8}{'p10':>6}{'p90':>6}"]
    for rung in rungs:
        days = [r[rung] for r in reached if rung in r]
        lines.append(f"  {rung:<13}{len(days):>8}{_pct(days, 0.5):>8}{_pct(days, 0.1):>6}"
                     f"{_pct(days, 0.9):>6}")
    return lines


def sooner(base: Reached, other: Reached) -> list[tuple[int, str, int | None, int]]:
    """(athlete, rung, days under the base or None, days under the variant) for every rung
    an athlete reaches sooner under the variant, or only under it."""
    return [(number, rung, mine.get(rung), days)
            for number, (mine, theirs) in enumerate(zip(base, other, strict=True))
            for rung, days in theirs.items() if rung not in mine or days < mine[rung]]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=1000)
    parser.add_argument("--checkins", type=int, default=78)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    shipped = fc.load_rulebook()
    rungs = [stage.id for stage in shipped.stages[1:]]
    histories = list(population(args.athletes, seed=args.seed, checkins=args.checkins))
    began = time.perf_counter()
    base = replay(shipped, histories)
    print(f"footcore {fc.__version__}, {args.athletes} athletes x {args.checkins} check-ins "
          f"(seed {args.seed})")
    print("\n".join(table("shipped rulebook: days to reach each rung", rungs, base)))
    rewarded = 0
    for label, variant in variants(shipped):
        reached = replay(variant, histories)
        found = sooner(base, reached)
        rewarded += bool(found)
        athletes = len({number for number, *_ in found})
        verdict = (f"{athletes} athlete(s) reach a rung sooner" if found
                   else "no athlete reaches any rung sooner")
        print(f"\nharsher: {label}: {verdict}")
        print("\n".join(table("  days to reach each rung", rungs, reached)[1:]))
        for number, rung, before, after in found[:3]:
            print(f"    e.g. athlete {number}: {rung} on day {after} "
                  f"(shipped: {'never' if before is None else f'day {before}'})")
    print(f"\n{rewarded} harsher variant(s) let some athlete reach a rung sooner "
          f"({time.perf_counter() - began:.0f} s)")
    return 1 if rewarded else 0


if __name__ == "__main__":
    sys.exit(main())
