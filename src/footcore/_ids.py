"""Athlete and check-in ids: which texts are accepted, and the one spelling each is kept in.

An app's ids reach footcore from forms, URLs and other systems, where the same name comes
composed (``café``, é one character) or decomposed (e followed by a combining accent), and
where a stray space or an invisible character is easy to add and impossible to see. An id
is therefore kept in Unicode's composed form, NFC, so that every spelling of one name is
one id; and a text is refused when it does not show what it is:

- it is empty, or longer than ``id_length`` characters (as given, and once composed);
- it holds a character that is not printable (``str.isprintable``): a control or format
  character (zero width space, byte order mark, direction marks), a lone surrogate, a
  private-use or unassigned code point, a line or paragraph separator, or a space other
  than U+0020;
- it does not start with a visible character, or does not end with one (followed by its
  combining marks, if any). Visible: a letter, number, punctuation mark or symbol, other
  than those that show nothing (U+2800 BRAILLE PATTERN BLANK and the Hangul fillers).

So a leading or trailing space, a text of spaces or blanks, and combining marks alone are
all refused.
"""

from __future__ import annotations

import unicodedata

from ._errors import InputError
from ._limits import limit

__all__ = ["normal_id"]

_MOST = limit("id_length")
# Letters and symbols that show nothing: Unicode's Default_Ignorable letters (the Hangul
# fillers) and the blank braille pattern.
_BLANK = frozenset("\u115f\u1160\u2800\u3164\uffa0")
_ACCEPTED = (f"1 to {_MOST} printable characters, the first and last visible; "
             f"kept in Unicode NFC")


def normal_id(value: object, field: str) -> str:
    """The id ``value`` as footcore keeps it: in Unicode NFC.

    Args:
        value: the id as given.
        field: the name of the field or argument it was given as, for the error.

    Raises:
        InputError: code ``invalid-id``, naming ``field``, when ``value`` is not an id
            (see the module's docstring); code ``invalid-input`` when it is not a string.
    """
    # Most ids are printable ASCII: already NFC, visible but for the space.
    if (type(value) is str and value.isascii() and 0 < len(value) <= _MOST
            and value.isprintable() and value[0] != " " and value[-1] != " "):
        return value
    if not isinstance(value, str):
        raise InputError(f"{field}: got {value!r:.80}; accepted: a string", field=field)
    text = value  # composed only when short enough to be an id
    if len(value) <= _MOST and not unicodedata.is_normalized("NFC", value):
        text = unicodedata.normalize("NFC", value)
    problem = _problem(value, text)
    if problem:
        raise InputError(f"{field}: got {value!r:.80} ({problem}); accepted: {_ACCEPTED}",
                         code="invalid-id", field=field)
    return text


def _problem(given: str, text: str) -> str | None:
    """What is wrong with the id ``given``, ``text`` once composed; None when nothing is."""
    if not text:
        return "empty"
    if max(len(given), len(text)) > _MOST:
        return f"{max(len(given), len(text))} characters"
    for char in text:
        if not char.isprintable():
            return f"holds {_named(char)}"
    if not any(map(_visible, text)):
        return "no visible character"
    if not _visible(text[0]):
        return f"starts with {_named(text[0])}"
    end = len(text) - 1
    while unicodedata.category(text[end])[0] == "M":  # the first character is no mark
        end -= 1
    if not _visible(text[end]):
        return f"ends with {_named(text[end])}"
    return None


def _visible(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNPS" and char not in _BLANK


_UNNAMED = {"Cc": "a control character", "Cs": "a lone surrogate", "Co": "a private-use "
            "character", "Cn": "an unassigned code point"}


def _named(char: str) -> str:
    name = unicodedata.name(char, "") or _UNNAMED.get(unicodedata.category(char), "unnamed")
    return f"U+{ord(char):04X} {name}" if name.isupper() else f"U+{ord(char):04X} ({name})"
