"""The bulk path into a store against check-ins one at a time: synthetic athletes written
to fresh SQLite stores by ``Store.load_histories`` and by ``add_athlete`` + ``check_in``
per check-in, with one evaluate per check-in as the yardstick, in turns within each round.

Usage::

    python benchmarks/bench_store_load.py [--athletes 200] [--checkins 78] [--rounds 3]
        [--chunk 100] [--sync normal] [--clock cpu|wall] [--postgres URL]

Reports each way's microseconds per check-in (median, min and max over the rounds) and
the bulk path's speed-up over one at a time, each ratio taken within a round. CPU time is
this process's (SQLite runs in it; a PostgreSQL server's own is not counted, so use
``--clock wall`` there). The stores are written in a temporary folder and removed.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

try:
    import footcore
except ImportError:  # run from a checkout without an install
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import footcore

from footcore.impact import History
from footcore.testing import population


def evaluate(engine: footcore.Engine, histories: list[History]) -> None:
    for history in histories:
        state, taken = history.load()
        for checkin in taken:
            state = engine.evaluate(state, checkin).state


def single(engine: footcore.Engine, histories: list[History], url: str, sync: str) -> None:
    with footcore.open_store(url, sync=sync) as store:
        for history in histories:
            state, taken = history.load()
            store.add_athlete(state, engine)
            for checkin in taken:
                store.check_in(engine, state.athlete_id, checkin)


def bulk(engine: footcore.Engine, histories: list[History], url: str, sync: str,
         chunk: int) -> None:
    with footcore.open_store(url, sync=sync) as store:
        store.load_histories(engine, histories, chunk_athletes=chunk)


def spread(values: list[float], digits: int = 1) -> str:
    return (f"{statistics.median(values):.{digits}f} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=200)
    parser.add_argument("--checkins", type=int, default=78)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--sync", default="normal", choices=("normal", "full"))
    parser.add_argument("--clock", default="cpu", choices=("cpu", "wall"))
    parser.add_argument("--postgres", metavar="URL",
                        help="a server whose databases footcore_bench_N are made afresh")
    args = parser.parse_args()
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    engine = footcore.Engine(footcore.load_rulebook(), "native")
    histories = list(population(args.athletes, checkins=args.checkins))
    total = args.athletes * args.checkins
    made = iter(range(10**6))

    def fresh(folder: str) -> str:
        number = next(made)
        if args.postgres is None:
            return str(Path(folder) / f"{number}.db")
        import psycopg

        name = f"footcore_bench_{number}"
        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        return str(args.postgres).rsplit("/", 1)[0] + f"/{name}"

    ways: dict[str, Callable[[str], None]] = {
        "evaluate": lambda url: evaluate(engine, histories),
        "one at a time": lambda url: single(engine, histories, url, args.sync),
        "load_histories": lambda url: bulk(engine, histories, url, args.sync, args.chunk),
    }
    found: dict[str, list[float]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory(prefix="bench-store-load-") as folder:
        for number in range(args.rounds):
            for name, way in ways.items():
                url = fresh(folder)
                began = clock()
                way(url)
                found[name].append((clock() - began) / total * 1e6)
            print(f"round {number + 1}: " + ", ".join(
                f"{name} {found[name][-1]:.1f} us" for name in ways), flush=True)
    where = "PostgreSQL" if args.postgres else f"SQLite, sync={args.sync}"
    print(f"\n{args.athletes} athletes x {args.checkins} check-ins, {where}, {args.clock} "
          f"us per check-in over {args.rounds} rounds: median (min, max)")
    for name in ways:
        print(f"  {name:<15} {spread(found[name])}")
    ratio = [s / b for s, b in zip(found["one at a time"], found["load_histories"],
                                   strict=True)]
    beyond = [(b - e) for b, e in zip(found["load_histories"], found["evaluate"],
                                      strict=True)]
    print(f"  load_histories speed-up over one at a time: {spread(ratio, 2)}x; its cost "
          f"beyond evaluate: {spread(beyond)} us a check-in")


if __name__ == "__main__":
    main()
