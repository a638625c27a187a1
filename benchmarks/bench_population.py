"""A population run: synthetic athletes written to a histories file and a SQLite store,
then rulebook impact over them on 2 local processes and a Dask LocalCluster(2), serial and
one evaluate per check-in beside them, at growing numbers of athletes.

Usage::

    python benchmarks/bench_population.py --data DIR [--athletes 10000,30000,100000]
        [--store-athletes 10000] [--store-seconds 1200] [--checkins 78] [--rounds 1]
        [--serial-most 30000] [--sources file,store] [--modes evaluate,read,serial,...]

Writes (unless DIR has them from an earlier run) the largest population
(``footcore.testing.population``, seed 0) to ``DIR/athletes.jsonl`` with
``write_histories``, streaming, and its first ``--store-athletes`` athletes (fewer if
``--store-seconds`` pass first) into the SQLite store ``DIR/store.db`` through
``Store.load_histories`` (``sync="normal"``; ``benchmarks/bench_store_load.py`` compares
it with check-ins one at a time), each with its rate, peak memory and size. Then,
for each number of athletes and each source (the file; the store, up to the athletes it
holds), each measurement in a fresh child process: one evaluate per check-in, impact
serial (up to ``--serial-most`` athletes), on 2 processes and on a 2-worker Dask
``LocalCluster`` (start-up not counted in its wall time, counted in its CPU). Reports wall
and CPU microseconds per check-in (workers included), their ratio to evaluate, the
speed-ups over serial by wall and by CPU, and the peak memory of the parent and of the
whole process tree (workers included) at each size, which should stay flat as athletes
grow; then what 10^6 athletes on 100 Dask workers would take, from these figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from impact_runs import (
    CHUNK,
    MODES,
    child_main,
    estimate,
    evaluate_all,
    file_head,
    head,
    measure,
    run_impact,
    spread,
)

import footcore
from footcore._population._run import _chunks
from footcore.impact import History, write_histories
from footcore.testing import population

LOAD_CHUNK = 100  # athletes a transaction of the store's load: its default


def _source(source: str, data: Path, athletes: int) -> Iterator[History]:
    if source == "file":
        return file_head(data / "athletes.jsonl", athletes)
    store = footcore.open_store(data / "store.db", readonly=True)
    return head(store.histories(), athletes)


def write_file(data: str, athletes: str, checkins: str) -> dict[str, Any]:
    began = time.perf_counter()
    path = Path(data) / "athletes.jsonl"
    written = write_histories(path, population(int(athletes), checkins=int(checkins)))
    return {"seconds": time.perf_counter() - began, "athletes": written,
            "checkins": written * int(checkins), "mib": path.stat().st_size / 2**20}


def write_store(data: str, athletes: str, budget: str) -> dict[str, Any]:
    """Up to ``athletes`` into the store through ``Store.load_histories``, stopping at the
    chunk during which ``budget`` seconds have passed."""
    engine = footcore.Engine(footcore.load_rulebook(), "native")
    store = footcore.open_store(Path(data) / "store.db", sync="normal")
    began = time.perf_counter()

    def taken() -> Iterator[History]:
        for history in file_head(Path(data) / "athletes.jsonl", int(athletes)):
            yield history
            if time.perf_counter() - began > float(budget):
                return
    report = store.load_histories(engine, taken(), chunk_athletes=LOAD_CHUNK)
    store.close()
    return {"seconds": time.perf_counter() - began, "checkins": report.records,
            "athletes": report.athletes,
            "mib": (Path(data) / "store.db").stat().st_size / 2**20}


def run(mode: str, source: str, data: str, athletes: str) -> dict[str, Any]:
    histories = _source(source, Path(data), int(athletes))
    began = time.perf_counter()
    if mode == "evaluate":
        return {"checkins": evaluate_all(histories), "seconds": time.perf_counter() - began}
    if mode == "read":  # the client's part: reading and encoding the chunks
        sizes = [len(chunk) for chunk in _chunks(histories, CHUNK)]
        return {"seconds": time.perf_counter() - began, "chunks": len(sizes),
                "chunk_bytes": statistics.mean(sizes)}
    return run_impact(mode, histories)


CHILDREN = {"write-file": write_file, "write-store": write_store, "run": run}


def _written(data: Path, what: str, *args: object) -> dict[str, Any]:
    """A write's figures, from an earlier run when DIR has them."""
    kept = data / f"{what}.json"
    if kept.exists():
        found: dict[str, Any] = json.loads(kept.read_text())
        return found
    found = measure(__file__, what, data, *args)
    kept.write_text(json.dumps(found))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="where the population is kept")
    parser.add_argument("--athletes", default="10000,30000,100000")
    parser.add_argument("--store-athletes", type=int, default=10_000)
    parser.add_argument("--store-seconds", type=float, default=1200,
                        help="stop writing the store after this long")
    parser.add_argument("--checkins", type=int, default=78)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--serial-most", type=int, default=30_000)
    parser.add_argument("--sources", default="file,store")
    parser.add_argument("--modes", default="evaluate,read," + ",".join(MODES))
    parser.add_argument("--write-only", action="store_true",
                        help="write the population and stop")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(CHILDREN[args.child[0]], args.child[1:])
        return
    if args.data is None:
        parser.error("--data is required")
    sizes = [int(n) for n in args.athletes.split(",")]
    args.data.mkdir(parents=True, exist_ok=True)
    sources = args.sources.split(",")
    writes: list[tuple[str, tuple[float, ...]]] = [("write-file", (max(sizes), args.checkins))]
    if "store" in sources:
        writes.append(("write-store", (args.store_athletes, args.store_seconds)))
    for what, extra in writes:
        done = _written(args.data, what, *extra)
        print(f"{what}: {done['checkins']} check-ins in {done['seconds']:.0f} s, "
              f"{done['checkins'] / done['seconds']:.0f} a second, {done['mib']:.0f} MiB; "
              f"peak {done['tree_mib']:.0f} MiB, CPU {done['cpu']:.0f} s", flush=True)
    if args.write_only:
        return
    stored = json.loads((args.data / "write-store.json").read_text())["athletes"] \
        if "store" in sources else 0
    results: dict[tuple[str, int], list[dict[str, dict[str, Any]]]] = {}
    idle = None
    if "dask" in args.modes.split(","):  # the cluster's start and close, with no athletes
        idle = measure(__file__, "run", "dask", "file", args.data, 0)["cpu"]
        print(f"dask with no athletes (start and close): CPU {idle:.1f} s", flush=True)
    for athletes in sizes:
        for source in sources:
            if source == "store" and athletes > stored:
                continue
            for number in range(args.rounds):
                found = {}
                for mode in args.modes.split(","):
                    if mode == "serial" and athletes > args.serial_most:
                        continue
                    found[mode] = measure(__file__, "run", mode, source, args.data, athletes)
                    print(f"{athletes} from the {source}, round {number + 1}: {mode} "
                          f"{found[mode]['seconds']:.1f} s, CPU {found[mode]['cpu']:.1f} s, "
                          f"peak {found[mode]['peak_mib']:.0f} MiB, tree "
                          f"{found[mode]['tree_mib']:.0f} MiB", flush=True)
                results.setdefault((source, athletes), []).append(found)
    report(results, args.checkins, idle)


def report(results: dict[tuple[str, int], list[dict[str, dict[str, Any]]]],
           checkins: int, idle: float | None = None) -> None:
    print("\nper source and athletes: us per check-in, wall and CPU (workers included; x "
          "evaluate's CPU in the same rounds), peak MiB of the parent / the process tree, "
          "speed-up over serial by wall and by CPU")
    for (source, athletes), rounds in results.items():
        total = athletes * checkins

        def each(mode: str, key: str) -> list[float]:
            return [float(r[mode][key]) for r in rounds]  # noqa: B023 (used at once)
        print(f"{source}, {athletes} athletes, {total} check-ins")
        evaluate = statistics.median(each("evaluate", "cpu")) if "evaluate" in rounds[0] \
            else None
        for mode in (m for m in ("evaluate", *MODES) if m in rounds[0]):
            cpu, wall = each(mode, "cpu"), each(mode, "seconds")
            line = (f"  {mode:<9} wall {spread([s / total * 1e6 for s in wall], 1)}, "
                    f"CPU {spread([c / total * 1e6 for c in cpu], 1)}")
            if evaluate is not None:
                line += f" ({statistics.median(cpu) / evaluate:.2f}x evaluate's)"
            line += (f"; peak {max(each(mode, 'peak_mib')):.0f} / "
                     f"{max(each(mode, 'tree_mib')):.0f} MiB")
            if mode in MODES[1:] and "serial" in rounds[0]:
                walls = zip(each("serial", "seconds"), wall, strict=True)
                cpus = zip(each("serial", "cpu"), cpu, strict=True)
                line += (f"; speed-up wall {spread([s / m for s, m in walls])}, "
                         f"by CPU {spread([2 * s / m for s, m in cpus])}")
            print(line)
            if mode == "dask" and idle is not None and "serial" in rounds[0]:
                cpus = zip(each("serial", "cpu"), cpu, strict=True)
                print(f"            by CPU without the cluster's start and close "
                      f"({idle:.1f} s): {spread([2 * s / (m - idle) for s, m in cpus])}")
    print("  (speed-up by CPU: 2 x serial's CPU / theirs, the most 2 free cores could give)")
    sizes = [a for s, a in results if s == "file"]
    if not sizes or not {"read", "dask"} <= set(results[("file", max(sizes))][0]):
        return
    biggest = max(sizes)
    rounds = results[("file", biggest)]
    chunks = rounds[0]["read"]["chunks"]
    client = statistics.median(r["read"]["cpu"] for r in rounds) / chunks
    worker = statistics.median(r["dask"]["cpu"] - r["read"]["cpu"] for r in rounds) / chunks
    print(f"\nfrom {biggest} athletes from the file, per chunk of {CHUNK} check-ins: "
          f"{worker:.3f} s of CPU on Dask beyond the client's reading and encoding, which "
          f"takes {client * 1000:.1f} ms")
    print("  " + estimate(checkins, worker, 0.0, client, rounds[0]["read"]["chunk_bytes"]))


if __name__ == "__main__":
    main()
