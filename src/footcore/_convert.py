"""The one cattrs converter footcore uses for JSON and for rulebook files.

It is strict: a string is never made into a number or a number into a string, so bad
input is reported rather than coerced. Structuring errors are turned into
:class:`InputError` messages that carry the path of the offending field.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from collections.abc import Iterator
from datetime import date
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, list_structure_factory
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

from ._canonical import Unwritable, write
from ._data import builder, plain
from ._enums import NamedEnum
from ._errors import FootcoreError, InputError
from ._jsonparse import check_json_data, parse_json
from ._limits import check_data, whole
from ._memo import keep_latest, remember
from ._models import AthleteState, Firing, Metrics, PlanItem, Session, Unmet
from ._reading import read, typed_matches

__all__ = ["describe_error", "from_dict", "from_json", "make_converter", "to_dict", "to_json"]

T = TypeVar("T")


def _is_homogeneous(kind: object) -> bool:
    args = get_args(kind)
    return get_origin(kind) is list or (
        get_origin(kind) is tuple and len(args) == 2 and args[1] is Ellipsis)


def _shown(value: object, width: int = 60) -> str:
    """A value as JSON writes it (``null``, ``true``, ``"text"``), cut to ``width``
    characters: what the messages about a document's fields show."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= width else f"{text[:width - 3]}..."


def _sequence_hook(kind: Any, converter: cattrs.Converter) -> Any:
    """Lists and tuples as cattrs makes them, from a list (or tuple) only: a lone string
    would become a sequence of its characters, and null or a number would fail inside
    cattrs with Python's words ("'NoneType' object is not iterable")."""
    if get_origin(kind) is list:
        inner = list_structure_factory(kind, converter)
    else:
        inner = homogenous_tuple_structure_factory(kind, converter)

    def structure(value: object, target: Any) -> Any:
        if not isinstance(value, list | tuple):
            raise TypeError(f"expected a list, got {_shown(value)}")
        return inner(value, target)

    return structure


_WEEK_PARTS = (PlanItem, Session)
_REMEMBERED_MOST = 1024


def _is_week_part(kind: object) -> bool:
    return _is_homogeneous(kind) and get_args(kind)[0] in _WEEK_PARTS


def _week_hook(kind: Any, converter: cattrs.Converter) -> Any:
    """A week's sessions or habits, checked and built once per distinct data: they are most
    of a decision and repeat from decision to decision. The data's JSON text is its key (it
    tells every type, value and key order apart); equal data gives the same objects."""
    inner = _sequence_hook(kind, converter)
    memo: dict[str, Any] = {}

    def structure(value: object, target: Any) -> Any:
        try:
            key = json.dumps(value)
        except (TypeError, ValueError):  # not JSON data: structure it as it is
            return inner(value, target)
        found = memo.get(key)
        if found is None:
            found = remember(memo, key, inner(value, target), _REMEMBERED_MOST)
        return found

    return structure


def _strict_str(value: object, _: type) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {_shown(value)}")
    return value


def _strict_int(value: object, _: type) -> int:
    """A whole number; a number with a zero fraction (``18.0``, ``1e1``, ``-0.0``) is one, as
    JSON Schema and JavaScript read it, and reads as the int it equals."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and (number := whole(value)) is not None:
        return number
    if isinstance(value, float) and value.is_integer():
        raise ValueError(f"expected a whole number within +-(2**53 - 1), got {_shown(value)}")
    raise TypeError(f"expected a whole number, got {_shown(value)}")


def _strict_float(value: object, _: type) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise TypeError(f"expected a finite number, got {_shown(value)}")
    return float(value)


def _number(value: object, _: object) -> int | float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise TypeError(f"expected a finite number, got {_shown(value)}")
    return value


def _strict_bool(value: object, _: type) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {_shown(value)}")
    return value


def _enum_member(value: object, kind: type[Enum]) -> Enum:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(_shown(member.value) for member in kind)
        raise ValueError(f"expected one of {names}, got {_shown(value)}") from None


_DAY = re.compile("[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object, _: type) -> date:
    if type(value) is date:
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise TypeError(f"expected a date as YYYY-MM-DD, got {_shown(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {_shown(value)}") from None


def _matched(value: object, _: type) -> tuple[tuple[str, bool | int | float | str], ...]:
    if not isinstance(value, dict):
        raise TypeError(f"expected an object of fact fields, got {_shown(value)}")
    return tuple(value.items())


_SCALARS = (bool, int, float, str)


def _scalar(value: object) -> bool | int | float | str:
    if not isinstance(value, _SCALARS) or (isinstance(value, float) and not math.isfinite(value)):
        raise TypeError(f"expected true, false, a finite number or a string, got {_shown(value)}")
    return value


def _needed(value: object, _: object) -> bool | int | float | str | tuple[Any, ...]:
    if isinstance(value, list):
        return tuple(_scalar(v) for v in value)
    return _scalar(value)


def _actual(value: object, _: object) -> bool | int | float | str | None:
    return None if value is None else _scalar(value)


def _metrics_out(metrics: Metrics) -> dict[str, float | None]:
    return {
        "balance_eyes_open_s": metrics.balance_eyes_open_s,
        "balance_eyes_closed_s": metrics.balance_eyes_closed_s,
        "forefoot_symmetry": metrics.forefoot_symmetry,
        "foot_fatigue": metrics.foot_fatigue,
    }


def make_converter() -> cattrs.Converter:
    """Build the converter: strict scalars, ISO dates, enums by value, unknown keys rejected."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(float, _strict_float)
    converter.register_structure_hook(bool, _strict_bool)
    converter.register_structure_hook_func(lambda t: t == int | float, _number)
    converter.register_structure_hook_factory(_is_homogeneous, _sequence_hook)
    converter.register_structure_hook_factory(_is_week_part, _week_hook)
    # Registered on the enums' own base, which comes before ``str`` in their MRO.
    converter.register_structure_hook(NamedEnum, _enum_member)
    converter.register_structure_hook(date, _iso_date)
    converter.register_unstructure_hook(date, date.isoformat)
    converter.register_unstructure_hook(Metrics, _metrics_out)
    converter.register_unstructure_hook(
        Firing,
        cattrs.gen.make_dict_unstructure_fn(
            Firing, converter,
            matched=cattrs.gen.override(unstruct_hook=dict),
        ),
    )
    firing = cattrs.gen.make_dict_structure_fn(
        Firing, converter, _cattrs_forbid_extra_keys=True,
        matched=cattrs.gen.override(struct_hook=_matched))
    converter.register_structure_hook(
        Firing, lambda value, kind: typed_matches(firing(value, kind)))
    converter.register_structure_hook(
        Unmet,
        cattrs.gen.make_dict_structure_fn(
            Unmet, converter, _cattrs_forbid_extra_keys=True,
            needed=cattrs.gen.override(struct_hook=_needed),
            actual=cattrs.gen.override(struct_hook=_actual),
        ),
    )
    return converter


CONVERTER = make_converter()


def _format(exc: BaseException, kind: type | None) -> str:
    if isinstance(exc, ForbiddenExtraKeysError):
        return f"unknown field(s) {', '.join(sorted(exc.extra_fields))}"
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, FootcoreError):
        return str(exc)
    if (isinstance(kind, type) and attrs.has(kind)
            and isinstance(exc, AttributeError | TypeError)):
        # a model's fields read from something that is no mapping: cattrs' own words
        # ("'str' object has no attribute 'keys'") would speak Python
        return "expected an object of named fields (a table in TOML)"
    if isinstance(exc, TypeError | ValueError):
        return str(exc)
    return f"invalid value ({exc})"


def describe_error(exc: BaseException) -> str:
    """One line per problem in a cattrs structuring error, each with its path."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        return "; ".join(cattrs.transform_error(exc, path="$", format_exception=_format))
    return _format(exc, None)


def structure(data: object, kind: type[T], what: str) -> T:
    """Structure ``data`` into ``kind``, raising :class:`InputError` that names the fields."""
    if attrs.has(kind) and not isinstance(data, dict):
        raise InputError(f"invalid {what}: expected a JSON object, got {data!r:.60}")
    try:
        check_data(data, kind)
        return CONVERTER.structure(data, kind)
    except InputError as exc:
        raise InputError(f"invalid {what}: {exc}", code=exc.code) from None
    except (ClassValidationError, IterableValidationError, TypeError, ValueError, KeyError) as exc:
        raise _refusal(exc, what) from None


def _refusal(exc: BaseException, what: str) -> InputError:
    """The error for the structuring problems of ``exc``: with the code they all share
    (``invalid-id`` for ids alone), and, for one problem a model raised about its field
    (``CheckIn.id: ...``), that field's path (``$.checkin.id``, not the model's)."""
    error = InputError(f"invalid {what}: {describe_error(exc)}")
    leaves = list(_leaves(exc))
    codes = {leaf.code if isinstance(leaf, FootcoreError) else error.code for leaf in leaves}
    if len(codes) == 1:
        error.code = codes.pop()
    if len(leaves) == 1 and isinstance(leaves[0], FootcoreError) and error.field:
        named = _MODEL_FIELD.match(leaves[0].field or "")
        if named:
            error.field += named.group(1)
    return error


_MODEL_FIELD = re.compile(r"^[A-Z]\w*(\..+)$")  # Model.field...: the field's own path


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def _check_model(value: object) -> None:
    if not attrs.has(type(value)):
        raise InputError(f"value: got {type(value).__name__}; accepted: a footcore model "
                         f"(a Decision, an AthleteState, a CheckIn...)")


def _check_kind(kind: object) -> None:
    if not (isinstance(kind, type) and attrs.has(kind)):
        raise InputError(f"kind: got {kind!r:.60}; accepted: a footcore model class "
                         f"(fc.CheckIn, fc.AthleteState, fc.Decision...)")


# The states this process wrote lately, by their text: an app writes an athlete's state and
# reads it back at their next check-in (bench_speed.py, "app path"), for over a thousand
# athletes served in turn ("athletes in turn"). A state's text reads back as an equal state
# (the property tests check it), so the text of one written here reads as that very state,
# and the engine's and the writer's memos, which know it, answer for it again.
_WRITTEN_MOST = 2048
_written: OrderedDict[str, AthleteState] = OrderedDict()


def to_json(value: object, *, indent: int | None = None) -> str:
    """Serialise a footcore model (a Decision, a state, a check-in...) as JSON.

    The output is canonical: keys sorted, so the same value always gives the same text.
    """
    _check_model(value)
    if indent is None:
        try:
            text = write(value)
        except Unwritable:
            pass  # the general path below answers, or fails as it always has
        else:
            if value.__class__ is AthleteState:
                keep_latest(_written, text, value, _WRITTEN_MOST)
            return text
    return json.dumps(CONVERTER.unstructure(value), sort_keys=True, indent=indent,
                      ensure_ascii=False, allow_nan=False)


def from_json(text: str | bytes, kind: type[T]) -> T:
    """Parse JSON made by :func:`to_json` (or by an app) into the model ``kind``.

    The text is read within footcore's limits (size, nesting, integer digits, list and
    text lengths: see the limits in the embedding docs), before any object is built; a key
    given twice is refused, and dates are ``YYYY-MM-DD`` only.

    Raises:
        InputError: the text is not JSON, breaks a limit, or a field is missing, unknown
            or invalid; the message gives the path of each offending field.
    """
    _check_kind(kind)
    if kind is AthleteState and text.__class__ is str:
        written = _written.get(text)
        if written is not None:
            return written  # type: ignore[return-value]
    made = read(text, kind)
    if made is not None:
        return made
    data: Any = parse_json(text, kind.__name__)
    return structure(data, kind, kind.__name__)


def to_dict(value: object) -> dict[str, Any]:
    """A footcore model as plain JSON data: exactly ``json.loads(to_json(value))`` (keys
    sorted; dates as ``YYYY-MM-DD``; enums as their values; lists for tuples), without
    writing and parsing the text. For a web framework that serialises dicts itself."""
    _check_model(value)
    build = builder(type(value))
    made: dict[str, Any] = (build(value) if build is not None
                            else plain(CONVERTER.unstructure(value)))
    return made


def from_dict(data: object, kind: type[T]) -> T:
    """Read the model ``kind`` from plain JSON data (what ``json.loads`` gives, or a web
    framework's parsed body), with every check :func:`from_json` makes: the same error
    codes, and the same field paths in the messages.

    Raises:
        InputError: ``data`` holds what JSON cannot (a date, a tuple, a NaN, a key that is
            no string...), breaks a limit, or a field is missing, unknown or invalid; the
            message gives the path of each offending field.
    """
    _check_kind(kind)
    check_json_data(data, kind.__name__)
    return structure(data, kind, kind.__name__)
