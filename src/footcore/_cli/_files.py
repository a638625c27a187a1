"""Reading the CLI's input files and writing its outputs, with one-line errors that say
which file and what was wrong in it."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from .._audit_records import lines
from .._convert import from_json, to_json
from .._errors import InputError
from .._inputs import read_start, too_large
from .._jsonparse import parse_json
from .._limits import limit
from .._models import Decision
from .._simulate import Scenario, parse_scenario
from .._tomlparse import parse_toml

__all__ = ["read_decision", "read_model", "read_scenario", "replacing",
           "write_jsonl", "write_text", "write_whole"]

T = TypeVar("T")


def _start(path: str, what: str, size: int) -> bytes:
    """The first ``size`` bytes of ``path``, or of standard input for ``-``.

    Raises:
        InputError: there is no such file (``file-missing``), or it cannot be read
            (``file-unreadable``).
    """
    if path != "-":
        return read_start(path, what, size)
    try:
        return sys.stdin.buffer.read(size)
    except (OSError, AttributeError, ValueError) as exc:  # closed, or no bytes to read
        raise InputError(f"{what} -: cannot read standard input ({exc})",
                         code="file-unreadable") from None


def _whole(path: str, what: str, most: int, limit_name: str) -> bytes:
    """All of ``path`` (``-``: standard input), UTF-8 text of at most ``most`` bytes.

    Raises:
        InputError: as :func:`_start`; or it is larger (``invalid-input``), or not text
            (``file-unreadable``).
    """
    data = too_large(_start(path, what, most + 1), f"{what} {path}", most, limit_name)
    return _text(data, what, path)


def _text(data: bytes, what: str, path: str) -> bytes:
    """``data``, which must be UTF-8 text: binary data is a file that cannot be read."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} {path}: not text: binary data, or not UTF-8 ({exc.reason} "
                         f"at byte {exc.start})", code="file-unreadable") from None
    return data


def _within(exc: InputError, where: str) -> InputError:
    """``exc`` with ``where`` (which file, which line) before its message, its code and
    field kept."""
    return InputError(f"{where}: {exc}", code=exc.code, field=exc.field)


def read_model(path: str, kind: type[T], what: str) -> T:
    """Read one JSON document into ``kind`` from ``path`` (``-``: standard input)."""
    text = _whole(path, what, limit("document_bytes"), "document_bytes")
    try:
        return from_json(text, kind)
    except InputError as exc:
        raise _within(exc, f"{what} {path}") from None


def _decision_lines(path: str, head: bytes) -> Iterator[tuple[int, bytes | None]]:
    """(line number, content) of each line of a JSON Lines file that is not blank, whose
    first bytes are ``head``; None for a line longer than the ``document_bytes`` limit.
    Only a file larger than the limit is read again, a line at a time."""
    if len(head) <= limit("document_bytes"):
        numbered: Iterator[tuple[int, bytes | None]] = enumerate(head.split(b"\n"), 1)
    else:
        numbered = ((number, content if content or complete else None)
                    for number, content, complete in lines(Path(path), "decision file"))
    for number, content in numbered:
        if content is None or content.strip():
            yield number, content


def read_decision(path: str, number: int | None) -> Decision:
    """One decision from a JSON file, or record ``number`` (1 first) of a JSON Lines file
    such as ``simulate --out`` writes (read a line at a time: it may be large)."""
    most = limit("document_bytes")
    head = _start(path, "decision file", most + 1)
    if path == "-":
        too_large(head, "decision file -", most, "document_bytes")
    if len(head) <= most:
        _text(head, "decision file", path)
        try:
            parse_json(head, "decision")
        except InputError:
            pass  # not one document: JSON Lines, one decision a line
        else:
            if number not in (None, 1):
                raise InputError(f"decision file {path}: no decision number {number}; it "
                                 f"holds 1")
            return _decision(path, head, "")
    index = 1 if number is None else number
    count, chosen = 0, None
    for line, content in _decision_lines(path, head):
        count += 1
        if count == index:
            chosen = (line, content)
    if not count:
        raise InputError(f"decision file {path}: empty; expected a decision as JSON, or "
                         f"decisions as JSON Lines")
    if number is None and count > 1:
        raise InputError(f"decision file {path}: holds {count} decisions; say which "
                         f"one by number (1 to {count})")
    if chosen is None:
        raise InputError(f"decision file {path}: no decision number {index}; it holds "
                         f"{count}")
    line, content = chosen
    if content is None:
        raise InputError(f"decision file {path} (line {line}): longer than {most} bytes "
                         f"(document_bytes)")
    return _decision(path, content, f" (line {line})")


def _decision(path: str, text: bytes, where: str) -> Decision:
    try:
        return from_json(text, Decision)
    except InputError as exc:
        raise _within(exc, f"decision file {path}{where}") from None


def read_scenario(path: str) -> Scenario:
    """Read and check a scenario TOML file (within the limits rulebook files have)."""
    raw = _whole(path, "scenario", limit("rulebook_file_bytes"), "rulebook_file_bytes")
    try:
        return parse_scenario(parse_toml(raw))
    except InputError as exc:
        raise _within(exc, f"scenario {path}") from None


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


def write_whole(path: str | Path, text: str, what: str) -> None:
    """Put ``text`` in place of the file ``path`` (or the file a link there names) whole or
    not at all, with the line endings it has: a full disk leaves the old file as it was.
    The file keeps its permissions, and one that may not be written is not replaced."""
    target = Path(path).resolve()
    try:
        mode = target.stat().st_mode & 0o7777
    except OSError as exc:
        raise InputError(f"{what} {path}: cannot write it ({exc})") from None
    if not os.access(target, os.W_OK):
        raise InputError(f"{what} {path}: cannot write it (it is read-only)")
    with replacing(target, text, what, newline="", mode=mode):
        pass


@contextmanager
def replacing(path: str | Path, text: str, what: str, *, newline: str | None = None,
              mode: int | None = None) -> Iterator[None]:
    """Write ``text`` beside ``path`` first (so a file that cannot be written fails before
    anything else happens), and put it in place of ``path`` when the block succeeds
    (``newline`` as :func:`open` has it: ``""`` keeps the line endings of ``text``; ``mode``
    the permissions it gets, else the default)."""
    target = Path(path)
    _writable(target, what)
    partial = target.with_name(f".{target.name}.partial")
    try:
        try:
            partial.write_text(text, encoding="utf-8", newline=newline)
            if mode is not None:
                partial.chmod(mode)
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
