"""A store to and from the JSON Lines audit log, the interchange format.

An export is an ordinary audit log (``verify_log``, ``history`` and ``replay_log`` read
it): every athlete's decisions, athlete by athlete, oldest first, in one chain. Importing
it into an empty store rebuilds the same per-athlete chains, hash for hash.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from .._audit import AuditLog
from .._audit_records import GENESIS, _encode, _hash, refuse_to_write_over_a_database
from .._audit_verify import verify_log
from .._errors import InputError
from .._models import Decision
from .._words import counted
from ._db import StoreError, Tx
from ._rows import genesis, insert_row, make_row

__all__ = ["ImportReport", "read_log", "write_log"]


@attrs.frozen
class ImportReport:
    """What :meth:`Store.import_jsonl` added: athletes, records, and each athlete's new
    chain head as ``(athlete_id, records, head)``."""

    path: str
    athletes: int
    records: int
    heads: tuple[tuple[str, int, str], ...]

    def __str__(self) -> str:
        return (f"{self.path}: imported {counted(self.records, 'record')} of "
                f"{counted(self.athletes, 'athlete')}")


def write_log(records: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write whole decisions (JSON data) as an audit log at ``path``, replacing any file
    there only once the new one is complete and on disk; return the number written."""
    target = Path(path)
    refuse_to_write_over_a_database(target, "export file")
    partial = target.with_name(f".{target.name}.partial")
    count, prev = 0, GENESIS
    try:
        with partial.open("wb") as out:
            for data in records:
                digest = _hash(count, prev, data)
                out.write(_encode({"decision": data, "hash": digest, "prev": prev,
                                   "seq": count}) + b"\n")
                count, prev = count + 1, digest
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise InputError(f"export file {target}: cannot write it ({exc})") from None
    return count


def _chains(path: str | os.PathLike[str]) -> dict[str, list[Decision]]:
    """Each athlete's decisions in the log, in order, checked to form one chain of states."""
    report = verify_log(path)
    if not report.ok:
        raise StoreError(f"refusing to import a damaged log: {report}", report=report)
    chains: dict[str, list[Decision]] = {}
    for record in AuditLog(path).records():
        decision = record.decision
        athlete = decision.state.athlete_id
        earlier = chains.setdefault(athlete, [])
        if earlier and earlier[-1].state != decision.prior_state:
            raise InputError(f"audit log {path}: record {record.seq + 1} (athlete {athlete}) "
                             f"does not start from the state their previous record left; "
                             f"accepted: each athlete's decisions made one from the next")
        ids = [d.checkin.id for d in earlier if d.checkin is not None]
        checkin_id = decision.checkin.id if decision.checkin is not None else None
        if checkin_id is not None and checkin_id in ids:
            raise InputError(f"audit log {path}: record {record.seq + 1} (athlete {athlete}) "
                             f"repeats check-in id {checkin_id!r}")
        earlier.append(decision)
    return chains


def read_log(tx: Tx, path: str | os.PathLike[str]) -> ImportReport:
    """Add the athletes and decisions of the log at ``path`` in transaction ``tx``.

    Raises:
        StoreError: the log is damaged.
        InputError: the log is missing, its decisions do not chain athlete by athlete, or
            the store has one of its athletes already.
    """
    chains = _chains(path)
    heads = []
    for athlete, decisions in chains.items():
        if tx.one("SELECT 1 FROM footcore_athletes WHERE athlete_id = ?", (athlete,)):
            raise InputError(f"audit log {path}: athlete {athlete!r} is in the store "
                             f"already; accepted: a log of athletes the store does not have")
        rows, prev = [], genesis(athlete)
        for seq, decision in enumerate(decisions):
            row = make_row(decision, seq, prev)
            rows.append(row)
            prev = row.hash
        tx.run("INSERT INTO footcore_athletes (athlete_id, state, records, head) "
               "VALUES (?, ?, ?, ?)", (athlete, rows[-1].state, len(rows), prev))
        for row in rows:
            insert_row(tx, athlete, row)
        heads.append((athlete, len(rows), prev))
    return ImportReport(os.fspath(path), len(chains), sum(n for _, n, _ in heads),
                        tuple(heads))
