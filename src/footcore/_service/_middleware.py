"""The service's ASGI middleware, outermost first: :class:`Logged` writes a request's log
line and metrics sample, :class:`Answered` answers a bug with a bare 500 (inside CORS, so
the answer carries its headers), and :class:`CheckIns` sends a check-in straight to its
endpoint, past the router.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._metrics import Metrics
from ._problems import MEDIA_TYPE, Problem

__all__ = ["Answered", "CheckIns", "Logged", "answer"]

_LOG = logging.getLogger("footcore.service")


def answer(problem: Problem, path: str) -> Response:
    """``problem`` as the response to a request for ``path``."""
    body = json.dumps(problem.document(path), ensure_ascii=False)
    return Response(body, problem.status, problem.headers, media_type=MEDIA_TYPE)


_BUG = Problem(500, "internal-error", "the server failed; an operator must look at its log")


def _failed(exc: Exception) -> None:
    """Log a bug by its type and the line that raised it, never its message (which may
    hold a request's health data or the store's location) nor a traceback."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    _LOG.error("internal error: %s%s", type(exc).__name__,
               f" at {Path(where.filename).name}:{where.lineno}" if where else "")


_GONE = "footcore.gone"  # set in a request's scope when its client left mid-request
_CLOSED_REQUEST = 499  # the status a metric counts such a request under (nginx's)


class Logged:
    """ASGI middleware, the outermost: one log line and one metrics sample per request:
    method, route (its template, never the ids in the path), status and latency; never a
    body. A request whose client left before it was read says so instead of a status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            took = time.perf_counter() - start
            route = scope.get("footcore.route", "unmatched")
            if scope.get(_GONE):
                self.metrics.request(scope["method"], route, _CLOSED_REQUEST, took)
                _LOG.info("%s %s client disconnected", scope["method"], route)
            else:
                self.metrics.request(scope["method"], route, status, took)
                _LOG.info("%s %s %d %.1fms", scope["method"], route, status, took * 1000)


class Answered:
    """ASGI middleware, inside CORS (so that a 500 carries its headers too): a bug is
    answered here with a bare 500: raised on, uvicorn would log its message and traceback
    (Starlette re-raises what its own handler of errors answered). A client that left
    mid-body is no bug: no one is there to answer, and nothing was done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except ClientDisconnect:
            scope[_GONE] = True
        except Exception as exc:  # a bug: answered here, for the server would log its text
            _failed(exc)
            if not started:
                await answer(_BUG, scope["path"])(scope, receive, sending)


class CheckIns:
    """ASGI middleware: a check-in (``POST`` to an athlete's ``/checkins``) goes straight to
    its route's endpoint, past Starlette's router and its handling of exceptions, which
    every other request takes; the endpoint answers every failure itself, as a problem,
    and a bug goes on to :class:`Answered`, as from the router. 30-50 us less CPU per
    check-in, of about 250 the service adds (benchmarks/bench_serve.py --parts, "check-in
    through the ASGI app" against "same, by Starlette's router"). An application mounted
    under a root path is routed by the router alone."""

    _PATH = re.compile(r"/v1/athletes/([^/]+)/checkins")  # as the router matches it

    def __init__(self, app: ASGIApp,
                 endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = (self._PATH.fullmatch(scope["path"]) if scope["type"] == "http"
                 and scope["method"] == "POST" and not scope.get("root_path") else None)
        if found is None:
            await self.app(scope, receive, send)
            return
        scope["path_params"] = {"athlete_id": found[1]}
        response = await self.endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
