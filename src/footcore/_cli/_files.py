"""Reading the CLI's input files and writing its outputs, with one-line errors that say
which file and what was wrong in it."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from .._convert import from_json, to_json
from .._errors import InputError
from .._models import Decision
from .._simulate import Scenario, parse_scenario

__all__ = ["read_decision", "read_model", "read_scenario", "replacing",
           "write_jsonl", "write_text"]

T = TypeVar("T")


def _read(path: str, what: str) -> str:
    """The text of ``path``, or of standard input for ``-``."""
    try:
        if path == "-":
            return sys.stdin.read()
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{what} {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path}: is a folder; expected a file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what} {path}: cannot read it ({exc})") from None


def read_model(path: str, kind: type[T], what: str) -> T:
    """Read one JSON document into ``kind`` from ``path`` (``-``: standard input)."""
    text = _read(path, what)
    try:
        return from_json(text, kind)
    except InputError as exc:
        raise InputError(f"{what} {path}: {exc}") from None


def read_decision(path: str, number: int | None) -> Decision:
    """One decision from a JSON file, or record ``number`` (1 first) of a JSON Lines file
    such as ``simulate --out`` writes."""
    text = _read(path, "decision file")
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        json.loads(text)
        records = [text]
    except json.JSONDecodeError:
        records = lines
    if number is None and len(records) > 1:
        raise InputError(f"decision file {path}: holds {len(records)} decisions; say which "
                         f"one by number (1 to {len(records)})")
    index = 1 if number is None else number
    if not 1 <= index <= len(records):
        raise InputError(f"decision file {path}: no decision number {index}; it holds "
                         f"{len(records)}")
    try:
        return from_json(records[index - 1], Decision)
    except InputError as exc:
        where = f" (line {index})" if len(records) > 1 else ""
        raise InputError(f"decision file {path}{where}: {exc}") from None


def read_scenario(path: str) -> Scenario:
    """Read and check a scenario TOML file."""
    text = _read(path, "scenario")
    try:
        return parse_scenario(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"scenario {path}: not valid TOML: {exc}") from None
    except InputError as exc:
        raise InputError(f"scenario {path}: {exc}") from None


def _writable(path: Path, what: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot create its folder ({exc})") from None


def write_text(path: str | Path, text: str, what: str) -> None:
    """Write ``text`` to ``path``, creating its folder."""
    target = Path(path)
    _writable(target, what)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{what} {target}: cannot write it ({exc})") from None


@contextmanager
def replacing(path: str | Path, text: str, what: str) -> Iterator[None]:
    """Write ``text`` beside ``path`` first (so a file that cannot be written fails before
    anything else happens), and put it in place of ``path`` when the block succeeds."""
    target = Path(path)
    _writable(target, what)
    partial = target.with_name(f".{target.name}.partial")
    try:
        try:
            partial.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise InputError(f"{what} {target}: cannot write it ({exc})") from None
        yield
        try:
            os.replace(partial, target)
        except OSError as exc:
            raise InputError(f"{what} {target}: cannot write it ({exc})") from None
    finally:
        partial.unlink(missing_ok=True)


def write_jsonl(path: str | Path, values: Sequence[object]) -> None:
    """Write one canonical JSON document per line."""
    write_text(path, "".join(f"{to_json(value)}\n" for value in values), "decisions file")
