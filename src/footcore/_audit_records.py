"""An audit log's records, as lines of a file: how a record is written and hashed into the
chain, how a log's lines are read, and what one line holds of the chain.

Each line is one record: ``{"decision": ..., "hash": ..., "prev": ..., "seq": ...}``, in
compact canonical JSON. ``hash`` is the sha256 of the record's other three fields in that
form; ``prev`` is the ``hash`` of the record before it (:data:`GENESIS` for the first), so
changing, dropping, moving or adding a record breaks the chain where it happened. A store
chains each athlete's decisions with the same encoding and hash.

``seq`` counts from 0, as the chain hashes it; what people read and type is the record
number, ``seq + 1``, which every report and the ``footcore`` command show.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, get_args, get_origin

import attrs

from ._errors import InputError
from ._inputs import input_error, open_input, read_start
from ._jsonparse import parse_json
from ._limits import limit, type_hints
from ._models import Decision

__all__ = [
    "GENESIS",
    "RECORD_START",
    "SQLITE_HEADER",
    "Entry",
    "lines",
    "read_entry",
    "refuse_a_database",
    "refuse_a_header",
    "refuse_to_write_over_a_database",
    "whole_lines",
]

GENESIS = hashlib.sha256(b"footcore audit log 1").hexdigest()
"""What the first record of every log chains to."""

SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file, a footcore store among them, starts."""

_FIELDS = frozenset({"decision", "hash", "prev", "seq"})
RECORD_START = b'{"decision":'  # how every record's line starts, keys sorted
_HEX = re.compile(r"[0-9a-f]{64}")


def _encode(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode()


def _hash(seq: int, prev: str, decision: Any) -> str:
    return hashlib.sha256(_encode({"decision": decision, "prev": prev, "seq": seq})).hexdigest()


def lines(path: Path, what: str = "audit log") -> Iterator[tuple[int, bytes, bool]]:
    """(line number, content, whether it ends in a newline) for each line of the file; a
    line longer than the ``document_bytes`` limit comes as empty content not ending in a
    newline (and the rest of it is skipped).

    Raises:
        InputError: there is no file at ``path`` (called ``what`` in the message), or it
            cannot be read.
    """
    most = limit("document_bytes")
    with open_input(path, what) as handle:
        for number in itertools.count(1):
            raw = _read(path, handle, most + 1, what)
            if not raw:
                return
            complete = raw.endswith(b"\n")
            if not complete and len(raw) > most:
                while raw and not raw.endswith(b"\n"):  # skip to the end of the long line
                    raw = _read(path, handle, 65536, what)
                yield number, b"", False
                continue
            yield number, raw[:-1] if complete else raw, complete


def whole_lines(path: Path, what: str) -> Iterator[tuple[int, bytes, bool]]:
    """The file's lines as :func:`lines` reads them, a line too long to read refused.

    Raises:
        InputError: as :func:`lines`; or a line is longer than the ``document_bytes``
            limit (the message names the file, called ``what``, and the line).
    """
    for number, content, complete in lines(path, what):
        if not (content or complete):
            raise InputError(f"{what} {path} line {number}: longer than "
                             f"{limit('document_bytes')} bytes (document_bytes)")
        yield number, content, complete


def _read(path: Path, handle: IO[bytes], size: int, what: str = "audit log") -> bytes:
    try:
        return handle.readline(size)
    except OSError as exc:
        raise input_error(path, what, exc) from None


@attrs.frozen
class Entry:
    """What one line of a log holds of the chain, as :func:`read_entry` read it."""

    line: int
    seq: int
    prev: str
    hash: str
    intact: bool  # the content still matches its hash
    wrong: str | None = None  # why its decision is not a decision


def _json_kind(kind: Any) -> tuple[type, ...]:
    """The JSON values a decision field of type ``kind`` is written as in a log: a model as
    an object, a tuple as a list, anything else as a string; an optional one may be null
    (the check-in of a change that answers none, the change of a check-in)."""
    args = get_args(kind)
    optional = type(None) in args
    if optional:
        (kind,) = (arg for arg in args if arg is not type(None))
    json = dict if attrs.has(kind) else list if get_origin(kind) is tuple else str
    return (json, type(None)) if optional else (json,)


# Each field of a decision: the kinds of JSON value it is, and whether it must be there.
_DECISION = {field.name: (_json_kind(type_hints(Decision)[field.name]),
                          field.default is attrs.NOTHING) for field in attrs.fields(Decision)}


def _not_a_decision(data: dict[str, Any]) -> str | None:
    """Why a record's decision is not a decision, by its fields and the kind of each (a
    check as quick as the hash; ``records`` reads every field of one when it is used)."""
    unknown = sorted(set(data) - set(_DECISION))
    missing = [name for name, (_, needed) in _DECISION.items() if needed and name not in data]
    if unknown or missing:
        told = [f"lacks {', '.join(missing)}"] if missing else []
        told += [f"has unknown field(s) {', '.join(unknown)}"] if unknown else []
        return f"its decision is not a decision: it {' and '.join(told)}"
    for name, (kinds, _) in _DECISION.items():
        if name in data and not isinstance(data[name], kinds):
            return f"its decision is not a decision: {name} is not a JSON {kinds[0].__name__}"
    if not all(isinstance(data[name].get("athlete_id"), str)
               for name in ("state", "prior_state")):
        return "its decision is not a decision: its states name no athlete"
    return None


def read_entry(line: int, content: bytes) -> Entry | str:
    """The chain fields of one line, or why it is not a record."""
    try:
        data = parse_json(content, "record")
    except InputError as exc:
        return str(exc)
    if not isinstance(data, dict) or set(data) != _FIELDS:
        return "not a record: expected exactly the fields decision, hash, prev and seq"
    seq, prev, digest = data["seq"], data["prev"], data["hash"]
    if type(seq) is not int or seq < 0:
        return f"seq must be a whole number, 0 or more; got {seq!r:.40}"
    if not (isinstance(prev, str) and _HEX.fullmatch(prev) and isinstance(digest, str)
            and _HEX.fullmatch(digest)):
        return "prev and hash must be sha256 digests (64 hex digits)"
    if not isinstance(data["decision"], dict):
        return "decision must be a JSON object"
    try:
        computed = _hash(seq, prev, data["decision"])
    except ValueError:
        return "holds NaN or Infinity, which a record never does"
    return Entry(line, seq, prev, digest, computed == digest,
                  _not_a_decision(data["decision"]))


def refuse_a_database(path: Path) -> None:
    """Refuse a SQLite database given as a log.

    Raises:
        InputError: there is no file at ``path``, or it is a SQLite database.
    """
    refuse_a_header(path, read_start(path, "audit log", len(SQLITE_HEADER)))


def refuse_to_write_over_a_database(path: Path, what: str) -> None:
    """Refuse to put ``what`` in place of a SQLite database (a store: its own export
    named after it would wipe it out).

    Raises:
        InputError: (``would-overwrite``) the file at ``path`` is a SQLite database.
    """
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(SQLITE_HEADER))
    except OSError:
        return  # nothing there, or nothing readable: writing it says so itself
    if start == SQLITE_HEADER:
        raise InputError(f"{what} {path}: a SQLite database (a footcore store?); footcore "
                         f"will not write over it: give another file", code="would-overwrite")


def refuse_a_header(path: Path, start: bytes) -> None:
    if start.startswith(SQLITE_HEADER):
        raise InputError(f"audit log {path}: a SQLite database (a footcore store?), not an "
                         f"audit log: footcore store verify {path} checks a store",
                         code="wrong-source")
