"""What evaluate, to_json and from_json cost in instructions and cache misses, counted
under Valgrind's cachegrind: exact counts, untouched by the machine's other tenants.

Usage::

    python benchmarks/bench_cache.py [--athletes 40] [--seed 0]

Needs ``valgrind`` on the PATH (Debian: ``apt-get install valgrind``). Each figure is the
difference of two runs of the same trajectories (benchmarks/trajectories.py, native
backend) under a simulated cache: one that plays them once more with the call measured and
one without it, divided by the number of calls. The first play in every run fills the
writer's and the engine's memos, so the measured play sees them as a long-running process
would. to_json is measured as bench_speed.py measures it, right after the evaluate that
made the decision, and counts what it costs there (the evaluate leaves other data in the
caches); from_json reads every decision back in trajectory order.

Cachegrind models one core with its own caches, so its counts do not include what other
processes do to the caches; wall-clock ratios (bench_speed.py) still decide the goals. The
runs fix ``PYTHONHASHSEED`` (``--seed``), so the same code gives the same counts; other
seeds move them by about 1%.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
EVENTS = {"instructions": r"I\s+refs:\s+([\d,]+)", "L1i misses": r"I1\s+misses:\s+([\d,]+)",
          "L1d misses": r"D1\s+misses:\s+([\d,]+)"}
# What each run plays after the first play: the runs' differences give the figures.
RUNS = ("nothing", "evaluate", "evaluate, to_json", "from_json")


def worker(run: str, athletes: int) -> None:
    sys.path[:0] = [str(ROOT / "src"), str(HERE)]
    import trajectories

    import footcore as fc

    engine = fc.Engine(fc.load_rulebook(), backend="native")
    plays = list(trajectories.athletes(fc, athletes))

    def play(write: bool, keep: list[str] | None = None) -> None:
        for profile, checkins in plays:
            keywords = dict(profile)
            state = engine.new_athlete(keywords.pop("athlete_id"), **keywords)
            for checkin in checkins:
                decision = engine.evaluate(state, checkin)
                state = decision.state
                if write:
                    text = fc.to_json(decision)
                    if keep is not None:
                        keep.append(text)

    texts: list[str] = []
    play(write=True, keep=texts)
    if run == "from_json":
        for text in texts:
            fc.from_json(text, fc.Decision)
    elif run != "nothing":
        play(write=run == "evaluate, to_json")
    print(len(texts))


def counted(run: str, athletes: int, seed: int, folder: str) -> tuple[dict[str, int], int]:
    """Cachegrind's totals for ``run``, and the number of check-ins played."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=yes",
         f"--cachegrind-out-file={folder}/cachegrind.out", sys.executable, __file__,
         "--worker", run, "--athletes", str(athletes)],
        capture_output=True, text=True, check=False,
        env={**os.environ, "PYTHONHASHSEED": str(seed)})
    if done.returncode != 0:
        raise SystemExit(f"the run '{run}' failed:\n{done.stderr[-2000:]}")
    totals = {}
    for event, pattern in EVENTS.items():
        found = re.search(pattern, done.stderr)
        if found is None:
            raise SystemExit(f"no '{event}' in cachegrind's summary:\n{done.stderr[-2000:]}")
        totals[event] = int(found.group(1).replace(",", ""))
    return totals, int(done.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--athletes", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0, help="PYTHONHASHSEED of the runs")
    parser.add_argument("--worker", choices=RUNS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.athletes)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not on the PATH (Debian: apt-get install valgrind)")
        return 1

    totals: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for run in RUNS:
            totals[run], calls = counted(run, args.athletes, args.seed, folder)
            print(f"{run}: done", file=sys.stderr)

    def per_call(run: str, base: str) -> dict[str, float]:
        return {event: (totals[run][event] - totals[base][event]) / calls for event in EVENTS}

    figures: dict[str, Any] = {
        "evaluate": per_call("evaluate", "nothing"),
        "to_json (after its evaluate)": per_call("evaluate, to_json", "evaluate"),
        "from_json": per_call("from_json", "nothing"),
    }
    print(f"{calls} check-ins of {args.athletes} athletes, per call:")
    print(f"{'':30}" + "".join(f"{event:>15}" for event in EVENTS)
          + "".join(f"{'/ evaluate':>12}" for _ in EVENTS))
    for name, figure in figures.items():
        ratios = "".join(f"{figure[event] / figures['evaluate'][event]:12.2f}"
                         for event in EVENTS)
        print(f"{name:30}" + "".join(f"{figure[event]:15,.0f}" for event in EVENTS) + ratios)
    return 0


if __name__ == "__main__":
    sys.exit(main())
