"""The bounds on everything footcore reads, in one table, and the generic checks that keep
every model within them.

Every model field is checked against its annotated type (walked generically, so a new
field is covered the day it is added) and these bounds: numbers within +-(2**53 - 1), so
JSON readers in any language and both backends read whole numbers alike (and a number with
a zero fraction is a whole number to JSON Schema and JavaScript); text no
longer than its limit, in valid Unicode; dates within the supported range, in which no
date arithmetic of the engine can overflow; tuples no longer than their limit.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from collections.abc import Callable
from types import NoneType, UnionType
from typing import Any, Literal, get_args, get_origin

import attrs

from ._errors import InputError

__all__ = [
    "EARLIEST_DATE",
    "LATEST_DATE",
    "LIMITS",
    "MAX_DOCUMENT_BYTES",
    "MAX_INT",
    "MAX_PERIOD_DAYS",
    "Limit",
    "check_data",
    "check_fields",
    "check_value",
    "checks_itself",
    "field_limit",
    "hint",
    "hints",
    "is_id",
    "limit",
    "type_hints",
    "whole",
]


@attrs.frozen
class Limit:
    """One documented bound: its name, its value, and what it bounds."""

    name: str
    value: int
    unit: str
    applies_to: str


MAX_INT = 2**53 - 1
"""The largest whole number accepted anywhere (JavaScript's ``Number.MAX_SAFE_INTEGER``)."""
MAX_DOCUMENT_BYTES = 8 * 2**20
MAX_PERIOD_DAYS = 3660
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(9000, 12, 31)

LIMITS: tuple[Limit, ...] = (
    Limit("document_bytes", MAX_DOCUMENT_BYTES, "bytes",
          "one JSON document read by from_json, one audit log line"),
    Limit("json_depth", 32, "levels", "nesting of arrays and objects in a JSON document"),
    Limit("integer_digits", 16, "digits", "one integer literal in JSON"),
    Limit("integer", MAX_INT, "",
          "every number, either sign (2**53 - 1): whole numbers and fractions alike"),
    Limit("id_length", 128, "characters",
          "ids: athlete_id, stage, exercise, rule and check-in ids (printable text)"),
    Limit("text_length", 2000, "characters", "every other text field"),
    Limit("symptoms", 32, "items", "CheckIn.symptoms"),
    Limit("compensations", 32, "items", "CheckIn.compensations"),
    Limit("recent_sessions", 366, "items", "AthleteState.recent_sessions"),
    Limit("recent_checkins", 512, "items",
          "AthleteState.recent_checkins (the engine keeps the latest)"),
    Limit("items", 20000, "items", "every other list"),
    Limit("earliest_date", EARLIEST_DATE.toordinal(), "date", "every date: 1900-01-01"),
    Limit("latest_date", LATEST_DATE.toordinal(), "date",
          "every date: 9000-12-31 (AthleteState.backoff_until: up to period_days later)"),
    Limit("period_days", MAX_PERIOD_DAYS, "days",
          "a rulebook parameter in days (window, deload, rest, layoff lengths)"),
    Limit("rulebook_file_bytes", 512 * 1024, "bytes",
          "one TOML file: a rulebook's, or a scenario (simulate)"),
    Limit("rulebook_files", 64, "files", "TOML files in one rulebook folder"),
    Limit("toml_depth", 16, "levels", "nesting of arrays and inline tables in a TOML file"),
    Limit("toml_key_parts", 8, "parts", "parts of one dotted key or table header in TOML"),
    Limit("rules", 1024, "rules", "rules in one rulebook"),
    Limit("stages", 64, "stages", "stages in one rulebook"),
    Limit("exercises", 1024, "exercises", "exercises in one rulebook"),
    Limit("params", 1024, "parameters", "parameters in one rulebook"),
    Limit("conditions", 24, "conditions", "conditions of one rule"),
)
_BY_NAME = {limit.name: limit.value for limit in LIMITS}

# Fields whose tuples have a limit of their own, by "Class.field".
_ITEM_LIMITS = {"CheckIn.symptoms": "symptoms", "CheckIn.compensations": "compensations",
                "AthleteState.recent_sessions": "recent_sessions",
                "AthleteState.recent_checkins": "recent_checkins"}
_LATE_DATES = frozenset({"AthleteState.backoff_until"})
_ID_NAMES = frozenset({"id", "stage", "exercise", "substitute"})


def limit(name: str) -> int:
    """The value of the limit called ``name``."""
    return _BY_NAME[name]


def is_id(field: str) -> bool:
    """Whether a field holds an id (printable, at most ``id_length`` characters)."""
    return field in _ID_NAMES or field.endswith("_id")


def field_limit(owner: str, field: str, kind: str) -> int:
    """The limit on a text (``kind="text"``) or tuple (``"items"``) field of ``owner``."""
    if kind == "items":
        return _BY_NAME[_ITEM_LIMITS.get(f"{owner}.{field}", "items")]
    return _BY_NAME["id_length" if is_id(field) else "text_length"]


def date_range(owner: str, field: str) -> tuple[dt.date, dt.date]:
    """The dates a date field accepts."""
    if f"{owner}.{field}" in _LATE_DATES:
        return EARLIEST_DATE, LATEST_DATE + dt.timedelta(days=MAX_PERIOD_DAYS)
    return EARLIEST_DATE, LATEST_DATE


# ---------------------------------------------------------------- schema hints

_HINTS: dict[object, dict[str, Any]] = {}


def hint(check: Callable[..., object], **schema: Any) -> Any:
    """Record what a validator or converter accepts as JSON Schema keywords; return it."""
    _HINTS[check] = schema
    return check


def hints(validator: object) -> dict[str, Any]:
    """The JSON Schema keywords recorded for ``validator`` and for the validator and
    converter of the field it checks."""
    found: dict[str, Any] = {}
    for inner in getattr(validator, "_described_by", (validator,)):
        found.update(_HINTS.get(inner, {}))
    return found


# ---------------------------------------------------------------- generic checks

_SURROGATE = re.compile("[\ud800-\udfff]")
Check = Callable[[Any, str], None]


@functools.cache
def type_hints(kind: Any) -> dict[str, Any]:
    """The resolved annotations of an attrs class, by field name."""
    return typing.get_type_hints(kind)


def _fail(where: str, value: object, accepted: str) -> typing.NoReturn:
    raise InputError(f"{where}: got {value!r:.80}; accepted: {accepted}")


def _text(owner: str, field: str) -> Check:
    most = field_limit(owner, field, "text")
    ident = is_id(field)

    def check(value: Any, where: str) -> None:
        if not isinstance(value, str):
            _fail(where, value, "a string")
        if len(value) > most:
            _fail(where, f"{value[:40]}... ({len(value)} characters)", f"at most {most} "
                  f"characters")
        if ident and not value.isprintable():
            _fail(where, value, "printable characters only")
        if not value.isascii() and _SURROGATE.search(value):
            _fail(where, value, "valid Unicode text (no lone surrogates)")
    return check


def _whole(value: Any, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(where, value, "a whole number")
    if not -MAX_INT <= value <= MAX_INT:
        _fail(where, value, "a whole number within +-(2**53 - 1)")


def whole(value: float) -> int | None:
    """The int that the float ``value`` equals when it has a zero fraction and lies within
    the ``integer`` limit (``18.0``, ``1e1``; ``-0.0`` is 0), else None: a whole number to
    JSON Schema and JavaScript, so one where footcore reads a whole number."""
    return int(value) if value.is_integer() and -MAX_INT <= value <= MAX_INT else None


def _real(value: Any, where: str) -> None:
    """A number (a float, or an int where whole numbers and fractions are both taken):
    within +-(2**53 - 1), as every whole number, since a number with a zero fraction is one
    to JSON Schema and JavaScript (NaN and the infinities fail the comparison)."""
    if isinstance(value, int) and not isinstance(value, bool):
        _whole(value, where)
    elif not isinstance(value, float) or not -MAX_INT <= value <= MAX_INT:
        _fail(where, value, "a number within +-(2**53 - 1)")


def _flag(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        _fail(where, value, "true or false")


def _day(owner: str, field: str) -> Check:
    low, high = date_range(owner, field)

    def check(value: Any, where: str) -> None:
        if type(value) is not dt.date:
            _fail(where, value, "a date")
        if not low <= value <= high:
            _fail(where, value, f"a date from {low} to {high}")
    return check


def _union(options: tuple[Any, ...], owner: str, field: str) -> Check:
    if NoneType in options:
        rest = tuple(o for o in options if o is not NoneType)
        inner = _union(rest, owner, field) if len(rest) > 1 else checker(rest[0], owner, field)

        def optional(value: Any, where: str) -> None:
            if value is not None:
                inner(value, where)
        return optional
    if set(options) <= {int, float}:
        return _real
    # isinstance needs the bare class of a parameterised option (tuple of tuple[str, ...])
    kinds = [(get_origin(o) or o, checker(o, owner, field)) for o in options]

    def scalar(value: Any, where: str) -> None:
        for kind, check in kinds:
            if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
                check(value, where)
                return
        _fail(where, value, " or ".join(getattr(k, "__name__", str(k)) for k, _ in kinds))
    return scalar


def _sequence(item: Any, owner: str, field: str) -> Check:
    most = field_limit(owner, field, "items")
    inner = checker(item, owner, field)

    def check(value: Any, where: str) -> None:
        if not isinstance(value, tuple):
            _fail(where, value, "a tuple")
        if len(value) > most:
            _fail(where, f"{len(value)} items", f"at most {most} items")
        try:
            for entry in value:
                inner(entry, where)
        except InputError:
            _items(value, [inner] * len(value), where)
            raise
    return check


def _items(value: tuple[Any, ...], checks: list[Check], where: str) -> None:
    """Check each item of ``value`` again, its index in its path: the paths of items are
    written only once one has failed."""
    for number, (entry, check) in enumerate(zip(value, checks, strict=True)):
        check(entry, f"{where}[{number}]")


def _pair(items: tuple[Any, ...], owner: str, field: str) -> Check:
    inner = [checker(item, owner, field) for item in items]

    def check(value: Any, where: str) -> None:
        if not isinstance(value, tuple) or len(value) != len(inner):
            _fail(where, value, f"a tuple of {len(inner)}")
        try:
            for entry, each in zip(value, inner, strict=True):
                each(entry, where)
        except InputError:
            _items(value, inner, where)
            raise
    return check


def _model(kind: type) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, kind):
            _fail(where, value, f"a {kind.__name__}")
        if type(value) not in _SELF_CHECKED:  # a model that does not check itself
            check_value(value, where)
    return check


def _instance(kind: type) -> Check:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, kind):
            _fail(where, value, f"a {kind.__name__}")
    return check


def _anything(value: Any, where: str) -> None:
    """A field typed ``Any``: nothing to check."""


def checker(kind: Any, owner: str, field: str) -> Check:
    """The check for one value of annotated type ``kind`` in field ``owner.field``."""
    origin, args = get_origin(kind), get_args(kind)
    if kind is Any:
        return _anything
    if kind is str:
        return _text(owner, field)
    if kind is bool:
        return _flag
    if kind is int:
        return _whole
    if kind is float:
        return _real
    if kind is dt.date:
        return _day(owner, field)
    if origin in (UnionType, typing.Union):
        return _union(args, owner, field)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _sequence(args[0], owner, field)
        return _pair(args, owner, field)
    if origin is Literal:
        allowed = args

        def literal(value: Any, where: str) -> None:
            if value not in allowed:
                _fail(where, value, f"one of {', '.join(map(repr, allowed))}")
        return literal
    if isinstance(kind, type) and attrs.has(kind):
        return _model(kind)
    if isinstance(kind, type):
        return _instance(kind)
    return _anything


_SELF_CHECKED: set[type] = set()


@functools.cache
def _field_checks(kind: Any) -> tuple[tuple[str, Check], ...]:
    annotations = type_hints(kind)
    return tuple((f.name, checker(annotations[f.name], kind.__name__, f.name))
                 for f in attrs.fields(kind))


def check_value(value: Any, where: str | None = None) -> None:
    """Check every field of the attrs instance ``value``, and of the models it holds that do
    not check themselves, against its type and the limits.

    Raises:
        InputError: naming the field (``where`` prefixes the path) and what is accepted.
    """
    kind: Any = type(value)
    prefix = where or kind.__name__
    for name, check in _field_checks(kind):
        check(getattr(value, name), f"{prefix}.{name}")


def checks_itself(kind: type) -> bool:
    """Whether every field of the attrs class ``kind`` checks its value against its type and
    the limits when an instance is built (the class was made with :func:`check_fields`)."""
    return all(field.validator in _BOUNDED for field in attrs.fields(kind))


def check_fields(kind: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """An attrs ``field_transformer``: every field of the model also checks its value against
    its type and the limits, after the field's own validator."""
    return [f.evolve(validator=_bounded(f.validator, f.name, f.converter)) for f in fields]


_BOUNDED: set[object] = set()


def _bounded(inner: Any, name: str, converter: Any = None) -> Any:
    """The validator of field ``name``: its own validator ``inner``, then the generic check
    of its type and limits (worked out at the first call, once the class and its type hints
    exist). A plain function, which attrs calls faster than an object. The schema hints of
    ``inner`` and of the field's ``converter`` describe the field."""
    check: Check | None = None
    owner: type | None = None
    where = ""

    def validate(inst: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        nonlocal check, owner, where
        if inner is not None:
            inner(inst, attribute, value)
        if check is None:
            kind: Any = type(inst)
            _SELF_CHECKED.add(kind)
            check = checker(type_hints(kind)[name], kind.__name__, name)
            owner, where = kind, f"{kind.__name__}.{name}"
        check(value, where if type(inst) is owner else f"{type(inst).__name__}.{name}")

    validate._described_by = tuple(  # type: ignore[attr-defined]
        part for part in (inner, converter) if part is not None)
    _BOUNDED.add(validate)
    return validate


# ---------------------------------------------------------------- raw JSON data


def check_data(data: Any, kind: Any, path: str = "$") -> None:
    """Check the lists and texts of JSON ``data`` bound for type ``kind`` against the limits,
    before any object is built from it; everything else is left to the converter.

    Raises:
        InputError: a list or text is too long; the message gives its path.
    """
    check = _data_check(kind)
    if check is None:
        return
    try:
        check(data)
    except _TooLong as found:
        raise InputError(f"{found.args[0]} @ {path}{''.join(reversed(found.where))}") from None


class _TooLong(Exception):
    """A list or text over its limit; ``where`` collects the path on the way out."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.where: list[str] = []


DataCheck = Callable[[Any], None]


@functools.cache
def _data_check(kind: Any) -> DataCheck | None:
    """The check of JSON data bound for ``kind``, worked out once per type; None when there
    is nothing to check (only unions and attrs classes hold lists and texts to check)."""
    if get_origin(kind) in (UnionType, typing.Union):
        options = [check for check in map(_data_check, get_args(kind)) if check is not None]
        if not options:
            return None

        def union(data: Any) -> None:
            for check in options:
                check(data)
        return union
    if not (isinstance(kind, type) and attrs.has(kind)):
        return None
    annotations = type_hints(kind)
    entries = [(f.name, check) for f in attrs.fields(kind)
               if (check := _entry_check(annotations[f.name], kind.__name__, f.name))]

    def model(data: Any) -> None:
        if isinstance(data, dict):
            for name, check in entries:
                if name in data:
                    try:
                        check(data[name])
                    except _TooLong as found:
                        found.where.append(f".{name}")
                        raise
    return model


def _entry_check(kind: Any, owner: str, field: str) -> DataCheck | None:
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        most = field_limit(owner, field, "items")
        inner = _data_check(args[0])

        def items(value: Any) -> None:
            if isinstance(value, list | dict) and len(value) > most:
                raise _TooLong(f"{len(value)} items; at most {most}")
            if inner is not None and isinstance(value, list):
                for number, entry in enumerate(value):
                    try:
                        inner(entry)
                    except _TooLong as found:
                        found.where.append(f"[{number}]")
                        raise
        return items
    if kind is str:
        longest = field_limit(owner, field, "text")

        def text(value: Any) -> None:
            if isinstance(value, str) and len(value) > longest:
                raise _TooLong(f"{len(value)} characters; at most {longest}")
        return text
    return _data_check(kind)
