"""The audit log: decisions appended to a hash-chained JSON Lines file, and what an app
reads back from it (verification, an athlete's history, a replay under a rulebook).

Each line is one record: ``{"decision": ..., "hash": ..., "prev": ..., "seq": ...}``, in
compact canonical JSON. ``hash`` is the sha256 of the record's other three fields in that
form; ``prev`` is the ``hash`` of the record before it (:data:`GENESIS` for the first), so
changing, dropping, moving or adding a record breaks the chain where it happened.

``seq`` counts from 0, as the chain hashes it; what people read and type is the record
number, ``seq + 1``, which every report and the ``footcore`` command show.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import os
import re
import sys
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import IO, Any, get_args, get_origin

import attrs

from ._compare import decision_changes, rulebook_ref
from ._convert import CONVERTER, structure
from ._engine import Engine
from ._enums import Action
from ._errors import FootcoreError, InputError
from ._explain import explain
from ._ids import normal_id
from ._inputs import file_path, input_error, open_input, present, read_start
from ._jsonparse import parse_json
from ._limits import limit, type_hints
from ._models import Decision, RulebookRef
from ._words import counted

if sys.platform != "win32":
    import fcntl

__all__ = [
    "GENESIS",
    "AuditLog",
    "AuditLogError",
    "AuditRecord",
    "HistoryRow",
    "LogProblem",
    "LogReport",
    "ReplayDifference",
    "ReplayReport",
    "history",
    "replay_log",
    "verify_log",
]

GENESIS = hashlib.sha256(b"footcore audit log 1").hexdigest()
"""What the first record of every log chains to."""

SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file, a footcore store among them, starts."""

_FIELDS = frozenset({"decision", "hash", "prev", "seq"})
_RECORD_START = b'{"decision":'  # how every record's line starts, keys sorted
_HEX = re.compile(r"[0-9a-f]{64}")
_HEAD = re.compile(r"[0-9a-f]{8,64}")  # a record hash, or the start of one


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


# ---------------------------------------------------------------- verification


@attrs.frozen
class LogProblem:
    """One thing wrong with a log, located by line and by ``seq``, the record's stored
    sequence number (0 first; its text says ``record seq + 1``, as people count).

    ``kind`` is ``"edited"``, ``"removed"``, ``"reordered"``, ``"inserted"``,
    ``"invalid"`` (a line that is not a record, or a record whose decision is not a
    decision), ``"torn"`` (an incomplete last line) or ``"head"`` (the head an app stored
    is not in the log).
    """

    kind: str
    line: int | None
    seq: int | None
    detail: str

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        if self.seq is not None:
            where.append(f"record {self.seq + 1}")
        return f"{', '.join(where) or 'log'}: {self.kind}: {self.detail}"


@attrs.frozen
class LogReport:
    """What :func:`verify_log` found.

    ``records`` counts the complete lines; ``head`` is the hash of the last record (what
    the next one will chain to; :data:`GENESIS` for an empty log).
    """

    path: str
    records: int
    head: str
    problems: tuple[LogProblem, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def __str__(self) -> str:
        if self.ok:
            return f"{self.path}: intact, {counted(self.records, 'record')}, head {self.head}"
        lines = [f"{self.path}: {counted(len(self.problems), 'problem')} in "
                 f"{counted(self.records, 'line')}:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)


@attrs.frozen
class _Entry:
    line: int
    seq: int
    prev: str
    hash: str
    intact: bool  # the content still matches its hash
    wrong: str | None = None  # why its decision is not a decision


def _json_kind(kind: Any) -> type:
    """The JSON value a decision field of type ``kind`` is written as in a log: an optional
    model (the check-in, which only a change of goal lacks, and a log never holds one) as
    the model."""
    args = get_args(kind)
    if type(None) in args:
        (kind,) = (arg for arg in args if arg is not type(None))
    if attrs.has(kind):
        return dict
    return list if get_origin(kind) is tuple else str


# Each field of a decision: the kind of JSON value it is, and whether it must be there.
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
    if data["checkin"] is None and data.get("action") == "retarget":
        return ("its decision is a retarget (a change of goal), which answers no check-in: "
                "a log holds decisions on check-ins only")
    for name, (kind, _) in _DECISION.items():
        if name in data and not isinstance(data[name], kind):
            return f"its decision is not a decision: {name} is not a JSON {kind.__name__}"
    if not all(isinstance(data[name].get("athlete_id"), str)
               for name in ("state", "prior_state")):
        return "its decision is not a decision: its states name no athlete"
    return None


def _entry(line: int, content: bytes) -> _Entry | str:
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
    return _Entry(line, seq, prev, digest, computed == digest,
                  _not_a_decision(data["decision"]))


def _winner(group: list[_Entry], chained: Counter[str], after: dict[int, str]) -> _Entry:
    """The record most likely genuine among rivals: one that a record chains to, that sits
    after the record it chains to, that is intact; the first of equals."""
    return min(group, key=lambda e: (chained[e.hash] == 0, after[e.line] != e.prev,
                                     not e.intact, e.line))


def _inserted(entries: list[_Entry]) -> dict[int, str]:
    """Lines that were added to the log, with why: a second record with the same sequence
    number or the same predecessor, or one that chains to nothing and nothing chains to."""
    chained = Counter(e.prev for e in entries)
    seqs = {e.hash: e.seq for e in entries} | {GENESIS: -1}
    after = {e.line: previous.hash for previous, e in itertools.pairwise(entries)}
    if entries:
        after[entries[0].line] = GENESIS
    found: dict[int, str] = {}
    for key, shared in (("seq", "sequence number"), ("prev", "predecessor")):
        groups: dict[object, list[_Entry]] = defaultdict(list)
        for e in entries:
            if e.line not in found:
                groups[getattr(e, key)].append(e)
        for value, group in groups.items():
            if len(group) < 2:
                continue
            # Of two records with one predecessor, the genuine one follows it in sequence.
            parent = seqs.get(str(value)) if key == "prev" else None
            right = [e for e in group if parent is not None and e.seq == parent + 1]
            keep = right[0] if len(right) == 1 else _winner(group, chained, after)
            for e in group:
                if e is not keep:
                    found[e.line] = (f"it shares its {shared} with line {keep.line}, which "
                                     f"the log chains through")
    for e in entries[:-1]:
        if e.line not in found and chained[e.hash] == 0 and e.prev not in seqs:
            found[e.line] = "it chains to no record of the log, and none chains to it"
    return found


def _in_order(entries: list[_Entry]) -> set[int]:
    """Lines of a longest run of records whose sequence numbers rise in file order: the
    others are the fewest records that were moved."""
    tails: list[int] = []  # tails[k]: index of the smallest end of a rising run of k + 1
    ends: list[int] = []  # and its sequence number
    back: list[int | None] = []
    for index, e in enumerate(entries):
        k = bisect.bisect_left(ends, e.seq)
        back.append(tails[k - 1] if k else None)
        if k == len(tails):
            tails.append(index)
            ends.append(e.seq)
        else:
            tails[k], ends[k] = index, e.seq
    lines: set[int] = set()
    at = tails[-1] if tails else None
    while at is not None:
        lines.add(entries[at].line)
        at = back[at]
    return lines


def _chain_problems(entries: list[_Entry], unreadable: list[int]) -> list[LogProblem]:
    """What is wrong with the chain of the readable records; a missing record is not
    reported where an unreadable line (reported already) stands in its place."""
    inserted = _inserted(entries)
    problems = [LogProblem("inserted", e.line, e.seq, inserted[e.line])
                for e in entries if e.line in inserted]
    kept = [e for e in entries if e.line not in inserted]
    edited = {e.line for e in kept if not e.intact}
    problems += [LogProblem("edited", e.line, e.seq, "its content no longer matches its hash")
                 for e in kept if not e.intact]
    in_order = _in_order(kept)
    for at, e in enumerate(kept):
        if e.line not in in_order:
            around = [f"record {n.seq + 1} (line {n.line})" for n in kept[max(at - 1, 0):at + 2]
                      if n is not e]
            problems.append(LogProblem("reordered", e.line, e.seq,
                                       f"out of sequence, next to {' and '.join(around)}"))
    ordered = sorted(kept, key=lambda e: e.seq)
    if ordered and ordered[0].seq == 0 and ordered[0].prev != GENESIS and ordered[0].intact:
        problems.append(LogProblem("edited", ordered[0].line, 0,
                                   "the first record does not chain to the start of a log"))
    expected, earlier = 0, None
    for e in ordered:
        stand_ins = max(0, bisect.bisect_left(unreadable, e.line)
                        - bisect.bisect_right(unreadable, earlier.line if earlier else 0))
        if e.seq > expected + stand_ins:
            missing = f"record {expected + 1}" if e.seq == expected + 1 else \
                f"records {expected + 1}-{e.seq}"
            where = (f"after record {earlier.seq + 1} (line {earlier.line}) comes record "
                     f"{e.seq + 1}" if earlier else f"the log starts at record {e.seq + 1}")
            problems.append(LogProblem("removed", e.line, expected, f"{missing} missing: {where}"))
        elif (earlier and e.seq == earlier.seq + 1 and e.prev != earlier.hash and e.intact
              and earlier.line not in edited):
            problems.append(LogProblem(
                "edited", earlier.line, earlier.seq,
                f"the next record (line {e.line}) chained to another version of it: one of "
                f"the two was rewritten and its hash recomputed"))
        expected, earlier = e.seq + 1, e
    return problems


def verify_log(path: str | os.PathLike[str], *, head: str | None = None) -> LogReport:
    """Check a log's hash chain and say what is wrong with it, line by line.

    It names each record that was edited, removed, moved or inserted, each line that is
    not a record, and an incomplete last line (an append cut short by a crash). Never
    raises on a damaged log: a damaged log is what it reports.

    Records removed from the end leave no trace in the chain; to catch that, store the
    ``hash`` of the last record appended (:meth:`AuditLog.append` returns it) and pass it
    as ``head``.

    Args:
        path: the log file.
        head: a record hash stored earlier, or its first 8 or more hex digits (the whole
            hash is the stronger check); reported when no record of the log has it.

    Raises:
        InputError: there is no file at ``path``, or it is a SQLite database (code
            ``wrong-source``); ``head`` is not a hash or the start of one, or it starts
            more than one record's hash.
    """
    if head is not None and not (isinstance(head, str) and _HEAD.fullmatch(head)):
        raise InputError(f"head: got {head!r:.80}; accepted: a record hash (64 hex digits), "
                         f"or its first 8 or more")
    where = file_path(path)
    _refuse_a_database(where)
    entries: list[_Entry] = []
    problems: list[LogProblem] = []
    records = 0
    for line, content, complete in lines(where):
        if not complete and not content:
            records += 1
            problems.append(LogProblem("invalid", line, None, f"longer than "
                                       f"{limit('document_bytes')} bytes (document_bytes)"))
            continue
        if not complete:
            problems.append(LogProblem(
                "torn", line, None, f"the last line is incomplete ({len(content)} bytes, no "
                f"newline): an append was cut short; AuditLog.repair() drops it"))
            break
        records += 1
        found = _entry(line, content)
        if isinstance(found, str):
            problems.append(LogProblem("invalid", line, None, found))
        else:
            entries.append(found)
    unreadable = [p.line for p in problems if p.kind == "invalid" and p.line is not None]
    problems = _chain_problems(entries, unreadable) + problems
    problems += [LogProblem("invalid", e.line, e.seq, e.wrong) for e in entries if e.wrong]
    if head is not None:
        matching = {e.hash for e in entries if e.hash.startswith(head)}
        if len(matching) > 1:
            raise InputError(f"head: {head} begins {len(matching)} record hashes of the log; "
                             f"give more of its digits")
        if not matching:
            problems.append(LogProblem("head", None, None, f"no record has the stored head "
                                       f"{head[:12]}: records at the end were removed or "
                                       f"rewritten"))
    problems.sort(key=lambda p: (p.line is None, p.line or 0, p.kind))
    last = max(entries, key=lambda e: e.seq).hash if entries else GENESIS
    return LogReport(str(where), records, last, tuple(problems))


# ---------------------------------------------------------------- the log


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
        entry = _entry(0, content)
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
            InputError: ``decision`` is not a :class:`Decision`, or is a change of goal
                (``RETARGET``), which answers no check-in to replay.
            AuditLogError: the log is damaged (torn last line, broken chain, a line that is
                not a record); nothing was written. Its ``report`` says what is wrong.
            OSError: the file could not be written; the log was truncated back to what it
                was.
        """
        if not isinstance(decision, Decision):
            raise InputError(f"decision: got {type(decision).__name__}; accepted: a Decision")
        if decision.checkin is None:
            raise InputError(f"decision: a {decision.action} decision (a change of goal on "
                             f"{decision.on}) answers no check-in; accepted: a decision on a "
                             f"check-in, which the log can replay",
                             code="not-a-checkin-decision")
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
                if not isinstance(_entry(0, torn), str):  # whole but for its newline
                    os.write(fd, b"\n")
                    os.fsync(fd)
                    return 0
                if not (len(torn) <= limit("document_bytes") and b"\0" not in torn and (
                        torn.startswith(_RECORD_START) or _RECORD_START.startswith(torn))):
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
        _refuse_a_database(self.path)
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


def _refuse_a_database(path: Path) -> None:
    """Refuse a SQLite database given as a log.

    Raises:
        InputError: there is no file at ``path``, or it is a SQLite database.
    """
    _refuse_a_header(path, read_start(path, "audit log", len(SQLITE_HEADER)))


def _refuse_a_header(path: Path, start: bytes) -> None:
    if start.startswith(SQLITE_HEADER):
        raise InputError(f"audit log {path}: a SQLite database (a footcore store?), not an "
                         f"audit log: footcore store verify {path} checks a store",
                         code="wrong-source")


def _check_log_start(path: Path, start: bytes, *, whole: bool) -> None:
    """Refuse a file whose first bytes show it is not an audit log: a SQLite database,
    binary data, or (when the first line is ``whole``, a newline after it) a first line
    that is not a record.

    Raises:
        InputError: the file is not an audit log.
    """
    _refuse_a_header(path, start)
    line = start.split(b"\n", 1)[0]
    if b"\0" in start:
        raise InputError(f"audit log {path}: binary data, not an audit log (JSON Lines); "
                         f"nothing was changed", code="file-unreadable")
    found = _entry(1, line) if whole else None
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


# ---------------------------------------------------------------- history


@attrs.frozen
class HistoryRow:
    """One decision in an athlete's timeline: the stage and dose it left them on, the
    action, and the main reason (the first winning rule's summary). ``seq`` is the record's
    stored sequence number (0 first): show ``seq + 1`` as its record number."""

    seq: int
    on: date
    stage: str
    dose_level: int
    action: Action
    reason: str
    rule_id: str | None


def history(path: str | os.PathLike[str], athlete_id: str) -> tuple[HistoryRow, ...]:
    """The timeline of one athlete's decisions in a log, oldest first, as rows an app can
    render: date, stage and dose level after the decision, action, main reason.

    Args:
        path: the log file.
        athlete_id: whose decisions; an athlete with none gets no rows.

    Raises:
        InputError: there is no file at ``path``; ``athlete_id`` is no id.
        AuditLogError: a line is not a valid record.
    """
    athlete_id = normal_id(athlete_id, "athlete_id")
    return tuple(history_row(record.seq, record.decision)
                 for record in _existing(path).records()
                 if record.decision.state.athlete_id == athlete_id)


def history_row(seq: int, d: Decision) -> HistoryRow:
    """The history row of decision ``d``, recorded as ``seq``."""
    main = d.winners[0] if d.winners else None
    reason = main.summary if main else f"No rule fired: the rulebook's default, {d.action}."
    return HistoryRow(seq, d.on, d.state.stage, d.state.dose_level, d.action, reason,
                      main.rule_id if main else None)


# ---------------------------------------------------------------- replay


@attrs.frozen
class ReplayDifference:
    """A record whose decision comes out differently when re-evaluated, or cannot be."""

    seq: int
    recorded: Decision
    replayed: Decision | None
    changes: tuple[str, ...]

    @property
    def explanations(self) -> tuple[str, str]:
        """The recorded and the replayed decision, each explained."""
        again = explain(self.replayed) if self.replayed else "; ".join(self.changes)
        return explain(self.recorded), again


@attrs.frozen
class ReplayReport:
    """What :func:`replay_log` (or :meth:`Store.replay`) found: every record that came out
    differently, and the rulebooks, other than the one replayed under, that made records.
    ``path`` is the log's, or the store's location; ``seq`` in a store counts each
    athlete's records."""

    path: str
    rulebook: RulebookRef
    backend: str
    records: int
    differences: tuple[ReplayDifference, ...]
    other_rulebooks: tuple[tuple[RulebookRef, int], ...]

    @property
    def ok(self) -> bool:
        """True when every record was reproduced."""
        return not self.differences

    def __str__(self) -> str:
        book = self.rulebook
        lines = [f"{self.path}: {self.records - len(self.differences)} of "
                 f"{counted(self.records, 'decision')} reproduced under {book.id} {book.version} "
                 f"({book.digest[:12]}), {self.backend} backend."]
        lines.extend(f"  {counted(count, 'record')} {'was' if count == 1 else 'were'} made "
                     f"by another rulebook: {ref.id} "
                     f"{ref.version} ({ref.digest[:12]}); differences there may come from "
                     f"the rulebook change." for ref, count in self.other_rulebooks)
        for found in self.differences:
            d = found.recorded
            lines.append(f"  record {found.seq + 1}, athlete {d.state.athlete_id}, {d.on}: "
                         f"{'; '.join(found.changes)}")
        return "\n".join(lines)


def _undirected(decision: Decision) -> Decision:
    """The decision as footcore recorded it before thresholds carried the field and
    comparison they are used in, to compare with records made then."""
    firings = tuple(attrs.evolve(f, params=tuple(dict.fromkeys(
        attrs.evolve(p, field="", op="") for p in f.params))) for f in decision.firings)
    return attrs.evolve(decision, firings=firings)


def _replay(engine: Engine, seq: int, recorded: Decision) -> ReplayDifference | None:
    try:
        again = engine.evaluate(recorded.prior_state, recorded.answered)
    except InputError as exc:
        return ReplayDifference(seq, recorded, None, (f"cannot be replayed: {exc}",))
    changes = decision_changes(recorded, again)
    # Beyond the outcome, a reproduction is exact: only the stamps of who made it may differ.
    stamped = attrs.evolve(
        again, backend=recorded.backend, footcore_version=recorded.footcore_version,
        rulebook=recorded.rulebook,
        state=attrs.evolve(again.state, rulebook_digest=recorded.state.rulebook_digest))
    if any(p.op == "" for f in recorded.firings for p in f.params):
        stamped = _undirected(stamped)
    if not changes and stamped != recorded:
        changes = ("same outcome, but the trace differs (facts matched, overridden rules, "
                   "thresholds or the plan it replaces)",)
    return ReplayDifference(seq, recorded, again, changes) if changes else None


def replay_log(path: str | os.PathLike[str], engine: Engine) -> ReplayReport:
    """Re-evaluate every record of a log from its stored inputs (the prior state and the
    check-in) with ``engine``, and report each decision that comes out differently.

    Under the rulebook that made the records, on either backend, every decision is
    reproduced (only ``backend`` may differ). Under another rulebook, the differences are
    what the change would have done; records made by a rulebook other than the engine's
    are counted in ``other_rulebooks``, and a record the engine cannot evaluate (its state
    names a stage the rulebook lacks, say) is a difference, not an error. Replay reads the
    records without checking the chain: verify the log first.

    Args:
        path: the log file.
        engine: the rulebook and backend to decide again with.

    Raises:
        InputError: there is no file at ``path``.
        AuditLogError: a line is not a valid record.
    """
    log = _existing(path)
    return replay_records(((r.seq, r.decision) for r in log.records()), engine, str(log.path))


def replay_records(records: Iterable[tuple[int, Decision]], engine: Engine,
                   where: str) -> ReplayReport:
    """Replay ``(seq, decision)`` pairs read from ``where`` (a log or a store)."""
    ref = rulebook_ref(engine.rulebook)
    others: Counter[RulebookRef] = Counter()
    differences = []
    count = 0
    for seq, decision in records:
        count += 1
        if decision.rulebook.digest != ref.digest:
            others[decision.rulebook] += 1
        found = _replay(engine, seq, decision)
        if found is not None:
            differences.append(found)
    return ReplayReport(where, ref, engine.backend, count, tuple(differences),
                        tuple(sorted(others.items(), key=lambda kv: kv[0].digest)))
