"""What kind of source a command was given: an audit store (a ``postgresql://`` URL, a
libpq connection string or a SQLite file), or a JSON Lines file of audit log records,
decisions or athletes' histories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from .._errors import InputError
from .._store._location import conninfo

__all__ = ["SourceKind", "source_kind"]

SourceKind = Literal["store", "log", "decisions", "athletes"]
_SQLITE = b"SQLite format 3\x00"


def _start(path: Path) -> bytes:
    """The first bytes of the file, enough to recognise a SQLite database."""
    if path.is_dir():
        raise InputError(f"source {path}: is a folder; expected a file")
    try:
        with path.open("rb") as handle:
            return handle.read(len(_SQLITE))
    except FileNotFoundError:
        raise InputError(f"source {path}: no such file") from None
    except OSError as exc:
        raise InputError(f"source {path}: cannot read it ({exc})") from None


def _first_line(path: Path) -> object:
    try:
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    return json.loads(line)
    except (OSError, ValueError) as exc:
        raise InputError(f"source {path} line 1: not JSON Lines ({exc})") from None
    raise InputError(f"source {path}: empty")


def source_kind(source: str) -> SourceKind:
    """What ``source`` holds, by its URL, its SQLite header or its first JSON line.

    Raises:
        InputError: there is no such file, it is a folder, or it is none of these.
    """
    if conninfo(source) is not None:
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
