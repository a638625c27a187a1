"""The SQLite store's own time per check-in: what ``store.check_in`` costs over ``evaluate``
and over the very SQL statements and bytes it sends to SQLite, in one run.

Usage::

    python benchmarks/bench_store_overhead.py [--n 2000] [--athletes 50] [--runs 5]
                                              [--sync normal|full] [--clock wall|cpu]

Each run makes a store with ``--athletes`` athletes and copies its file three times. On the
first copy ``--n`` check-ins (the athletes in turn, as an app serves them) go through
``store.check_in`` with the connection wrapped so that every statement, its parameters and
how its rows were fetched are logged. Then, timed, in the same process:

- ``store``: the same check-ins through ``store.check_in`` on the second copy (a fresh
  store object; no logging);
- ``sql``: the logged statements sent with the same parameters on the third copy through a
  bare ``sqlite3`` connection with the store's pragmas: SQLite's own work, plus the least
  any Python caller pays to send it;
- ``evaluate``: ``Engine.evaluate`` alone on the same states and check-ins.

Reports, as the median and range over the runs, the store's time per check-in, the SQL's,
evaluate's, and the overhead: store - sql - evaluate (the goal of issue 25: at most 0.1 ms):
that is footcore's writing of the row (canonical JSON, hashes), its checks and its reading
of the stored state. ``--sync full`` adds the log flush to both sides alike. ``--clock cpu``
times this process's CPU time instead of the wall clock (SQLite's writes to the page cache
are system time, so counted): on a machine shared with other work it is much steadier.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import footcore as fc  # noqa: E402
from store_worker import START, checkins  # noqa: E402

Statement = tuple[str, Sequence[Any], str]  # SQL, parameters, how its rows were read


class _Cursor:
    """A cursor whose fetches are logged with the statement that made it."""

    def __init__(self, cursor: sqlite3.Cursor, entry: list[Any]) -> None:
        self._cursor, self._entry = cursor, entry

    def fetchone(self) -> Any:
        self._entry[2] = "one"
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        self._entry[2] = "all"
        return self._cursor.fetchall()

    def __iter__(self) -> Any:
        self._entry[2] = "all"
        return iter(self._cursor)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount


class _Logging:
    """A connection that logs every statement sent through it."""

    def __init__(self, conn: sqlite3.Connection, log: list[list[Any]]) -> None:
        self._conn, self._log = conn, log

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        entry = [sql, tuple(params), "none"]
        self._log.append(entry)
        return _Cursor(self._conn.execute(sql, params), entry)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def _work(athletes: int, n: int) -> list[tuple[str, fc.CheckIn]]:
    names = [f"athlete-{i}" for i in range(athletes)]
    each = n // athletes + 1
    plans = {name: checkins(name, each) for name in names}
    return [(name, plans[name][i]) for i in range(each) for name in names][:n]


_CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = _CLOCKS["wall"]


def _replay(path: str, statements: list[Statement], sync: str) -> float:
    """Seconds to send ``statements`` to the database at ``path``, read as logged."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {sync.upper()}")
    conn.execute("PRAGMA foreign_keys = ON")
    execute = conn.execute
    began = clock()
    for sql, params, read in statements:
        cursor = execute(sql, params)
        if read == "one":
            cursor.fetchone()
        elif read == "all":
            cursor.fetchall()
    seconds = clock() - began
    conn.close()
    return seconds


def one_run(n: int, athletes: int, sync: str) -> dict[str, float]:
    """Milliseconds per check-in of the store, its SQL and evaluate, in one run."""
    engine = fc.Engine(backend="native")
    work = _work(athletes, n)
    with tempfile.TemporaryDirectory() as folder:
        base = f"{folder}/base.db"
        with fc.open_store(base, sync=sync) as store:
            for i in range(athletes):
                store.add_athlete(engine.new_athlete(f"athlete-{i}", goal=fc.Goal.RUNNER,
                                                     start=START))
        copies = [f"{folder}/{name}.db" for name in ("logged", "timed", "sql")]
        for copy in copies:
            shutil.copy(base, copy)

        log: list[list[Any]] = []
        with fc.open_store(copies[0], sync=sync) as store:
            store._conn = _Logging(store._conn, log)  # type: ignore[attr-defined]
            for name, checkin in work:
                store.check_in(engine, name, checkin)
        statements = [(sql, params, read) for sql, params, read in log]

        with fc.open_store(copies[1], sync=sync) as store:
            states = {name: store.state(name) for name, _ in work}
            began = clock()
            for name, checkin in work:
                store.check_in(engine, name, checkin)
            stored = clock() - began
        sql = _replay(copies[2], statements, sync)

    began = clock()
    for name, checkin in work:
        states[name] = engine.evaluate(states[name], checkin).state
    evaluated = clock() - began
    per = 1e3 / n
    return {"store": stored * per, "sql": sql * per, "evaluate": evaluated * per,
            "overhead": (stored - sql - evaluated) * per,
            "statements": len(statements) / n}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="check-ins per run")
    parser.add_argument("--athletes", type=int, default=50, help="athletes served in turn")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sync", choices=("normal", "full"), default="normal")
    parser.add_argument("--clock", choices=tuple(_CLOCKS), default="wall",
                        help="wall time, or this process's CPU time (steadier when shared)")
    args = parser.parse_args()
    global clock
    clock = _CLOCKS[args.clock]
    one_run(min(args.n, 200), args.athletes, args.sync)  # warm the caches and the imports
    runs = [one_run(args.n, args.athletes, args.sync) for _ in range(args.runs)]
    print(f"{args.n} check-ins over {args.athletes} athletes in turn, sync={args.sync}, "
          f"{args.clock} clock, {args.runs} runs: median (range), ms per check-in")
    for key in ("store", "sql", "evaluate", "overhead"):
        values = [run[key] for run in runs]
        print(f"  {key:<9} {statistics.median(values):.3f} "
              f"({min(values):.3f}-{max(values):.3f})")
    print(f"  statements per check-in: {runs[0]['statements']:.1f}")
    shares = [run["overhead"] / run["store"] for run in runs]
    print(f"  overhead / store: {statistics.median(shares):.2f} "
          f"({min(shares):.2f}-{max(shares):.2f})")
    ratios = [run["overhead"] / run["evaluate"] for run in runs]
    print(f"  overhead / evaluate: {statistics.median(ratios):.2f} "
          f"({min(ratios):.2f}-{max(ratios):.2f})")


if __name__ == "__main__":
    main()
