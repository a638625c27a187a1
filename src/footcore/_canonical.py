"""Canonical JSON of footcore's models, written directly from the objects.

:func:`to_json` promises ``json.dumps(converter.unstructure(value), sort_keys=True,
ensure_ascii=False)``. That walks every object twice and sorts every dict's keys on every
call; a decision is mostly its two plans, whose sessions are the same objects decision
after decision. So each model class gets one generated function that writes its fields,
keys already sorted, straight from the object; and the text of a tuple of plan items,
sessions or parameter uses is remembered for the tuple object (the plan builder hands out
the same tuples for equal weeks), so a week is written once, not once per decision.

The output is the same text, byte for byte (the property tests compare the two on every
model); anything this writer does not know (a class it cannot describe, a value of an
unexpected type, a number that is not finite) is left to the general path, which then
answers or fails exactly as it always did. Generated sources name only the fields of
footcore's own models; keys and helpers reach them through their namespace.
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from json.encoder import encode_basestring
from types import NoneType, UnionType
from typing import Any, get_args, get_origin

import attrs

from ._limits import type_hints
from ._models import (
    AthleteState,
    Firing,
    ParamUse,
    PlanItem,
    RulebookRef,
    Session,
    WeekPlan,
)

__all__ = ["Unwritable", "write", "writer"]

Writer = Callable[[Any], str]
# Tuples of these are written once per tuple object (see the module's docstring).
_SHARED = (PlanItem, Session, ParamUse)
# And so is a state (a decision's state is the next decision's prior state), a plan (one
# that a decision leaves unchanged is its prior plan) and a rulebook reference (an engine's
# decisions share one).
_ONCE = (AthleteState, RulebookRef, WeekPlan)
_MEMO_SIZE = 2048


class Unwritable(Exception):
    """A value this writer does not know: use the general path."""


def _scalar(value: Any) -> str:
    """A value whose type is known only at run time, as the json module writes it."""
    exact = _EXACT.get(value.__class__)
    if exact is not None:
        return exact(value)
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    if isinstance(value, tuple):
        return "[" + ", ".join([_scalar(item) for item in value]) + "]"
    raise Unwritable(value)


def _finite(value: float) -> str:
    if value - value == 0.0:
        return float.__repr__(value)
    raise Unwritable(value)


_EXACT: dict[type, Writer] = {
    str: encode_basestring, bool: lambda value: "true" if value else "false",
    int: int.__repr__, float: _finite, NoneType: lambda value: "null"}


def _sequence(inner: Writer) -> Writer:
    return lambda value: "[" + ", ".join(map(inner, value)) + "]" if value else "[]"


def _day(value: date, memo: dict[date, str] = {}) -> str:  # noqa: B006
    """A date as its JSON string, remembered per date (``isoformat`` is slow)."""
    text = memo.get(value)
    if text is None:
        text = '"' + date.isoformat(value) + '"'
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[value] = text
    return text


def _days(value: tuple[date, ...]) -> str:
    return "[" + ", ".join(map(_day, value)) + "]"


def _unexpected(value: object) -> str:
    raise Unwritable(value)


def _remembered(inner: Writer) -> Writer:
    """``inner``, remembering its text per object (the object is kept alive with it, so its
    id cannot be reused while it is remembered)."""
    memo: dict[int, tuple[object, str]] = {}

    def write(value: Any) -> str:
        known = memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        text = inner(value)
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[id(value)] = (value, text)
        return text
    return write


def _texts(value: tuple[str, ...], memo: dict[tuple[str, ...], str] = {}) -> str:  # noqa: B006
    """A tuple of strings, remembered per value: sources, cues, notes and tracking lines
    repeat from decision to decision."""
    text = memo.get(value)
    if text is None:
        text = "[" + ", ".join(map(encode_basestring, value)) + "]"
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[value] = text
    return text


def _matched(pairs: tuple[tuple[str, Any], ...]) -> str:
    """A firing's matched fields: the converter writes them as an object."""
    fields = dict(pairs)
    return "{" + ", ".join([f"{encode_basestring(name)}: {_scalar(fields[name])}"
                            for name in sorted(fields)]) + "}"


# Source for the commonest types, written inline in a class's writer rather than as a call
# of a Python function; ``{}`` is the value, evaluated once. A value of another type than
# its field's goes to the general path (a whole number is formatted by the f-string only
# when it is exactly an int, so it reads as json writes it).
_INLINE: dict[Any, str] = {
    str: "_text({})",
    int: "(_v if (_v := {}).__class__ is _int else _unexpected(_v))",
    bool: "(_true if (_v := {}) is True else _false if _v is False else _unexpected(_v))",
    date: "_day({})",
    # x - x == 0.0 holds for finite numbers only
    float: "(_repr(_v) if (_v := {}).__class__ is _float and _v - _v == 0.0 else _unexpected(_v))",
}
_HELPERS = {"_text": encode_basestring, "_int": int, "_float": float, "_repr": float.__repr__,
            "_day": _day, "_unexpected": _unexpected, "_true": "true", "_false": "false",
            "_null": "null"}


def _inline(kind: Any) -> str | None:
    """The inline source for values of annotated type ``kind``, if it has one."""
    if kind in _INLINE:
        return _INLINE[kind]
    if isinstance(kind, type) and issubclass(kind, Enum) and issubclass(kind, str):
        return _INLINE[str]  # a str enum is written as its value, which it is
    args = get_args(kind)
    if get_origin(kind) in (UnionType, typing.Union) and len(args) == 2 and NoneType in args:
        inner = _inline(next(arg for arg in args if arg is not NoneType))
        if inner is not None:
            return "(_null if (_u := {}) is None else " + inner.format("_u") + ")"
    return None


@functools.cache
def writer(kind: Any) -> Writer:
    """The writer of values of annotated type ``kind``, one per type (so the fields of one
    type share what it remembers); Unwritable when there is none."""
    if isinstance(kind, type) and attrs.has(kind):
        written = _model(kind)
        if written is None:
            raise Unwritable(kind)
        return _remembered(written) if kind in _ONCE else written
    origin, args = get_origin(kind), get_args(kind)
    if origin in (UnionType, typing.Union):
        if len(args) == 2 and NoneType in args:
            inner = writer(next(arg for arg in args if arg is not NoneType))
            return lambda value: "null" if value is None else inner(value)
        return _scalar
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] is str:
            return _texts
        if args[0] is date:
            return _days
        inner = _sequence(writer(args[0]))
        return _remembered(inner) if args[0] in _SHARED else inner
    source = _inline(kind)
    if source is None:
        raise Unwritable(kind)
    namespace: dict[str, Any] = dict(_HELPERS)
    exec(compile(f"def write(value):\n    return {source.format('value')}",
                 "<footcore json value>", "exec"), namespace)
    generated: Writer = namespace["write"]
    return generated


@functools.cache
def _model(kind: type) -> Writer | None:
    """The generated writer of instances of the attrs class ``kind``, or None when a field
    has a type this writer does not know. Models held in fields are written inline, unless
    their text is remembered."""
    namespace: dict[str, Any] = dict(_HELPERS)
    try:
        body = _object(kind, "value", namespace)
    except (Unwritable, NameError, TypeError):
        return None
    exec(compile(f"def write(value):\n    return f'{body}'", f"<footcore json {kind.__name__}>",
                 "exec"), namespace)
    written: Writer = namespace["write"]
    return written


def _object(kind: type, value: str, namespace: dict[str, Any]) -> str:
    """The f-string source that writes the ``kind`` instance at the expression ``value``;
    its constants and writers are added to ``namespace`` under generated names."""
    hints = type_hints(kind)
    parts = []
    for number, name in enumerate(sorted(field.name for field in attrs.fields(kind))):
        key, field, held = f"_c{len(namespace)}", f"{value}.{name}", hints[name]
        namespace[key] = f"{'{' if number == 0 else ', '}{encode_basestring(name)}: "
        parts.append(f"{{{key}}}")
        inline = None if (kind, name) == (Firing, "matched") else _inline(held)
        if inline is not None:
            parts.append(f"{{{inline.format(field)}}}")
        elif isinstance(held, type) and attrs.has(held) and held not in _ONCE:
            parts.append(_object(held, field, namespace))
        else:
            call = f"_c{len(namespace)}"
            namespace[call] = _matched if (kind, name) == (Firing, "matched") else writer(held)
            parts.append(f"{{{call}({field})}}")
    return "".join(parts) + "}}" if parts else "{{}}"


def write(value: object) -> str:
    """``value``, an attrs instance, as canonical JSON text.

    Raises:
        Unwritable: this writer does not know the value or one of its parts.
    """
    kind: Any = type(value)
    written = _model(kind)
    if written is None:
        raise Unwritable(kind)
    try:
        return written(value)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise Unwritable(exc) from exc
