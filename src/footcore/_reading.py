"""A fast path for :func:`from_json`: JSON text read straight into models, vouched for or
left to the general path.

The general path parses with hooks (limits, duplicate keys), checks the data's lengths,
structures it with cattrs and builds each model through its checking constructor; it reports
every problem. This path does the same work with less overhead, for documents it can vouch
for, and answers None for any other (the caller then runs the general path, which reports
the problem or, for the odd valid document this path does not take, reads it). So it may
refuse more than the general path, never less, and what it accepts reads the same:

- the text is parsed by the plain parser after the checks that cost little (size, UTF-8,
  lone surrogate escapes). A repeated key is found by counting: with the spaces taken out,
  ``":`` occurs in the text at least once per key it holds (more when a string holds it),
  and the readers count the keys of the objects they read: fewer means one was dropped;
- each model class whose constructor checks the limits (footcore's documents: check-ins,
  states, decisions and what they hold; any other class is left to the general path) has a
  generated reader that takes exactly the keys the converter takes, each value only of the
  very type the converter's hooks take (stricter where simpler), and builds the model
  through that checking constructor, so every field's validator, the generic bounds of its
  type and the cross-field checks run as they would;
- a whole number may have a zero fraction (``18.0`` reads as 18, as the converter reads
  it), and a firing's matched numbers read as their fact field's kind of number
  (:func:`typed_matches`, on both paths);
- the parser's other limits hold through those bounds: every number the models accept is
  within +-(2**53 - 1), so finite, and a whole one has at most 16 digits; readers
  take only the nesting their model's fields give, shallower than the ``json_depth`` limit
  (checked when a reader is made).

A week's sessions or habits recur from decision to decision, and a state's check-in
references and metrics from one state of an athlete to the next: their data is read once
per distinct value, remembered under its ``marshal`` bytes (which give the value back
exactly, types and key order included, so equal bytes are equal data).
"""

from __future__ import annotations

import functools
import inspect
import json
import marshal
import math
import re
import typing
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from enum import Enum
from types import NoneType, UnionType
from typing import Any, TypeVar, cast, get_args, get_origin

import attrs

from ._conditions import FACT_FIELDS
from ._jsonparse import lone_surrogate
from ._limits import MAX_INT, checks_itself, field_limit, limit, type_hints, whole
from ._memo import keep_latest, remember
from ._models import CheckInRef, Firing, Metrics, PlanItem, Session, Unmet
from ._trusted import trusted

__all__ = ["read", "typed_matches"]

T = TypeVar("T")
Reader = Callable[[Any, list[int]], Any]
_SCALARS = (bool, int, float, str)
_WEEK_PARTS = (PlanItem, Session)
_REMEMBERED_MOST = 1024
# A state's parts that recur in the next state of the athlete: an app reads each state it
# wrote (bench_speed.py, "app path, ids"), for over a thousand athletes served in turn
# ("athletes in turn"), each with a few check-in references within the window: the latest
# are kept (a memo emptied when full would forget every athlete's at once).
_STATE_PARTS = (CheckInRef, Metrics)
_STATE_PARTS_MOST = 8192
_SPACE = b" \t\n\r"


class _Unread(Exception):
    """This path does not vouch for the data: the general path decides."""


def read(text: object, kind: type[T]) -> T | None:
    """The model ``kind`` read from JSON ``text``, or None when this path does not vouch
    for the text (the general path must then read it, or report what is wrong)."""
    reader = _reader(cast(Any, kind))
    if reader is None:
        return None
    if isinstance(text, bytes | bytearray):
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    elif isinstance(text, str):
        try:
            raw = text.encode("utf-8") if len(text) <= limit("document_bytes") else b""
        except UnicodeEncodeError:
            return None
    else:
        return None
    if not raw or len(raw) > limit("document_bytes") or lone_surrogate(text):
        return None
    keys = [0]
    try:
        made: T = reader(json.loads(text), keys)
    except Exception:  # anything at all: the general path says what, or reads it
        return None
    return made if keys[0] == raw.translate(None, _SPACE).count(b'":') else None


@functools.cache
def _reader(kind: Any) -> Reader | None:
    """The reader of the attrs class ``kind``, or None when a field's type is one this path
    does not know or the model nests deeper than JSON may."""
    try:
        return _model(kind, 1)
    except _Unread:
        return None


def _no() -> Any:
    raise _Unread


def _exactly(kind: type) -> Callable[[Any, list[int]], Any]:
    def check(value: Any, keys: list[int]) -> Any:
        return value if value.__class__ is kind else _no()
    return check


def _int(value: Any, keys: list[int]) -> int:
    """A whole number: an int, or a float with a zero fraction (``18.0``) within the
    ``integer`` limit, read as the int it equals (as the converter reads it)."""
    if value.__class__ is int:
        return value
    number = whole(value) if value.__class__ is float else None
    if number is None:
        raise _Unread
    return number


def _float(value: Any, keys: list[int]) -> float:
    if value.__class__ is float and math.isfinite(value):
        return value
    if value.__class__ is int and -MAX_INT <= value <= MAX_INT:
        return float(value)
    raise _Unread


def _number(value: Any, keys: list[int]) -> int | float:
    if value.__class__ is int or (value.__class__ is float and math.isfinite(value)):
        return value
    raise _Unread


def _scalar(value: Any) -> Any:
    if value.__class__ in _SCALARS and (value.__class__ is not float or math.isfinite(value)):
        return value
    raise _Unread


def _needed(value: Any, keys: list[int]) -> Any:
    return tuple(map(_scalar, value)) if value.__class__ is list else _scalar(value)


def _actual(value: Any, keys: list[int]) -> Any:
    return None if value is None else _scalar(value)


def _matched(value: Any, keys: list[int]) -> tuple[tuple[str, Any], ...]:
    if value.__class__ is not dict:
        raise _Unread
    keys[0] += len(value)
    return tuple(value.items())


_DAY = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DAYS: dict[str, date] = {}


def _day(value: Any, keys: list[int]) -> date:
    """A ``YYYY-MM-DD`` date, remembered per text (few distinct dates recur)."""
    found = _DAYS.get(value) if value.__class__ is str else None
    if found is None:
        if value.__class__ is not str or not _DAY.fullmatch(value):
            raise _Unread
        found = remember(_DAYS, value, date.fromisoformat(value), _REMEMBERED_MOST)
    return found


def _member(kind: type[Enum]) -> Reader:
    members = {member.value: member for member in kind}

    def check(value: Any, keys: list[int]) -> Any:
        return members[value] if value.__class__ is str else _no()
    return check


def _optional(inner: Reader) -> Reader:
    return lambda value, keys: None if value is None else inner(value, keys)


def _tuple(inner: Reader, most: int) -> Reader:
    def check(value: Any, keys: list[int]) -> tuple[Any, ...]:
        if value.__class__ is not list or len(value) > most:
            raise _Unread
        return tuple([inner(item, keys) for item in value])
    return check


def _remembered(inner: Reader, most: int = _REMEMBERED_MOST, latest: bool = False) -> Reader:
    """``inner``, remembering what it made, and how many keys it read, per distinct data
    (at most ``most``; ``latest``: the latest ``most``, rather than emptied when full)."""
    memo: dict[bytes, tuple[Any, int]] = OrderedDict() if latest else {}
    keep = keep_latest if latest else remember

    def check(value: Any, keys: list[int]) -> Any:
        key = marshal.dumps(value)
        found = memo.get(key)
        if found is None:
            before = keys[0]
            made = inner(value, keys)
            found = keep(memo, key, (made, keys[0] - before), most)  # type: ignore[arg-type]
        else:
            keys[0] += found[1]
        return found[0]
    return check


_NUMBER_FIELDS = {kind.value: {name: spec.type for name, spec in fields.items()
                                if spec.type in (int, float)}
                  for kind, fields in FACT_FIELDS.items()}


def typed_matches(firing: Firing) -> Firing:
    """``firing`` with each matched number of its fact field's type, as both paths read
    it: a JSON number is a number (``4`` is 4.0 for a field of fractions, ``18.0`` is 18
    for a field of whole numbers, as JSON Schema and JavaScript read them); ``firing``
    itself when every number has its type already."""
    fields = _NUMBER_FIELDS.get(firing.fact.partition("[")[0], {})
    for name, value in firing.matched:
        if fields.get(name, value.__class__) is not value.__class__:  # seldom: retype
            return attrs.evolve(firing, matched=tuple(
                (name, _typed(fields.get(name), value)) for name, value in firing.matched))
    return firing


def _typed(kind: Any, value: Any) -> Any:
    if kind is float and value.__class__ is int and -MAX_INT <= value <= MAX_INT:
        return float(value)
    if kind is int and value.__class__ is float:
        number = whole(value)
        return value if number is None else number
    return value


_SPECIAL: dict[tuple[type, str], Reader] = {
    (Firing, "matched"): _matched, (Unmet, "needed"): _needed, (Unmet, "actual"): _actual}


# What a model's reader does with the model it built, before returning it.
_AFTER: dict[type, Callable[[Any], Any]] = {Firing: typed_matches}


def _field(kind: Any, owner: type, name: str, depth: int) -> Reader:
    """The reader of a value of annotated type ``kind`` in ``owner.name``, at ``depth``
    levels of JSON nesting."""
    origin, args = get_origin(kind), get_args(kind)
    if kind in (str, bool):
        return _exactly(kind)
    if kind is int:
        return _int
    if kind is float:
        return _float
    if kind is date:
        return _day
    if isinstance(kind, type) and issubclass(kind, Enum):
        return _member(kind)
    if isinstance(kind, type) and attrs.has(kind):
        made = _model(kind, depth + 1)
        return (_remembered(made, _STATE_PARTS_MOST, latest=True) if kind in _STATE_PARTS
                else made)
    if origin in (UnionType, typing.Union):
        if set(args) == {int, float}:
            return _number
        if len(args) == 2 and NoneType in args:
            return _optional(_field(next(a for a in args if a is not NoneType), owner, name,
                                    depth))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis and depth < limit(
            "json_depth"):
        inner = _tuple(_field(args[0], owner, name, depth + 1),
                       field_limit(owner.__name__, name, "items"))
        return _remembered(inner) if args[0] in _WEEK_PARTS else inner
    raise _Unread


def _model(kind: Any, depth: int) -> Reader:
    """The generated reader of the attrs class ``kind``: its source names only the class's
    fields (identifiers); the class and the fields' readers reach it through its namespace.

    It builds the model as its checking constructor does, without the constructor's
    overhead: each field's converter and validator (the very functions the constructor
    calls, limits included), then the object, then its ``__attrs_post_init__`` checks. A
    field of a plain type (text, numbers, dates, enums, tuples of those) is converted and
    checked once per distinct value, remembered: an app reading the states of over a
    thousand athletes served in turn, written by another process (bench_speed.py, "app
    path, ids, in turn, states from elsewhere"), reads the same digests, stages, dates
    and ids over and over, and the constructor's checks were most of its read."""
    # Only for a class whose constructor checks the limits (the general path checks them
    # for any other), nested shallower than JSON may be (its fields' values one level more).
    if depth > limit("json_depth") - 1 or not checks_itself(kind):
        raise _Unread
    hints = type_hints(kind)
    fields = attrs.fields(kind)
    probe = object.__new__(kind)  # what validators are shown as the instance (its type)
    namespace: dict[str, Any] = {
        "_build": trusted(kind), "_dict": dict, "_no": _no, "_M": _MISSING,
        "_names": frozenset(f.name for f in fields)}
    lines = ["def read(data, keys):",
             "    if data.__class__ is not _dict or not data.keys() <= _names:",
             "        _no()",
             "    keys[0] += len(data)"]
    for number, field in enumerate(fields):
        if not field.name.isidentifier() or not field.init or field.alias != field.name:
            raise _Unread
        namespace[f"_r{number}"] = _SPECIAL.get((kind, field.name)) or _field(
            hints[field.name], kind, field.name, depth)
        namespace[f"_v{number}"] = _vetting(field, probe, _plain(hints[field.name]))
        take = f"_v{number}(_r{number}(data[{field.name!r}], keys))"
        raw = _raw_classes(hints[field.name]) if (kind, field.name) not in _SPECIAL else None
        if raw is not None:  # a JSON scalar: its value looked up as it was read, first
            memo: dict[Any, Any] = {}
            namespace.update({f"_k{number}": raw, f"_g{number}": memo.get,
                              f"_s{number}": _scalar_read(namespace[f"_r{number}"],
                                                          _vetting(field, probe, False),
                                                          raw, memo)})
            take = (f"(_y if (_x := data[{field.name!r}]).__class__ in _k{number} and "
                    f"(_y := _g{number}(_x, _M)) is not _M else _s{number}(_x, keys))")
        if field.default is attrs.NOTHING:
            lines.append(f"    v{number} = {take}")
        else:
            namespace[f"_d{number}"] = _default(field.default)
            lines.append(f"    v{number} = {take} if {field.name!r} in data "
                         f"else _v{number}(_d{number}())")
    lines.append(f"    made = _build({', '.join(f'v{n}' for n in range(len(fields)))})")
    post = getattr(kind, "__attrs_post_init__", None)
    if post is not None:
        namespace["_post"] = post
        lines.append("    _post(made)")
    namespace["_after"] = _AFTER.get(kind)
    lines.append("    return made" if kind not in _AFTER else "    return _after(made)")
    exec(compile("\n".join(lines), f"<footcore reader {kind.__name__}>", "exec"), namespace)
    reader: Reader = namespace["read"]
    return reader


def _default(default: Any) -> Callable[[], Any]:
    """What a field left out of the data starts from, as the constructor makes it."""
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            raise _Unread
        return cast(Callable[[], Any], default.factory)
    return lambda: default


_PLAIN = (str, int, bool, date)
_VETTED_MOST = 4096


def _plain(kind: Any) -> bool:
    """Whether the readers give values of annotated type ``kind`` that are equal only when
    they are alike (one class per field, no floats: 0.0 and -0.0 are equal), so that what a
    value converts to and whether it passes may be remembered per value."""
    args = get_args(kind)
    if kind in _PLAIN or (isinstance(kind, type) and issubclass(kind, Enum)):
        return True
    if get_origin(kind) in (UnionType, typing.Union):
        return len(args) == 2 and NoneType in args and all(map(_plain, args))
    if get_origin(kind) is tuple:
        return len(args) == 2 and args[1] is Ellipsis and args[0] is not int and _plain(
            args[0])
    return kind is NoneType


_MISSING = object()


def _raw_classes(kind: Any) -> frozenset[type] | None:
    """The classes of the JSON scalars a field of annotated type ``kind`` reads, for a
    :func:`_plain` type that is no tuple: values of one of these classes that are equal are
    alike, so what one reads as may be remembered per value as read. None for others."""
    if not _plain(kind) or get_origin(kind) is tuple:
        return None
    if get_origin(kind) in (UnionType, typing.Union):
        return frozenset().union(*(_raw_classes(arg) or () for arg in get_args(kind)))
    return frozenset({NoneType if kind is NoneType else bool if kind is bool
                      else int if kind is int else str})


def _scalar_read(reader: Reader, vet: Callable[[Any], Any], raw: frozenset[type],
                 memo: dict[Any, Any]) -> Reader:
    """``reader`` then ``vet`` of a JSON scalar, remembered in ``memo`` per value read when
    its class is one of ``raw`` (another, such as ``18.0`` for a whole number, is read
    anew each time)."""
    def read(value: Any, keys: list[int]) -> Any:
        made = vet(reader(value, keys))
        if value.__class__ in raw:
            remember(memo, value, made, _VETTED_MOST)
        return made
    return read


def _vetting(field: attrs.Attribute[Any], probe: object, plain: bool) -> Callable[[Any], Any]:
    """The value ``field`` holds for the value read, converted and checked as the model's
    constructor converts and checks it (raising as it does); for a ``plain`` field (see
    :func:`_plain`), once per distinct value, remembered."""
    convert, validate = field.converter, field.validator
    if convert is not None and not inspect.isfunction(convert):
        raise _Unread  # an attrs Converter takes more than the value: the constructor's

    def vet(value: Any) -> Any:
        made = value if convert is None else convert(value)
        if validate is not None:
            validate(probe, field, made)
        return made
    if not plain:
        return vet
    memo: dict[Any, tuple[Any]] = {}

    def vetted(value: Any) -> Any:
        found = memo.get(value)
        if found is None:
            found = remember(memo, value, (vet(value),), _VETTED_MOST)
        return found[0]
    return vetted
