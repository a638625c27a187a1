"""Memory over long runs: resident set size before and after many evaluations.

Plays the everyday trajectories of benchmarks/trajectories.py over and over (each athlete
from their first check-in) through one engine, and reports the RSS after a warm-up and
every tenth of the run, as growth over that warm-up baseline measured in the same run: flat
means no session, fact, cache or memo grows without bound. Rows: native ``evaluate``;
native ``evaluate`` then ``to_json`` (what a store or audit log does; the JSON writer
remembers some texts, within bounds); durable ``evaluate``, where durable_rules imports; and
durable engines built and dropped (each collected ruleset is freed).

    python benchmarks/bench_memory.py [--n 1000000] [--durable-n 200000]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import trajectories  # noqa: E402

import footcore as fc  # noqa: E402

CHECKPOINTS = 10


def rss_kb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4


def decisions(engine: fc.Engine) -> Iterator[fc.Decision]:
    """Decisions of the trajectories, played again and again."""
    people = list(trajectories.athletes(fc, 40))
    for profile, checkins in itertools.cycle(people):
        profile = dict(profile)
        state = engine.new_athlete(profile.pop("athlete_id"), **profile)
        for checkin in checkins:
            decision = engine.evaluate(state, checkin)
            yield decision
            state = decision.state


def run(label: str, engine: fc.Engine, count: int,
        after: Callable[[fc.Decision], Any] = lambda decision: None) -> None:
    made = decisions(engine)
    for decision in itertools.islice(made, 20_000):  # warm caches and memos first
        after(decision)
    gc.collect()
    before = rss_kb()
    growth = []
    step = count // CHECKPOINTS
    for _ in range(CHECKPOINTS):
        for decision in itertools.islice(made, step):
            after(decision)
        gc.collect()
        growth.append(f"{(rss_kb() / before - 1) * 100:+.2f}%")
    print(f"{label:<28} {count:>9,} evaluations: RSS {before:,} KB after warm-up, growth "
          f"every {step:,}: {' '.join(growth)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="native evaluations")
    parser.add_argument("--durable-n", type=int, default=200_000, help="durable evaluations")
    args = parser.parse_args()
    rulebook = fc.load_rulebook()
    native = fc.Engine(rulebook, backend="native")
    run("native evaluate", native, args.n)
    run("native evaluate + to_json", native, args.n, fc.to_json)
    try:
        durable = fc.Engine(rulebook, backend="durable")
    except fc.EngineError as error:
        print(f"durable: not available here ({error})")
        return
    run("durable evaluate", durable, args.durable_n)
    gc.collect()
    before = rss_kb()
    for _ in range(300):
        fc.Engine(rulebook, backend="durable")
    gc.collect()
    fc.Engine(rulebook, backend="durable")
    print(f"{'durable engines':<28} {300:>9,} built and dropped: RSS {before:,} -> "
          f"{rss_kb():,} KB ({(rss_kb() / before - 1) * 100:+.2f}%)")


if __name__ == "__main__":
    main()
