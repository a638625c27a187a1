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
import json
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import attrs

try:
    import footcore
except ImportError:  # run from a checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import footcore

import footcore.impact
from footcore import Engine
from footcore._population._run import Job, _chunks, _text, run_chunk
from footcore._rulebook_loading import assemble
from footcore.impact import read_histories, write_histories
from footcore.models import Rulebook
from footcore.testing import population

CHUNK = 2000  # check-ins per chunk: impact's default
NETWORK = 110e6  # bytes a second through the client's network card (about 1 Gbit/s)


def rulebooks() -> tuple[Rulebook, Rulebook]:
    old = footcore.load_rulebook()
    values = {"irritation_rest_min": 3, "stiffness_deload_min": 4}
    params = {n: attrs.evolve(p, value=values[n]) if n in values else p
              for n, p in old.params.items()}
    new = assemble(attrs.evolve(old.meta, version="1.1.0"), params, old.exercises.values(),
                   old.stages, old.rules, location="bench")
    return old, new


def _head(path: Path, athletes: int) -> Any:
    return (h for number, h in enumerate(read_histories(path)) if number < athletes)


def child(mode: str, path: Path, athletes: int) -> dict[str, Any]:
    """One measurement, in this (fresh) process."""
    old, new = rulebooks()
    out: dict[str, Any] = {}
    client = cluster = None
    if mode == "dask":
        from distributed import Client, LocalCluster
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    began = time.perf_counter()
    if mode == "evaluate":
        engine, checkins = Engine(old, "native"), 0
        for history in _head(path, athletes):
            state, taken = history.load()
            for checkin in taken:
                state = engine.evaluate(state, checkin).state
            checkins += len(taken)
        out["checkins"] = checkins
    elif mode == "read":
        sizes = [len(chunk) for chunk in _chunks(_head(path, athletes), CHUNK)]
        out.update(chunks=len(sizes), chunk_bytes=statistics.mean(sizes))
    else:
        workers = {"serial": 1, "processes": 2, "dask": None}[mode]
        report = footcore.impact.impact(old, new, _head(path, athletes), workers=workers,
                                        executor=client)
        out.update(checkins=report.decisions, changed=report.changed_decisions)
    out["seconds"] = time.perf_counter() - began
    if mode == "read":  # what a chunk's answer weighs on the wire
        job = Job(_text(old), _text(new), "native", 3)
        first = next(_chunks(_head(path, athletes), CHUNK))
        out["result_bytes"] = len(pickle.dumps(run_chunk(job, first)))
        out["job_bytes"] = len(pickle.dumps(job))
    if client is not None and cluster is not None:
        client.close()
        cluster.close()
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def _cpu() -> float:
    """CPU seconds of this process's children that have ended, and theirs (worker
    processes included, once their parents have collected them)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def measure(mode: str, path: Path, athletes: int) -> dict[str, Any]:
    """One measurement in a fresh child process, with the CPU seconds it and everything it
    started used, from start to exit (a Dask cluster's start and close included)."""
    cpu = _cpu()
    done = subprocess.run([sys.executable, __file__, "--child", mode, str(path),
                           str(athletes)], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu"] = _cpu() - cpu
    return result


def spread(values: list[float], digits: int = 2) -> str:
    return (f"median {statistics.median(values):.{digits}f} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=10_000)
    parser.add_argument("--checkins", type=int, default=78)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "ATHLETES"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, path, athletes = args.child
        print(json.dumps(child(mode, Path(path), int(athletes))))
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "athletes.jsonl"
        began = time.perf_counter()
        write_histories(path, population(args.athletes, checkins=args.checkins))
        print(f"{args.athletes} athletes x {args.checkins} check-ins written in "
              f"{time.perf_counter() - began:.0f} s ({path.stat().st_size / 2**20:.0f} MiB)")
        rounds: list[dict[str, dict[str, Any]]] = []
        for number in range(args.rounds):
            found = {mode: measure(mode, path, args.athletes)
                     for mode in ("evaluate", "serial", "processes", "dask", "read")}
            found["eighth"] = measure("serial", path, args.athletes // 8)
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
    big = 10**6 * checkins / CHUNK
    compute = big * (chunk_cost + dask_overhead) / 100
    client = big * client_cost
    wire = big * (read["chunk_bytes"] + read["result_bytes"] + read["job_bytes"]) / NETWORK
    print(f"  10^6 athletes x {checkins} on 100 Dask workers: {big:.0f} chunks; replay "
          f"{compute / 60:.1f} min (chunk cost / 100), client reading {client / 60:.1f} min, "
          f"transfer {wire / 60:.1f} min at 1 Gbit/s; the run takes about the largest, "
          f"{max(compute, client, wire) / 60:.1f} min, as they overlap")


if __name__ == "__main__":
    main()
