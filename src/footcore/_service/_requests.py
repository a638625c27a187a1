"""The bodies of the service's requests that are not a model of their own: a new athlete,
an evaluation, an override and a goal change. Each is read field by field into plain
values, refusing what its schema (:mod:`._openapi`) refuses, with the field's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from enum import Enum
from typing import Any

from .._convert import from_dict
from .._enums import REASONS, RULE_ACTIONS, Action, ChangeKind, Goal, Role
from .._errors import InputError
from .._ids import normal_id
from .._models import AthleteState, CheckIn
from .._validators import are_words

__all__ = ["GOAL_CHANGE", "NEW_ATHLETE", "OVERRIDE", "fields", "read_evaluation"]

Reader = Callable[[object, str], Any]


def _shown(value: object) -> str:
    return f"{value!r:.60}"


def words(value: object, at: str) -> str:
    """Words people wrote (a comment), as :class:`~footcore.models.Change` takes them."""
    if not isinstance(value, str) or not are_words(value) or len(value) > 2000:
        raise InputError(f"{at}: got {_shown(value)}; accepted: text of 1 to 2000 "
                         f"characters, not all spaces, without control characters but tabs "
                         f"and line breaks", field=at)
    return value


def ident(value: object, at: str) -> str:
    """An athlete id that a URL path can hold: no '/'."""
    found = normal_id(value, at)
    if "/" in found:
        raise InputError(f"{at}: got {_shown(value)}; accepted: an id without '/', which a "
                         f"URL path cannot hold", code="invalid-id", field=at)
    return found


def boolean(value: object, at: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"{at}: got {_shown(value)}; accepted: true or false", field=at)
    return value


def day(value: object, at: str) -> date:
    try:
        if isinstance(value, str) and len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise InputError(f"{at}: got {_shown(value)}; accepted: a date, YYYY-MM-DD", field=at)


def choice(kind: type[Enum], *members: Enum) -> Reader:
    """A reader of the values of ``kind`` (of ``members`` only, where given)."""
    values = [member.value for member in members or kind]

    def read(value: object, at: str) -> Enum:
        if value not in values:
            raise InputError(f"{at}: got {_shown(value)}; accepted: {', '.join(values)}",
                             field=at)
        return kind(value)
    return read


def reason(kind: ChangeKind) -> Reader:
    """A reader of the reason codes a change of ``kind`` takes (``unknown-reason``)."""
    codes = REASONS[kind]

    def read(value: object, at: str) -> str:
        if value not in codes:
            raise InputError(f"{at}: got {_shown(value)}; accepted: {', '.join(codes)}",
                             code="unknown-reason", field=at)
        return str(value)
    return read


def optional(reader: Reader) -> Reader:
    return lambda value, at: None if value is None else reader(value, at)


# Each body's fields: name -> (reader, required).
NEW_ATHLETE: Mapping[str, tuple[Reader, bool]] = {
    "id": (ident, True), "goal": (choice(Goal), True), "start": (day, True),
    "prior_foot_ankle_problems": (boolean, False), "clinician_cleared": (boolean, False)}
OVERRIDE: Mapping[str, tuple[Reader, bool]] = {
    "on": (day, True), "by": (normal_id, True),
    "role": (choice(Role, Role.COACH, Role.CLINICIAN), True),
    "reason": (reason(ChangeKind.OVERRIDE), True),
    "action": (optional(choice(Action, *RULE_ACTIONS)), False),
    "clearance": (optional(boolean), False),
    "comment": (optional(words), False)}
GOAL_CHANGE: Mapping[str, tuple[Reader, bool]] = {
    "goal": (choice(Goal), True), "on": (day, True), "by": (optional(normal_id), False),
    "role": (optional(choice(Role)), False),
    "reason": (optional(reason(ChangeKind.GOAL)), False),
    "comment": (optional(words), False)}


def fields(data: object, spec: Mapping[str, tuple[Reader, bool]],
           what: str) -> dict[str, Any]:
    """The values of body ``data`` by field name, read as ``spec`` says (a field left out
    is not in the result).

    Raises:
        InputError: ``data`` is not an object, lacks a required field, has one ``spec``
            does not name, or a value is refused; ``field`` is its path (``$.goal``).
    """
    if not isinstance(data, dict):
        raise InputError(f"{what}: expected a JSON object, got {_shown(data)}", field="$")
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise InputError(f"$.{unknown[0]}: not a field of {what}; accepted: "
                         f"{', '.join(spec)}", field=f"$.{unknown[0]}")
    missing = [name for name, (_, required) in spec.items() if required and name not in data]
    if missing:
        raise InputError(f"$.{missing[0]}: required in {what}", field=f"$.{missing[0]}")
    return {name: spec[name][0](value, f"$.{name}") for name, value in data.items()}


def _within(data: object, key: str, kind: type[Any]) -> Any:
    """The model ``kind`` read from ``data[key]``, its error's field path from the body."""
    try:
        return from_dict(data[key] if isinstance(data, dict) else None, kind)
    except InputError as exc:
        path = exc.field or "$"
        field = (f"$.{key}{path[1:]}" if path.startswith("$")
                 else f"$.{key}.{path.partition('.')[2]}" if "." in path else f"$.{key}")
        raise InputError(f"$.{key}: {exc}", code=exc.code, field=field) from None


def read_evaluation(data: object) -> tuple[AthleteState, CheckIn]:
    """The state and check-in of a ``POST /v1/evaluate`` body.

    Raises:
        InputError: as :func:`fields`, and as :func:`footcore.from_dict` for each model.
    """
    if not isinstance(data, dict) or set(data) != {"state", "checkin"}:
        raise InputError('evaluation: expected {"state": an AthleteState, "checkin": a '
                         'CheckIn}', field="$")
    return _within(data, "state", AthleteState), _within(data, "checkin", CheckIn)
