"""The service's OpenAPI 3.1 document, built from the JSON Schemas footcore ships
(``footcore/schemas/*.json``), so each model has one schema: the check-in, athlete state and
decision files and their definitions become ``components.schemas``; the bodies that are not
models (a new athlete, an override...) point into them for each field they share. Every id
is the schema ``Id``: the shipped schemas' (printable ASCII), or text beyond ASCII, which the
rules of ids then judge.

:func:`conforms` tells a request the document refuses (400) from one it takes that a rule
then refuses (422).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .._enums import REASONS, RULE_ACTIONS, ChangeKind, Goal, Role
from .._limits import limit
from .._schema import SCHEMA_TYPES, schema_file
from .._validators import _ID_SCHEMA
from .._version import __version__

__all__ = ["conforms", "openapi"]

_REF = "#/components/schemas/"


def _is_id(node: Any) -> bool:
    """Whether ``node`` is the shipped schemas' schema of an id (``Change.by``'s says
    the id's pattern alone)."""
    return isinstance(node, dict) and any(
        isinstance(part, dict) and part.get("pattern") == _ID_SCHEMA["pattern"]
        for part in [node, *node.get("allOf", ())])


def _refs(node: Any) -> Any:
    """``node`` with every ``#/$defs/X`` reference made ``#/components/schemas/X``, and
    every id's schema a reference to ``Id``."""
    if _is_id(node):
        return _ref("Id")
    if isinstance(node, dict):
        return {key: (value.replace("#/$defs/", _REF) if key == "$ref" else _refs(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_refs(value) for value in node]
    return node


def _models() -> dict[str, Any]:
    """The shipped schemas' models by name, each once.

    Raises:
        ValueError: two files define one model differently.
    """
    found: dict[str, Any] = {}
    for name, model in SCHEMA_TYPES.items():
        document = json.loads(schema_file(name).read_text(encoding="utf-8"))
        defs = document.pop("$defs", {})
        document.pop("$schema", None)
        for key, schema in [(model.__name__, document), *defs.items()]:
            schema = _refs(schema)
            schema.pop("title", None)
            if found.setdefault(key, schema) != schema:
                raise ValueError(f"schemas: {key} is defined differently in {name}.json")
    return dict(sorted(found.items()))


def _ref(name: str, *path: str) -> dict[str, str]:
    return {"$ref": _REF + "/".join([name, *path])}


def _id() -> dict[str, Any]:
    """The schema of an id: the shipped schemas' (printable ASCII), or text beyond ASCII."""
    shipped = json.loads(schema_file("athlete-state").read_text(encoding="utf-8"))
    return {"anyOf": [shipped["properties"]["athlete_id"], {
        "type": "string", "minLength": 1, "maxLength": limit("id_length"),
        "pattern": "[^\\x00-\\x7f]",
        "description": "An id beyond ASCII: the rules of ids hold (printable, the first and "
                       "last character visible, Unicode NFC), which this schema cannot "
                       "state; the service refuses an id that breaks them with 422."}]}


def _object(properties: dict[str, Any], required: list[str],
            description: str = "") -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required,
              "additionalProperties": False}
    return {"description": description, **schema} if description else schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_BY = _ref("Change", "properties", "by")
_COMMENT = _ref("Change", "properties", "comment")
_DAY = _ref("Change", "properties", "on")
_BOOL = {"type": "boolean"}


def _bodies() -> dict[str, Any]:
    """The schemas of the requests and answers that are not models."""
    goal = {"type": "string", "enum": [g.value for g in Goal]}
    return {
        "NewAthlete": _object({
            "id": {"allOf": [_ref("Id"),
                             {"pattern": "^[^/]*$", "description": "no '/', which a URL "
                                                                   "path cannot hold"}]},
            "goal": goal,
            "start": _DAY, "prior_foot_ankle_problems": _BOOL, "clinician_cleared": _BOOL},
            ["id", "goal", "start"], "An athlete to add, starting on the first rung."),
        "Evaluation": _object({"state": _ref("AthleteState"), "checkin": _ref("CheckIn")},
                              ["state", "checkin"]),
        "Override": _object({
            "on": _DAY, "by": _ref("Id"),
            "role": {"type": "string", "enum": [Role.COACH.value, Role.CLINICIAN.value]},
            "reason": {"type": "string", "enum": list(REASONS[ChangeKind.OVERRIDE])},
            "action": _nullable({"type": "string", "enum": [a.value for a in RULE_ACTIONS]}),
            "clearance": _nullable(_BOOL), "comment": _COMMENT},
            ["on", "by", "role", "reason"],
            "A coach's or clinician's action in place of the rules' (docs/changes.md)."),
        "GoalChange": _object({
            "goal": goal, "on": _DAY, "by": _BY,
            "role": _nullable({"type": "string", "enum": [r.value for r in Role]}),
            "reason": _nullable({"type": "string", "enum": list(REASONS[ChangeKind.GOAL])}),
            "comment": _COMMENT}, ["goal", "on"]),
        "DecisionPage": _object({
            "records": {"type": "array", "items": _object(
                {"record": {"type": "integer", "minimum": 1}, "decision": _ref("Decision")},
                ["record", "decision"])},
            "next": _nullable({"type": "string"})}, ["records", "next"],
            "Records after the page's start, oldest first; next is the following page."),
        "Explanation": {"type": "object", "description": "footcore.explain(decision, "
                        "format='dict'): the action, the week before and after, the rules "
                        "that won and lost, why not, the plan's changes."},
        "Rulebook": _object({
            "id": {"type": "string"}, "version": {"type": "string"},
            "digest": {"type": "string"}, "backend": {"type": "string"},
            "unsafe": {"type": "array", "items": {"type": "string"}},
            "stages": {"type": "array", "items": _object(
                {"id": {"type": "string"}, "order": {"type": "integer"},
                 "name": {"type": "string"}, "intent": {"type": "string"}},
                ["id", "order", "name", "intent"])}},
            ["id", "version", "digest", "backend", "unsafe", "stages"]),
        "VerifyReport": _object({
            "ok": _BOOL, "athletes": {"type": "integer"}, "records": {"type": "integer"},
            "problems": {"type": "array", "items": _object(
                {"athlete_id": _nullable({"type": "string"}),
                 "record": _nullable({"type": "integer"}), "kind": {"type": "string"}},
                ["athlete_id", "record", "kind"])}},
            ["ok", "athletes", "records", "problems"]),
        "Status": _object({"status": {"type": "string"}}, ["status"]),
        "Problem": _object({
            "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"}, "instance": {"type": "string"},
            "code": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"},
            "field": {"type": "string"}},
            ["type", "title", "status", "detail", "instance", "code"],
            "RFC 9457 problem details; code is footcore's stable error code "
            "(docs/errors.md), field the path of the field at fault."),
    }


_REASONS = {400: "the request does not match this document: not JSON, a field missing, "
                 "unknown, of the wrong type or out of its range",
            401: "no valid token", 403: "the token lacks the scope",
            404: "no such athlete or record", 409: "a conflict with what is recorded",
            413: "the body is too large",
            422: "the request matches this document, but a rule it cannot state refuses it: "
                 "one that compares a field with another or with what is recorded, or the "
                 "rules of an id beyond ASCII (the detail says which)",
            500: "the server failed: a bug, or the store's records are damaged; nothing of "
                 "the server's internals is said",
            503: "the store is down or slow, or the server decides with another rulebook "
                 "than the athlete's; retry after Retry-After seconds"}
_HEADERS = {
    401: {"WWW-Authenticate": "Bearer realm=\"footcore\""},
    403: {"WWW-Authenticate": "Bearer scope=\"SCOPE\", error=\"insufficient_scope\""},
    503: {"Retry-After": "seconds to wait before retrying"},
}


# A request body of each kind, as docs/service.md shows them: for clients to read, and for
# Schemathesis's examples phase to send.
_EXAMPLES = {
    "NewAthlete": {"id": "a-17", "goal": "runner", "start": "2026-01-05"},
    "CheckIn": {"id": "c-1", "on": "2026-01-07", "completed": True, "minutes": 16},
    "Override": {"on": "2026-01-09", "by": "coach:maria", "role": "coach", "reason": "travel",
                 "action": "hold", "comment": "away until the 20th"},
    "GoalChange": {"goal": "strength", "on": "2026-01-12", "by": "coach:maria",
                   "role": "coach", "reason": "season-change"},
}


def _headers(headers: dict[str, str]) -> dict[str, Any]:
    """Response headers the answer always carries, each a non-empty string."""
    return {name: {"description": description, "required": True,
                   "schema": {"type": "string", "minLength": 1}}
            for name, description in headers.items()}


def _operation(summary: str, answer: tuple[int, str | None], problems: tuple[int, ...], *,
               body: str | None = None, scope: str | None = None,
               params: tuple[str, ...] = (),
               headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An operation answering ``answer`` (status, schema; None: text) with ``headers``, or
    problem details of the statuses ``problems``, and of those every operation can send: 500
    for any, 401, 403 and 503 for one that needs a token, 400, 413 and 422 for one with a
    body, 400, 404 and 422 for one on an athlete."""
    status, schema = answer
    content = ({"application/json": {"schema": _ref(schema)}} if schema
               else {"text/plain": {"schema": {"type": "string"}}})
    responses: dict[str, Any] = {str(status): {"description": summary, "content": content}}
    if headers:
        responses[str(status)]["headers"] = _headers(headers)
    if status == 201 and schema == "Decision":
        responses["200"] = {"description": "a retry: the decision stored for this check-in "
                                           "id, or for the same change asked again right "
                                           "after it", "content": content}
    every = {500, *((401, 403, 503) if scope else ()), *((400, 413, 422) if body else ()),
             *((400, 404, 422) if "athlete_id" in params else ())}
    for code in sorted({*problems, *every}):
        responses[str(code)] = {"description": _REASONS[code], "content": {
            "application/problem+json": {"schema": _ref("Problem")}}}
        if code in _HEADERS:
            responses[str(code)]["headers"] = _headers(_HEADERS[code])
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        operation["parameters"] = [_PARAMS[name] for name in params]
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref(body), **({"example": _EXAMPLES[body]} if body in _EXAMPLES
                                     else {})}}}
    operation["security"] = [{"bearer": [scope]}] if scope else []
    return operation


_PARAMS = {
    "athlete_id": {"name": "athlete_id", "in": "path", "required": True,
                   "schema": _ref("Id"), "example": "a-17"},
    "record": {"name": "record", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1}},
    "after": {"name": "after", "in": "query",
              "schema": {"type": "integer", "minimum": 0, "maximum": 2**53}},
    "limit": {"name": "limit", "in": "query",
              "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    "reason": {"name": "reason", "in": "query", "required": True,
               "schema": {"type": "string", "enum": list(REASONS[ChangeKind.ERASURE])}},
    "comment": {"name": "comment", "in": "query", "schema": _COMMENT},
}


_HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _athlete_data() -> dict[str, Any]:
    """The schemas of one athlete's data as a whole: the export and the erasure's
    receipt."""
    return {
        "AthleteExport": _object({
            "athlete_id": _ref("AthleteState", "properties", "athlete_id"),
            "format": {"type": "integer", "const": 1}, "head": _HASH,
            "records": {"type": "array", "items": _object(
                {"seq": {"type": "integer", "minimum": 0}, "prev": _HASH, "hash": _HASH,
                 "decision": _ref("Decision")}, ["seq", "prev", "hash", "decision"])},
            "source": {"type": "string"}, "state": _ref("AthleteState")},
            ["athlete_id", "format", "head", "records", "source", "state"],
            "Everything the store holds about the athlete (GDPR Art. 20): the state and "
            "every record of the chain with its hashes; source is the athlete's path."),
        "ErasureReceipt": _object({
            "digest": _HASH, "erased_on": _DAY, "by": {"type": "string"},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "reason": {"type": "string", "enum": list(REASONS[ChangeKind.ERASURE])},
            "comment": _nullable({"type": "string"}),
            "records": {"type": "integer", "minimum": 0}, "head": _nullable(_HASH),
            "hash": _HASH, "redacted": {"type": "array", "items": {"type": "integer"}}},
            ["digest", "erased_on", "by", "role", "reason", "comment", "records", "head",
             "hash", "redacted"],
            "What the erasure did, as the athlete's tombstone records it: digest stands "
            "for the id (docs/erasure.md)."),
    }


@cache
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service."""
    athlete = "/v1/athletes/{athlete_id}"
    one = ("athlete_id",)
    record = ("athlete_id", "record")
    paths = {
        "/v1/athletes": {"post": _operation(
            "Add an athlete; the answer is their state", (201, "AthleteState"), (400, 409),
            body="NewAthlete", scope="write", headers={"Location": "the athlete's path"})},
        athlete: {"get": _operation("The athlete's current state", (200, "AthleteState"),
                                    (400, 404), scope="read", params=one)},
        f"{athlete}/plan": {"get": _operation("The athlete's week as it stands",
                                              (200, "WeekPlan"), (400, 404), scope="read",
                                              params=one)},
        f"{athlete}/checkins": {"post": _operation(
            "Record a check-in and the decision on it; a retry with the same id and "
            "content gets the stored decision (200), other content 409",
            (201, "Decision"), (400, 404, 409, 413, 422), body="CheckIn", scope="write",
            params=one)},
        f"{athlete}/decisions": {"get": _operation(
            "The athlete's decisions, a page at a time", (200, "DecisionPage"), (400, 404),
            scope="read", params=(*one, "after", "limit"))},
        f"{athlete}/decisions/{{record}}": {"get": _operation(
            "One decision, by record number (1 first)", (200, "Decision"), (400, 404),
            scope="read", params=record)},
        f"{athlete}/decisions/{{record}}/explain": {"get": _operation(
            "The decision explained, as data", (200, "Explanation"), (400, 404),
            scope="read", params=record)},
        f"{athlete}/overrides": {"post": _operation(
            "A coach or clinician sets the action", (201, "Decision"),
            (400, 404, 409, 413, 422), body="Override", scope="write", params=one)},
        f"{athlete}/goal": {"post": _operation(
            "The athlete trains for another goal", (201, "Decision"), (400, 404, 413, 422),
            body="GoalChange", scope="write", params=one)},
        "/v1/evaluate": {"post": _operation(
            "Decide on a check-in from a state given; nothing is stored", (200, "Decision"),
            (400, 409, 413, 422), body="Evaluation", scope="read")},
        "/v1/rulebook": {"get": _operation("The rulebook the service decides with",
                                           (200, "Rulebook"), (), scope="read")},
        "/v1/verify": {"post": _operation("Verify every athlete's chain in the store",
                                          (200, "VerifyReport"), (), scope="admin")},
        "/healthz": {"get": _operation("The server is up", (200, "Status"), ())},
        "/readyz": {"get": _operation("The store can be reached", (200, "Status"), (503,))},
        "/metrics": {"get": _operation("Metrics in the Prometheus text format", (200, None),
                                       ())},
    }
    # One athlete's data as a whole, for an operator: the export and the erasure.
    paths[athlete]["delete"] = _operation(
        "Erase the athlete (GDPR Art. 17); a tombstone stays; the answer is its receipt",
        (200, "ErasureReceipt"), (400, 404), scope="admin", params=(*one, "reason", "comment"))
    paths[f"{athlete}/export"] = {"get": _operation(
        "Everything the store holds about the athlete (GDPR Art. 20), verified first",
        (200, "AthleteExport"), (400, 404), scope="admin", params=one)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "footcore", "version": __version__,
                 "description": "footcore serve: athletes, check-ins and decisions over a "
                                "footcore store (docs/service.md)."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {"schemas": {**_models(), "Id": _id(), **_bodies(), **_athlete_data()},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


@cache
def _validator(name: str) -> Draft202012Validator:
    resource = DRAFT202012.create_resource(openapi())
    registry: Registry[Any] = Registry().with_resource("urn:footcore:openapi", resource)
    return Draft202012Validator({"$ref": f"urn:footcore:openapi#/components/schemas/{name}"},
                                registry=registry, format_checker=FormatChecker())


def conforms(data: object, name: str) -> bool:
    """Whether ``data`` is valid against the document's schema ``name``, its dates checked
    as dates. Asked only of a request the service refused, to say why: for its form (400),
    or by a rule the document cannot state (422)."""
    return bool(_validator(name).is_valid(data))
