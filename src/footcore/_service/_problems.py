"""What the service answers when it cannot do what was asked: RFC 9457 problem details
(``application/problem+json``) carrying the library's stable error ``code`` and the path of
the field at fault, never a traceback or a name of the server's internals.

:class:`Problem` is raised inside the service; :func:`from_error` turns a
:class:`~footcore.FootcoreError` into one with the status a client expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from .._errors import Conflict, FootcoreError, InputError, NotFound
from .._store import StoreError

__all__ = ["MEDIA_TYPE", "Problem", "from_error"]

MEDIA_TYPE = "application/problem+json"
_TYPE = "https://github.com/footcore/footcore/blob/main/docs/errors.md"
# Codes whose library message names the store's location or a Python call: said here instead.
_SAID = {
    "store-unreachable": "the store cannot be reached; retry later",
    "store-busy": "the store stayed busy; retry later",
    "store-io": "the store's disk failed; retry the same request (same check-in id) later",
    "store-readonly": "the store is read-only here",
    "store-damaged": "the store's records for this request are damaged; an operator must "
                     "verify it",
    "store-unscrubbed": "the athlete is erased, but copies of their rows may be left in "
                        "the store's files until the next erasure scrubs them; an operator "
                        "must look at its log",
    "athlete-not-found": "no athlete with this id; POST /v1/athletes adds one",
    "athlete-exists": "an athlete with this id exists already; accepted: a new id",
}
_UNAVAILABLE = frozenset({"store-unreachable", "store-busy", "store-io"})


class Problem(Exception):
    """An answer other than success: ``status``, ``code`` (docs/errors.md), ``detail`` for
    people, ``field`` (the path of the field at fault in the request) where one is."""

    def __init__(self, status: int, code: str, detail: str, *, field: str | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.headers = dict(headers or {})

    def document(self, instance: str) -> dict[str, Any]:
        """The problem details object for the request at path ``instance``."""
        body: dict[str, Any] = {"type": f"{_TYPE}#{self.code}", "title":
                                HTTPStatus(self.status).phrase, "status": self.status,
                                "detail": self.detail, "instance": instance,
                                "code": self.code}
        if self.field is not None:
            body["field"] = self.field
        return body


def from_error(exc: FootcoreError, *, parsed: bool, location: str = "") -> Problem:
    """The problem a client is told for ``exc``. ``parsed`` is True once the request
    matches the OpenAPI document (its body was read, or the document's schema takes it): an
    :class:`InputError` then is a rule refusing it (422), before then bad input (400).
    ``location`` (the store's) is never shown."""
    field = exc.field
    detail = str(exc).replace(location, "the store") if location else str(exc)
    if isinstance(exc, StoreError):
        status = 503 if exc.code in _UNAVAILABLE else 500
        return Problem(status, exc.code, _SAID.get(exc.code, "the store failed; retry "
                                                             "later"),
                       headers={"Retry-After": "1"} if status == 503 else None)
    detail = _SAID.get(exc.code, detail)
    if exc.code == "rulebook-mismatch" and parsed:  # the deployment's fault, not the client's
        return Problem(503, exc.code, "the server decides with another rulebook than the "
                                      "athlete's: an operator must upgrade the store or "
                                      "restart the server with its rulebook",
                       headers={"Retry-After": "60"})
    if isinstance(exc, NotFound):
        return Problem(404, exc.code, detail, field=field)
    if isinstance(exc, Conflict):  # DuplicateCheckIn and CheckInConflict are ones
        return Problem(409, exc.code, detail, field=field)
    if isinstance(exc, InputError):
        return Problem(422 if parsed else 400, exc.code, detail, field=field)
    return Problem(500, exc.code, "the server could not decide; an operator must look at "
                                  "its log")
