"""The service's ASGI application: routes over a store and an engine, bearer tokens with
scopes, problem details for every failure, a body limit, request logs and metrics.

Every engine and store call runs in a worker thread (the store serialises the calls made on
it), so the event loop only reads requests and writes answers.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import date
from functools import partial
from typing import Any
from urllib.parse import quote

import attrs

try:
    import anyio
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.cors import CORSMiddleware
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    from ._openapi import conforms, openapi
except ImportError:  # pragma: no cover - the message is the whole point
    raise ImportError("footcore.service needs starlette, uvicorn and jsonschema: "
                      "pip install 'footcore[serve]'") from None

from .._changes import check_made_under
from .._convert import from_dict, to_json
from .._engine import Engine
from .._enums import ChangeKind, Role
from .._errors import FootcoreError, InputError, NotFound
from .._explain import explain
from .._ids import normal_id
from .._jsonparse import parse_json
from .._models import CheckIn, Decision
from .._reading import read
from .._store import ErasureReceipt, Store
from .._store._core import on_rulebook
from .._store._sqlite import SQLiteStore
from ._hosts import is_loopback
from ._metrics import Metrics
from ._middleware import Answered, CheckIns, Logged, answer
from ._problems import Problem, from_error
from ._requests import (
    GOAL_CHANGE,
    NEW_ATHLETE,
    OVERRIDE,
    fields,
    optional,
    read_evaluation,
    reason,
    words,
)
from ._threads import Threads
from ._tokens import Tokens

__all__ = ["INSECURE", "MAX_BODY", "TIMEOUT", "create_app"]

MAX_BODY = 1024 * 1024
"""The largest request body the service reads by default, in bytes (413 past it)."""
TIMEOUT = 30.0
"""How long the service waits for the engine and the store by default, in seconds (503
past it)."""
_PAGE, _MOST_PAGE = 50, 500  # decisions per page: by default, at most
_LAST = 2**53  # the largest record number a query names (a JSON number's whole range)
# The threads making engine and store calls. The short writes (a check-in, an override, a
# goal change, a new athlete) go to two, so that one records while the other flushes; on
# SQLite each takes every write queued at once (_threads.Threads: 0.65 ms of CPU per
# check-in against 0.91 with 40 threads of one call each, bench_serve.py --baseline, 32
# clients; with one thread 0.61, with four 0.66, in a trial outside the suite). Every other
# call (reads, evaluate, verify, export, erasure) goes to threads of one call each, so a
# long one never holds up a write's answer nor a call that needs no store.
_WRITERS, _THREADS = 2, 8
INSECURE = "insecure"
"""Who a server without tokens (``--insecure``) records as the sender of its writes."""
_ERASURE_REASON = reason(ChangeKind.ERASURE)
# The scope a change claiming a role needs beside write (an app's or athlete's needs none).
_CLAIMED = {Role.COACH: "coach", Role.CLINICIAN: "clinician", Role.OPERATOR: "admin"}
_LOG = logging.getLogger("footcore.service")

Handler = Callable[[Request], Awaitable[Response]]


def _json(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return Response(body, status, headers, media_type="application/json")


def _model(value: object, status: int = 200, headers: dict[str, str] | None = None
           ) -> Response:
    """A footcore model as its canonical JSON (``to_json``: a tenth of the time of
    dumping its dict)."""
    return Response(to_json(value), status, headers, media_type="application/json")


def _athlete_path(athlete_id: str) -> str:
    """The path of the athlete's resource, the id percent-encoded (ASCII, as a header and
    a link need it)."""
    return f"/v1/athletes/{quote(athlete_id, safe='')}"


def _whole(text: str) -> int | None:
    """The whole number ``text`` spells in at most 16 ASCII digits, or None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 16 else None


@contextmanager
def _bad_request() -> Iterator[None]:
    """An :class:`InputError` in the block is the request's fault (400), not a rule's."""
    try:
        yield
    except InputError as exc:
        raise from_error(exc, parsed=False) from None


@contextmanager
def _against(body: object, schema: str) -> Iterator[None]:
    """An :class:`InputError` in the block refuses ``body``: for its form (400) when the
    OpenAPI document's ``schema`` refuses it too, else by a rule the schema cannot state (422):
    one that compares a field with another, or the rules of an id beyond ASCII."""
    try:
        yield
    except InputError as exc:
        raise from_error(exc, parsed=conforms(body, schema)) from None


class _Service:
    """What the routes share: the store, the engine, the tokens and the limits."""

    def __init__(self, store: Store, engine: Engine, tokens: Tokens | None, *,
                 max_body: int, timeout: float, metrics: Metrics,
                 cors_origins: tuple[str, ...] = ()) -> None:
        self.store = store
        self.cors_origins = cors_origins
        self.engine = engine
        self.tokens = tokens
        self.max_body = max_body
        self.timeout = timeout
        self.metrics = metrics
        self.threads = Threads(_THREADS)
        self.writers = Threads(_WRITERS, store._together if isinstance(store, SQLiteStore)
                               else None)  # the others have no flush to share
        self.endpoints: dict[str, Handler] = {}  # by path, as route() made them

    # ------------------------------------------------------------ what every route does

    def route(self, path: str, handlers: dict[str, tuple[Handler, str | None]]) -> Route:
        """The route ``path``, each method answered by its handler for a token with its
        scope (None: anyone), every failure a problem. One route per path, so that a
        method it lacks gets 405 with every method it has in ``Allow``."""
        async def endpoint(request: Request) -> Response:
            request.scope["footcore.route"] = path
            run, scope = handlers[request.method if request.method != "HEAD" else "GET"]
            try:
                if scope is not None:
                    request.scope["footcore.sender"] = self._allow(request, scope)
                return await run(request)
            except Problem as problem:
                return answer(problem, request.url.path)
            except FootcoreError as exc:
                return answer(from_error(exc, parsed=True, location=self.store.location),
                                request.url.path)
        self.endpoints[path] = endpoint
        return Route(path, endpoint, methods=list(handlers), name=path)

    def _allow(self, request: Request, scope: str) -> str:
        """The name of the request's token, when it has ``scope`` (:data:`INSECURE` for a
        server without tokens).

        Raises:
            Problem: 401 without a token the server knows; 403 when it lacks ``scope``.
        """
        if self.tokens is None:
            self._local(request)
            return INSECURE
        kind, _, presented = request.headers.get("authorization", "").partition(" ")
        token = (self.tokens.find(presented.strip())
                 if kind.lower() == "bearer" and presented.strip() else None)
        if token is None:
            raise Problem(401, "unauthorized", "a bearer token is needed: Authorization: "
                                               "Bearer TOKEN",
                          headers={"WWW-Authenticate": 'Bearer realm="footcore"'})
        if scope not in token.scopes:
            raise Problem(403, "forbidden", f"this token lacks the scope {scope!r}",
                          headers={"WWW-Authenticate": f'Bearer scope="{scope}", '
                                                       f'error="insufficient_scope"'})
        return token.name

    def claim(self, request: Request, role: Role | None) -> None:
        """Refuse a change that claims ``role`` from a token without its scope (403): a
        coach's or clinician's needs theirs, an operator's ``admin``, so that an app's token
        cannot record a change as theirs."""
        scope = _CLAIMED.get(role) if role is not None else None
        if scope is not None:
            self._allow(request, scope)

    def _local(self, request: Request) -> None:
        """Without tokens, answer only this machine's programs: not a page of another
        origin in a browser (a form's POST needs no CORS preflight), nor one that reached
        the server through its own name rebound to a loopback address (DNS rebinding).

        Raises:
            Problem: 403 for a request from such a page.
        """
        origin = request.headers.get("origin")
        if (origin is not None and origin not in self.cors_origins) or not is_loopback(
                request.url.hostname or ""):
            raise Problem(403, "forbidden", "a server without tokens (--insecure) answers "
                                            "only requests sent to a loopback address, and "
                                            "from a browser only those from a --cors-origin")

    @staticmethod
    def sender(request: Request) -> str:
        """Who sent the request, recorded as ``by`` in what it changes: its token's name."""
        name: str = request.scope["footcore.sender"]
        return name

    async def body(self, request: Request) -> Any:
        """The request's JSON body, read up to the limit.

        Raises:
            Problem: 413 past the limit; 400 when it is not JSON within footcore's limits.
        """
        return self.parsed(await self.raw(request))

    @staticmethod
    def parsed(raw: bytes) -> Any:
        """``raw`` read as JSON (400 when it is not JSON within footcore's limits)."""
        with _bad_request():
            return parse_json(raw, "request body")

    async def raw(self, request: Request) -> bytes:
        """The request's body, read up to the limit (413 past it)."""
        declared = request.headers.get("content-length", "")
        too_big = Problem(413, "body-too-large", f"the body is over {self.max_body} bytes; "
                                                 f"accepted: at most {self.max_body}")
        if declared.isdigit() and int(declared) > self.max_body:
            raise too_big
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.max_body:
                raise too_big
            chunks.append(chunk)
        return b"".join(chunks)

    async def call(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``work(*args, **kwargs)`` in a worker thread, within the timeout.

        Raises:
            Problem: 503 past the timeout. The work goes on in its thread.
        """
        return await self._within(self.threads, partial(work, *args, **kwargs))

    async def write(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``work(*args, **kwargs)``, a short write to the store, in a writer thread (on
        SQLite with the writes queued beside it), within the timeout.

        Raises:
            Problem: 503 past the timeout. The write goes on in its thread: a check-in may
                still be recorded, and its retry (same id) gets the decision once it is.
        """
        return await self._within(self.writers, partial(work, *args, **kwargs))

    async def _within(self, threads: Threads, job: Callable[[], Any]) -> Any:
        try:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # trio's, through anyio (test_service_fast_paths.py)
                with anyio.fail_after(self.timeout):
                    return await anyio.to_thread.run_sync(job, abandon_on_cancel=True)
            async with asyncio.timeout(self.timeout):
                return await threads.run(loop, job)
        except TimeoutError:
            raise Problem(503, "request-timeout", f"no answer within {self.timeout:g} s; "
                                                  f"retry the same request later",
                          headers={"Retry-After": "1"}) from None

    @staticmethod
    def athlete(request: Request) -> str:
        """The athlete id in the path.

        Raises:
            Problem: when it is not an id: 400 when the document's ``Id`` refuses it too,
                else 422 (an id beyond ASCII that breaks the rules of ids).
        """
        given = request.path_params["athlete_id"]
        with _against(given, "Id"):
            return normal_id(given, "athlete_id")

    @staticmethod
    def number(request: Request, name: str, default: int, low: int, high: int) -> int:
        """The whole number in query parameter ``name``, ``low`` to ``high``."""
        text = request.query_params.get(name)
        if text is None:
            return default
        number = _whole(text)
        if number is None or not low <= number <= high:
            raise Problem(400, "invalid-input", f"{name}: got {text[:40]!r}; accepted: a "
                                                f"whole number from {low} to {high}",
                          field=name)
        return number

    async def read(self, request: Request, kind: type[Any]) -> Any:
        """The body read into the model ``kind`` (:func:`_against` when it does not fit: its
        schema is the model's). A body :func:`from_json`'s fast path vouches for is read by
        it, in a third of the time of parsing and structuring it (benchmarks/bench_serve.py
        --parts, "body: the fast reader"); any other takes the general path, which says
        what is wrong with it."""
        raw = await self.raw(request)
        made = read(raw, kind)
        if made is not None:
            return made
        data = self.parsed(raw)
        with _against(data, kind.__name__):
            return from_dict(data, kind)

    async def spec(self, request: Request, spec: Any, what: str, schema: str
                   ) -> dict[str, Any]:
        """The body read as ``spec`` says (:func:`._requests.fields`; :func:`_against`
        against the document's ``schema`` when it does not fit)."""
        data = await self.body(request)
        with _against(data, schema):
            return fields(data, spec, what)

    def decided(self, decision: Decision, status: int, *, new: bool = True) -> Response:
        """The decision as the answer, counted in the metrics when ``new`` (a retry's
        stored decision is not made again)."""
        if new:
            self.metrics.decision(decision.action.value)
        return _model(decision, status)

    async def _page(self, athlete_id: str, after: int, limit: int) -> tuple[Decision, ...]:
        """The athlete's decisions after the first ``after``, at most ``limit``: only those
        are read (404 for an athlete not in the store)."""
        def read() -> tuple[Decision, ...]:
            found = self.store.decisions(athlete_id, after=after, limit=limit)
            if not found:  # no athlete, or none of their records there
                self.store.state(athlete_id)
            return found
        page: tuple[Decision, ...] = await self.call(read)
        return page

    async def _record(self, request: Request) -> Decision:
        """The decision the path names by its record number (1 first)."""
        athlete_id = self.athlete(request)
        text = request.path_params["record"]
        number = _whole(text)
        found = (await self._page(athlete_id, number - 1, 1)
                 if number is not None and 1 <= number <= _LAST else ())
        if not found:
            raise Problem(404, "record-not-found", f"athlete {athlete_id!r} has no record "
                                                   f"{text[:20]!r}; accepted: a record "
                                                   f"number from 1 to their last",
                          field="record")
        return found[0]

    # ------------------------------------------------------------ the routes

    async def add_athlete(self, request: Request) -> Response:
        given = await self.spec(request, NEW_ATHLETE, "a new athlete", "NewAthlete")
        state = self.engine.new_athlete(  # the body fits: a refusal here is a rule's (422)
            given["id"], goal=given["goal"], start=given["start"],
            prior_foot_ankle_problems=given.get("prior_foot_ankle_problems", False),
            clinician_cleared=given.get("clinician_cleared", False))
        await self.write(self.store.add_athlete, state, self.engine)
        return _model(state, 201, {"Location": _athlete_path(state.athlete_id)})

    async def state(self, request: Request) -> Response:
        state = await self.call(self.store.state, self.athlete(request))
        return _model(state)

    async def plan(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        plan = await self.call(lambda: self.engine.plan(
            on_rulebook(self.engine, self.store.state(athlete_id))))
        return _model(plan)

    async def check_in(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        checkin = await self.read(request, CheckIn)

        decision, new = await self.write(self.store.record_check_in, self.engine, athlete_id,
                                        checkin, by=self.sender(request), role=Role.APP)
        return self.decided(decision, 201 if new else 200, new=new)

    async def decisions(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        after = self.number(request, "after", 0, 0, _LAST)
        limit = self.number(request, "limit", _PAGE, 1, _MOST_PAGE)
        page = await self._page(athlete_id, after, limit + 1)  # one more: is there a next?
        more = len(page) > limit
        page = page[:limit]
        following = (f"{_athlete_path(athlete_id)}/decisions?after={after + limit}"
                     f"&limit={limit}") if more else None
        items = ",".join(f'{{"record":{after + n},"decision":{to_json(d)}}}'
                         for n, d in enumerate(page, 1))
        return Response(f'{{"records":[{items}],"next":{json.dumps(following)}}}',
                        media_type="application/json")

    async def decision(self, request: Request) -> Response:
        return _model(await self._record(request))

    async def explanation(self, request: Request) -> Response:
        return _json(explain(await self._record(request), format="dict"))

    async def evaluate(self, request: Request) -> Response:
        data = await self.body(request)
        with _against(data, "Evaluation"):
            state, checkin = read_evaluation(data)
        try:  # a state another rulebook made would be decided silently under this one
            check_made_under(self.engine.rulebook, state)
        except InputError as exc:  # the client's state: 422 (a store's athlete's is 503)
            field = "$.state.rulebook_digest"
            raise Problem(422, exc.code, f"{field}: {str(exc).partition(': ')[2]}",
                          field=field) from None
        return self.decided(await self.call(self.engine.evaluate, state, checkin), 200)

    async def override(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        given = await self.spec(request, OVERRIDE, "an override", "Override")
        self.claim(request, given["role"])  # only a clinician's token clears
        on: date = given.pop("on")
        decision, new = await self.write(self.store.record_override, self.engine, athlete_id,
                                        on=on, **given)
        return self.decided(decision, 201 if new else 200, new=new)

    async def change_goal(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        given = await self.spec(request, GOAL_CHANGE, "a goal change", "GoalChange")
        goal, on = given.pop("goal"), given.pop("on")
        self.claim(request, given.get("role"))
        if given.get("by") is None:  # the app changed it: its token says which app
            given["by"] = self.sender(request)
            given["role"] = given.get("role") or Role.APP
        decision, new = await self.write(self.store.record_goal_change, self.engine,
                                        athlete_id, goal, on=on, **given)
        return self.decided(decision, 201 if new else 200, new=new)

    async def export(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        data = await self.call(self.store.export_athlete, athlete_id)
        data["source"] = _athlete_path(athlete_id)  # not the store's location
        return _json(data)

    async def erase(self, request: Request) -> Response:
        athlete_id = self.athlete(request)
        query = request.query_params
        with _bad_request():
            reason = _ERASURE_REASON(query.get("reason"), "reason")
            comment = optional(words)(query.get("comment"), "comment")
        receipt: ErasureReceipt = await self.call(
            self.store.erase, athlete_id, by=self.sender(request), role=Role.OPERATOR,
            reason=reason, comment=comment)
        return _json({**attrs.asdict(receipt), "erased_on": receipt.erased_on.isoformat()})

    async def rulebook(self, request: Request) -> Response:
        book = self.engine.rulebook
        return _json({"id": book.id, "version": book.version, "digest": book.digest,
                      "unsafe": list(book.unsafe), "backend": self.engine.backend,
                      "stages": [{"id": s.id, "order": s.order, "name": s.name,
                                  "intent": s.intent} for s in book.stages]})

    async def verify(self, request: Request) -> Response:
        report = await self.call(self.store.verify)
        return _json({"ok": report.ok, "athletes": report.athletes, "records": report.records,
                      "problems": [{"athlete_id": p.athlete_id, "record": p.seq + 1
                                    if p.seq is not None else None, "kind": p.kind}
                                   for p in report.problems]})

    async def healthz(self, request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(self, request: Request) -> Response:
        def probe() -> None:
            with suppress(NotFound):  # no such athlete: the store answered, so it is reachable
                self.store.state("readyz")
        await self.call(probe)
        return _json({"status": "ready"})

    async def metrics_text(self, request: Request) -> Response:
        return PlainTextResponse(self.metrics.text(),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    async def openapi_document(self, request: Request) -> Response:
        return _json(openapi())

    def routes(self) -> list[Route]:
        athlete = "/v1/athletes/{athlete_id}"
        table: list[tuple[str, str, Handler, str | None]] = [
            ("POST", "/v1/athletes", self.add_athlete, "write"),
            ("GET", athlete, self.state, "read"),
            ("DELETE", athlete, self.erase, "admin"),
            ("GET", f"{athlete}/export", self.export, "admin"),
            ("GET", f"{athlete}/plan", self.plan, "read"),
            ("POST", f"{athlete}/checkins", self.check_in, "write"),
            ("GET", f"{athlete}/decisions", self.decisions, "read"),
            ("GET", f"{athlete}/decisions/{{record}}", self.decision, "read"),
            ("GET", f"{athlete}/decisions/{{record}}/explain", self.explanation, "read"),
            ("POST", f"{athlete}/overrides", self.override, "write"),
            ("POST", f"{athlete}/goal", self.change_goal, "write"),
            ("POST", "/v1/evaluate", self.evaluate, "read"),
            ("GET", "/v1/rulebook", self.rulebook, "read"),
            ("POST", "/v1/verify", self.verify, "admin"),
            ("GET", "/healthz", self.healthz, None),
            ("GET", "/readyz", self.readyz, None),
            ("GET", "/metrics", self.metrics_text, None),
            ("GET", "/openapi.json", self.openapi_document, None),
        ]
        paths: dict[str, dict[str, tuple[Handler, str | None]]] = {}
        for method, path, run, scope in table:
            paths.setdefault(path, {})[method] = run, scope
        return [self.route(path, handlers) for path, handlers in paths.items()]


async def _refused(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such route, method not allowed) as problems."""
    assert isinstance(exc, HTTPException)
    code = {404: "route-not-found", 405: "method-not-allowed"}.get(exc.status_code,
                                                                    "bad-request")
    return answer(Problem(exc.status_code, code, str(exc.detail), headers=exc.headers),
                    request.url.path)


def create_app(store: Store, engine: Engine, tokens: Tokens | None, *,
               max_body: int = MAX_BODY, timeout: float = TIMEOUT,
               cors_origins: tuple[str, ...] = (),
               on_shutdown: Callable[[], None] | None = None) -> Starlette:
    """The ASGI application of ``footcore serve`` over ``store``, deciding with ``engine``.

    Args:
        store: the store of athletes; the application shares it among its threads.
        engine: the engine whose rulebook decides.
        tokens: the bearer tokens accepted (:func:`read_tokens`); ``None`` accepts every
            request with every scope: only for a server on a loopback address (a request
            to another name, or from a browser page of an origin not in ``cors_origins``,
            gets 403).
        max_body: the largest request body read, in bytes; a larger one gets 413.
        timeout: how long a request waits for the engine and the store, in seconds; 503
            past it.
        cors_origins: the origins a browser may call from (CORS is off without any).
        on_shutdown: called when the server stops (to close the store it opened).
    """
    metrics = Metrics()
    service = _Service(store, engine, tokens, max_body=max_body, timeout=timeout,
                       metrics=metrics, cors_origins=cors_origins)
    middleware = [Middleware(Logged, metrics=metrics)]
    if cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(cors_origins),
                                     allow_methods=["GET", "POST", "DELETE"],
                                     allow_headers=["Authorization", "Content-Type"],
                                     expose_headers=["Location", "Retry-After",
                                                     "WWW-Authenticate"]))
    middleware.append(Middleware(Answered))
    routes = service.routes()
    middleware.append(Middleware(CheckIns,
                                 endpoint=service.endpoints["/v1/athletes/{athlete_id}/checkins"]))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        service.threads.stop()
        service.writers.stop()
        if on_shutdown is not None:
            on_shutdown()

    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                     exception_handlers={HTTPException: _refused})
