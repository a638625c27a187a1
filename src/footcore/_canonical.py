"""Canonical JSON of footcore's models, written directly from the objects.

:func:`to_json` promises ``json.dumps(converter.unstructure(value), sort_keys=True,
ensure_ascii=False)``. That walks every object twice and sorts every dict's keys on every
call; a decision is mostly its two plans, whose sessions are the same objects decision
after decision. So each model class gets one generated function that writes its fields,
keys already sorted, straight from the object; and the text of a tuple of plan items,
sessions or parameter uses is remembered for the tuple object (the plan builder hands out
the same tuples for equal weeks), so a week is written once, not once per decision.

The same writers come in a compact form too (no space after ``,`` and ``:``, as the audit
log and the store hash and keep records): ``writer(kind, compact=True)``.

The output is the same text, byte for byte (the property tests compare the two on every
model); anything this writer does not know (a class it cannot describe, a value of an
unexpected type, a number that is not finite) is left to the general path, which then
answers or fails exactly as it always did. Generated sources name only the fields of
footcore's own models (identifiers, also written as the keys' literal text); constants and
helpers reach them through their namespace.
"""

from __future__ import annotations

import functools
import math
import typing
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from enum import Enum
from json.encoder import encode_basestring
from types import NoneType, UnionType
from typing import Any, get_args, get_origin

import attrs

from ._limits import type_hints
from ._memo import keep_latest, remember
from ._models import (
    AthleteState,
    Firing,
    ParamUse,
    PlanItem,
    RulebookRef,
    Session,
    WhyNot,
)

__all__ = ["Unwritable", "write", "writer"]

# The separators between items and after keys, by whether the text is compact.
_SEPARATORS = {False: (", ", ": "), True: (",", ":")}

Writer = Callable[[Any], str]
# Tuples of these are written once per tuple object (see the module's docstring; the engine
# hands out the same tuple for a decision's only firing or "why not").
_SHARED = (Firing, ParamUse, PlanItem, Session, WhyNot)
# And so is a state (a decision's state is the next decision's prior state), a firing and a
# "why not" (the engine hands out the same ones for the same facts) and a rulebook reference
# (an engine's decisions share one).
# A check-in reference is not: its text (about 40 bytes) is quicker to write again than to
# find among the references of over a thousand athletes served in turn, whose memo (16,384
# of them) no CPU cache holds (bench_speed.py --app-only --clock cpu, two pairs of runs
# side by side, remembered then written: "app path, ids, athletes in turn" 2.97x -> 2.85x
# and 3.33x -> 2.95x evaluate; "states from elsewhere" 4.31x -> 4.37x and 5.03x -> 4.53x).
# Nor is a plan: it is written inline, from its sessions' and habits' remembered texts,
# which every athlete on the same week shares. A plan's own text (about 7 KB) would be one
# per athlete, two in play for each (the prior plan, and the decision's with its cues):
# for over a thousand athletes served in turn, copying them out of memory no cache holds
# cost more than writing the plan again from the shared texts (bench_speed.py, "app path,
# ids, athletes in turn": 3.02x evaluate remembered, 2.89x inline, in one run).
_ONCE = (AthleteState, Firing, RulebookRef, WhyNot)
# States (read back as the same object: footcore._convert) recur for over a thousand
# athletes served in turn (bench_speed.py, "app path, ids, athletes in turn"): their memo
# has a size of its own.
_LASTING: dict[type, int] = {AthleteState: 2048}
_MEMO_SIZE = 2048  # dates and tuples of strings: small texts, many distinct
# Texts per object. A state's (about 1 KB) recurs only soon after it is made;
# the plan builder's tuples of sessions recur as long as the process runs, one per week the
# rulebook can plan (a few hundred for the shipped one), and so do the engine's firings and
# "why not"s, one per rule and facts it reads (small texts, a few hundred bytes).
_RECENT_MOST, _SHARED_MOST = 256, 1024


class Unwritable(Exception):
    """A value this writer does not know: use the general path."""


def _scalar(value: Any, comma: str = ", ") -> str:
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
        return "[" + comma.join([_scalar(item, comma) for item in value]) + "]"
    raise Unwritable(value)


def _compact_scalar(value: Any) -> str:
    return _scalar(value, ",")


def _finite(value: float) -> str:
    if value - value == 0.0:
        return float.__repr__(value)
    raise Unwritable(value)


_EXACT: dict[type, Writer] = {
    str: encode_basestring, bool: lambda value: "true" if value else "false",
    int: int.__repr__, float: _finite, NoneType: lambda value: "null"}


def _sequence(inner: Writer, comma: str) -> Writer:
    return lambda value: "[" + comma.join(map(inner, value)) + "]" if value else "[]"


_DAYS: dict[date, str] = {}


def _day(value: date) -> str:
    """A date as its JSON string, remembered per date in _DAYS (``isoformat`` is slow;
    inline sources read _DAYS first)."""
    return _DAYS.get(value) or remember(
        _DAYS, value, '"' + date.isoformat(value) + '"', _MEMO_SIZE)


def _days(comma: str) -> Writer:
    """Tuples of dates, remembered per value: a state's recent sessions often equal the
    last state's."""
    known = _DAYS.get
    texts: dict[tuple[date, ...], str] = {}

    def write(value: tuple[date, ...]) -> str:
        return texts.get(value) or remember(
            texts, value, "[" + comma.join([known(day) or _day(day) for day in value]) + "]",
            _MEMO_SIZE)
    return write


_FLOATS: dict[float, str] = {}


def _float(value: float) -> str:
    """A finite number's text, remembered per value in _FLOATS (``repr`` is slow; metrics
    recur from check-in to state to decision). Zero is not remembered: 0.0 and -0.0 are
    one key but two texts."""
    text = float.__repr__(value)
    return remember(_FLOATS, value, text, _MEMO_SIZE) if value else text


def _unexpected(value: object) -> str:
    raise Unwritable(value)


# The memos of remembering writers: their lookup and the writer that fills them, so that
# generated sources look first and call only on a miss.
_MEMOS: dict[Writer, tuple[Callable[[int], tuple[object, str] | None], Writer]] = {}


def _remembered(inner: Writer, most: int, latest: bool = False) -> Writer:
    """``inner``, remembering its text per object (the object is kept alive with it, so its
    id cannot be reused while it is remembered); ``latest``: the latest ``most`` texts
    (footcore._memo.keep_latest), rather than emptied when full."""
    memo: dict[int, tuple[object, str]] = OrderedDict() if latest else {}
    keep = keep_latest if latest else remember

    def fill(value: Any) -> str:
        text = inner(value)
        keep(memo, id(value), (value, text), most)  # type: ignore[arg-type]
        return text

    def write(value: Any) -> str:
        known = memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        return fill(value)
    _MEMOS[write] = (memo.get, fill)
    return write


# Tuples of strings, remembered per value (by whether compact): sources, cues, notes and
# tracking lines repeat from decision to decision (inline sources read these first).
_TEXTS: dict[bool, dict[tuple[str, ...], str]] = {False: {}, True: {}}


def _texts(compact: bool) -> Writer:
    texts, comma = _TEXTS[compact], _SEPARATORS[compact][0]

    def write(value: tuple[str, ...]) -> str:
        return texts.get(value) or remember(
            texts, value, "[" + comma.join(map(encode_basestring, value)) + "]", _MEMO_SIZE)
    return write


def _matched(compact: bool) -> Writer:
    """A firing's matched fields: the converter writes them as an object, keys sorted (a
    field named twice keeps its last value). The engine lists each field once, in order,
    so the pairs are written as they come unless they are out of order."""
    comma, colon = _SEPARATORS[compact]
    keys: dict[str, str] = {}  # a field's name as its key's text, colon included

    def write(pairs: tuple[tuple[str, Any], ...]) -> str:
        last = ""
        for name, _ in pairs:
            if not name > last:  # out of order, named twice, or the empty name
                fields = dict(pairs)
                pairs = tuple((name, fields[name]) for name in sorted(fields))
                break
            last = name
        return "{" + comma.join([
            (keys.get(name) or remember(keys, name, encode_basestring(name) + colon, _MEMO_SIZE))
            + _scalar(value, comma) for name, value in pairs]) + "}"
    return write


# Source for the commonest types, written inline in a class's writer rather than as a call
# of a Python function; ``{}`` is the value, evaluated once. A value of another type than
# its field's goes to the general path (a whole number is formatted by the f-string only
# when it is exactly an int, so it reads as json writes it).
_INLINE: dict[Any, str] = {
    str: "_text({})",
    int: "(_v if (_v := {}).__class__ is _int else _unexpected(_v))",
    bool: "(_true if (_v := {}) is True else _false if _v is False else _unexpected(_v))",
    date: "(_known(_v := {}) or _day(_v))",
    # x - x == 0.0 holds for finite numbers only
    float: "((_known_float(_v) or _float_text(_v)) if (_v := {}).__class__ is _float "
           "and _v - _v == 0.0 else _unexpected(_v))",
}
_HELPERS = {"_text": encode_basestring, "_int": int, "_float": float,
            "_day": _day, "_known": _DAYS.get, "_known_float": _FLOATS.get,
            "_float_text": _float,
            "_unexpected": _unexpected, "_true": "true", "_false": "false", "_null": "null",
            "_empty": "[]"}


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


def writer(kind: Any, compact: bool = False) -> Writer:
    """The writer of values of annotated type ``kind``, one per type and form (so the fields
    of one type share what it remembers); Unwritable when there is none."""
    return _writer(kind, compact)


@functools.cache
def _writer(kind: Any, compact: bool) -> Writer:
    if isinstance(kind, type) and attrs.has(kind):
        written = _model(kind, compact)
        if written is None:
            raise Unwritable(kind)
        if kind not in _ONCE:
            return written
        if kind in _LASTING:
            return _remembered(written, _LASTING[kind], latest=True)
        return _remembered(written, _SHARED_MOST if kind in _SHARED else _RECENT_MOST)
    origin, args = get_origin(kind), get_args(kind)
    if origin in (UnionType, typing.Union):
        if len(args) == 2 and NoneType in args:
            inner = writer(next(arg for arg in args if arg is not NoneType), compact)
            return lambda value: "null" if value is None else inner(value)
        return _compact_scalar if compact else _scalar
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] is str:
            return _texts(compact)
        if args[0] is date:
            return _days(_SEPARATORS[compact][0])
        inner = _sequence(writer(args[0], compact), _SEPARATORS[compact][0])
        return _remembered(inner, _SHARED_MOST) if args[0] in _SHARED else inner
    source = _inline(kind)
    if source is None:
        raise Unwritable(kind)
    namespace: dict[str, Any] = dict(_HELPERS)
    exec(compile(f"def write(value):\n    return {source.format('value')}",
                 "<footcore json value>", "exec"), namespace)
    generated: Writer = namespace["write"]
    return generated


@functools.cache
def _model(kind: type, compact: bool) -> Writer | None:
    """The generated writer of instances of the attrs class ``kind``, or None when a field
    has a type this writer does not know. Models held in fields are written inline, unless
    their text is remembered."""
    namespace: dict[str, Any] = dict(_HELPERS)
    namespace["_known_texts"] = _TEXTS[compact].get
    try:
        body = _object(kind, "value", namespace, compact)
    except (Unwritable, NameError, TypeError):
        return None
    exec(compile(f"def write(value):\n    return f'{body}'", f"<footcore json {kind.__name__}>",
                 "exec"), namespace)
    written: Writer = namespace["write"]
    return written


def _object(kind: type, value: str, namespace: dict[str, Any], compact: bool) -> str:
    """The f-string source that writes the ``kind`` instance at the expression ``value``;
    its constants and writers are added to ``namespace`` under generated names."""
    hints = type_hints(kind)
    comma, colon = _SEPARATORS[compact]
    parts = []
    for number, name in enumerate(sorted(field.name for field in attrs.fields(kind))):
        field, held = f"{value}.{name}", hints[name]
        if not name.isidentifier():
            raise Unwritable(name)
        opening = "{{" if number == 0 else comma  # literal text: an identifier needs no escape
        parts.append(f'{opening}"{name}"{colon}')
        matched = (kind, name) == (Firing, "matched")  # the converter writes an object
        inline = None if matched else _inline(held)
        if inline is not None:
            parts.append(f"{{{inline.format(field)}}}")
        elif isinstance(held, type) and attrs.has(held) and held not in _ONCE:
            parts.append(_object(held, field, namespace, compact))
        else:
            call = f"_c{len(namespace)}"
            namespace[call] = _matched(compact) if matched else writer(held, compact)
            if namespace[call] in _MEMOS:  # look in the memo here, call only on a miss
                namespace[f"{call}_get"], namespace[call] = _MEMOS[namespace[call]]
                parts.append(f"{{_k[1] if (_k := {call}_get(id(_w := {field}))) is not None "
                             f"and _k[0] is _w else {call}(_w)}}")
            else:
                parts.append(f"{{{_call(call, field, None if matched else held)}}}")
    return "".join(parts) + "}}" if parts else "{{}}"


def _call(call: str, field: str, held: Any) -> str:
    """The source calling writer ``call`` on ``field`` (of annotated type ``held``)."""
    if held == tuple[str, ...]:  # most are remembered: look first, call on a miss
        return f"_known_texts(_w := {field}) or {call}(_w)"
    if get_origin(held) is tuple:  # many are empty: no call for those
        return f"{call}(_w) if (_w := {field}) else _empty"
    return f"{call}({field})"


def write(value: object, *, compact: bool = False) -> str:
    """``value``, an attrs instance, as canonical JSON text (``compact``: with no space
    after the separators).

    Raises:
        Unwritable: this writer does not know the value or one of its parts.
    """
    # Through the remembering writer of its type, if it has one: an app writes a decision,
    # then its new state on its own (bench_speed.py, "app path"), which is then a lookup.
    written = writer(type(value), compact)
    try:
        return written(value)
    except (TypeError, AttributeError, KeyError, ValueError) as exc:
        raise Unwritable(exc) from exc
