"""What the impact benchmarks (bench_impact.py, bench_population.py) share: the change they
review, measurements each in a fresh child process (its CPU seconds with everything it
started, its peak memory and that of its whole process tree, workers included), the
spread of several rounds, and the estimate of a population on many Dask workers.
"""

from __future__ import annotations

import contextlib
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

try:
    import footcore
except ImportError:  # run from a checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import footcore

from footcore._rulebook_loading import assemble
from footcore.impact import History, read_histories
from footcore.models import Rulebook

CHUNK = 2000  # check-ins per chunk: impact's default
NETWORK = 110e6  # bytes a second through the client's network card (about 1 Gbit/s)
MODES = ("serial", "processes", "dask")  # the ways impact runs; "evaluate" is the yardstick
QUIET_DASK = {  # what Dask's processes do by the clock, not by the task, done less often
    "distributed.admin.tick.interval": "1s",  # 20 ms: each process checks its event loop
    "distributed.admin.system-monitor.interval": "5s",  # 500 ms
    "distributed.worker.memory.monitor-interval": "1s",  # 100 ms
    "distributed.worker.profile.enabled": False,  # samples each worker's thread every 10 ms
}
"""Dask settings for a cluster that runs impact: by default a LocalCluster(2) spends about
70 ms of CPU a second doing nothing (2.1 s over 30 s idle, measured), 9 ms with these; on a
busy machine, where a run takes long, that was most of its CPU beyond serial's."""


def rulebooks() -> tuple[Rulebook, Rulebook]:
    """The shipped rulebook and the change reviewed: ``irritation_rest_min`` 4 -> 3 and
    ``stiffness_deload_min`` 3 -> 4."""
    old = footcore.load_rulebook()
    values = {"irritation_rest_min": 3, "stiffness_deload_min": 4}
    params = {n: attrs.evolve(p, value=values[n]) if n in values else p
              for n, p in old.params.items()}
    new = assemble(attrs.evolve(old.meta, version="1.1.0"), params, old.exercises.values(),
                   old.stages, old.rules, location="bench")
    return old, new


def head(histories: Iterator[History], athletes: int) -> Iterator[History]:
    """The first ``athletes`` of ``histories``, read as they are needed."""
    for number, history in enumerate(histories):
        if number >= athletes:
            return
        yield history


def file_head(path: Path, athletes: int) -> Iterator[History]:
    return head(read_histories(path), athletes)


def evaluate_all(histories: Iterator[History]) -> int:
    """One evaluate per check-in, each athlete replayed under the old rulebook alone, as
    impact replays it under each rulebook; the check-ins evaluated."""
    engine, checkins = footcore.Engine(rulebooks()[0], "native"), 0
    for history in histories:
        state, taken = history.load()
        for checkin in taken:
            state = engine.evaluate(state, checkin).state
        checkins += len(taken)
    return checkins


def run_impact(mode: str, histories: Iterator[History], *, chunk: int = CHUNK
               ) -> dict[str, Any]:
    """Impact over ``histories`` serially, on 2 local processes or on a 2-worker Dask
    ``LocalCluster`` (its start and close not counted): seconds, check-ins, changes."""
    old, new = rulebooks()
    client = cluster = None
    if mode == "dask":
        import dask
        from distributed import Client, LocalCluster
        dask.config.set(QUIET_DASK)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    began = time.perf_counter()
    workers = {"serial": 1, "processes": 2, "dask": None}[mode]
    report = footcore.impact.impact(old, new, histories, workers=workers, executor=client,
                                    chunk_checkins=chunk)
    out = {"seconds": time.perf_counter() - began, "checkins": report.decisions,
           "changed": report.changed_decisions}
    if client is not None and cluster is not None:
        client.close()
        cluster.close()
    return out


class TreeMemory:
    """The peak resident memory of this process and of it with all its descendants (pool
    workers, a Dask cluster's), sampled every ``every`` seconds while in use."""

    def __init__(self, every: float = 0.05) -> None:
        self.every, self.peak_tree = every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil  # installed with dask.distributed

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # ended since the listing
                    total += process.memory_info().rss
            self.peak_tree = max(self.peak_tree, total)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def figures(self) -> dict[str, float]:
        """Peak MiB of this process (exact, from the kernel) and of the tree (sampled)."""
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"peak_mib": own, "tree_mib": max(own, self.peak_tree / 2**20)}


def child_main(run: Callable[..., dict[str, Any]], args: list[str]) -> None:
    """In a child: ``run(*args)`` watched by :class:`TreeMemory`, its figures as the last
    line of JSON on stdout."""
    with TreeMemory() as memory:
        out = run(*args)
    out.update(memory.figures())
    print(json.dumps(out))


def _cpu() -> float:
    """CPU seconds of this process's children that have ended, and theirs (worker
    processes included, once their parents have collected them)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def measure(script: str, *args: object) -> dict[str, Any]:
    """Run ``script --child ARGS...`` in a fresh process: what it printed last (JSON), with
    the CPU seconds it and everything it started used, from start to exit (a Dask
    cluster's start and close included)."""
    cpu = _cpu()
    done = subprocess.run([sys.executable, script, "--child", *map(str, args)],
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{script} --child {args}: failed\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["cpu"] = _cpu() - cpu
    return result


def spread(values: list[float], digits: int = 2) -> str:
    return (f"median {statistics.median(values):.{digits}f} (min {min(values):.{digits}f}, "
            f"max {max(values):.{digits}f})")


def estimate(checkins: int, chunk_cost: float, dask_overhead: float, client_cost: float,
             chunk_bytes: float) -> str:
    """What 10^6 athletes x ``checkins`` on 100 Dask workers would take, from one chunk's
    replay on a core, Dask's overhead per chunk, the client's reading and encoding per
    chunk and the bytes a chunk moves (in and back); with the arithmetic."""
    big = 10**6 * checkins / CHUNK
    compute = big * (chunk_cost + dask_overhead) / 100
    client = big * client_cost
    wire = big * chunk_bytes / NETWORK
    return (f"10^6 athletes x {checkins} on 100 Dask workers: {big:.0f} chunks of {CHUNK}; "
            f"replay {big:.0f} x ({chunk_cost:.3f} + {dask_overhead:.3f}) s / 100 = "
            f"{compute / 60:.1f} min; client reading {big:.0f} x {client_cost * 1000:.1f} ms "
            f"= {client / 60:.1f} min; transfer {big:.0f} x {chunk_bytes / 1024:.0f} KiB at "
            f"1 Gbit/s = {wire / 60:.1f} min; they overlap, so about the largest, "
            f"{max(compute, client, wire) / 60:.1f} min")
