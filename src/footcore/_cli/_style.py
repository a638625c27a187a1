"""What the commands print, made safe and coloured for a terminal.

Text read from files, stores and rulebooks is printed with its control characters escaped
(:func:`shown`), so a rule summary or an exercise name cannot set the window title, clear
the screen or write to the clipboard. Colour is for a person at a terminal: plain text
when the output is piped or redirected, or when ``NO_COLOR`` is set
(https://no-color.org), so scripts and files never see escapes.
"""

from __future__ import annotations

import os
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, TextIO, cast

from .._enums import Action

__all__ = ["ACTION_ROLES", "PLAIN", "Paint", "escaping_output", "paint_for", "shown"]

_CODES = {"bad": "31", "warn": "33", "good": "32", "bold": "1", "dim": "2"}

# Paint marks its colour codes with a lone high surrogate where ESC goes, and shown() makes
# that ESC. No text footcore reads can hold one: UTF-8 decoding, the JSON and TOML parsers
# and the surrogate escapes of command-line arguments (U+DC80-U+DCFF) never make it.
_MARK = "\udbff"
_SHOWN = re.compile(
    r"(?P<colour>\udbff\[[0-9]{1,2}m)"  # a colour code of Paint's
    # C0 controls but tab and newline, DEL, C1 controls, bidirectional embeddings,
    # overrides and isolates, and lone surrogates (which no terminal encoding can write)
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def shown(text: str, *, colour: bool = False) -> str:
    """``text`` as it may reach a terminal: each control character written as a ``\\uXXXX``
    escape (which JSON reads back as the same character), tab and newline kept; the colour
    codes :class:`Paint` added made real with ``colour``, dropped without.

    Escaped: C0 controls but tab and newline (ESC starts every terminal command), DEL, C1
    controls (8-bit terminal commands), the bidirectional overrides, embeddings and
    isolates U+202A-U+202E and U+2066-U+2069 (which make text read in another order than
    it is stored), and lone surrogates.
    """
    def replace(match: re.Match[str]) -> str:
        if match.group("colour"):
            return "\x1b" + match.group()[1:] if colour else ""
        return f"\\u{ord(match.group()):04x}"

    return _SHOWN.sub(replace, text)


class _Escaping:
    """A text stream whose writes go through :func:`shown`."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._colour = paint_for(stream).on

    def write(self, text: str) -> int:
        self._stream.write(shown(text, colour=self._colour))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _show_warning(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
    """Show a warning as Python does, escaped (a font may warn of a glyph it lacks for a
    control character in a chart's label)."""
    text = warnings.formatwarning(message, category, filename, lineno, line)
    (file or sys.stderr).write(shown(text))


@contextmanager
def escaping_output() -> Iterator[None]:
    """Everything printed to standard output in the block, and every warning shown, goes
    through :func:`shown`, so every command prints text from files and rulebooks escaped,
    whatever prints it."""
    real = sys.stdout
    sys.stdout = cast(TextIO, _Escaping(real))
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            yield
    finally:
        sys.stdout = real

ACTION_ROLES = {Action.PAUSE: "bad", Action.REGRESS: "bad", Action.REST: "warn",
                Action.DELOAD: "warn", Action.EASE: "warn", Action.HOLD: "",
                Action.PROGRESS: "good", Action.ADVANCE: "good", Action.RETARGET: "",
                Action.UPGRADE: ""}
"""How each action is coloured: back-offs in red and yellow, the load rising in green."""


class Paint:
    """``paint(text, role)``: ``text`` in the colour of ``role`` (bad, warn, good, bold,
    dim; an empty role leaves it plain), or plain when colour is off. The colour codes
    become real when the text goes through :func:`shown` (which everything printed does)."""

    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, role: str) -> str:
        if not (self.on and role and text):
            return text
        return f"{_MARK}[{_CODES[role]}m{text}{_MARK}[0m"


PLAIN = Paint(False)
"""No colour."""


def paint_for(stream: IO[str]) -> Paint:
    """Colour on where ``stream`` is a terminal and ``NO_COLOR`` is unset or empty."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        tty = False
    return Paint(tty and not os.environ.get("NO_COLOR"))
