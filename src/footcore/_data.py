"""Canonical JSON data of footcore's documents, built straight from the objects: what
``json.loads(to_json(value))`` gives, without writing and parsing the text (for
:func:`footcore.to_dict`).

Each document class (one whose fields check themselves: check-ins, states, decisions and
what they hold) gets one generated function that builds its dict with the keys already
sorted: scalars as they are, enums as their values, dates as ``YYYY-MM-DD``, tuples as
lists, a firing's matched fields as an object (keys sorted, as the converter writes them)
and the documents it holds by their own functions. Any other class, and any field type
this builder does not know, is left to the general path: the converter's data, made plain
the way the json module reads it back. The property tests hold the two equal.

Why generated: ``benchmarks/bench_speed.py`` ("to_dict / json.loads(to_json)") measured the
builders at 0.59x the string round trip they replace (3 rounds, spread 0.58-0.60; 0.45x
before they made subclasses of str, int and float plain).
"""

from __future__ import annotations

import functools
import math
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from types import NoneType, UnionType
from typing import Any, get_args, get_origin

import attrs

from ._limits import checks_itself, type_hints
from ._models import Firing

__all__ = ["builder", "plain"]

Builder = Callable[[Any], Any]
_SCALARS = (bool, int, float, str)
# A subclass's value as the plain type, as json writes it (bool cannot be subclassed).
_EXACT: dict[type, Callable[[Any], Any]] = {str: str.__str__, int: int.__int__,
                                            float: float.__float__}


def plain(data: Any) -> Any:
    """Unstructured data as the json module reads it back: enums as their values, tuples as
    lists, keys sorted, numbers finite (as :func:`footcore.to_json` requires), and a
    subclass of str, int, float, dict or list as the plain type (an app's str subclass held
    as an id comes back a str)."""
    kind = type(data)
    if kind is dict:
        return {key: plain(data[key]) for key in sorted(data)}
    if kind is list or kind is tuple:
        return [plain(item) for item in data]
    if kind is float and not math.isfinite(data):
        raise ValueError(f"Out of range float values are not JSON compliant: {data!r}")
    if kind in _SCALARS or data is None:
        return data
    if isinstance(data, Enum):
        return plain(data.value)
    if isinstance(data, dict):
        return plain(dict(data))
    if isinstance(data, list | tuple):
        return plain(list(data))
    for base, exact in _EXACT.items():
        if isinstance(data, base):
            return plain(exact(data))
    return data


def _matched(pairs: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    fields = dict(pairs)
    return {name: plain(fields[name]) for name in sorted(fields)}


class _Unknown(Exception):
    """A field type this builder does not know: the general path builds the class."""


def _source(kind: Any, at: str, namespace: dict[str, Any]) -> str:
    """The expression that builds the data of ``at``, of annotated type ``kind``; helpers
    it calls are added to ``namespace``."""
    if kind in (bool, NoneType):  # neither can be subclassed
        return at
    if kind in (str, int, float):
        namespace["_plain"] = plain
        return f"({at} if {at}.__class__ is {kind.__name__} else _plain({at}))"
    if kind == int | float:
        return _scalar(at, namespace)
    if isinstance(kind, type) and issubclass(kind, Enum) and issubclass(kind, str):
        return f"{at}.value"
    if kind is date:
        return f"{at}.isoformat()"
    if isinstance(kind, type) and attrs.has(kind):
        inner = builder(kind)
        if inner is None:
            raise _Unknown(kind)
        name = f"_b{len(namespace)}"
        namespace[name] = inner
        return f"{name}({at})"
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _source(args[0], "_i", namespace)
        return f"list({at})" if item == "_i" else f"[{item} for _i in {at}]"
    if origin in (UnionType, typing.Union):
        if all(arg in (*_SCALARS, NoneType) for arg in args):
            return _scalar(at, namespace)
        if len(args) == 2 and NoneType in args:
            other = next(arg for arg in args if arg is not NoneType)
            name = f"_o{len(namespace)}"
            namespace[name] = _optional(_compiled(other, namespace))
            return f"{name}({at})"
        namespace["_plain"] = plain
        return f"_plain({at})"
    raise _Unknown(kind)


def _scalar(at: str, namespace: dict[str, Any]) -> str:
    """``at`` as it is when of a plain type (nearly always), else made plain."""
    namespace["_plain"], namespace["_plain_types"] = plain, frozenset((*_SCALARS, NoneType))
    return f"({at} if {at}.__class__ in _plain_types else _plain({at}))"


def _compiled(kind: Any, namespace: dict[str, Any]) -> Builder:
    body = _source(kind, "value", namespace)
    scope = dict(namespace)
    exec(compile(f"def build(value):\n    return {body}", "<footcore data>", "exec"), scope)
    built: Builder = scope["build"]
    return built


def _optional(inner: Builder) -> Builder:
    return lambda value: None if value is None else inner(value)


def builder(kind: Any) -> Builder | None:
    """The generated function that builds the data of an instance of ``kind``, or None when
    the general path must (not a document class, or a field type not known here)."""
    return _builder(kind)


@functools.cache
def _builder(kind: Any) -> Builder | None:
    if not (attrs.has(kind) and checks_itself(kind)):
        return None
    namespace: dict[str, Any] = {}
    hints = type_hints(kind)
    parts = []
    try:
        for name in sorted(field.name for field in attrs.fields(kind)):
            if (kind, name) == (Firing, "matched"):
                namespace["_matched"] = _matched
                parts.append(f"{name!r}: _matched(value.{name})")
            else:
                parts.append(f"{name!r}: {_source(hints[name], f'value.{name}', namespace)}")
    except _Unknown:
        return None
    exec(compile("def build(value):\n    return {" + ", ".join(parts) + "}",
                 f"<footcore data {kind.__name__}>", "exec"), namespace)
    built: Builder = namespace["build"]
    return built
