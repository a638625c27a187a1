"""The threads that run the service's engine and store calls, off the event loop.

A call costs half the CPU it does through anyio's ``to_thread`` or less (about 25 us
against 50: benchmarks/bench_serve.py --parts, "the service's thread hop" beside "anyio's
to_thread"). A thread takes its work from a queue written in C, and once the work is done
it wakes the loop and waits for the next at once, so the loop's thread is not left waiting
for the interpreter's lock while the worker tidies up, as with asyncio's
``run_in_executor``, which costs more the longer the work (85 us for 150 us of work, in
a trial outside the suite, against 30 here).

A thread takes every call queued for it at once (up to :data:`BATCH`) and makes them in
turn inside the store's ``_together`` block, which flushes a SQLite store's log once for
them all; their results are given out only after it. A few threads, not one per request:
the store makes one call at a time anyway, and each thread more waiting on its lock and on
the interpreter's costs CPU in switches between threads. Against 40 threads of one call
each (benchmarks/bench_serve.py --baseline, SQLite, 1 worker, 32 clients): 0.65 ms of
server CPU per check-in instead of 0.91, 4.7 context switches instead of 23.5 (with 2
workers 0.78 and 6.0 instead of 1.03 and 18.4), and the log flushed 0.16 times per
check-in instead of 0.42 (counted by ``perf stat``, outside the suite).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from typing import Any

__all__ = ["BATCH", "Threads"]

BATCH = 16
"""The most calls a thread takes at once: the first of them waits for the others' work."""

_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", Callable[[], Any]]


def _settle(done: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """In the loop: answer ``done``, unless its waiter gave up on it (a timeout)."""
    if done.done():
        return
    if error is None:
        done.set_result(result)
    else:
        done.set_exception(error)


class Threads:
    """Up to ``most`` threads, started as calls need them; work beyond them waits its
    turn. With ``together`` (a SQLite store's ``_together``), a thread takes every call
    waiting at once and makes them in that block; an error it raises at the block's end is
    every call's answer that had none. Without, a thread takes one call at a time and
    answers it at once: where nothing is done together, a call need not wait for others."""

    def __init__(self, most: int,
                 together: Callable[[], AbstractContextManager[None]] | None = None) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._most = most
        self._together = together
        self._started = self._idle = 0
        self._generation = 0  # stop() begins a new one: its threads no longer count

    def run(self, loop: asyncio.AbstractEventLoop, work: Callable[[], Any]
            ) -> asyncio.Future[Any]:
        """``work()`` in one of the threads: a future of ``loop`` for its result. Work whose
        future is cancelled before a thread takes it up is not done."""
        done: asyncio.Future[Any] = loop.create_future()
        self._jobs.put((loop, done, work))
        with self._lock:  # no thread waits for work: one more, unless there are enough
            if not self._idle and self._started < self._most:
                self._started += 1
                threading.Thread(target=self._serve, args=(self._generation,),
                                 name="footcore-service", daemon=True).start()
        return done

    def _serve(self, generation: int) -> None:
        while True:
            self._count_idle(generation, 1)
            job = self._jobs.get()
            self._count_idle(generation, -1)
            if job is None:
                return
            jobs = [job]
            while self._together is not None and len(jobs) < BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:  # stop() asks a thread to end: one, after this work
                    self._jobs.put(None)
                    break
                jobs.append(job)
            self._answer(self._work(jobs))

    def _work(self, jobs: list[_Job]) -> list[tuple[_Job, Any, BaseException | None]]:
        """Each job's work done (but those given up before), in ``together``."""
        done: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with self._together() if self._together is not None else nullcontext():
                for job in jobs:
                    if job[1].cancelled():
                        continue
                    try:
                        done.append((job, job[2](), None))
                    except BaseException as exc:  # the caller's to see, as an awaited call's
                        done.append((job, None, exc))
        except BaseException as exc:  # the end of together failed (a flush): for them all
            return [(job, None, error or exc) for job, _, error in done]
        return done

    def _count_idle(self, generation: int, change: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._idle += change

    @staticmethod
    def _answer(done: list[tuple[_Job, Any, BaseException | None]]) -> None:
        for (loop, future, _), result, error in done:
            with suppress(RuntimeError):  # the loop closed meanwhile: no one waits
                loop.call_soon_threadsafe(_settle, future, result, error)

    def stop(self) -> None:
        """Let every thread end once the work queued before is done. Work queued after
        starts threads again (an application whose lifespan begins anew)."""
        with self._lock:
            for _ in range(self._started):
                self._jobs.put(None)
            self._started = self._idle = 0
            self._generation += 1
