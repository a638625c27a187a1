"""Check-ins per second through the store, against ``Engine.evaluate`` alone, in one run.

Usage::

    python benchmarks/bench_store.py [--n 400] [--runs 5] [--no-postgres]
    python benchmarks/bench_store.py --scenario      # the issue's concurrency scenario

Each run times, on fresh databases: ``evaluate`` alone; ``store.check_in`` on a SQLite file
at ``sync="full"`` (each check-in on disk before it returns: WAL, the log flushed after
each commit, outside the write lock; see footcore/_store/_sqlite.py) and
``sync="normal"`` (WAL, ``synchronous=NORMAL``: survives an app crash, may lose the last
check-ins to a power cut); and on a throwaway PostgreSQL server with its default
durability (``fsync=on``, ``synchronous_commit=on``). Each in 1 process and in 4 processes
checking in different athletes, each process timing ``--n`` check-ins once every process is
ready. Reports the median and range over the runs of check-ins per second, the milliseconds
the store adds to each check-in over ``evaluate`` alone, the 4-process speed-up, and the
bytes a decision takes in the store against a JSON Lines audit record.

``--scenario`` runs the issue's scenario instead: 4 processes, 20 athletes, 250 check-ins
each, 10% retried by another process, on each database, then checks that no record was lost
or doubled, every chain verifies and every decision equals a serial replay.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import footcore as fc  # noqa: E402
from pg_cluster import cluster  # noqa: E402
from store_worker import START, checkins  # noqa: E402

PROCESSES = (1, 4)


# ---------------------------------------------------------------- one timed process


def child(target: str, names: list[str], count: int) -> None:
    """Set up, say ready, wait for go, then time ``count`` check-ins over ``names``."""
    engine = fc.Engine(backend="native")
    plans = {name: checkins(name, count // len(names) + 1) for name in names}
    work = [(name, plans[name][i]) for i in range(count // len(names) + 1)
            for name in names][:count]
    store = None if target == "evaluate" else fc.open_store(
        target.split("#")[0], sync=target.split("#")[1] if "#" in target else "full")
    states = {name: engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START)
              for name in names}
    if store is not None:
        for state in states.values():
            store.add_athlete(state)
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    for name, checkin in work:
        if store is None:
            states[name] = engine.evaluate(states[name], checkin).state
        else:
            store.check_in(engine, name, checkin)
    print(time.perf_counter() - began, flush=True)


def timed(target: str, processes: int, count: int, tag: str) -> float:
    """Check-ins per second of ``processes`` processes together, each on athletes of its
    own, timed from a common start."""
    workers = [subprocess.Popen(
        [sys.executable, __file__, "--child", target, json.dumps(
            [f"{tag}-{p}-{a}" for a in range(4)]), str(count)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for p in range(processes)]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    seconds = []
    for worker in workers:
        out, _ = worker.communicate(timeout=1800)
        assert worker.returncode == 0
        seconds.append(float(out.split()[-1]))
    return processes * count / max(seconds)


# ---------------------------------------------------------------- the runs


@contextmanager
def databases(postgres: bool) -> Iterator[dict[str, str]]:
    """A folder for SQLite files and, unless left out, a PostgreSQL server."""
    with tempfile.TemporaryDirectory() as folder:
        if not postgres:
            yield {"folder": folder}
            return
        with cluster(fsync=True) as url:
            yield {"folder": folder, "postgres": url}


def new_postgres(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.replace("/postgres?", f"/{name}?")


def row_bytes(path: str) -> tuple[float, float]:
    """Bytes of decision rows and plans per decision, and of the same decisions as a JSON
    Lines audit log."""
    with closing(sqlite3.connect(path)) as conn:
        rows, decisions = conn.execute("SELECT SUM(LENGTH(CAST(decision AS BLOB))), COUNT(*) "
                                       "FROM footcore_decisions").fetchone()
        plans = conn.execute("SELECT SUM(LENGTH(CAST(plan AS BLOB))) "
                             "FROM footcore_plans").fetchone()[0]
    with tempfile.TemporaryDirectory() as folder, fc.open_store(path) as store:
        log = Path(folder) / "export.jsonl"
        store.export_jsonl(log)
        return (rows + plans) / decisions, log.stat().st_size / decisions


def spread(values: Sequence[float], unit: str = "", digits: int = 0) -> str:
    return (f"{statistics.median(values):.{digits}f}{unit} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def benchmark(n: int, runs: int, postgres: bool) -> None:
    rates: dict[tuple[str, int], list[float]] = {}
    sizes: list[tuple[float, float]] = []
    with databases(postgres) as where:
        for run in range(runs):
            targets = {"evaluate": lambda p, r: "evaluate",
                       "sqlite full": lambda p, r: f"{where['folder']}/f{r}-{p}.db#full",
                       "sqlite normal": lambda p, r: f"{where['folder']}/n{r}-{p}.db#normal"}
            if postgres:
                targets["postgresql"] = lambda p, r: new_postgres(where["postgres"],
                                                                  f"b{r}_{p}")
            for name, make in targets.items():
                for processes in PROCESSES:
                    rate = timed(make(processes, run), processes, n, f"r{run}")
                    rates.setdefault((name, processes), []).append(rate)
            sizes.append(row_bytes(f"{where['folder']}/f{run}-1.db"))
            print(f"run {run + 1} of {runs} done", file=sys.stderr)

    print(f"footcore {fc.__version__}, {os.cpu_count()} cores, {runs} runs of {n} check-ins "
          f"per process; median (min-max) over the runs\n")
    header = (f"{'':<14} {'1 process /s':>22} {'4 processes /s':>22} {'4 vs 1':>20} "
              f"{'store adds, ms':>22}")
    print(header)
    print("-" * len(header))
    base = rates["evaluate", 1]
    for name in dict.fromkeys(k for k, _ in rates):
        one, four = rates[name, 1], rates[name, 4]
        ratio = [b / a for a, b in zip(one, four, strict=True)]
        added = "" if name == "evaluate" else spread(
            [1000 / s - 1000 / e for s, e in zip(one, base, strict=True)], digits=2)
        print(f"{name:<14} {spread(one):>22} {spread(four):>22} "
              f"{spread(ratio, 'x', 2):>20} {added:>22}")
    stored, logged = zip(*sizes, strict=True)
    print(f"\nbytes per decision: {spread(stored)} in the store (row and its share of "
          f"plans) against {spread(logged)} as a JSON Lines audit record")


# ---------------------------------------------------------------- the scenario


def scenario(postgres: bool) -> int:
    """The concurrency test at the issue's size, on each database."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests")}
    test = f"{ROOT / 'tests' / 'test_store_processes.py'}::" \
           "test_concurrent_check_ins_with_retries_lose_and_double_nothing"
    env["FOOTCORE_SCENARIO_CHECKINS"] = "250"
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", test, "-p", "no:cacheprovider",
                           *([] if postgres else ["-k", "sqlite"])], env=env, cwd=ROOT,
                          check=False)
    print(f"4 processes x 20 athletes x 250 check-ins, 10% retried: "
          f"{'passed' if done.returncode == 0 else 'FAILED'} in "
          f"{time.perf_counter() - began:.0f} s")
    return done.returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="check-ins per process (400)")
    parser.add_argument("--runs", type=int, default=5, help="runs (5)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--scenario", action="store_true",
                        help="run the issue's concurrency scenario instead")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        target, names, count = args.child
        child(target, json.loads(names), int(count))
        return 0
    if args.scenario:
        return scenario(not args.no_postgres)
    benchmark(args.n, args.runs, not args.no_postgres)
    return 0


if __name__ == "__main__":
    sys.exit(main())
