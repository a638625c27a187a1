"""What kind of source a command was given: an audit store (a ``postgresql://`` URL or a
SQLite file), or a JSON Lines file of audit log records, decisions or athletes' histories."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .._audit import lines
from .._errors import InputError
from .._inputs import read_start
from .._jsonparse import parse_json
from .._limits import limit

__all__ = ["SourceKind", "source_kind"]

SourceKind = Literal["store", "log", "decisions", "athletes"]
_SQLITE = b"SQLite format 3\x00"


def _start(path: Path) -> bytes:
    """The first bytes of the file, enough to recognise a SQLite database."""
    return read_start(path, "source", len(_SQLITE))


def _first_line(path: Path) -> object:
    """The first line that is not blank, as JSON read within the limits."""
    for number, line, complete in lines(path, "source"):
        if not (line or complete):
            raise InputError(f"source {path} line {number}: longer than "
                             f"{limit('document_bytes')} bytes (document_bytes)")
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
    if source.startswith(("postgresql://", "postgres://")):
        return "store"
    path = Path(source)
    if _start(path) == _SQLITE:
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
