"""Time rulebook impact over a synthetic population: serial, 2 local processes and a Dask
LocalCluster with 2 workers, against one evaluate per check-in measured in the same run.

Usage::

    python benchmarks/bench_impact.py [--athletes 10000] [--checkins 78] [--rounds 3]

Writes the population (``footcore.testing.population``, seed 0) as JSON Lines once, then,
each round, runs every measurement in a fresh child process (so each one's peak memory is
its own) in the same order: one evaluate per check-in (each athlete replayed under the old
rulebook alone), impact serial, on 2 processes, on a 2-worker Dask ``LocalCluster`` (its
start-up not counted), and reading and chunking the source alone. The change reviewed is
``irritation_rest_min`` 4 -> 3 and ``stiffness_deload_min`` 3 -> 4. Reports the median, min
and max over the rounds of: seconds, microseconds per check-in, the ratios the issue sets
goals for (per check-in cost over one evaluate; serial over processes and over Dask), the
peak memory of impact over all athletes against an eighth of them, the CPU seconds of each
way (worker processes included: on a machine shared with other work, wall-clock speed-ups
understate what free cores give, while the CPU ratio shows what splitting the work costs),
and from the measured chunk cost and sizes, what 10^6 athletes on 100 Dask workers would
take.
"""

from __future__ import annotations

import argparse
import pickle
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from impact_runs import (
    CHUNK,
    child_main,
    estimate,
    evaluate_all,
    file_head,
    measure,
    rulebooks,
    run_impact,
    spread,
)

from footcore._population._run import Job, _chunks, run_chunk
from footcore.impact import write_histories
from footcore.testing import population


def child(mode: str, path: str, athletes: str) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    source, count = Path(path), int(athletes)
    if mode == "evaluate":
        began = time.perf_counter()
        return {"checkins": evaluate_all(file_head(source, count)),
                "seconds": time.perf_counter() - began}
    if mode != "read":
        return run_impact(mode, file_head(source, count))
    began = time.perf_counter()
    sizes = [len(chunk) for chunk in _chunks(file_head(source, count), CHUNK)]
    out: dict[str, Any] = {"chunks": len(sizes), "chunk_bytes": statistics.mean(sizes),
                           "seconds": time.perf_counter() - began}
    old, new = rulebooks()  # what a chunk's answer weighs on the wire
    job = Job.of(old, new, "native", 3, athletes=False)
    first = next(_chunks(file_head(source, count), CHUNK))
    out["result_bytes"] = len(pickle.dumps(run_chunk(job, first)))
    out["job_bytes"] = len(pickle.dumps(job))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--checkins", type=int, default=78)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "ATHLETES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(child, args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "athletes.jsonl"
        began = time.perf_counter()
        write_histories(path, population(args.athletes, checkins=args.checkins))
        print(f"{args.athletes} athletes x {args.checkins} check-ins written in "
              f"{time.perf_counter() - began:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
        rounds: list[dict[str, dict[str, Any]]] = []
        for number in range(args.rounds):
            found = {mode: measure(__file__, mode, path, args.athletes)
                     for mode in ("evaluate", "serial", "processes", "dask", "read")}
            found["eighth"] = measure(__file__, "serial", path, args.athletes // 8)
            rounds.append(found)
            print(f"round {number + 1}: " + ", ".join(
                f"{mode} {r['seconds']:.1f} s" for mode, r in found.items()), flush=True)
        report(rounds, args.athletes, args.checkins)


def report(rounds: list[dict[str, dict[str, Any]]], athletes: int, checkins: int) -> None:
    def each(mode: str, key: str = "seconds") -> list[float]:
        return [float(r[mode][key]) for r in rounds]

    total = rounds[0]["serial"]["checkins"]
    per = {mode: [s / total * 1e6 for s in each(mode)]
           for mode in ("evaluate", "serial", "processes", "dask")}
    print(f"\n{len(rounds)} round(s); {total} check-ins; "
          f"{rounds[0]['serial']['changed']} decisions change")
    for mode, values in per.items():
        cpu = [c / total * 1e6 for c in each(mode, "cpu")]
        print(f"  {mode:<10} us per check-in: wall {spread(values, 1)}; CPU, workers "
              f"included: {spread(cpu, 1)}")
    pairs = {
        "impact per check-in / one evaluate (goal <= 2.2)":
            [s / e for s, e in zip(each("serial"), each("evaluate"), strict=True)],
        "the same in CPU seconds (steadier on a shared machine)":
            [s / e for s, e in zip(each("serial", "cpu"), each("evaluate", "cpu"),
                                   strict=True)],
        "serial / 2 processes (goal >= 1.7)":
            [s / p for s, p in zip(each("serial"), each("processes"), strict=True)],
        "serial / Dask 2 workers (goal >= 1.5)":
            [s / d for s, d in zip(each("serial"), each("dask"), strict=True)],
        "CPU of 2 processes / serial (1 is no overhead)":
            [p / s for p, s in zip(each("processes", "cpu"), each("serial", "cpu"), strict=True)],
        "CPU of Dask, start-up included / serial":
            [d / s for d, s in zip(each("dask", "cpu"), each("serial", "cpu"), strict=True)],
        f"peak MiB, {athletes} athletes / {athletes // 8} (flat: about 1)":
            [a / b for a, b in zip(each("serial", "peak_mib"), each("eighth", "peak_mib"),
                                   strict=True)],
    }
    for name, values in pairs.items():
        print(f"  {name}: {spread(values)}")
    print(f"  peak MiB serial: {spread(each('serial', 'peak_mib'), 0)}; "
          f"an eighth: {spread(each('eighth', 'peak_mib'), 0)}")
    read = rounds[-1]["read"]
    chunks = read["chunks"]
    chunk_cost = statistics.median(each("serial")) / chunks
    client_cost = statistics.median(each("read")) / chunks
    dask_overhead = max(0.0, statistics.median(
        [d - s / 2 for d, s in zip(each("dask"), each("serial"), strict=True)]) / chunks)
    print(f"  a chunk: {CHUNK} check-ins, {read['chunk_bytes'] / 1024:.0f} KiB of JSON in, "
          f"{read['result_bytes'] / 1024:.0f} KiB of summaries back, "
          f"{read['job_bytes'] / 1024:.0f} KiB of rulebooks with it; "
          f"{chunk_cost:.2f} s to replay on one core, {client_cost * 1000:.1f} ms to read "
          f"and encode on the client, {dask_overhead:.2f} s of Dask overhead at 2 workers")
    print("  " + estimate(checkins, chunk_cost, dask_overhead, client_cost,
                          read["chunk_bytes"] + read["result_bytes"] + read["job_bytes"]))

if __name__ == "__main__":
    main()
