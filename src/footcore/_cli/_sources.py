"""What kind of source a command was given: an audit store (a ``postgresql://`` URL, a
libpq connection string or a SQLite file), or a JSON Lines file of audit log records,
decisions or athletes' histories."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .._audit_records import SQLITE_HEADER, whole_lines
from .._errors import InputError
from .._inputs import read_start
from .._jsonparse import parse_json
from .._store._location import conninfo, redact

__all__ = ["SourceKind", "expect", "source_kind"]

SourceKind = Literal["store", "log", "decisions", "athletes"]
_KINDS = {"store": "a footcore store", "log": "an audit log",
          "decisions": "a decisions file (as simulate --out writes)",
          "athletes": "a file of athletes' histories"}


def _start(path: Path) -> bytes:
    """The first bytes of the file, enough to recognise a SQLite database."""
    return read_start(path, "source", len(SQLITE_HEADER))


def _first_line(path: Path) -> object:
    """The first line that is not blank, as JSON read within the limits."""
    for number, line, _ in whole_lines(path, "source"):
        if line.strip():
            try:
                return parse_json(line, "line")
            except InputError as exc:
                raise InputError(f"source {path} line {number}: not JSON Lines ({exc})"
                                 ) from None
    raise InputError(f"source {path}: empty")


def source_kind(source: str) -> SourceKind:
    """What ``source`` holds, by its URL, its SQLite header or its first JSON line.

    Raises:
        InputError: there is no such file, it is a folder, or it is none of these.
    """
    if conninfo(source) is not None:
        return "store"
    path = Path(source)
    if _start(path) == SQLITE_HEADER:
        return "store"
    first = _first_line(path)
    keys = set(first) if isinstance(first, dict) else set()
    if keys == {"state", "checkins"}:
        return "athletes"
    if {"decision", "seq"} <= keys:
        return "log"
    if {"prior_state", "checkin", "state"} <= keys:
        return "decisions"
    raise InputError(f"source {path} line 1: expected an athlete's history ({{\"state\", "
                     f"\"checkins\"}}), a decision (as simulate --out writes), an audit log "
                     f"record, or a footcore store")


def expect(source: str, wanted: Literal["store", "log"], instead: str) -> None:
    """Refuse ``source`` when it is plainly of another kind than ``wanted``: a store given
    for a log; a log, or another JSON Lines file of footcore's, given for a store. The
    message says to use ``instead``. Anything else passes: opening or reading it says
    what is wrong with it (a missing file, say).

    Raises:
        InputError: code ``wrong-source``.
    """
    try:
        kind = source_kind(source)
    except InputError:
        return
    if kind == wanted or (wanted == "log" and kind != "store"):
        return
    raise InputError(f"{redact(source)}: {_KINDS[kind]}, not {_KINDS[wanted]}; use {instead}",
                     code="wrong-source")
