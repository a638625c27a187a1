"""Reading one TOML file (a rulebook's, or a scenario) within limits.

``tomllib`` recurses once per level of nesting and keeps a record of every prefix of a
dotted key, so a small file of deep arrays or of one long dotted key exhausts the stack or
the memory before it is refused. The file's size, the nesting of its arrays and inline
tables, and the parts of its dotted keys and table headers are therefore checked on the
raw text, before it is parsed.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from importlib.resources.abc import Traversable
from typing import Any

from ._errors import InputError, RulebookError
from ._limits import limit

__all__ = ["parse_toml", "read_toml"]

# Strings (basic, literal, multi-line) and comments: what may hold brackets and dots that
# are not structure. Strings become a placeholder key part; comments go.
_SKIPPED = re.compile(r'"""(?:[^"\\]++|\\.|"(?!""))*+"""'  # multi-line basic
                      r"|'''(?:[^']++|'(?!''))*+'''"  # multi-line literal
                      r'|"(?:[^"\\\n]++|\\.)*+"'  # basic
                      r"|'[^'\n]*+'|#[^\n]*+", re.DOTALL)  # literal, comment
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_KEY_PART = r"[A-Za-z0-9_-]++"


def _structure(text: str) -> str:
    return _SKIPPED.sub(lambda m: "" if m.group().startswith("#") else "k", text)


def _too_deep(bare: str) -> int:
    if bare.count("[") + bare.count("{") <= limit("toml_depth"):
        return 0
    steps = map(_STEP.__getitem__, _NOT_BRACKET.sub("", bare))
    return max(itertools.accumulate(steps), default=0)


def _longest_key(bare: str) -> int:
    most = limit("toml_key_parts")
    chain = re.compile(rf"(?<![A-Za-z0-9_-]){_KEY_PART}(?:[ \t]*+\.[ \t]*+{_KEY_PART}){{{most},}}")
    found = chain.search(bare)
    return found.group().count(".") + 1 if found else 0


def parse_toml(raw: bytes) -> dict[str, Any]:
    """The tables of the TOML file whose bytes are ``raw``, read within the limits.

    Raises:
        InputError: the file is too large or too deeply nested, or is not valid TOML.
    """
    most = limit("rulebook_file_bytes")
    if len(raw) > most:
        raise InputError(f"more than {most} bytes; at most {most} (rulebook_file_bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid TOML: not UTF-8 ({exc})") from None
    bare = _structure(text)
    depth = _too_deep(bare)
    if depth > limit("toml_depth"):
        raise InputError(f"arrays and inline tables nested {depth} levels deep; at "
                         f"most {limit('toml_depth')} (toml_depth)")
    parts = _longest_key(bare)
    if parts:
        raise InputError(f"a dotted key or table header of {parts} parts or more; at "
                         f"most {limit('toml_key_parts')} (toml_key_parts)")
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer too long for Python
        raise InputError(f"not valid TOML: {exc}") from None


def read_toml(file: Traversable) -> dict[str, Any]:
    """The tables of one rulebook TOML file, read within the limits.

    Raises:
        RulebookError: the file cannot be read, is too large or too deeply nested, or is
            not valid TOML; the message names the file.
    """
    try:
        with file.open("rb") as handle:
            raw = handle.read(limit("rulebook_file_bytes") + 1)
    except OSError as exc:
        raise RulebookError(f"cannot read it ({exc})", file=file.name) from None
    try:
        return parse_toml(raw)
    except InputError as exc:
        raise RulebookError(str(exc), file=file.name) from None
