"""The service's fast paths answer as the general ones do: a check-in straight to its
endpoint as through Starlette's router (which routes it under a root path), and the
service's own threads as an awaited call (an error raised is the awaiter's; work given up
before a thread takes it is not done)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

import footcore as fc
import footcore.service
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
