"""The validators and converters of the models' fields.

A validator refuses a value with an :class:`InputError` that names the model, the field
and what is accepted, and carries the JSON Schema hints (:func:`footcore._limits.hint`)
the schemas are written from. A converter takes an enumeration's string value for its
member, a list where a tuple is wanted, and an id in its one spelling; anything else it
leaves for the validator to refuse.
"""

from __future__ import annotations

import math
import re
from datetime import date
from enum import Enum
from typing import Any, TypeVar, cast

import attrs

from ._enums import (
    BackOff,
    Category,
    ChangeKind,
    CompensationKind,
    Goal,
    Location,
    Observation,
    Role,
    Surface,
    SymptomKind,
)
from ._errors import InputError
from ._ids import normal_id
from ._limits import MAX_INT, hint, limit

__all__ = [
    "as_tuple",
    "day",
    "flag",
    "float_or_none",
    "instance_of",
    "int_range",
    "member_of",
    "one_of",
    "opt_day",
    "opt_number",
    "opt_text",
    "opt_words",
    "sha256",
    "text",
    "to_athlete_id",
    "to_awareness",
    "to_back_off",
    "to_category",
    "to_change_by",
    "to_change_kind",
    "to_checkin_id",
    "to_compensation_kind",
    "to_goal",
    "to_goals",
    "to_location",
    "to_observations",
    "to_plan_athlete_id",
    "to_ref_id",
    "to_role",
    "to_surface",
    "to_symptom_kind",
    "tuple_of",
]


def _fail(inst: object, attribute: attrs.Attribute[Any], accepted: str, value: object) -> None:
    raise InputError(
        f"{type(inst).__name__}.{attribute.name}: got {value!r}; accepted: {accepted}")


def member_of(kind: type) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            names = ", ".join(repr(member.value) for member in kind)  # type: ignore[attr-defined]
            _fail(inst, attribute, f"a {kind.__name__} ({names})", value)
    return check


def int_range(low: int, high: int | None = None) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if (not isinstance(value, int) or isinstance(value, bool) or value < low
                or (high is not None and value > high)):
            span = f"{low} to {high}" if high is not None else f"{low} or more"
            _fail(inst, attribute, f"a whole number {span}", value)
    return hint(check, minimum=low, maximum=MAX_INT if high is None else high)


def float_or_none(value: Any) -> Any:
    """Store whole numbers as floats, so equal metrics always serialise alike."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT:
        return float(value)
    return value


E = TypeVar("E", bound=Enum)


def _coerce(kind: type[E], value: E | str) -> E:
    """Accept an enum's string value for the member; leave anything else to the validator."""
    if isinstance(value, str) and not isinstance(value, kind):
        try:
            return kind(value)
        except ValueError:
            pass
    return cast(E, value)


def to_symptom_kind(value: SymptomKind | str) -> SymptomKind:
    return _coerce(SymptomKind, value)

def to_location(value: Location | str) -> Location:
    return _coerce(Location, value)

def to_compensation_kind(value: CompensationKind | str) -> CompensationKind:
    return _coerce(CompensationKind, value)

def to_goal(value: Goal | str) -> Goal:
    return _coerce(Goal, value)

def to_change_kind(value: ChangeKind | str) -> ChangeKind:
    return _coerce(ChangeKind, value)

def to_role(value: Role | str | None) -> Role | None:
    return None if value is None else _coerce(Role, value)

def to_goals(value: Any) -> Any:
    value = as_tuple(value)
    return tuple(to_goal(v) for v in value) if isinstance(value, tuple) else value

def to_back_off(value: BackOff | str) -> BackOff:
    return _coerce(BackOff, value)

def to_observations(value: Any) -> Any:
    value = as_tuple(value)
    return (tuple(_coerce(Observation, v) for v in value) if isinstance(value, tuple)
            else value)

def to_awareness(value: Any) -> Any:
    """Observations as a set, written in the enum's order: each once, equal sets alike."""
    value = to_observations(value)
    if isinstance(value, tuple) and all(isinstance(v, Observation) for v in value):
        return tuple(o for o in Observation if o in value)
    return value

def to_category(value: Category | str) -> Category:
    return _coerce(Category, value)

def to_surface(value: Surface | str) -> Surface:
    return _coerce(Surface, value)


def opt_number(low: float, high: float | None = None) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if (not isinstance(value, float) or not math.isfinite(value) or value < low
                or (high is not None and value > high)):
            span = f"{low} to {high}" if high is not None else f"{low} or more"
            _fail(inst, attribute, f"a finite number {span}, or null when not measured", value)
    return hint(check, minimum=low) if high is None else hint(check, minimum=low, maximum=high)


def instance_of(kind: type, accepted: str) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind) or (kind in (int, date) and isinstance(value, bool)):
            _fail(inst, attribute, accepted, value)
    return check


def tuple_of(kind: type, accepted: str) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
            _fail(inst, attribute, f"a tuple of {accepted}", value)
    return check


def as_tuple(value: Any) -> Any:
    """Accept a list where a tuple is wanted; anything else is left for the validator."""
    return tuple(value) if isinstance(value, list) else value


SPACES = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""What ``str.strip`` strips (``str.isspace``), as ranges of a pattern's class in escapes
that Python, ECMA-262 and Rust read alike: a JSON Schema's ``\\s`` is ECMA-262's, which
differs (U+001C to U+001F and U+0085 are no spaces there, U+FEFF is one)."""


def text(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        _fail(inst, attribute, "a non-empty string", value)


hint(text, pattern=f"[^{SPACES}]")


def opt_text(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        text(inst, attribute, value)


hint(opt_text, pattern=f"[^{SPACES}]")


_ID_SCHEMA = {
    "pattern": "^[!-~]([ -~]*[!-~])?$",
    "description": f"An id: 1 to {limit('id_length')} printable characters, the first and "
                   f"last visible (no leading or trailing space), kept in Unicode NFC. This "
                   f"schema takes printable ASCII; from_json takes any such Unicode text.",
}


# The converters of athlete and check-in ids: the id in Unicode NFC, or InputError (code
# invalid-id) for a text that is no id (footcore._ids).

def to_athlete_id(value: object) -> str:
    return normal_id(value, "AthleteState.athlete_id")


def to_plan_athlete_id(value: object) -> str:
    return normal_id(value, "WeekPlan.athlete_id")


def to_checkin_id(value: object) -> str | None:
    return None if value is None else normal_id(value, "CheckIn.id")


def to_ref_id(value: object) -> str:
    return normal_id(value, "CheckInRef.id")


def to_change_by(value: object) -> str | None:
    return None if value is None else normal_id(value, "Change.by")


for _convert in (to_athlete_id, to_plan_athlete_id, to_checkin_id, to_ref_id, to_change_by):
    hint(_convert, **_ID_SCHEMA)

_CONTROL = "\x00-\x08\x0b-\x1f\x7f"  # control characters but tab and line breaks
_CONTROLS = re.compile(f"[{_CONTROL}]")


def are_words(value: str) -> bool:
    """Whether ``value`` is words people wrote (a comment): text with a visible character
    and no control characters but tabs and line breaks."""
    return bool(value.strip()) and not _CONTROLS.search(value)


def opt_words(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """Words people wrote (:func:`are_words`), or None."""
    if value is None:
        return
    text(inst, attribute, value)
    if not are_words(str(value)):
        _fail(inst, attribute, "text without control characters (tabs and line breaks "
                               "are fine)", value)


hint(opt_words, pattern=f"^[^{_CONTROL}]*[^{SPACES}{_CONTROL}][^{_CONTROL}]*$")


def sha256(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        _fail(inst, attribute, "a sha256 digest: 64 hex digits, lower case", value)


_SHA256 = re.compile("[0-9a-f]{64}")
hint(sha256, pattern="^[0-9a-f]{64}$")


def one_of(*choices: str) -> Any:
    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value not in choices:
            _fail(inst, attribute, f"one of {', '.join(map(repr, choices))}", value)
    return hint(check, enum=list(choices))


def day(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if type(value) is not date:
        _fail(inst, attribute, "a date (ISO format YYYY-MM-DD in JSON)", value)


def opt_day(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        day(inst, attribute, value)


def flag(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        _fail(inst, attribute, "true or false", value)
