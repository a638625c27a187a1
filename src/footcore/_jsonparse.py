"""A strict JSON parser with limits, for every JSON document footcore reads.

The standard library's parser, with the checks it lacks done first or in its hooks: the
document's size and its nesting depth are checked before anything is parsed (deep nesting
would exhaust the stack), integer literals may not be longer than the ``integer_digits``
limit (Python refuses 4,301 digits with a bare ValueError), ``NaN``, ``Infinity`` and
numbers that overflow to infinity are refused, a key repeated in one object is refused
(rather than the last one silently winning), and so are strings holding lone surrogates,
which no UTF-8 encoder can write back.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from datetime import date
from typing import Any

from ._errors import InputError
from ._limits import limit

__all__ = ["check_json_data", "parse_json"]

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
# The shape of numbers in a text: every digit a 0, every sign a +, every exponent mark an e.
_SHAPE = bytes.maketrans(b"0123456789-Ee", b"0000000000+ee")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_ESCAPE = re.compile(r"\\(u[dD][89a-fA-F][0-9a-fA-F]{2}|.)", re.DOTALL)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Refused(Exception):
    """Raised from inside a parser hook; carries the message."""


def _depth(text: str, raw: bytes) -> int:
    """How deep arrays and objects nest in ``text`` (``raw`` in UTF-8), brackets inside
    strings not counted."""
    if text.count("[") + text.count("{") <= limit("json_depth") or _shallow(raw):
        return 0
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _shallow(raw: bytes) -> bool:
    """A quick proof that the UTF-8 text ``raw`` nests no deeper than the limit, for text
    whose strings hold no escapes (so every second quote closes a string): with the strings
    taken out, removing each innermost ``[]`` or ``{}`` pair at most json_depth times leaves
    nothing. False when that does not prove it (the exact count then decides)."""
    if b"\\" in raw:
        return False
    brackets = b"".join(raw.split(b'"')[::2]).translate(None, _NOT_BRACKETS)
    for _ in range(limit("json_depth")):
        if not brackets:
            return True
        brackets = brackets.replace(b"[]", b"").replace(b"{}", b"")
    return not brackets


def _plain_numbers(raw: bytes) -> bool:
    """Whether every number in the UTF-8 text ``raw`` reads the same through the parser's
    own int and float as through the checking hooks: no run of 17 digits (an integer longer
    than the limit) and no three-digit exponent (a float that could overflow) anywhere."""
    shape = raw.translate(_SHAPE)
    return b"0" * 17 not in shape and b"e000" not in shape and b"e+000" not in shape


def lone_surrogate(text: str) -> bool:
    """Whether an escape in ``text`` writes half of a surrogate pair alone."""
    if not _SURROGATE_ESCAPE.search(text):
        return False
    pending = None  # the end of a high surrogate escape awaiting its low half
    for match in _ESCAPE.finditer(text):
        code = match.group(1)
        low = len(code) == 5 and code[2] in "cdefCDEF"
        high = len(code) == 5 and not low
        if pending is not None and not (low and match.start() == pending):
            return True
        if pending is None and low:
            return True
        pending = match.end() if high else None
    return pending is not None


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(f"the key {key!r:.60} appears twice in one object")
            seen.add(key)
    return found


def _integer(literal: str) -> int:
    if len(literal.lstrip("-")) > limit("integer_digits"):
        raise _Refused(f"an integer of {len(literal.lstrip('-'))} digits; at most "
                       f"{limit('integer_digits')} (integer_digits)")
    return int(literal)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _Refused(f"the number {literal:.40} is too large to be finite")
    return value


def _constant_refusal(name: str) -> str:
    return f"{name} is not a JSON number; numbers must be finite"


def _constant(name: str) -> Any:
    raise _Refused(_constant_refusal(name))


def parse_json(text: object, what: str = "document", *, max_bytes: int | None = None) -> Any:
    """Parse JSON ``text`` (str or bytes, UTF-8) into plain Python data, within footcore's
    limits: for an app's own envelope around footcore documents (a request holding a state
    and a check-in, say), read as safely as :func:`from_json` reads them.

    Args:
        what: what the document is, for the error message (``"request"``).
        max_bytes: the size limit; the ``document_bytes`` limit by default.

    Raises:
        InputError: the text is not JSON, or breaks a limit; the message says which.
    """
    most = limit("document_bytes") if max_bytes is None else max_bytes
    named = "document_bytes" if max_bytes is None else "max_bytes"
    if isinstance(text, bytes | bytearray):
        size = len(text)
        if size > most:
            raise InputError(f"invalid {what} JSON: {size} bytes; at most {most} ({named})")
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"invalid {what} JSON: not UTF-8 ({exc})") from None
    elif isinstance(text, str):
        try:
            raw = b"" if len(text) > most else text.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(f"invalid {what} JSON: holds a lone surrogate, which is not "
                             f"text") from None
        size = len(text) if len(text) > most else len(raw)
        if size > most:
            raise InputError(f"invalid {what} JSON: {size} bytes or more; at most {most} "
                             f"({named})")
    else:
        raise InputError(f"invalid {what} JSON: expected JSON text (str or bytes), got "
                         f"{type(text).__name__}")
    assert isinstance(text, str)
    depth = _depth(text, raw)
    if depth > limit("json_depth"):
        raise InputError(f"invalid {what} JSON: nested {depth} levels deep; at most "
                         f"{limit('json_depth')} (json_depth)")
    if lone_surrogate(text):
        raise InputError(f"invalid {what} JSON: a \\u escape writes half a surrogate pair "
                         f"alone, which is not text")
    numbers: dict[str, Any] = (
        {} if _plain_numbers(raw) else {"parse_int": _integer, "parse_float": _float})
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, **numbers)
    except _Refused as exc:
        raise InputError(f"invalid {what} JSON: {exc}") from None
    except ValueError as exc:  # JSONDecodeError, and anything else the parser refuses
        raise InputError(f"invalid {what} JSON: {exc}") from None


_SURROGATE = re.compile("[\ud800-\udfff]")


class _NotJson(Exception):
    """A value JSON cannot hold; ``where`` collects its path on the way out."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.where: list[str] = []


def check_json_data(data: object, what: str = "document") -> None:
    """Check that ``data`` is what :func:`parse_json` could have given: dicts with string
    keys, lists, strings, ints, finite floats, true, false and None (each of exactly that
    type), within the same limits (nesting, integer digits, no lone surrogate).

    Raises:
        InputError: a value JSON cannot hold, or a limit broken; the message gives its path.
    """
    try:
        _walk(data, limit("json_depth"), 10 ** limit("integer_digits"))
    except _NotJson as found:
        raise InputError(f"invalid {what}: {found.args[0]} @ "
                         f"${''.join(reversed(found.where))}") from None


def _inner(value: Any, depth: int, too_big: int, at: str | int) -> None:
    """Check ``value``, held at key or index ``at`` in a container at ``depth``."""
    try:
        _walk(value, depth - 1, too_big)
    except _NotJson as found:
        found.where.append(f"[{at}]" if isinstance(at, int) else f".{at}")
        raise


def _walk(value: Any, depth: int, too_big: int) -> None:
    """Check ``value``, which may nest ``depth`` more levels (see check_json_data)."""
    kind = type(value)
    if kind is str:
        if not value.isascii() and _SURROGATE.search(value):
            raise _NotJson("a string holding a lone surrogate, which is not text")
    elif kind is dict or kind is list:
        if depth <= 0:
            raise _NotJson(f"nested more than {limit('json_depth')} levels deep; at most "
                           f"{limit('json_depth')} (json_depth)")
        if kind is list:
            for index, inner in enumerate(value):
                _inner(inner, depth, too_big, index)
            return
        for key, inner in value.items():
            if type(key) is not str:
                raise _NotJson(f"the key {str.__repr__(key):.40} is a {type(key).__name__}, "
                               f"not a plain str as every key of a JSON object is"
                               if isinstance(key, str) else
                               f"the key {key!r:.40} is not a string, as every key of a JSON "
                               f"object is")
            if not key.isascii() and _SURROGATE.search(key):
                raise _NotJson(f"the key {key!r:.40} holds a lone surrogate, which is not text")
            _inner(inner, depth, too_big, key)
    elif kind is int:
        if not -too_big < value < too_big:
            raise _NotJson(f"an integer of more than {limit('integer_digits')} digits; at "
                           f"most {limit('integer_digits')} (integer_digits)")
    elif kind is float:
        if not math.isfinite(value):
            raise _NotJson(_constant_refusal(json.dumps(value)))
    elif kind is not bool and value is not None:
        plain = {tuple: "a list", date: 'a "YYYY-MM-DD" string'}.get(kind) or next(
            (f"a plain {base.__name__}" for base in (str, int, float, dict, list)
             if isinstance(value, base)), None)
        raise _NotJson(f"a {kind.__name__} is not JSON data; accepted: "
                       f"{plain or 'an object, a list, a string, a number, true, false or null'}")
