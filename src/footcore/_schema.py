"""JSON Schemas (draft 2020-12) for the documents apps exchange with footcore, generated from
the models: each field's type, the bounds its validator states, and the limits.

The schema accepts what :func:`from_json` accepts, field by field (ids: printable ASCII,
where ``from_json`` takes any printable text); of the rules that tie fields together, those
JSON Schema can state are keywords (if/then), and those that compare one field with another
(a state's dates in order, a decision's plan for its state) are stated in its description
and checked by ``from_json``. The shipped files in ``footcore/schemas/`` are these schemas;
``python -m footcore._schema`` rewrites them.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import typing
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, get_args, get_origin

import attrs

from ._enums import NamedEnum
from ._errors import InputError
from ._limits import (
    EARLIEST_DATE,
    MAX_INT,
    date_range,
    field_limit,
    hints,
    is_id,
    type_hints,
)
from ._models import AthleteState, CheckIn, Decision, Dose, Unmet

__all__ = ["SCHEMA_TYPES", "json_schema", "schema_file"]

SCHEMA_TYPES: dict[str, type] = {"checkin": CheckIn, "athlete-state": AthleteState,
                                 "decision": Decision}
"""The documents a schema is shipped for, by the name ``footcore schema`` takes."""

_RULES = {
    AthleteState: "Besides each field's bounds, rules that tie its fields together: "
                  "backoff_until is a date exactly when backoff is 'deload' or 'rest' (the "
                  "if/then below); no date lies before started_on; last_session_on is on or "
                  "before last_checkin_on, which is then not null; recent_sessions are "
                  "distinct dates in increasing order from started_on to last_session_on, "
                  "which is then not null; recent_checkins have distinct ids and are dated "
                  "from started_on to last_checkin_on, which is then not null.",
    Decision: "Besides each field's bounds, rules that tie its fields together: state and "
              "prior_state have the same athlete_id and the same started_on; plan and "
              "prior_plan have the athlete_id, stage and dose_level of state and "
              "prior_state, and the mode their state is in ('paused' when paused, else "
              "'deload' or 'rest' as its backoff, else 'normal'); state.last_checkin_on is "
              "checkin.on; each firing's fact is 'checkin' or one of the check-in's "
              "symptoms or compensations by index ('symptom[0]', 'compensation[1]'), and its "
              "matched object names fields of that kind of fact, each with a value of the "
              "field's type (a number is read as the field's kind of number: 18.0 as 18, "
              "4 as 4.0); a firing won exactly when its action is the decision's, and "
              "a firing that lost names the decision's action in overridden_by (null for "
              "a winner).",
    Unmet: "Besides each field's bounds: needed is a list exactly when op is 'in' or "
           "'not_in' (the if/then below).",
    Dose: "Besides each field's bounds (the if/thens below): a 'duration' has one rep and a "
          "hold_s of at least 1; an 'instruction' has one set of one rep and no hold.",
}
# The rules above that JSON Schema can state, as keywords of the model's schema.
_CONDITIONS: dict[type, dict[str, Any]] = {
    AthleteState: {
        "if": {"properties": {"backoff": {"enum": ["deload", "rest"]}},
               "required": ["backoff"]},
        "then": {"properties": {"backoff_until": {"type": "string"}},
                 "required": ["backoff_until"]},
        "else": {"properties": {"backoff_until": {"type": "null"}}}},
    Dose: {"allOf": [
        {"if": {"properties": {"form": {"const": "duration"}}, "required": ["form"]},
         "then": {"properties": {"reps": {"const": 1}, "hold_s": {"minimum": 1}},
                  "required": ["hold_s"]}},
        {"if": {"properties": {"form": {"const": "instruction"}}, "required": ["form"]},
         "then": {"properties": {"sets": {"const": 1}, "reps": {"const": 1},
                                 "hold_s": {"const": 0}}}}]},
    Unmet: {
        "if": {"properties": {"op": {"enum": ["in", "not_in"]}}, "required": ["op"]},
        "then": {"properties": {"needed": {"type": "array"}}},
        "else": {"properties": {"needed": {"not": {"type": "array"}}}}},
}
# Fields a converter hook writes in another shape than their type says.
_AS_OBJECT = frozenset({"Firing.matched"})
_EXTRA: dict[str, dict[str, Any]] = {"Decision.backend": {"enum": ["durable", "native"]}}
_PRINTABLE_ASCII = "^[ -~]*$"


def _date_pattern(high: dt.date) -> str:
    """Dates from 1900-01-01 to ``high`` (``format: date`` checks the day of the month)."""
    assert dt.date(1900, 1, 1) == EARLIEST_DATE and 9000 <= high.year < 9100
    day = "(0[1-9]|[12][0-9]|3[01])"
    whole = (high.month, high.day) == (12, 31)  # high's year is a whole year too
    years = "|".join(["19[0-9]{2}", "[2-8][0-9]{3}",
                      *map(str, range(9000, high.year + whole))])
    dates = [rf"({years})-(0[1-9]|1[0-2])-{day}"]
    if not whole:  # high's year up to high: the months before its month, then its days
        if high.month > 1:
            dates.append(rf"{high.year}-({_numbers(high.month - 1)})-{day}")
        dates.append(rf"{high.year}-{high.month:02}-({_numbers(high.day)})")
    return f"^({'|'.join(dates)})$"


def _numbers(most: int) -> str:
    """The two-digit numbers from 01 to ``most``, as alternatives of a pattern."""
    return "|".join(f"{number:02}" for number in range(1, most + 1))


def _field(kind: Any, owner: str, name: str, extra: dict[str, Any],
           defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of one value of type ``kind`` in field ``owner.name``."""
    origin, args = get_origin(kind), get_args(kind)
    if origin in (UnionType, typing.Union):
        options = [a for a in args if a is not NoneType]
        if {int, float} <= set(options):  # one JSON type, a number: float's schema says it
            options.remove(int)
        if len(options) == 1:
            inner: dict[str, Any] = _field(options[0], owner, name, extra, defs)
        else:
            inner = {"anyOf": [_field(o, owner, name, {}, defs) for o in options]}
        return {"anyOf": [inner, {"type": "null"}]} if NoneType in args else inner
    if kind is str:
        schema = {"type": "string", "maxLength": field_limit(owner, name, "text")}
        if is_id(name):
            schema["pattern"] = _PRINTABLE_ASCII
        if "pattern" in extra and "pattern" in schema:  # both must hold
            return {"allOf": [schema, {"type": "string", **extra}]}
        return {**schema, **extra}
    if kind is bool:
        return {"type": "boolean"}
    if kind is int:
        return {"type": "integer", "minimum": -MAX_INT, "maximum": MAX_INT, **extra}
    if kind is float:
        return {"type": "number", "minimum": -MAX_INT, "maximum": MAX_INT, **extra}
    if kind is dt.date:
        return {"type": "string", "format": "date",
                "pattern": _date_pattern(date_range(owner, name)[1])}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        most = field_limit(owner, name, "items")
        if f"{owner}.{name}" in _AS_OBJECT:
            value = _field(get_args(args[0])[1], owner, name, {}, defs)
            return {"type": "object", "maxProperties": most, "additionalProperties": value,
                    "propertyNames": {"maxLength": field_limit(owner, name, "text")}}
        return {"type": "array", "maxItems": most, "items": _field(args[0], owner, name, {},
                                                                    defs)}
    if origin is tuple:
        return {"type": "array", "minItems": len(args), "maxItems": len(args),
                "prefixItems": [_field(a, owner, name, {}, defs) for a in args]}
    if origin is Literal:
        return {"enum": list(args)}
    if isinstance(kind, type) and issubclass(kind, NamedEnum):
        return {"type": "string", "enum": [member.value for member in kind]}
    if isinstance(kind, type) and attrs.has(kind):
        _define(kind, defs)
        return {"$ref": f"#/$defs/{kind.__name__}"}
    return {}


def _define(kind: type, defs: dict[str, Any]) -> None:
    if kind.__name__ in defs:
        return
    defs[kind.__name__] = {}  # claimed first: a model may hold itself
    annotations = type_hints(kind)
    properties = {}
    for f in attrs.fields(kind):
        extra = {**hints(f.validator), **_EXTRA.get(f"{kind.__name__}.{f.name}", {})}
        properties[f.name] = _field(annotations[f.name], kind.__name__, f.name, extra, defs)
    # the first paragraph, its lines joined (Python 3.13 strips their indentation, 3.11 not)
    doc = " ".join((kind.__doc__ or "").strip().split("\n\n")[0].split())
    rules = _RULES.get(kind)
    defs[kind.__name__] = {
        "type": "object",
        "description": f"{doc} {rules}" if rules else doc,
        "properties": properties,
        "required": [f.name for f in attrs.fields(kind) if f.default is attrs.NOTHING],
        "additionalProperties": False,
        **_CONDITIONS.get(kind, {}),
    }


def json_schema(kind: type) -> dict[str, Any]:
    """The JSON Schema of the documents :func:`from_json` reads into ``kind`` (a
    :class:`CheckIn`, an :class:`AthleteState` or a :class:`Decision`), for apps to validate
    payloads before sending them (``footcore schema TYPE`` prints it).

    Raises:
        InputError: ``kind`` is not one of those models.
    """
    if kind not in SCHEMA_TYPES.values():
        raise InputError(f"kind: got {kind!r:.60}; accepted: "
                         f"{', '.join(k.__name__ for k in SCHEMA_TYPES.values())}")
    defs: dict[str, Any] = {}
    _define(kind, defs)
    root = defs.pop(kind.__name__)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": kind.__name__, **root,
            "$defs": dict(sorted(defs.items()))}


def schema_file(name: str) -> Path:
    """Where the shipped schema of document ``name`` (a key of ``SCHEMA_TYPES``) lies."""
    return Path(__file__).parent / "schemas" / f"{name}.json"


def schema_text(kind: type) -> str:
    """The schema as the shipped files hold it: indented JSON, keys in a fixed order."""
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # rewrite the shipped schemas
    for schema_name, model in SCHEMA_TYPES.items():
        schema_file(schema_name).parent.mkdir(exist_ok=True)
        schema_file(schema_name).write_text(schema_text(model), encoding="utf-8")
        print(f"wrote {schema_file(schema_name)}", file=sys.stderr)
