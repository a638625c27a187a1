"""Verifying an audit log: its hash chain checked line by line, and each record that was
edited, removed, moved or inserted named, with each line that is not a record and an
incomplete last line. A damaged log is what verification reports, never an error.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
from collections import Counter, defaultdict

import attrs

from ._audit_records import GENESIS, Entry, lines, read_entry, refuse_a_database
from ._errors import InputError
from ._inputs import file_path
from ._limits import limit
from ._words import counted

__all__ = ["LogProblem", "LogReport", "verify_log"]

_HEAD = re.compile(r"[0-9a-f]{8,64}")  # a record hash, or the start of one


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


def _winner(group: list[Entry], chained: Counter[str], after: dict[int, str]) -> Entry:
    """The record most likely genuine among rivals: one that a record chains to, that sits
    after the record it chains to, that is intact; the first of equals."""
    return min(group, key=lambda e: (chained[e.hash] == 0, after[e.line] != e.prev,
                                     not e.intact, e.line))


def _inserted(entries: list[Entry]) -> dict[int, str]:
    """Lines that were added to the log, with why: a second record with the same sequence
    number or the same predecessor, or one that chains to nothing and nothing chains to."""
    chained = Counter(e.prev for e in entries)
    seqs = {e.hash: e.seq for e in entries} | {GENESIS: -1}
    after = {e.line: previous.hash for previous, e in itertools.pairwise(entries)}
    if entries:
        after[entries[0].line] = GENESIS
    found: dict[int, str] = {}
    for key, shared in (("seq", "sequence number"), ("prev", "predecessor")):
        groups: dict[object, list[Entry]] = defaultdict(list)
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


def _in_order(entries: list[Entry]) -> set[int]:
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


def _chain_problems(entries: list[Entry], unreadable: list[int]) -> list[LogProblem]:
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
    refuse_a_database(where)
    entries: list[Entry] = []
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
        found = read_entry(line, content)
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
