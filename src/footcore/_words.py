"""Counting and dating in words, as people write it: ``1 athlete``, ``2 athletes``,
``7 Jan 2026``."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._models import Dose

__all__ = ["counted", "day", "prescribed", "seconds"]


def counted(count: int, one: str, many: str | None = None) -> str:
    """``count`` and the noun that agrees with it: ``one`` for exactly 1, else ``many``
    (default: ``one`` with an ``s``)."""
    return f"{count} {one if count == 1 else many or one + 's'}"


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day(on: date) -> str:
    """A date as people write it, the same in every locale: ``7 Jan 2026``."""
    return f"{on.day} {_MONTHS[on.month - 1]} {on.year}"


def seconds(count: int) -> str:
    """A length of time as people say it: ``45 s``, ``1 min``, ``2 min 30 s``."""
    if count < 60:
        return f"{count} s"
    minutes, rest = divmod(count, 60)
    return f"{minutes} min" + (f" {rest} s" if rest else "")


_TIMES = {1: "once a day", 2: "twice a day"}


def prescribed(dose: Dose) -> str | None:
    """What to do, for a dose not written as sets of reps (P10, P11): a duration
    (``2 x 30 s``), times a day (``10 reps, 3 times a day``) or a plain instruction
    (``every day``); None for sets of reps, which each view writes its own way."""
    band = f", {dose.resistance}" if dose.resistance != "none" else ""
    if dose.form == "duration":
        bout = seconds(dose.hold_s)
        return (bout if dose.sets == 1 else f"{dose.sets} x {bout}") + band
    if dose.form == "daily":
        each = (f"{dose.reps} reps" + (f", {dose.hold_s} s hold" if dose.hold_s else "")
                if dose.reps > 1 else seconds(dose.hold_s) if dose.hold_s else "")
        times = _TIMES.get(dose.sets, f"{dose.sets} times a day")
        return (f"{each}, {times}" if each else times) + band
    if dose.form == "instruction":
        return "every day"
    return None
