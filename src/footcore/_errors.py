"""The exception hierarchy: one base class, one subclass per kind of failure.

Every error carries a stable ``code`` (a short string an app can branch on, listed with
what to do about it in ``docs/errors.md``) and, where one applies, ``field``: the path of
the field at fault (``CheckIn.minutes``, ``$.symptoms[0].severity``). Messages are for
people and may change; codes and classes are the contract.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["CheckInConflict", "Conflict", "DuplicateCheckIn", "EngineError", "FootcoreError",
           "InputError", "NotFound", "RulebookError"]

# A message that starts with a field path ("CheckIn.minutes: got ...") names its field.
_LEADING_FIELD = re.compile(r"^([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*|\[\d+\])*): ")
# A converter's message ends with where it went wrong ("expected int @ $.symptoms[0]").
_TRAILING_PATH = re.compile(r" @ (\$[^\s;]*)")


class FootcoreError(Exception):
    """Base class of every error footcore raises on purpose.

    Attributes:
        code: a stable identifier of what went wrong (``"invalid-input"``, ...).
        field: the path of the field at fault, or ``None`` where no field is.
    """

    code: str = "footcore-error"

    def __init__(self, message: str = "", *, code: str | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.field = field

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process pools; keep the code and field, which ``args`` lacks.
        return (_rebuild, (type(self), self.args, self.__dict__))


def _rebuild(kind: type[FootcoreError], args: tuple[Any, ...],
             attributes: dict[str, Any]) -> FootcoreError:
    error = kind.__new__(kind)
    Exception.__init__(error, *args)
    error.__dict__.update(attributes)
    return error


class RulebookError(FootcoreError):
    """A rulebook could not be loaded: the message names the file, the item and the field."""

    code = "invalid-rulebook"

    def __init__(self, message: str, *, file: str | None = None, item: str | None = None,
                 field: str | None = None, code: str | None = None) -> None:
        where = ", ".join(
            part for part in (
                file and f"file {file}",
                item and f"{item}",
                field and f"field {field!r}",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message, code=code, field=field)
        self.file = file
        self.item = item


class InputError(FootcoreError, ValueError):
    """An athlete state, check-in or other argument is invalid: the message names the
    field and what is accepted, and so does ``field`` where the message starts with it."""

    code = "invalid-input"

    def __init__(self, message: str = "", *, code: str | None = None,
                 field: str | None = None) -> None:
        if field is None:
            found = _LEADING_FIELD.match(message) or _TRAILING_PATH.search(message)
            field = found.group(1) if found else None
        super().__init__(message, code=code, field=field)


class NotFound(InputError):
    """What was asked for is not there: no athlete with that id in the store. A web app
    answers 404."""

    code = "not-found"


class Conflict(InputError):
    """The request clashes with what is recorded: an athlete who exists already, or a
    check-in id used before with other content. A web app answers 409."""

    code = "conflict"


class CheckInConflict(Conflict):
    """A check-in whose ``id`` the store holds already for other content: not a retry.

    A retry sends the same content under the same id and gets the stored decision back;
    this one differs, so neither decision is given. ``id`` and ``athlete_id`` say which.
    """

    code = "checkin-conflict"

    def __init__(self, checkin_id: str, athlete_id: str, differs: str) -> None:
        super().__init__(
            f"CheckIn.id: {checkin_id!r} was used for athlete {athlete_id!r} with other "
            f"content ({differs}); accepted: the same content (a retry) or a new id",
            field="CheckIn.id")
        self.id = checkin_id
        self.athlete_id = athlete_id


class DuplicateCheckIn(Conflict):
    """A check-in whose ``id`` the athlete's state already holds: a retry of one counted before.

    An app answers it with the decision it stored for that check-in; ``id`` and ``athlete_id``
    say which.
    """

    code = "duplicate-checkin"

    def __init__(self, checkin_id: str, athlete_id: str, on: str) -> None:
        super().__init__(
            f"CheckIn.id: {checkin_id!r} was already counted for athlete {athlete_id!r} "
            f"(check-in of {on}); accepted: an id this athlete has not used. A retried "
            f"check-in is answered with the decision stored for it.", field="CheckIn.id")
        self.id = checkin_id
        self.athlete_id = athlete_id


class EngineError(FootcoreError):
    """A rule engine backend failed while evaluating; the input was not at fault."""

    code = "engine-failed"
