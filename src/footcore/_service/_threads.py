"""The threads that run the service's engine and store calls, off the event loop.

A call costs half the CPU it does through anyio's ``to_thread`` or less (about 25 us
against 50: benchmarks/bench_serve.py --parts, "the service's thread hop" beside "anyio's
to_thread"). A thread takes its work from a queue written in C, and once the work is done
it wakes the loop and waits for the next at once, so the loop's thread is not left waiting
for the interpreter's lock while the worker tidies up, as with asyncio's
``run_in_executor``, which costs more the longer the work (85 us for 150 us of work, in
a trial outside the suite, against 30 here).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

__all__ = ["Threads"]


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
    turn."""

    def __init__(self, most: int) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._most = most
        self._started = self._idle = 0

    def run(self, loop: asyncio.AbstractEventLoop, work: Callable[[], Any]
            ) -> asyncio.Future[Any]:
        """``work()`` in one of the threads: a future of ``loop`` for its result. Work whose
        future is cancelled before a thread takes it up is not done."""
        done: asyncio.Future[Any] = loop.create_future()

        def job() -> None:
            if done.cancelled():
                return
            try:
                result, error = work(), None
            except BaseException as exc:  # the caller's to see, as an awaited call's
                result, error = None, exc
            with suppress(RuntimeError):  # the loop closed meanwhile: no one waits
                loop.call_soon_threadsafe(_settle, done, result, error)

        with self._lock:
            if self._idle:
                self._idle -= 1
            elif self._started < self._most:
                self._started += 1
                threading.Thread(target=self._serve, name="footcore-service", daemon=True
                                 ).start()
        self._jobs.put(job)
        return done

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()
            with self._lock:
                self._idle += 1

    def stop(self) -> None:
        """Let every thread end once the work queued before is done."""
        with self._lock:
            for _ in range(self._started):
                self._jobs.put(None)
            self._started = self._idle = 0
