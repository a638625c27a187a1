"""Impact over a population: histories go in chunks of compact JSON to workers (this
process, local processes, any ``concurrent.futures`` executor or a Dask cluster); each
worker replays its athletes under both rulebooks and sends back summaries, which are
merged in the athletes' order, so the report does not depend on how the work was split.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

import attrs

from .._caution import stricter_on_paper
from .._compare import rulebook_ref
from .._engine import Engine
from .._errors import InputError
from .._memo import remember
from .._rulebook import Rulebook
from .._rulebook_loading import rulebook_from_text, rulebook_text
from ._athlete import AthleteImpact, replay_athlete
from ._histories import History
from ._report import ImpactReport, Tally

__all__ = ["impact", "run_chunk"]


@attrs.frozen
class Job:
    """What every chunk travels with: both rulebooks as zlib-compressed JSON text (a fifth
    of the bytes: with each chunk, the text was half of what a worker was sent), the
    backend, how many examples each group keeps, the stages the new rulebook renamed (old
    id, new), and whether each athlete's summary comes back (only ``on_athlete`` wants
    them)."""

    old: bytes
    new: bytes
    backend: str
    examples: int
    mapping: tuple[tuple[str, str], ...] = ()
    athletes: bool = True

    @classmethod
    def of(cls, old: Rulebook, new: Rulebook, backend: str, examples: int,
           mapping: Mapping[str, str] | None = None, athletes: bool = True) -> Job:
        return cls(zlib.compress(rulebook_text(old).encode()),
                   zlib.compress(rulebook_text(new).encode()), backend, examples,
                   tuple(sorted((mapping or {}).items())), athletes)


@attrs.frozen
class ChunkResult:
    """A chunk's summaries, or the error of the first history that could not be read."""

    athletes: tuple[AthleteImpact, ...]
    tally: Tally
    error: str | None = None


# Engines built in this process, by the job's rulebooks and backend: a worker builds each
# pair once, not once per chunk.
_ENGINES: dict[tuple[bytes, bytes, str], tuple[Engine, Engine]] = {}


def _engines(job: Job) -> tuple[Engine, Engine]:
    key = (job.old, job.new, job.backend)
    found = _ENGINES.get(key)
    if found is None:
        old, new = (Engine(rulebook_from_text(zlib.decompress(text).decode(),
                                              f"{label} rulebook"), job.backend)
                    for label, text in (("old", job.old), ("new", job.new)))
        found = remember(_ENGINES, key, (old, new), 4)
    return found


def run_chunk(job: Job, chunk: str) -> ChunkResult:
    """Replay a chunk of athletes (JSON: ``[[origin, state, [check-in, ...], [change, ...]],
    ...]``) under the job's rulebooks; this is what runs in a worker."""
    old, new = _engines(job)
    tally = Tally(job.examples)
    athletes = []
    for origin, state, checkins, changes in json.loads(chunk):
        history = History(state, checkins, origin, changes)
        try:
            start, taken = history.load()
            made = history.load_changes()
        except InputError as exc:
            return ChunkResult((), Tally(job.examples), str(exc))
        athlete = replay_athlete(old, new, start, taken, origin, tally.note(start.athlete_id),
                                 made, dict(job.mapping))
        tally.add(athlete)
        if job.athletes:
            athletes.append(athlete)
    return ChunkResult(tuple(athletes), tally)


def _chunks(histories: Iterable[History], size: int) -> Iterator[str]:
    """The histories in chunks of at least ``size`` check-ins (or what is left)."""
    batch: list[list[Any]] = []
    checkins = 0
    for number, history in enumerate(histories):
        if not isinstance(history, History):
            raise InputError(f"histories[{number}]: got {type(history).__name__}; accepted: "
                             f"a footcore History (see read_histories)")
        batch.append([history.origin, history.state, list(history.checkins),
                      list(history.changes)])
        checkins += len(history.checkins)
        if checkins >= size:
            yield _encode(batch)
            batch, checkins = [], 0
    if batch:
        yield _encode(batch)


def _encode(batch: list[list[Any]]) -> str:
    try:
        return json.dumps(batch, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"a history in {batch[0][0] or 'the histories'} and after is not "
                         f"JSON data ({exc}); build it with History.of") from None


def _cores() -> int:
    return os.cpu_count() or 1


def _process_pool(workers: int) -> ProcessPoolExecutor:
    # Spawned, not forked: the caller may run threads (a Dask client, a web server), which
    # a fork copies in whatever state they are in. Each worker imports footcore afresh.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _dask_submit(client: Any) -> Callable[[Job, str], Future[ChunkResult]]:
    """Submit chunks to a Dask client's cluster with their data scattered to the workers
    first: data given inside a task stays in the client's process after the task is
    done (0.6 MiB a chunk of 210 KiB, measured), so a population's worth piled up there.
    The job goes to every worker once."""
    pool = client.get_executor()
    jobs: dict[Job, Any] = {}

    def submit(job: Job, chunk: str) -> Future[ChunkResult]:
        if job not in jobs:
            jobs[job] = client.scatter(job, broadcast=True, hash=False)
        future: Future[ChunkResult] = pool.submit(run_chunk, jobs[job],
                                                  client.scatter(chunk, hash=False))
        return future
    return submit


def _runner(workers: int | None, executor: Any
            ) -> tuple[Callable[[Job, str], Future[ChunkResult]], int, Executor | None]:
    """How chunks are submitted, how many run at once, and the pool to shut down after."""
    if workers is not None and (type(workers) is not int or workers < 1):
        raise InputError(f"workers: got {workers!r}; accepted: a whole number, 1 or more")
    if executor is not None:
        if hasattr(executor, "get_executor") and hasattr(executor, "nthreads"):
            parallel = workers or sum(executor.nthreads().values()) or 1  # a Dask client
            return _dask_submit(executor), parallel, None
        elif isinstance(executor, Executor):
            parallel = workers or getattr(executor, "_max_workers", None) or _cores()
        else:
            raise InputError(f"executor: got {type(executor).__name__}; accepted: a "
                             f"concurrent.futures.Executor or a dask.distributed Client")
        return (lambda job, chunk: executor.submit(run_chunk, job, chunk)), parallel, None
    parallel = workers or _cores()
    if parallel == 1:
        def serial(job: Job, chunk: str) -> Future[ChunkResult]:
            done: Future[ChunkResult] = Future()
            done.set_result(run_chunk(job, chunk))
            return done
        return serial, 1, None
    pool = _process_pool(parallel)
    return (lambda job, chunk: pool.submit(run_chunk, job, chunk)), parallel, pool


def impact(old: Rulebook, new: Rulebook, histories: Iterable[History], *,
           workers: int | None = None, executor: Any = None, backend: str = "native",
           examples: int = 3, chunk_checkins: int = 2000,
           on_athlete: Callable[[AthleteImpact], object] | None = None,
           progress: Callable[[int, int], object] | None = None,
           mapping: Mapping[str, str] | None = None) -> ImpactReport:
    """Replay each athlete's whole history under both rulebooks and report what changes.

    Each athlete's check-ins are replayed from the same starting state under ``old`` and
    under ``new``, each decision's state feeding the next check-in, so a change propagates
    down the history. When ``new`` is ``old`` made stricter on paper (a back-off threshold
    moved the harsher way, a rule's action made more cautious), the report says so, and
    flags any rung some athletes reach sooner (``ImpactReport.rewards_caution``). A
    check-in a rulebook refuses (a stage it lacks, say) is counted and reported, and that
    replay goes on from the state before it. Goal changes and overrides among the
    check-ins are made again under each rulebook (one a rulebook refuses is reported the
    same way). To preview an upgrade, give the store's histories
    (:meth:`Store.histories`, which start where the athletes' last upgrade left them) and
    the upgrade's ``mapping``: each athlete's replay under ``new`` starts from their stage
    moved as the upgrade moves it.

    The work runs in chunks of athletes (about ``chunk_checkins`` check-ins each) shipped as
    compact JSON; workers return summaries. The report is the same however it runs.

    Args:
        old: the rulebook in use.
        new: the candidate.
        histories: the athletes, e.g. :func:`read_histories`, :func:`decision_histories`,
            :func:`log_histories`, or :class:`History` objects of your own; read as they
            are needed, a few chunks ahead of the workers.
        workers: how many local processes (default: one per core); 1 runs here, in this
            process. With ``executor``, how many chunks it runs at once.
        executor: run the chunks on this ``concurrent.futures.Executor``, or on the Dask
            cluster of this ``dask.distributed.Client``; footcore must be importable there.
        backend: the backend of both engines (``"native"``, ``"durable"`` or ``"auto"``).
        examples: how many example decisions each group keeps.
        chunk_checkins: about how many check-ins go to a worker at a time.
        on_athlete: called with each athlete's :class:`AthleteImpact`, in the order of
            ``histories``, so per-athlete results can be kept without holding them all.
        progress: called with the athletes and check-ins done so far, after each chunk.
        mapping: the stages ``new`` renamed, old id -> new id (see :meth:`Store.upgrade`).

    Raises:
        InputError: a bad argument, or a history that is not valid (the message names
            where it came from, the check-in and the field).
        EngineError: a backend failed.
    """
    for name, book in (("old", old), ("new", new)):
        if not isinstance(book, Rulebook):
            raise InputError(f"{name}: got {type(book).__name__}; accepted: a Rulebook "
                             f"(footcore.load_rulebook(path))")
    for name, value, least in (("examples", examples, 0), ("chunk_checkins", chunk_checkins, 1)):
        if type(value) is not int or value < least:
            raise InputError(f"{name}: got {value!r}; accepted: a whole number, {least} or more")
    if mapping is not None and not (isinstance(mapping, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())):
        raise InputError("mapping: accepted: old stage id -> new stage id, as strings")
    engines = Engine(old, backend), Engine(new, backend)  # checks the backend here, early
    job = Job.of(old, new, backend, examples, mapping, on_athlete is not None)
    _ENGINES[(job.old, job.new, backend)] = engines
    submit, parallel, pool = _runner(workers, executor)
    tally = Tally(examples)
    pending: deque[Future[ChunkResult]] = deque()

    def take(future: Future[ChunkResult]) -> None:
        result = future.result()
        if result.error is not None:
            raise InputError(result.error)
        tally.merge(result.tally)
        if on_athlete is not None:
            for athlete in result.athletes:
                on_athlete(athlete)
        if progress is not None:
            progress(tally.athletes, tally.decisions)

    try:
        for chunk in _chunks(histories, chunk_checkins):
            pending.append(submit(job, chunk))
            while pending and (len(pending) > 2 * parallel or pending[0].done()):
                take(pending.popleft())
        while pending:
            take(pending.popleft())
    finally:
        for future in pending:
            future.cancel()
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    stages = [s.id for s in old.stages] + [s.id for s in new.stages]
    return tally.report(rulebook_ref(old), rulebook_ref(new), list(dict.fromkeys(stages)),
                        stricter_on_paper(old, new))

