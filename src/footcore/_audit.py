"""The audit log: decisions appended to a hash-chained JSON Lines file, one ``fsync``-ed
line each, under an OS file lock; a torn last line repaired; the records read back.

How a record is written and chained is :mod:`footcore._audit_records`; verification
(:mod:`footcore._audit_verify`) reads the log's lines, which an append checks first;
history and replay (:mod:`footcore._history`, :mod:`footcore._replay`) read its records.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from ._audit_records import (
    GENESIS,
    RECORD_START,
    _encode,
    _hash,
    lines,
    read_entry,
    refuse_a_database,
    refuse_a_header,
)
from ._audit_verify import LogReport, verify_log
from ._convert import CONVERTER, structure
from ._errors import FootcoreError, InputError
from ._inputs import file_path, open_input, present
from ._jsonparse import parse_json
from ._limits import limit
from ._models import Decision

if sys.platform != "win32":
    import fcntl

__all__ = ["AuditLog", "AuditLogError", "AuditRecord"]


class AuditLogError(FootcoreError):
    """An audit log cannot be appended to or read as it stands.

    ``report`` holds the verification that found the damage, when there was one.
    """

    code = "log-damaged"

    def __init__(self, message: str, *, report: LogReport | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.report = report


@attrs.frozen
class AuditRecord:
    """One record of the log: its sequence number, the hash it chains to, its own hash and
    the decision."""

    seq: int
    prev: str
    hash: str
    decision: Decision


@attrs.frozen
class _Tail:
    size: int
    seq: int  # the next record's
    head: str
    last: bytes = b""  # sha256 of the last line as written


def _extended(tail: _Tail, added: bytes) -> _Tail | None:
    """The tail after ``added``, the bytes other writers appended, when they are whole
    records that continue the chain; otherwise None (verify the whole log)."""
    if not added.endswith(b"\n"):
        return None
    for content in added[:-1].split(b"\n"):
        entry = read_entry(0, content)
        if (isinstance(entry, str) or not entry.intact or entry.wrong
                or entry.seq != tail.seq or entry.prev != tail.head):
            return None
        tail = _Tail(tail.size + len(content) + 1, tail.seq + 1, entry.hash,
                     hashlib.sha256(content + b"\n").digest())
    return tail


class AuditLog:
    """An append-only log of decisions in the file at ``path`` (created on first append).

    Each :meth:`append` writes one line and returns only once it is on disk (``fsync``),
    so a crash loses at most the record being written. A torn last line left by a crash
    is reported by :func:`verify_log` and dropped by :meth:`repair`; until then, and
    whenever the chain is broken, :meth:`append` refuses to write.

    Appends are serialised by an OS file lock, so several threads and processes can
    append to one log (on Windows, only the threads of one process). For many writers, a
    :class:`Store` scales further.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = file_path(path)
        self._lock = threading.Lock()
        self._tail: _Tail | None = None

    def __repr__(self) -> str:
        return f"AuditLog({str(self.path)!r})"

    def append(self, decision: Decision) -> AuditRecord:
        """Write ``decision`` as the log's next record.

        The first append of an instance verifies the whole log; later ones check only what
        other writers appended since.

        Returns:
            The record written; its ``hash`` is the log's new head.

        Raises:
            InputError: ``decision`` is not a :class:`Decision`.
            AuditLogError: the log is damaged (torn last line, broken chain, a line that is
                not a record); nothing was written. Its ``report`` says what is wrong.
            OSError: the file could not be written; the log was truncated back to what it
                was.
        """
        if not isinstance(decision, Decision):
            raise InputError(f"decision: got {type(decision).__name__}; accepted: a Decision")
        data = CONVERTER.unstructure(decision)
        with self._lock, self._locked_file() as fd:
            tail = self._checked_tail(os.fstat(fd).st_size)
            digest = _hash(tail.seq, tail.head, data)
            line = _encode({"decision": data, "hash": digest, "prev": tail.head,
                            "seq": tail.seq}) + b"\n"
            if len(line) > limit("document_bytes"):
                raise InputError(f"decision: {len(line)} bytes as a log record; at most "
                                 f"{limit('document_bytes')} (document_bytes)")
            try:
                view = memoryview(line)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except BaseException:
                os.ftruncate(fd, tail.size)  # leave the log as it was
                raise
            self._tail = _Tail(tail.size + len(line), tail.seq + 1, digest,
                               hashlib.sha256(line).digest())
        return AuditRecord(tail.seq, tail.head, digest, decision)

    @contextmanager
    def _locked_file(self) -> Iterator[int]:
        """The log opened for appending (created if missing), under an exclusive OS lock
        that other processes' appends wait for (on Windows, within this process only)."""
        created = not self.path.exists()
        flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | getattr(os, "O_BINARY", 0)
        fd = os.open(self.path, flags, 0o644)
        try:
            if created and os.name == "posix":  # make the new file's directory entry durable
                folder = os.open(self.path.parent, os.O_RDONLY)
                try:
                    os.fsync(folder)
                finally:
                    os.close(folder)
            if sys.platform != "win32":
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)  # releases the lock

    def _checked_tail(self, size: int) -> _Tail:
        """Where the next record goes, once the log up to ``size`` bytes is checked: all of
        it the first time, then only the records other writers appended, after making sure
        the last record this instance wrote is still as written (same hash, not only the
        same size)."""
        if size == 0:
            return _Tail(0, 0, GENESIS)
        tail = self._tail
        if (tail is not None and tail.size <= size
                and self._line_hash_before(tail.size) == tail.last):
            if tail.size == size:
                return tail
            with self.path.open("rb") as handle:
                handle.seek(tail.size)
                added = handle.read(size - tail.size)
            grown = _extended(tail, added)
            if grown is not None:
                return grown
        report = verify_log(self.path)
        if not report.ok:
            raise AuditLogError(f"refusing to append to a damaged log: {report}", report=report)
        return _Tail(size, report.records, report.head)

    def _line_hash_before(self, end: int) -> bytes:
        """The sha256 of the line that ends at byte ``end`` of the file, newline included."""
        with open_input(self.path, "audit log") as handle:
            start = end
            while start > 0:
                start = max(0, start - 65536)
                handle.seek(start)
                chunk = handle.read(end - start)[:-1]  # without the line's own newline
                if b"\n" in chunk:
                    start += chunk.rindex(b"\n") + 1
                    break
            handle.seek(start)
            return hashlib.sha256(handle.read(end - start)).digest()

    def repair(self) -> int:
        """Drop a torn last line (what an interrupted append leaves), and nothing else.

        A torn line is a last line without its newline that is the start of a record but
        not a whole one. A last line that is a whole record missing only its newline gets
        the newline back. Anything else is refused and left as it is: a file that is not
        an audit log (a SQLite database, binary data, a first line that is not a record)
        and a last line that is not part of a record. Other damage is not repaired:
        verify the log and restore it from a copy.

        Returns:
            The number of bytes dropped: 0 when the last line was whole.

        Raises:
            InputError: there is no file at ``path``; it is a SQLite database (code
                ``wrong-source``), binary data (``file-unreadable``) or a file whose first
                line is not an audit record.
            AuditLogError: the last line has no newline and is not part of a record.
        """
        with self._lock:
            self._tail = None
            # InputError when missing, before creating anything
            open_input(self.path, "audit log").close()
            with self._locked_file() as fd:
                size = os.fstat(fd).st_size
                keep = _last_line_start(fd, size)
                first = os.pread(fd, min(size, limit("document_bytes") + 1), 0)
                _check_log_start(self.path, first, whole=keep > 0)
                torn = os.pread(fd, size - keep, keep)
                if not torn:
                    return 0
                if not isinstance(read_entry(0, torn), str):  # whole but for its newline
                    os.write(fd, b"\n")
                    os.fsync(fd)
                    return 0
                if not (len(torn) <= limit("document_bytes") and b"\0" not in torn and (
                        torn.startswith(RECORD_START) or RECORD_START.startswith(torn))):
                    raise AuditLogError(f"audit log {self.path}: its last line (no newline, "
                                        f"{len(torn)} bytes) is not part of an audit "
                                        f"record; nothing was changed: verify the log")
                os.ftruncate(fd, keep)
                os.fsync(fd)
            return size - keep

    def records(self) -> Iterator[AuditRecord]:
        """The log's records in file order (none when the file does not exist yet).

        Reads without checking the chain (:func:`verify_log` does that) and stops before a
        torn last line, which is not a record.

        Raises:
            InputError: the file is a SQLite database (code ``wrong-source``).
            AuditLogError: a line is not a valid record; the message names the line.
        """
        if not present(self.path, "audit log"):
            return
        refuse_a_database(self.path)
        for line, content, complete in lines(self.path):
            if not complete and not content:
                raise AuditLogError(f"{self.path} line {line}: longer than "
                                    f"{limit('document_bytes')} bytes (document_bytes)")
            if not complete:
                return
            try:
                data = parse_json(content, "audit record")
            except InputError as exc:
                raise AuditLogError(f"{self.path} line {line}: {exc}") from None
            try:
                yield structure(data, AuditRecord, "audit record")
            except InputError as exc:
                raise AuditLogError(f"{self.path} line {line}: {exc}") from None


def _last_line_start(fd: int, size: int) -> int:
    """Where the file's last line starts: just after its last newline (0 if it has none)."""
    end = size
    while end > 0:
        start = max(0, end - 65536)
        chunk = os.pread(fd, end - start, start)
        if b"\n" in chunk:
            return start + chunk.rindex(b"\n") + 1
        end = start
    return 0


def _check_log_start(path: Path, start: bytes, *, whole: bool) -> None:
    """Refuse a file whose first bytes show it is not an audit log: a SQLite database,
    binary data, or (when the first line is ``whole``, a newline after it) a first line
    that is not a record.

    Raises:
        InputError: the file is not an audit log.
    """
    refuse_a_header(path, start)
    line = start.split(b"\n", 1)[0]
    if b"\0" in start:
        raise InputError(f"audit log {path}: binary data, not an audit log (JSON Lines); "
                         f"nothing was changed", code="file-unreadable")
    found = read_entry(1, line) if whole else None
    if isinstance(found, str):
        raise InputError(f"audit log {path} line 1: not an audit record ({found}); this "
                         f"is not an audit log, and nothing was changed")


def _existing(path: str | os.PathLike[str]) -> AuditLog:
    """The log at ``path``, which must exist.

    Raises:
        InputError: there is no file at ``path``.
    """
    log = AuditLog(path)
    open_input(log.path, "audit log").close()
    return log
