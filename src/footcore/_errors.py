"""The exception hierarchy: one base class, one subclass per kind of failure."""

from __future__ import annotations

__all__ = ["DuplicateCheckIn", "EngineError", "FootcoreError", "InputError", "RulebookError"]


class FootcoreError(Exception):
    """Base class of every error footcore raises on purpose."""


class RulebookError(FootcoreError):
    """A rulebook could not be loaded: the message names the file, the item and the field."""

    def __init__(self, message: str, *, file: str | None = None, item: str | None = None,
                 field: str | None = None) -> None:
        where = ", ".join(
            part for part in (
                file and f"file {file}",
                item and f"{item}",
                field and f"field {field!r}",
            ) if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.item = item
        self.field = field


class InputError(FootcoreError, ValueError):
    """An athlete state or check-in is invalid: the message names the field and what is accepted."""


class DuplicateCheckIn(InputError):
    """A check-in whose ``id`` the athlete's state already holds: a retry of one counted before.

    An app answers it with the decision it stored for that check-in; ``id`` and ``athlete_id``
    say which.
    """

    def __init__(self, checkin_id: str, athlete_id: str, on: str) -> None:
        super().__init__(
            f"CheckIn.id: {checkin_id!r} was already counted for athlete {athlete_id!r} "
            f"(check-in of {on}); accepted: an id this athlete has not used. A retried "
            f"check-in is answered with the decision stored for it.")
        self.id = checkin_id
        self.athlete_id = athlete_id


class EngineError(FootcoreError):
    """A rule engine backend failed while evaluating; the input was not at fault."""
