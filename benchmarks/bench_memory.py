"""Memory over long runs: resident set size before and after many evaluations.

Reports the growth per backend over N evaluations of one engine (flat means no session or
fact leaks), and the growth from building and dropping engines (durable frees each
collected ruleset). Figures are ratios to the baseline RSS measured in the same run.

    python benchmarks/bench_memory.py [--n 200000]
"""

from __future__ import annotations

import argparse
import gc
from datetime import date, timedelta
from pathlib import Path

import footcore as fc


def rss_kb() -> int:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4


def run(engine: fc.Engine, count: int) -> None:
    start = date(2026, 1, 5)
    stiff = fc.Symptom(fc.SymptomKind.STIFFNESS, fc.Location.ARCH, severity=4)
    state = engine.new_athlete("a", goal=fc.Goal.RUNNER, start=start)
    for n in range(count):
        checkin = fc.CheckIn(on=start + timedelta(days=n // 3), completed=n % 4 != 3,
                             symptoms=(stiff,) if n % 9 == 0 else ())
        state = engine.evaluate(state, checkin).state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="evaluations per backend")
    args = parser.parse_args()
    rulebook = fc.load_rulebook()
    for backend in ("native", "durable"):
        try:
            engine = fc.Engine(rulebook, backend=backend)
        except fc.EngineError as error:
            print(f"{backend}: not available here ({error})")
            continue
        run(engine, 2_000)  # warm caches first
        gc.collect()
        before = rss_kb()
        run(engine, args.n)
        gc.collect()
        after = rss_kb()
        print(f"{backend:8} {args.n:>8,} evaluations: RSS {before:,} -> {after:,} KB "
              f"(x{after / before:.3f})")
    if fc.Engine(rulebook).backend == "durable":
        gc.collect()
        before = rss_kb()
        for _ in range(300):
            fc.Engine(rulebook, backend="durable")
        gc.collect()
        fc.Engine(rulebook, backend="durable")
        after = rss_kb()
        print(f"durable  300 engines built and dropped: RSS {before:,} -> {after:,} KB "
              f"(x{after / before:.3f})")


if __name__ == "__main__":
    main()
