"""The service's OpenAPI 3.1 document, built from the JSON Schemas footcore ships
(``footcore/schemas/*.json``), so each model has one schema: the check-in, athlete state and
decision files and their definitions become ``components.schemas``; the bodies that are not
models (a new athlete, an override...) point into them for each field they share.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .._enums import REASONS, RULE_ACTIONS, ChangeKind, Goal, Role
from .._schema import SCHEMA_TYPES, schema_file
from .._version import __version__

__all__ = ["openapi"]

_REF = "#/components/schemas/"


def _refs(node: Any) -> Any:
    """``node`` with every ``#/$defs/X`` reference made ``#/components/schemas/X``."""
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


def _object(properties: dict[str, Any], required: list[str],
            description: str = "") -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required,
              "additionalProperties": False}
    return {"description": description, **schema} if description else schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_TEXT = {"type": "string", "maxLength": 2000, "pattern": r"\S"}
_DAY = _ref("Change", "properties", "on")
_BOOL = {"type": "boolean"}


def _bodies() -> dict[str, Any]:
    """The schemas of the requests and answers that are not models."""
    goal = {"type": "string", "enum": [g.value for g in Goal]}
    return {
        "NewAthlete": _object({
            "id": _ref("AthleteState", "properties", "athlete_id"), "goal": goal,
            "start": _DAY, "prior_foot_ankle_problems": _BOOL, "clinician_cleared": _BOOL},
            ["id", "goal", "start"], "An athlete to add, starting on the first rung."),
        "Evaluation": _object({"state": _ref("AthleteState"), "checkin": _ref("CheckIn")},
                              ["state", "checkin"]),
        "Override": _object({
            "on": _DAY, "by": _TEXT,
            "role": {"type": "string", "enum": [Role.COACH.value, Role.CLINICIAN.value]},
            "reason": {"type": "string", "enum": list(REASONS[ChangeKind.OVERRIDE])},
            "action": _nullable({"type": "string", "enum": [a.value for a in RULE_ACTIONS]}),
            "clearance": _nullable(_BOOL), "comment": _nullable(_TEXT)},
            ["on", "by", "role", "reason"],
            "A coach's or clinician's action in place of the rules' (docs/changes.md)."),
        "GoalChange": _object({
            "goal": goal, "on": _DAY, "by": _nullable(_TEXT),
            "role": _nullable({"type": "string", "enum": [r.value for r in Role]}),
            "reason": _nullable({"type": "string", "enum": list(REASONS[ChangeKind.GOAL])}),
            "comment": _nullable(_TEXT)}, ["goal", "on"]),
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
        "Problem": {
            "type": "object", "description": "RFC 9457 problem details; code is footcore's "
            "stable error code (docs/errors.md), field the path of the field at fault.",
            "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                           "status": {"type": "integer"}, "detail": {"type": "string"},
                           "instance": {"type": "string"}, "code": {"type": "string"},
                           "field": {"type": "string"}},
            "required": ["type", "title", "status", "detail", "code"]},
    }


_REASONS = {400: "invalid input", 401: "no valid token", 403: "the token lacks the scope",
            404: "no such athlete or record", 409: "a conflict with what is recorded",
            413: "the body is too large", 422: "a rule refuses the request",
            503: "the store is down"}


def _operation(summary: str, answer: tuple[int, str | None], problems: tuple[int, ...], *,
               body: str | None = None, scope: str | None = None,
               params: tuple[str, ...] = ()) -> dict[str, Any]:
    status, schema = answer
    content = ({"application/json": {"schema": _ref(schema)}} if schema
               else {"text/plain": {"schema": {"type": "string"}}})
    responses: dict[str, Any] = {str(status): {"description": summary, "content": content}}
    if status == 201 and schema == "Decision":
        responses["200"] = {"description": "a retry: the decision stored for this check-in "
                                           "id, or for the same change asked again right "
                                           "after it", "content": content}
    for code in sorted({*problems, *((401, 403, 503) if scope else ())}):
        responses[str(code)] = {"description": _REASONS[code], "content": {
            "application/problem+json": {"schema": _ref("Problem")}}}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        operation["parameters"] = [_PARAMS[name] for name in params]
    if body:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _ref(body)}}}
    operation["security"] = [{"bearer": [scope]}] if scope else []
    return operation


_PARAMS = {
    "athlete_id": {"name": "athlete_id", "in": "path", "required": True,
                   "schema": _ref("AthleteState", "properties", "athlete_id")},
    "record": {"name": "record", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1}},
    "after": {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    "limit": {"name": "limit", "in": "query",
              "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    "reason": {"name": "reason", "in": "query", "required": True,
               "schema": {"type": "string", "enum": list(REASONS[ChangeKind.ERASURE])}},
    "comment": {"name": "comment", "in": "query", "schema": _TEXT},
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
            body="NewAthlete", scope="write")},
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
        "components": {"schemas": {**_models(), **_bodies(), **_athlete_data()},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
