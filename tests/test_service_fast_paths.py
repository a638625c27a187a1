"""The service's fast paths answer as the general ones do: a check-in straight to its
endpoint as through Starlette's router (which routes it under a root path), and the
service's own threads as an awaited call (an error raised is the awaiter's; work given up
before a thread takes it is not done)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import footcore as fc
import footcore.service
import footcore.store
from footcore._service._threads import Threads
from store_worker import checkins

# The service's code runs alike on every interpreter; test_service runs it on each.
pytestmark = pytest.mark.once


def _answers(folder: Path, root: str) -> list[tuple[int, dict[str, str], bytes]]:
    """Check-ins of every outcome sent to a new store's application under ``root``: new,
    retried, changed, refused by the document and by a rule, for a missing athlete,
    without a token, too big."""
    engine = fc.Engine(backend="native")
    folder.mkdir()
    tokens = folder / "tokens.toml"
    token = footcore.service.add_token(tokens, "app", ["read", "write"])
    store = fc.open_store(folder / "footcore.db", sync="normal")
    app = footcore.service.create_app(store, engine, footcore.service.read_tokens(tokens),
                                      max_body=4096)
    first, second = (fc.to_json(c).encode() for c in checkins("a-1", 2))
    sent: list[tuple[str, bytes, dict[str, str]]] = [
        ("a-1", first, {}), ("a-1", first, {}),
        ("a-1", first.replace(b'"minutes": ', b'"minutes": 1'), {}),
        ("a-1", b'{"on": 5}', {}), ("a-1", b"[1,", {}), ("a%20b", second, {}),
        ("zz", second, {}), ("a-1", second, {"authorization": "Bearer wrong"}),
        ("a-1", b" " * 5000, {}), ("a-1", second, {}),
    ]

    async def send() -> list[tuple[int, dict[str, str], bytes]]:
        transport = httpx.ASGITransport(app=app, root_path=root)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1",
                                     headers={"authorization": f"Bearer {token}"}) as client:
            made = await client.post(f"{root}/v1/athletes", json={
                "id": "a-1", "goal": "runner", "start": "2026-01-05"})
            assert made.status_code == 201
            out = []
            for athlete, body, headers in sent:
                answer = await client.post(f"{root}/v1/athletes/{athlete}/checkins",
                                           content=body, headers=headers)
                out.append((answer.status_code, dict(answer.headers), answer.content))
            return out
    try:
        return asyncio.run(send())
    finally:
        store.close()


def test_a_check_in_gets_the_answer_the_router_would_give(tmp_path: Path) -> None:
    straight = _answers(tmp_path / "straight", "")
    routed = _answers(tmp_path / "routed", "/r")
    assert [status for status, _, _ in straight] == [201, 200, 409, 400, 400, 404, 404,
                                                     401, 413, 201]
    for (status, headers, body), (status_r, headers_r, body_r) in zip(straight, routed,
                                                                      strict=True):
        body_r = body_r.replace(b'"/r/v1/', b'"/v1/')  # a problem's instance
        headers_r["content-length"] = str(len(body_r))
        assert (status, headers, body) == (status_r, headers_r, body_r)


def test_the_threads_answer_as_an_awaited_call() -> None:
    threads = Threads(2)
    started, release = threading.Event(), threading.Event()
    done: list[str] = []

    def blocking() -> str:
        started.set()
        release.wait(10)
        return "first"

    def failing() -> None:
        raise ValueError("the caller's to see")

    async def calls() -> Any:
        loop = asyncio.get_running_loop()
        first = threads.run(loop, blocking)
        await asyncio.to_thread(started.wait, 10)
        second = threads.run(loop, lambda: done.append("second"))
        second.cancel()  # given up: a thread may not have taken it yet
        with pytest.raises(ValueError, match="caller's"):
            await threads.run(loop, failing)
        release.set()
        return await first, await threads.run(loop, lambda: "later")

    assert asyncio.run(calls()) == ("first", "later")
    threads.stop()
    assert done in ([], ["second"])  # run only when a thread had taken it before


def test_the_threads_serve_again_after_stop() -> None:
    """An application whose lifespan begins again (a second ``TestClient``, a server
    restarting it) calls on threads stopped at the last one's end, at once."""
    threads = Threads(1)

    async def cycles() -> list[str]:
        loop, answers = asyncio.get_running_loop(), []
        for _ in range(20):
            answers.append(await asyncio.wait_for(threads.run(loop, lambda: "ok"), 2))
            threads.stop()  # the thread is waiting for work: it ends, another starts
        return answers

    assert asyncio.run(cycles()) == ["ok"] * 20


def test_a_thread_takes_the_calls_waiting_at_once_and_answers_after_together() -> None:
    """Calls queued while the thread works are made in turn in one ``together`` block
    (the store's, which flushes once at its end); each is answered only after the block
    ends, and an error raised at its end (a failed flush) is the answer of each call that
    had none of its own."""
    log: list[str] = []
    fail_at_end = [False, True]

    @contextmanager
    def together() -> Iterator[None]:
        log.append("begin")
        yield
        log.append("end")
        if fail_at_end.pop(0):
            raise OSError("the flush failed")

    threads = Threads(1, together)
    started, release = threading.Event(), threading.Event()

    def first() -> str:
        started.set()
        release.wait(10)
        log.append("first")
        return "first"

    def named(name: str) -> Callable[[], str]:
        def work() -> str:
            log.append(name)
            if name == "b":
                raise ValueError("b's own")
            return name
        return work

    async def calls() -> list[tuple[str, int]]:
        loop = asyncio.get_running_loop()
        waiting = [threads.run(loop, first)]
        await asyncio.to_thread(started.wait, 10)
        waiting += [threads.run(loop, named(name)) for name in "abc"]
        release.set()
        answers = []
        for future in waiting:
            try:
                answer = await future
            except (ValueError, OSError) as exc:
                answer = str(exc)
            answers.append((answer, log.count("end")))  # the blocks ended by then
        return answers

    answers = asyncio.run(calls())
    threads.stop()
    assert log == ["begin", "first", "end", "begin", "a", "b", "c", "end"]
    assert [answer for answer, _ in answers] == ["first", "the flush failed", "b's own",
                                                 "the flush failed"]
    assert [ended >= block for (_, ended), block in zip(answers, [1, 2, 2, 2],
                                                         strict=True)] == [True] * 4


class _Stuck(footcore.store.SQLiteStore):
    """A store whose reads of a state wait until ``freed`` is set."""

    freed: threading.Event

    def state(self, athlete_id: str) -> fc.AthleteState:
        self.freed.wait(10)
        return super().state(athlete_id)


def test_the_application_serves_under_trio(tmp_path: Path) -> None:
    """Mounted in a server that runs trio (Hypercorn can; Starlette runs on it through
    anyio), the service makes its engine and store calls in anyio's threads, not its own
    (which answer on an asyncio loop): a check-in is recorded, its retry answered from the
    store, and a call past the timeout is 503."""
    import anyio

    store = _Stuck(str(tmp_path / "footcore.db"), create=True)
    store.freed = threading.Event()
    app = footcore.service.create_app(store, fc.Engine(backend="native"), None, timeout=0.2)
    body = fc.to_json(checkins("a-1", 1)[0])

    async def send() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://127.0.0.1") as client:
            statuses = [(await client.post("/v1/athletes", json={
                "id": "a-1", "goal": "runner", "start": "2026-01-05"})).status_code]
            for _ in range(2):
                answer = await client.post("/v1/athletes/a-1/checkins", content=body)
                statuses.append(answer.status_code)
            late = await client.get("/v1/athletes/a-1")
            assert late.json()["code"] == "request-timeout"
            store.freed.set()
            return [*statuses, late.status_code]
    try:
        assert anyio.run(send, backend="trio") == [201, 201, 200, 503]
    finally:
        store.close()
    with fc.open_store(tmp_path / "footcore.db") as again:  # recorded once
        assert [d.checkin for d in again.decisions("a-1")] == [fc.from_json(body, fc.CheckIn)]


def test_a_slow_call_holds_up_no_write_and_no_call_without_the_store(tmp_path: Path) -> None:
    """Reads stuck in the store (as a long verify or export would be) leave a check-in and
    an evaluate their own threads: each is answered at once, not after the reads."""
    store = _Stuck(str(tmp_path / "footcore.db"), create=True)
    store.freed = threading.Event()
    engine = fc.Engine(backend="native")
    app = footcore.service.create_app(store, engine, None, timeout=2)
    checkin = checkins("a-1", 1)[0]

    async def send() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport,
                                     base_url="http://127.0.0.1") as client:
            made = await client.post("/v1/athletes", json={
                "id": "a-1", "goal": "runner", "start": "2026-01-05"})
            stuck = []
            for _ in range(3):
                stuck.append(asyncio.create_task(client.get("/v1/athletes/a-1")))
                await asyncio.sleep(0.05)  # each read has taken a thread of its own
            state = engine.new_athlete("a-2", goal=fc.Goal.RUNNER, start=checkin.on)
            async with asyncio.timeout(1):  # well within the reads' 2 s
                recorded = await client.post("/v1/athletes/a-1/checkins",
                                             content=fc.to_json(checkin))
                evaluated = await client.post("/v1/evaluate", content=(
                    f'{{"state": {fc.to_json(state)}, "checkin": {fc.to_json(checkin)}}}'))
            store.freed.set()
            return [made.status_code, recorded.status_code, evaluated.status_code,
                    *[(await read).status_code for read in stuck]]
    try:
        assert asyncio.run(send()) == [201, 201, 200, 200, 200, 200]
    finally:
        store.close()
