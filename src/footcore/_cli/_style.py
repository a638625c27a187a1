"""Colour for a person at a terminal: plain text when the output is piped or redirected, or
when ``NO_COLOR`` is set (https://no-color.org), so scripts and files never see escapes."""

from __future__ import annotations

import os
from typing import IO

from .._enums import Action

__all__ = ["ACTION_ROLES", "PLAIN", "Paint", "paint_for"]

_CODES = {"bad": "31", "warn": "33", "good": "32", "bold": "1", "dim": "2"}

ACTION_ROLES = {Action.PAUSE: "bad", Action.REGRESS: "bad", Action.REST: "warn",
                Action.DELOAD: "warn", Action.HOLD: "", Action.PROGRESS: "good",
                Action.ADVANCE: "good"}
"""How each action is coloured: back-offs in red and yellow, the load rising in green."""


class Paint:
    """``paint(text, role)``: ``text`` in the colour of ``role`` (bad, warn, good, bold,
    dim; an empty role leaves it plain), or plain when colour is off."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, role: str) -> str:
        if not (self.on and role and text):
            return text
        return f"\033[{_CODES[role]}m{text}\033[0m"


PLAIN = Paint(False)
"""No colour."""


def paint_for(stream: IO[str]) -> Paint:
    """Colour on where ``stream`` is a terminal and ``NO_COLOR`` is unset or empty."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        tty = False
    return Paint(tty and not os.environ.get("NO_COLOR"))
