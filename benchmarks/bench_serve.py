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
``synchronous_commit=on``; tests/pg_cluster.py). At 1, 8 and 32 clients at once, each
client (one keep-alive connection) checks in an athlete of its own, after two untimed
check-ins each, with one of two load generators:

- ``wrk`` (``apt-get install wrk``; a benchmark's tool, not CI's), when it is installed:
  compiled, its own CPU a tenth of a Python client's, so that little of the 2 cores goes
  to the clients. Each wrk thread holds one connection and runs
  ``bench_serve_checkins.lua``, which gives each check-in an id and a day of its own. It
  runs ``--seconds`` per level; p50 and p99 are from wrk's latency distribution.
- httpx otherwise (or ``--client httpx``): async clients in this process, ``--n`` check-ins
  in all per level; at 32 clients they take a large share of the CPU a server would have.

The output says which one ran. In the same run, on the same kind of store at the same
durability, the library's own loop times ``--n`` calls of ``store.check_in`` in one
process, one athlete, as the 1-client level does.

Reported, as median (min-max) over the runs: check-ins per second, the 50th and 99th
percentile of each check-in's latency as its client saw it (the client's own work
included), each against the library loop of the same run (the rate as a ratio, the p50 as
milliseconds HTTP adds), the CPU per check-in of the server's processes against the
loop's (which holds where wall times do not: on a shared machine those swing tenfold), the
clients' own CPU, the server's context switches per check-in (each costs CPU; a count, so
it holds too), and the issue's three goals. ``--baseline REF`` serves footcore at
git ref REF too (as its own serve extra installs it), up beside the working tree's server
and timed in turn with it at each level, for a before and after seconds apart.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import math
import os
import re
import resource
import shutil
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
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "src")]

import attrs  # noqa: E402

import footcore as fc  # noqa: E402
from footcore.service import add_token  # noqa: E402
from pg_cluster import cluster  # noqa: E402
from store_worker import START, checkins  # noqa: E402

WARM = 2  # untimed check-ins per athlete before the clock starts
CLIENTS = (1, 8, 32)
WORKERS = (1, 2)
LIBRARY = "library"
SPEEDUPS = ("uvloop", "httptools")  # what uvicorn runs on when they are installed
WRK_SCRIPT = Path(__file__).with_name("bench_serve_checkins.lua")
FIRST_DAY = START + timedelta(days=1)  # the day of a wrk client's check-in number 0


@dataclass(frozen=True)
class Timing:
    """One level timed: check-ins per second, latency percentiles (s), the CPU seconds per
    check-in of the server's processes (of the loop's, for the library) and of the
    clients (0 for the library), and the server's switches between threads per check-in
    (each costs CPU: a count that holds on a shared machine)."""

    rate: float
    p50: float
    p99: float
    cpu: float
    client: float = 0.0
    switches: float = 0.0


# (store, serving, workers, clients) -> per run and server: its timing, and the library
# loop's timed just before the server started
Key = tuple[str, str, int, int]
Figures = dict[Key, list[tuple[Timing, Timing]]]


# ---------------------------------------------------------------- what is timed


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share`` percentile of ``values`` (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timing(took: Sequence[float], seconds: float, cpu: float, client: float = 0.0,
           switches: int = 0) -> Timing:
    return Timing(len(took) / seconds, percentile(took, 0.50), percentile(took, 0.99),
                  cpu / len(took), client / len(took), switches / len(took))


def switched() -> int:
    """This process's context switches so far (its threads' included)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_nvcsw + used.ru_nivcsw


def tree_use(root: int) -> tuple[float, int]:
    """CPU seconds (user and system) used so far by process ``root`` and its descendants
    (uvicorn's workers), and their threads' context switches, from /proc."""
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
    switches = 0
    for pid in filter(within, used):
        for task in Path(f"/proc/{pid}/task").glob("*/status"):
            with suppress(OSError):  # gone meanwhile
                switches += sum(int(line.split()[1]) for line in task.read_text().splitlines()
                                if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")))
    cpu = sum(t for pid, t in used.items() if within(pid)) / os.sysconf("SC_CLK_TCK")
    return cpu, switches


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
        cpu, began, switches = time.process_time(), time.perf_counter(), switched()
        for checkin in work[WARM:]:
            start = time.perf_counter()
            store.check_in(engine, name, checkin)
            took.append(time.perf_counter() - start)
        return timing(took, time.perf_counter() - began, time.process_time() - cpu,
                      switches=switched() - switches)


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
    switches = 0

    async def clock() -> None:
        nonlocal cpu, began, mine, switches
        await went.wait()
        (cpu, switches), began, mine = tree_use(pid), time.perf_counter(), time.process_time()

    await asyncio.gather(clock(), *(client(name, work) for name, work
                                    in plans(tag, clients, n).items()))
    used, switched_to = tree_use(pid)
    return timing(took, time.perf_counter() - began, used - cpu, time.process_time() - mine,
                  switched_to - switches)


# ---------------------------------------------------------------- wrk


def templates(count: int = 64) -> list[tuple[str, str, str]]:
    """Check-ins' canonical JSON (from :func:`checkins`), each split around its id and its
    day: what wrk's script joins with an id and a day of its own."""
    out = []
    for checkin in checkins("t", count):
        text = fc.to_json(attrs.evolve(checkin, id="ID-HERE", on=date(1999, 9, 9)))
        before, _, rest = text.partition("ID-HERE")
        between, _, after = rest.partition("1999-09-09")
        out.append((before, between, after))
    return out


def wrk_body(parts: Sequence[tuple[str, str, str]], athlete: str, number: int) -> bytes:
    """Check-in ``number`` of ``athlete``, as wrk's script writes it."""
    before, between, after = parts[number % len(parts)]
    day = FIRST_DAY + timedelta(days=number)
    return f"{before}{athlete}/{number}{between}{day.isoformat()}{after}".encode()


def wrk_script(names: Sequence[str], token: str, into: Path) -> Path:
    """bench_serve_checkins.lua with its tables in front: ``names`` (one per wrk thread),
    the token, the templates, and the first timed check-in (the warm-ups came before)."""
    def lua(text: str) -> str:
        assert "]==]" not in text
        return f"[==[{text}]==]"
    first_day = FIRST_DAY + timedelta(days=WARM)
    rows = ",\n".join("{" + ", ".join(map(lua, parts)) + "}" for parts in templates())
    path = into / "checkins.lua"
    path.write_text(
        f"ATHLETES = {{{', '.join(map(lua, names))}}}\nTOKEN = {lua(token)}\n"
        f"TEMPLATES = {{\n{rows}\n}}\n"
        f"FIRST_DAY = {(first_day - date(1970, 1, 1)).days * 86400}\n"
        f"FIRST_NUMBER = {WARM}\n\n{WRK_SCRIPT.read_text()}")
    return path


def wrk_drive(url: str, pid: int, token: str, tag: str, clients: int, seconds: float,
              into: Path) -> Timing:
    """wrk with ``clients`` threads of one connection each, each checking in its own
    athlete for ``seconds``, after ``WARM`` check-ins each sent by httpx."""
    import httpx

    names = [f"{tag}-{c}" for c in range(clients)]
    parts = templates()
    with httpx.Client(base_url=url, timeout=60,
                      headers={"Authorization": f"Bearer {token}"}) as http:
        for name in names:
            answer = http.post("/v1/athletes", json={
                "id": name, "goal": "runner", "start": START.isoformat()})
            assert answer.status_code == 201, answer.text
            for number in range(WARM):
                answer = http.post(f"/v1/athletes/{name}/checkins",
                                   content=wrk_body(parts, name, number),
                                   headers={"Content-Type": "application/json"})
                assert answer.status_code == 201, answer.text
    script = wrk_script(names, token, into)
    before, (cpu, switches) = resource.getrusage(resource.RUSAGE_CHILDREN), tree_use(pid)
    done = subprocess.run(["wrk", f"-t{clients}", f"-c{clients}", f"-d{seconds:g}s",
                           "--timeout", "30s", "-s", str(script), url],
                          capture_output=True, text=True, check=True)
    used, switched_to = tree_use(pid)
    cpu, switches = used - cpu, switched_to - switches
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    client = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    found = re.search(r"^bench_serve: requests=(\d+) seconds=([\d.]+) p50=(\d+) p99=(\d+) "
                      r"errors=(\d+) not201=(\d+)$", done.stdout, re.MULTILINE)
    assert found is not None, done.stdout + done.stderr
    requests, took, p50, p99, errors, wrong = (float(v) for v in found.groups())
    assert requests and not errors and not wrong, done.stdout
    return Timing(requests / took, p50 / 1e6, p99 / 1e6, cpu / requests, client / requests,
                  switches / requests)


def generator(asked: str) -> str:
    """The load generator to use: ``asked``, or with ``auto`` wrk when it is installed."""
    if asked == "auto":
        return "wrk" if shutil.which("wrk") else "httpx"
    if asked == "wrk" and not shutil.which("wrk"):
        raise SystemExit("bench_serve: --client wrk: wrk is not installed "
                         "(apt-get install wrk)")
    return asked


def generator_name(client: str) -> str:
    """How the report names the load generator."""
    if client == "httpx":
        return ("httpx clients in this process (wrk is not installed), sharing the cores "
                "with the server")
    shown = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    return f"{shown.split(' Copyright')[0].strip() or 'wrk'}, one thread per connection"


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
            clients: Sequence[int], baseline: str | None, client: str = "httpx",
            seconds: float = 4.0) -> Figures:
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
                                each = f"{tag}-{name[:8]}-c{level}"
                                http = (wrk_drive(url, pid, token, each, level, seconds,
                                                  folder) if client == "wrk" else
                                        asyncio.run(drive(url, pid, token, each, level, n)))
                                figures.setdefault((kind, name, count, level), []).append(
                                    (http, lib))
            print(f"run {run + 1} of {runs} done", file=sys.stderr, flush=True)
    return figures


def report(figures: Figures, n: int, runs: int, client: str = "httpx",
           seconds: float = 4.0) -> None:
    found = [p for p in SPEEDUPS if importlib.util.find_spec(p)]
    each = f"{seconds:g} s" if client == "wrk" else f"{n} check-ins"
    print(f"footcore {fc.__version__}, {os.cpu_count()} cores, uvicorn with "
          f"{' and '.join(found) or 'neither uvloop nor httptools'} installed (a baseline "
          f"without those its serve extra lacks); "
          f"{runs} runs of {each} per level ({n} check-ins for the library loop); "
          f"median (min-max) over the runs.\n"
          f"load generator: {generator_name(client)}\n"
          f"'cpu ms': the server's processes' CPU per check-in (PostgreSQL's own not "
          f"counted), 'client ms' the load generator's; the columns 'vs library' compare "
          f"each server with the library loop timed just before it started; 'switches' "
          f"the server's context switches per check-in (the loop's, for the library)\n")
    header = (f"{'store':<10} {'serving':<9} {'wk':>2} {'cl':>3} {'check-ins/s':>16} "
              f"{'p50 ms':>18} {'p99 ms':>20} {'cpu ms':>17} {'/s vs library':>18} "
              f"{'p50 adds ms':>20} {'cpu adds ms':>17} {'client ms':>17} "
              f"{'switches':>17}")
    print(header)
    print("-" * len(header))
    for (kind, name, count, level), rows in figures.items():
        served = [h for h, _ in rows]
        versus = adds = cpu_adds = own = ""
        if name != LIBRARY:
            versus = spread([h.rate / b.rate for h, b in rows], 2, "x")
            adds = spread([(h.p50 - b.p50) * 1000 for h, b in rows], 2)
            cpu_adds = spread([(h.cpu - b.cpu) * 1000 for h, b in rows], 2)
            own = spread([h.client * 1000 for h in served], 2)
        print(f"{kind:<10} {name[:9]:<9} {count or '':>2} {level:>3} "
              f"{spread([h.rate for h in served]):>16} "
              f"{spread([h.p50 * 1000 for h in served], 2):>18} "
              f"{spread([h.p99 * 1000 for h in served], 1):>20} "
              f"{spread([h.cpu * 1000 for h in served], 2):>17} {versus:>18} {adds:>20} "
              f"{cpu_adds:>17} {own:>17} {spread([h.switches for h in served], 1):>17}")
    goals(figures)


def goals(figures: Figures) -> None:
    """The issue's three goals, each from the working tree's rows."""
    print("\ngoals (working tree):")
    for kind in ("sqlite", "postgresql"):
        one = figures.get((kind, "tree", 1, 1))
        if one:
            adds = [(h.p50 - b.p50) * 1000 for h, b in one]
            print(f"  {kind}: HTTP adds {spread(adds, 2)} ms at p50 with 1 client "
                  f"(goal: at most 0.5); the load generator's own CPU per check-in: "
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
    a request, each the best of ``rounds`` interleaved batches, by the CPU time of this
    process (its threads' included), which holds on a shared machine where wall times do
    not."""
    import anyio.to_thread

    from footcore._convert import from_dict
    from footcore._jsonparse import parse_json
    from footcore._reading import read
    from footcore._service._app import _Service, create_app
    from footcore._service._metrics import Metrics
    from footcore._service._tokens import read_tokens

    engine = fc.Engine(backend="native")
    work = checkins("p", WARM + 2 * rounds * batch)  # each check-in new: none a retry
    bodies = [fc.to_json(c).encode() for c in work]
    with tempfile.TemporaryDirectory() as folder:
        token = add_token(Path(folder) / "tokens.toml", "bench", ["read", "write"])
        tokens = read_tokens(Path(folder) / "tokens.toml")
        stores = [fc.open_store(f"{folder}/{name}.db", sync="normal") for name in "lba"]
        for store in stores:
            store.add_athlete(engine.new_athlete("p", goal=fc.Goal.RUNNER, start=START))
        lib, sent, served = stores
        app = create_app(served, engine, tokens)
        service = _Service(served, engine, tokens, max_body=1 << 20, timeout=30,
                           metrics=Metrics())
        headers = [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode()),
                   (b"content-type", b"application/json")]
        loop = new_loop()

        async def asgi(body: bytes, root: str = "") -> None:
            sent: list[Any] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)
            path = f"{root}/v1/athletes/p/checkins"
            await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                       "method": "POST", "scheme": "http", "path": path,
                       "raw_path": path.encode(), "query_string": b"", "root_path": root,
                       "headers": [*headers, (b"content-length", str(len(body)).encode())],
                       "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)},
                      receive, send)
            assert sent[0]["status"] == 201, sent

        left = {"library": iter(work[WARM:]), "by": iter(work[WARM:]),
                "asgi": iter(bodies[WARM:])}  # both ASGI rows
        for checkin, body in zip(work[:WARM], bodies[:WARM], strict=True):
            lib.check_in(engine, "p", checkin)
            sent.check_in(engine, "p", checkin, by="bench", role="app")
            loop.run_until_complete(asgi(body))

        def repeat(step: Any) -> Any:
            async def steps() -> None:
                for _ in range(batch):
                    await step()
            return lambda: loop.run_until_complete(steps())
        timed = {
            "store.check_in (library)": lambda: [lib.check_in(engine, "p", next(
                left["library"])) for _ in range(batch)],
            "store.record_check_in, by and role": lambda: [sent.record_check_in(
                engine, "p", next(left["by"]), by="bench", role="app") for _ in range(batch)],
            "check-in through the ASGI app": repeat(lambda: asgi(next(left["asgi"]))),
            # under a root path the router routes check-ins too (_app._CheckIns)
            "same, by Starlette's router": repeat(lambda: asgi(next(left["asgi"]), "/r")),
            "the service's thread hop (call)": repeat(lambda: service.call(int)),
            "anyio's to_thread (as it was)": repeat(lambda: anyio.to_thread.run_sync(int)),
            "token lookup (SHA-256, compare)": lambda: [tokens.find(token)
                                                        for _ in range(batch)],
            "body: parse_json and from_dict": lambda: [from_dict(parse_json(
                bodies[n], "body"), fc.CheckIn) for n in range(batch)],
            "body: the fast reader": lambda: [read(bodies[n], fc.CheckIn)
                                              for n in range(batch)],
        }
        best = {name: math.inf for name in timed}
        for _ in range(rounds):
            for name, run in timed.items():
                began = time.process_time()
                run()
                best[name] = min(best[name], (time.process_time() - began) / batch)
        for store in stores:
            store.close()
        service.threads.stop()
    print(f"footcore {fc.__version__}: each the best of {rounds} batches of {batch}, "
          f"microseconds of CPU per call")
    for name, seconds in best.items():
        print(f"  {name:<36} {seconds * 1e6:8.1f}")
    added = best["check-in through the ASGI app"] - best["store.check_in (library)"]
    print(f"  the service layer adds {added * 1e6:.1f} us to a check-in (no socket, no "
          f"uvicorn, no client), on {type(loop).__module__.split('.')[0]}'s event loop")


def new_loop() -> asyncio.AbstractEventLoop:
    """An event loop as uvicorn runs one: uvloop's when it is installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=480, help="check-ins per level (480)")
    parser.add_argument("--runs", type=int, default=3, help="runs (3)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--baseline", metavar="REF", help="serve git ref REF side by side")
    parser.add_argument("--parts", action="store_true",
                        help="time the service layer's parts in this process instead")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke test: SQLite, 1 worker, 1 and 8 clients, 48 check-ins "
                             "(1 s with wrk)")
    parser.add_argument("--client", choices=("auto", "wrk", "httpx"), default="auto",
                        help="the load generator: wrk when installed (auto), or httpx")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="seconds per level with wrk (4)")
    parser.add_argument("--workers", type=int, nargs="+", default=list(WORKERS),
                        help="worker counts (1 2)")
    parser.add_argument("--clients", type=int, nargs="+", default=list(CLIENTS),
                        help="clients at once per level (1 8 32)")
    args = parser.parse_args(argv)
    if args.parts:
        parts(40 if not args.quick else 3)
        return 0
    kinds = ["sqlite"] if args.no_postgres or args.quick else ["sqlite", "postgresql"]
    client = generator(args.client)
    if args.quick:
        figures = measure(48, 1, kinds, (1,), (1, 8), None, client, 1.0)
        report(figures, 48, 1, client, 1.0)
    else:
        figures = measure(args.n, args.runs, kinds, args.workers, args.clients,
                          args.baseline, client, args.seconds)
        report(figures, args.n, args.runs, client, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
