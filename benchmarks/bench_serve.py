"""Check-ins per second and latency through ``footcore serve``, against the library's own
``store.check_in`` loop at the same durability, in one run.

Usage::

    python benchmarks/bench_serve.py [--n 480] [--runs 3] [--no-postgres] [--baseline REF]
    python benchmarks/bench_serve.py --quick     # a smoke test: SQLite, 1 worker, seconds
    python benchmarks/bench_serve.py --parts     # the service layer's parts, in-process

Each run starts real ``footcore serve`` processes (uvicorn, with a token file, as deployed)
with 1 and 2 workers, each on a fresh store: a SQLite file at the service's durability
(``sync="full"``: each check-in on disk before it is answered) and a database on a
throwaway PostgreSQL server at its default durability (``fsync=on``,
``synchronous_commit=on``; tests/pg_cluster.py). httpx clients (async, one keep-alive
connection each, each checking in an athlete of its own) post ``--n`` check-ins in all at
1, 8 and 32 clients at once, after two untimed check-ins each. In the same run, on the same
kind of store at the same durability, the library's own loop times ``--n`` calls of
``store.check_in`` in one process, one athlete, as the 1-client level does.

Reported, as median (min-max) over the runs: check-ins per second, the 50th and 99th
percentile of each check-in's latency as its client saw it (the client's own work
included), each against the library loop of the same run (the rate as a ratio, the p50 as
milliseconds HTTP adds), the CPU per check-in of the server's processes against the
loop's (which holds where wall times do not: on a shared machine those swing tenfold), the
clients' own CPU, and the issue's three goals. ``--baseline REF`` serves footcore at
git ref REF too (as its own serve extra installs it), up beside the working tree's server
and timed in turn with it at each level, for a before and after seconds apart.

The clients run in this process, on the same cores as the servers: at 32 clients they take
a share of the CPU a server would have on a machine of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import footcore as fc  # noqa: E402
from footcore.service import add_token  # noqa: E402
from pg_cluster import cluster  # noqa: E402
from store_worker import START, checkins  # noqa: E402

WARM = 2  # untimed check-ins per athlete before the clock starts
CLIENTS = (1, 8, 32)
WORKERS = (1, 2)
LIBRARY = "library"
SPEEDUPS = ("uvloop", "httptools")  # what uvicorn runs on when they are installed



@dataclass(frozen=True)
class Timing:
    """One level timed: check-ins per second, latency percentiles (s), the CPU seconds per
    check-in of the server's processes (of the loop's, for the library) and of the
    clients (0 for the library)."""

    rate: float
    p50: float
    p99: float
    cpu: float
    client: float = 0.0


# (store, serving, workers, clients) -> per run and server: its timing, and the library
# loop's timed just before the server started
Key = tuple[str, str, int, int]
Figures = dict[Key, list[tuple[Timing, Timing]]]


# ---------------------------------------------------------------- what is timed


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timing(took: Sequence[float], seconds: float, cpu: float, client: float = 0.0) -> Timing:
    return Timing(len(took) / seconds, percentile(took, 0.50), percentile(took, 0.99),
                  cpu / len(took), client / len(took))


def tree_cpu(root: int) -> float:
    """CPU seconds (user and system) used so far by process ``root`` and its descendants
    (uvicorn's workers), from /proc."""
    parents, used = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:  # gone meanwhile
                continue
            parents[int(entry.name)] = int(fields[1])
            used[int(entry.name)] = int(fields[11]) + int(fields[12])

    def within(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False
    return sum(t for pid, t in used.items() if within(pid)) / os.sysconf("SC_CLK_TCK")


def plans(tag: str, clients: int, n: int) -> dict[str, list[fc.CheckIn]]:
    """Each client's athlete and check-ins: ``n`` timed in all, after ``WARM`` untimed."""
    each = -(-n // clients)
    return {f"{tag}-{c}": checkins(f"{tag}-{c}", WARM + each) for c in range(clients)}


def library(target: str, tag: str, n: int) -> Timing:
    """``store.check_in`` called ``n`` times in a loop on one athlete."""
    engine = fc.Engine(backend="native")
    (name, work), = plans(tag, 1, n).items()
    with fc.open_store(target, sync="full") as store:
        store.add_athlete(engine.new_athlete(name, goal=fc.Goal.RUNNER, start=START))
        for checkin in work[:WARM]:
            store.check_in(engine, name, checkin)
        took = []
        cpu, began = time.process_time(), time.perf_counter()
        for checkin in work[WARM:]:
            start = time.perf_counter()
            store.check_in(engine, name, checkin)
            took.append(time.perf_counter() - start)
        return timing(took, time.perf_counter() - began, time.process_time() - cpu)


async def drive(url: str, pid: int, token: str, tag: str, clients: int, n: int) -> Timing:
    """``clients`` httpx clients at once, each checking in its own athlete."""
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    went = asyncio.Event()
    ready = 0
    took: list[float] = []

    async def client(name: str, work: list[fc.CheckIn]) -> None:
        nonlocal ready
        bodies = [fc.to_json(c).encode() for c in work]
        path = f"/v1/athletes/{name}/checkins"
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
            answer = await http.post("/v1/athletes", json={
                "id": name, "goal": "runner", "start": START.isoformat()})
            assert answer.status_code == 201, answer.text
            for body in bodies[:WARM]:
                assert (await http.post(path, content=body)).status_code == 201
            ready += 1
            if ready == clients:
                went.set()
            await went.wait()
            for body in bodies[WARM:]:
                start = time.perf_counter()
                answer = await http.post(path, content=body)
                took.append(time.perf_counter() - start)
                assert answer.status_code == 201, answer.text

    cpu = began = mine = 0.0

    async def clock() -> None:
        nonlocal cpu, began, mine
        await went.wait()
        cpu, began, mine = tree_cpu(pid), time.perf_counter(), time.process_time()

    await asyncio.gather(clock(), *(client(name, work) for name, work
                                    in plans(tag, clients, n).items()))
    return timing(took, time.perf_counter() - began, tree_cpu(pid) - cpu,
                  time.process_time() - mine)


# ---------------------------------------------------------------- servers and stores


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(store: str, tokens: Path, workers: int, path: Sequence[Path],
            log: Path) -> Iterator[tuple[str, int]]:
    """``footcore serve`` (imported from ``path``) on a free port; its URL and process id
    once it answers. Stopped by SIGTERM afterwards."""
    import httpx

    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
    with log.open("ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "footcore", "serve", store, "--tokens", str(tokens),
             "--port", str(port), "--workers", str(workers), "--backend", "native"],
            stdout=subprocess.DEVNULL, stderr=err, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"footcore serve did not answer: see {log}")
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def baseline_path(ref: str, into: Path) -> list[Path]:
    """The import path that serves footcore as ``ref`` installs it: its src and rules,
    extracted into ``into``, behind a folder that hides the speed-ups uvicorn would use
    (:data:`SPEEDUPS`) which ``ref``'s serve extra does not install."""
    def git(*args: str) -> bytes:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True,
                              check=True).stdout
    tar_path = into / "baseline.tar"
    tar_path.write_bytes(git("archive", "--format=tar", ref, "src", "rules"))
    with tarfile.open(tar_path) as tar:
        tar.extractall(into / "baseline", filter="data")
    extra = tomllib.loads(git("show", f"{ref}:pyproject.toml").decode())["project"][
        "optional-dependencies"].get("serve", [])
    named = {re.split(r"[^A-Za-z0-9_.-]", item, maxsplit=1)[0].lower() for item in extra}
    for package in set(SPEEDUPS) - named:
        (into / "hidden" / package).mkdir(parents=True)
        (into / "hidden" / package / "__init__.py").write_text(
            f"raise ImportError('{package}: not in the serve extra at {ref}')\n")
    return [into / "hidden", into / "baseline" / "src"]


class Stores:
    """Fresh stores, each with footcore's tables: SQLite files in a folder and, given a
    server, databases on it."""

    def __init__(self, folder: Path, postgres: str | None) -> None:
        self.folder = folder
        self.postgres = postgres
        self.made = 0

    def new(self, kind: str) -> str:
        self.made += 1
        if kind == "sqlite":
            target = str(self.folder / f"s{self.made}.db")
        else:
            import psycopg

            assert self.postgres is not None
            with psycopg.connect(self.postgres, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE b{self.made}")
            target = self.postgres.replace("/postgres?", f"/b{self.made}?")
        fc.open_store(target, create=True).close()
        return target


# ---------------------------------------------------------------- the runs


def spread(values: Sequence[float], digits: int = 0, unit: str = "") -> str:
    return (f"{statistics.median(values):.{digits}f}{unit} "
            f"({min(values):.{digits}f}-{max(values):.{digits}f})")


def measure(n: int, runs: int, kinds: Sequence[str], workers: Sequence[int],
            clients: Sequence[int], baseline: str | None) -> Figures:
    """Each run: for each store kind and worker count, the library loop, then a fresh
    server of each serving (the working tree, the baseline), all up at once and timed in
    turn at each level of ``clients``, so that a before and after are seconds apart."""
    figures: Figures = {}
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        postgres = stack.enter_context(cluster(fsync=True)) if "postgresql" in kinds else None
        stores = Stores(folder, postgres)
        tokens = folder / "tokens.toml"
        token = add_token(tokens, "bench", ["read", "write"])
        servings = {"tree": [ROOT / "src"]}
        if baseline is not None:
            servings[baseline] = baseline_path(baseline, folder)
        for run in range(runs):
            for kind in kinds:
                for count in workers:
                    tag = f"r{run}{kind[0]}{count}"
                    lib = library(stores.new(kind), f"{tag}-lib", n)
                    figures.setdefault((kind, LIBRARY, 0, 1), []).append((lib, lib))
                    with ExitStack() as servers:
                        started = {name: servers.enter_context(serving(
                            stores.new(kind), tokens, count, path, folder / "serve.log"))
                            for name, path in servings.items()}
                        for level in clients:  # each serving in turn, seconds apart
                            for name, (url, pid) in started.items():
                                http = asyncio.run(drive(url, pid, token,
                                                         f"{tag}-{name[:8]}-c{level}",
                                                         level, n))
                                figures.setdefault((kind, name, count, level), []).append(
                                    (http, lib))
            print(f"run {run + 1} of {runs} done", file=sys.stderr, flush=True)
    return figures


def report(figures: Figures, n: int, runs: int) -> None:
    found = [p for p in SPEEDUPS if importlib.util.find_spec(p)]
    print(f"footcore {fc.__version__}, {os.cpu_count()} cores, uvicorn with "
          f"{' and '.join(found) or 'neither uvloop nor httptools'} installed (a baseline "
          f"without those its serve extra lacks); "
          f"{runs} runs of {n} check-ins per level; median (min-max) over the runs.\n"
          f"'cpu ms': the server's processes' CPU per check-in (PostgreSQL's own not "
          f"counted); the columns 'vs library' compare each server with the library loop "
          f"timed just before it started\n")
    header = (f"{'store':<10} {'serving':<9} {'wk':>2} {'cl':>3} {'check-ins/s':>16} "
              f"{'p50 ms':>18} {'p99 ms':>20} {'cpu ms':>17} {'/s vs library':>18} "
              f"{'p50 adds ms':>20} {'cpu adds ms':>17}")
    print(header)
    print("-" * len(header))
    for (kind, name, count, level), rows in figures.items():
        served = [h for h, _ in rows]
        versus = adds = cpu_adds = ""
        if name != LIBRARY:
            versus = spread([h.rate / b.rate for h, b in rows], 2, "x")
            adds = spread([(h.p50 - b.p50) * 1000 for h, b in rows], 2)
            cpu_adds = spread([(h.cpu - b.cpu) * 1000 for h, b in rows], 2)
        print(f"{kind:<10} {name[:9]:<9} {count or '':>2} {level:>3} "
              f"{spread([h.rate for h in served]):>16} "
              f"{spread([h.p50 * 1000 for h in served], 2):>18} "
              f"{spread([h.p99 * 1000 for h in served], 1):>20} "
              f"{spread([h.cpu * 1000 for h in served], 2):>17} {versus:>18} {adds:>20} "
              f"{cpu_adds:>17}")
    goals(figures)


def goals(figures: Figures) -> None:
    """The issue's three goals, each from the working tree's rows."""
    print("\ngoals (working tree):")
    for kind in ("sqlite", "postgresql"):
        one = figures.get((kind, "tree", 1, 1))
        if one:
            adds = [(h.p50 - b.p50) * 1000 for h, b in one]
            print(f"  {kind}: HTTP adds {spread(adds, 2)} ms at p50 with 1 client "
                  f"(goal: at most 0.5), of which the httpx client's own CPU is "
                  f"{spread([h.client * 1000 for h, _ in one], 2)} ms")
    for count in WORKERS:
        rows = figures.get(("sqlite", "tree", count, 32))
        if rows:
            print(f"  sqlite, {count} worker(s): p99 {spread([h.p99 * 1000 for h, _ in rows], 1)}"
                  f" ms at 32 clients (goal: under 25)")
    one, two = (figures.get(("postgresql", "tree", w, 32)) for w in WORKERS)
    if one and two:
        ratio = [b.rate / a.rate for (a, _), (b, _) in zip(one, two, strict=True)]
        print(f"  postgresql: 2 workers reach {spread(ratio, 2, 'x')} of 1 worker's "
              f"check-ins/s at 32 clients (goal: at least 1.6x)")


# ---------------------------------------------------------------- the service's parts


def parts(rounds: int, batch: int = 100) -> None:
    """The service layer's own cost, in this process with no socket or client: a check-in
    through the ASGI application against ``store.check_in`` on the same kind of store
    (SQLite, ``sync="normal"``, so no disk flush swamps the difference), and the parts of
    a request, each the best of ``rounds`` interleaved batches."""
    from footcore._service._app import _Service, create_app
    from footcore._service._metrics import Metrics
    from footcore._service._tokens import read_tokens

    engine = fc.Engine(backend="native")
    work = checkins("p", WARM + rounds * batch)
    bodies = [fc.to_json(c).encode() for c in work]
    with tempfile.TemporaryDirectory() as folder:
        token = add_token(Path(folder) / "tokens.toml", "bench", ["read", "write"])
        tokens = read_tokens(Path(folder) / "tokens.toml")
        stores = [fc.open_store(f"{folder}/{name}.db", sync="normal") for name in "la"]
        for store in stores:
            store.add_athlete(engine.new_athlete("p", goal=fc.Goal.RUNNER, start=START))
        lib, served = stores
        app = create_app(served, engine, tokens)
        service = _Service(served, engine, tokens, max_body=1 << 20, timeout=30,
                           metrics=Metrics())
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode()),
                   (b"content-type", b"application/json")]
        loop = asyncio.new_event_loop()

        async def asgi(body: bytes) -> None:
            sent: list[Any] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)
            path = "/v1/athletes/p/checkins"
            await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                       "method": "POST", "scheme": "http", "path": path,
                       "raw_path": path.encode(), "query_string": b"", "root_path": "",
                       "headers": [*headers, (b"content-length", str(len(body)).encode())],
                       "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)},
                      receive, send)
            assert sent[0]["status"] == 201, sent

        left = {"library": iter(work[WARM:]), "asgi": iter(bodies[WARM:])}
        for checkin, body in zip(work[:WARM], bodies[:WARM], strict=True):
            lib.check_in(engine, "p", checkin)
            loop.run_until_complete(asgi(body))

        def repeat(step: Any) -> Any:
            async def steps() -> None:
                for _ in range(batch):
                    await step()
            return lambda: loop.run_until_complete(steps())
        timed = {
            "store.check_in (library)": lambda: [lib.check_in(engine, "p", next(
                left["library"])) for _ in range(batch)],
            "check-in through the ASGI app": repeat(lambda: asgi(next(left["asgi"]))),
            "the service's thread hop (call)": repeat(lambda: service.call(int)),
            "token lookup (SHA-256, compare)": lambda: [tokens.find(token)
                                                        for _ in range(batch)],
            "body: parse_json and from_dict": lambda: [fc.from_json(bodies[0], fc.CheckIn)
                                                       for _ in range(batch)],
        }
        best = {name: math.inf for name in timed}
        for _ in range(rounds):
            for name, run in timed.items():
                began = time.perf_counter()
                run()
                best[name] = min(best[name], (time.perf_counter() - began) / batch)
        for store in stores:
            store.close()
    print(f"footcore {fc.__version__}: each the best of {rounds} batches of {batch}, "
          f"microseconds per call")
    for name, seconds in best.items():
        print(f"  {name:<36} {seconds * 1e6:8.1f}")
    added = best["check-in through the ASGI app"] - best["store.check_in (library)"]
    print(f"  the service layer adds {added * 1e6:.1f} us to a check-in (no socket, no "
          f"uvicorn, no client)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=480, help="check-ins per level (480)")
    parser.add_argument("--runs", type=int, default=3, help="runs (3)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--baseline", metavar="REF", help="serve git ref REF side by side")
    parser.add_argument("--parts", action="store_true",
                        help="time the service layer's parts in this process instead")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: SQLite, 1 worker, 1 and 8 clients, 48 check-ins")
    args = parser.parse_args(argv)
    if args.parts:
        parts(40 if not args.quick else 3)
        return 0
    kinds = ["sqlite"] if args.no_postgres or args.quick else ["sqlite", "postgresql"]
    if args.quick:
        figures = measure(48, 1, kinds, (1,), (1, 8), None)
        report(figures, 48, 1)
    else:
        figures = measure(args.n, args.runs, kinds, WORKERS, CLIENTS, args.baseline)
        report(figures, args.n, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
