"""The store: athletes' states and their decisions in a database, one transaction per
check-in, each athlete's decisions in a hash chain of their own.

:class:`Store` holds everything both databases share; a subclass supplies the connection
and how a transaction starts. Its layers: the core (connection, schema, athletes:
``_core``), the writes of decisions (``_writing``), and here what reads the chains back,
verifies, signs, exports and erases. The work that needs no connection lives in the
modules beside them (rows, verification, rulebooks, upgrades, interchange, erasure).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from .._audit_records import _HEX
from .._engine import Engine
from .._enums import Role
from .._errors import InputError
from .._history import HistoryRow, history_row
from .._models import Decision
from .._population._histories import History, HistoryBuilder, decision_part
from .._replay import ReplayReport, replay_records, reproduce_records
from .._rulebook import Rulebook
from ._bulk import LoadReport, chunks_of, decide, write_chunk
from ._db import StoreError, salt
from ._erase import ErasureReceipt, erase, lock_signing
from ._export import export_athlete
from ._interchange import ImportReport, read_log, write_log
from ._rows import (
    damaged,
    read_decision,
    stored_json,
    whole_decision,
)
from ._rulebooks import keep_rulebook
from ._sign import Checkpoint, check_key, sign
from ._signed import export_signed
from ._upgrade import given_rulebooks
from ._verify import StoreReport, verify_store

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )


from ._core import checked_athlete_id, checked_engine
from ._writing import WritingStore

__all__ = ["Store"]


def _in_sequence(where: str, seq: object, number: int) -> None:
    """Refuse a record stored as ``seq`` where record ``number`` belongs (0 first)."""
    if type(seq) is not int:
        raise damaged(where, f"its record number is {seq!r:.20}, not a whole number")
    if seq != number:
        raise damaged(where, f"the record is missing: the chain goes on at record {seq + 1}")


def _count(value: object, name: str, least: int) -> int:
    """A whole number from ``least``, as a page's ``after`` and ``limit`` are; one past any
    chain's length is cut to a length no chain reaches, which the databases hold."""
    if type(value) is not int or value < least:
        raise InputError(f"{name}: got {value!r:.40}; accepted: a whole number from {least}",
                         field=name)
    return min(value, 2**62)


def _history_part(where: str, text: object) -> tuple[dict[str, Any], str, Any]:
    """What a history needs of a stored decision: its JSON data (whose prior state and state
    are objects), and its check-in or change (:func:`decision_part`); the replay that reads
    them checks them field by field."""
    try:
        data = stored_json(text, "decision")
        if not (isinstance(data, dict)
                and all(isinstance(data.get(key), dict) for key in ("prior_state", "state"))):
            raise ValueError("its decision lacks a prior state or state")
        kind, item = decision_part(data)
    except ValueError as exc:  # InputError is one
        raise damaged(where, str(exc)) from None
    return data, kind, item

class Store(WritingStore):
    """Athletes' states and decisions in a database; open one with :func:`open_store`.

    A store object holds one connection and serialises the calls made on it from several
    threads; open one per process (or per thread, for parallel threads). Processes and
    machines sharing the database are safe: each check-in is one transaction.
    ``location`` names the database: its path, or its URL without the password.
    ``readonly`` is True for a store opened ``readonly=True``, whose writes raise
    :class:`StoreError` (``store-readonly``); ``created`` is True when opening it created
    the store (its tables). ``schema`` is the store's schema: 3, or 2 or 1 for an older
    store opened read-only; opened to write, it is upgraded (``upgraded``).
    """

    # ------------------------------------------------------------ reading back

    def decisions(self, athlete_id: str, *, after: int = 0,
                  limit: int | None = None) -> tuple[Decision, ...]:
        """The athlete's decisions, oldest first (none for an athlete not in the store):
        those after the first ``after``, at most ``limit`` of them (all when None). A page
        reads only its own records: ``decisions(id, after=100, limit=50)`` is records 101
        to 150.

        Raises:
            InputError: ``after`` is not a whole number from 0, or ``limit`` not one from 1
                (``field`` names it).
            StoreError: a record is damaged or missing (``store-damaged``, naming the
                athlete and the record), or the database could not be read.
        """
        athlete_id = checked_athlete_id(athlete_id)
        return tuple(d for _, d in self._records(athlete_id, _count(after, "after", 0),
                                                 None if limit is None
                                                 else _count(limit, "limit", 1)))

    def _records(self, athlete_id: str | None, after: int = 0,
                 limit: int | None = None) -> Iterator[tuple[int, Decision]]:
        """(seq, decision) of one athlete's records from seq ``after``, at most ``limit``,
        or of all athletes' records, by athlete then seq; each athlete's must be numbered
        on from ``after`` (0, 1, 2... for all: a record missing in the middle is damage,
        not a shorter history)."""
        where, params = ("WHERE d.athlete_id = ? AND d.seq >= ? ", (athlete_id, after)
                         ) if athlete_id else ("", ())
        page = "" if limit is None else f" LIMIT {limit}"
        with self._lock, self._naming(athlete_id), self._read() as tx:
            rows = tx.all(
                "SELECT d.athlete_id, d.seq, d.decision, d.plan, p.plan, d.prior_plan, q.plan "
                "FROM footcore_decisions d "
                "LEFT JOIN footcore_plans p ON p.hash = d.plan "
                "LEFT JOIN footcore_plans q ON q.hash = d.prior_plan " + where +
                "ORDER BY d.athlete_id, d.seq" + page, params)
        expected: dict[object, int] = {}
        for athlete, seq, text, plan, plan_text, prior, prior_text in rows:
            number = expected.get(athlete, after)
            at = self._where(str(athlete), number)
            _in_sequence(at, seq, number)
            expected[athlete] = number + 1
            yield seq, read_decision(text, {plan: plan_text, prior: prior_text}, at)

    def histories(self) -> Iterator[History]:
        """Each athlete's history, as :func:`footcore.impact.impact` replays it: the state before
        their first decision, their check-ins and the goal changes and overrides among them,
        in chain order; from the state their last upgrade left, for an athlete upgraded (the
        records before were made under another rulebook). One athlete is read at a time
        (athletes by id); athletes with no decision yet are left out.

        Raises:
            StoreError: (``store-damaged``, naming the athlete and the record) a record is
                damaged or missing, or does not start from the state the one before left.
        """
        for athlete_id in self.athletes():
            with self._lock, self._naming(athlete_id), self._read() as tx:
                rows = tx.all("SELECT seq, decision FROM footcore_decisions "
                              "WHERE athlete_id = ? ORDER BY seq", (athlete_id,))
            if not rows:
                continue
            origin = f"store {self.location} athlete {athlete_id}"
            built: HistoryBuilder | None = None
            last: Any = None
            for number, (seq, text) in enumerate(rows):
                at = self._where(athlete_id, number)
                _in_sequence(at, seq, number)
                data, kind, item = _history_part(at, text)
                if built is None:
                    built = HistoryBuilder(data["prior_state"], origin)
                elif data["prior_state"] != last:
                    raise damaged(at, f"it does not start from the state record {number} "
                                      f"left")
                built.add(kind, item, data["state"], origin)
                last = data["state"]
            assert built is not None
            yield built.history()

    def history(self, athlete_id: str) -> tuple[HistoryRow, ...]:
        """The athlete's timeline as rows an app can render, oldest first (see
        :func:`footcore.audit.history`).

        Raises:
            StoreError: as :meth:`decisions`.
        """
        athlete_id = checked_athlete_id(athlete_id)
        return tuple(history_row(seq, d) for seq, d in self._records(athlete_id))

    def replay(self, engine: Engine) -> ReplayReport:
        """Re-derive every recorded decision from its stored inputs with ``engine``, and
        report each that comes out differently (see :func:`footcore.audit.replay_log`):
        what ``engine``'s rulebook would have decided. An upgrade record moves from the
        rulebook the store keeps for it; to reproduce each record under the rulebook
        that made it, use :meth:`reproduce`.

        Raises:
            StoreError: as :meth:`decisions`: verify a store before replaying it.
        """
        checked_engine(engine)
        return replay_records(self._records(None), engine, self.location, self.rulebooks())

    def reproduce(self, *, rulebooks: Iterable[Rulebook] = (),
                  backend: str = "auto") -> ReplayReport:
        """Re-derive every recorded decision from its stored inputs under the rulebook
        that made it (the store keeps each, by digest), on ``backend``: each kind of
        record, check-ins, overrides, goal changes and upgrades, comes out byte-identical
        (only the backend's name may differ), or is reported (``report.own`` is True).
        ``rulebooks`` adds rulebooks a store written before footcore kept them lacks.

        Raises:
            InputError: a rulebook or the backend is refused.
            StoreError: as :meth:`decisions`: verify a store before replaying it.
        """
        known = {**given_rulebooks(rulebooks), **self.rulebooks()}
        return reproduce_records(self._records(None), self.location, known, backend)

    # ------------------------------------------------------------ verification

    def verify(self, *, public_key: Ed25519PublicKey | None = None) -> StoreReport:
        """Check every athlete's chain and the rows around it; with the checkpoint signer's
        public key, check the signed checkpoints too. Never raises on a damaged store: the
        damage is what it reports.

        Without a key it finds records edited, removed from the middle, reordered or
        inserted, and athletes' rows that disagree with their chains, but not a rewrite
        whose hashes were all recomputed. With the key, every record up to the last
        checkpoint is proven as it was signed; later ones are listed as not yet anchored.

        Raises:
            InputError: ``public_key`` is not an Ed25519 public key.
            StoreError: the database could not be read.
        """
        if public_key is not None:
            check_key(public_key, private=False)
        with self._lock, self._read() as tx:
            return verify_store(tx, self.location, public_key, self.schema)

    def checkpoint(self, private_key: Ed25519PrivateKey) -> Checkpoint:
        """Sign the heads of all athletes' chains as they stand, and store the signature.

        Keep the private key away from the database; :meth:`verify` needs only the public
        key. Each checkpoint anchors every record made before it, and the tombstones of
        the athletes erased before it. The text it signs keys the heads by the salted
        digest of each athlete's id, never the id (the returned object names them).

        Raises:
            InputError: ``private_key`` is not an Ed25519 private key.
            StoreError: ``cryptography`` is missing (``pip install 'footcore[sign]'``), or
                the database could not be written.
        """
        check_key(private_key, private=True)
        made_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._write() as tx:
            lock_signing(tx)
            heads = tuple(self._head(*row) for row in tx.all(
                "SELECT athlete_id, records, head FROM footcore_athletes WHERE records > 0 "
                "ORDER BY athlete_id"))
            last = tx.one("SELECT MAX(number) FROM footcore_checkpoints")
            number = (last[0] if last and last[0] is not None else 0) + 1
            erasures = tuple(h for (h,) in tx.all("SELECT hash FROM footcore_erasures"))
            checkpoint, text = sign(private_key, number, made_at, heads,
                                    salt(tx, self.location), erasures)
            tx.run("INSERT INTO footcore_checkpoints (number, body, signature) "
                   "VALUES (?, ?, ?)", (number, text, checkpoint.signature))
        return checkpoint

    def export_checkpoints(self, *, salt: bool = False) -> dict[str, Any]:
        """The store's checkpoints and the tombstones of its erased athletes as JSON data,
        each body exactly as stored (a checkpoint's as signed), for a verifier that reads
        the spec (docs/spec/checkpoints.md): ``format`` (1), ``source``, ``checkpoints``
        (by number: ``number``, ``format``, ``made_at``, ``public_key``, ``redacted``,
        ``body``, ``signature``) and ``erasures`` (``hash``, ``body``). Nothing is verified:
        :meth:`verify` does that. With ``salt``, also the store's ``salt``, which one
        athlete's export needs to be checked against a checkpoint; whoever has it can test
        a guessed id against the digests.

        Raises:
            StoreError: the database could not be read.
        """
        if not isinstance(salt, bool):
            raise InputError(f"salt: got {salt!r:.40}; accepted: True or False", field="salt")
        with self._lock, self._read() as tx:
            return export_signed(tx, self.location, self.schema, salt)

    def _head(self, athlete_id: object, records: object, head: object) -> tuple[str, int, str]:
        """An athlete's row as a checkpoint signs it: (id, last seq, head hash).

        Raises:
            StoreError: the row is damaged (``store-damaged``): signing it would anchor
                the damage.
        """
        if not (isinstance(athlete_id, str) and type(records) is int
                and isinstance(head, str) and _HEX.fullmatch(head)):
            raise StoreError(f"store {self.location}: athlete {athlete_id!r:.80}'s row is "
                             f"damaged (records {records!r:.20}, head {head!r:.80}); "
                             f"refusing to sign it: verify the store", code="store-damaged")
        return athlete_id, records - 1, head

    # ------------------------------------------------------------ one athlete's data

    def export_athlete(self, athlete_id: str) -> dict[str, Any]:
        """Everything the store holds about the athlete, as JSON data (GDPR Art. 20): id,
        state, and every record with its decision whole and its hashes; verified first, in
        the same snapshot (docs/erasure.md).

        Raises:
            NotFound: no athlete has that id.
            StoreError: the athlete's rows are damaged (``store-damaged``, with the
                ``report``); the database could not be read.
        """
        athlete_id = checked_athlete_id(athlete_id)
        with self._lock, self._read() as tx:
            return export_athlete(tx, self.location, athlete_id, self.schema)

    def erase(self, athlete_id: str, *, by: str, role: str = "operator", reason: str,
              comment: str | None = None, on: date | None = None) -> ErasureReceipt:
        """Erase the athlete (GDPR Art. 17) in one transaction: their row, decisions, the
        plans only they used, their id in checkpoints signed before schema 2. A tombstone
        naming them by the salted digest of their id stays: :meth:`verify` reports the
        erasure and checks the checkpoints signed before it (docs/erasure.md).

        Args:
            by: who erases (an id: ``"dpo"``).
            role: athlete, coach, clinician, app or operator.
            reason: gdpr-art-17, athlete-request, account-closed, retention-expired, other.
            comment: a note kept in the tombstone (nothing personal).
            on: the day; today (UTC) when None.

        Raises:
            NotFound: no athlete has that id.
            InputError: an argument is not one accepted; nothing is erased.
            StoreError: the database could not be written (nothing is erased), or is
                read-only; ``store-unscrubbed``: erased, SQLite's files not yet scrubbed.
        """
        athlete_id = checked_athlete_id(athlete_id)
        with self._lock, self._naming(athlete_id), self._scrubbing():
            with self._write() as tx:
                receipt = erase(tx, self.location, athlete_id, by=by, role=role,
                                reason=reason, comment=comment, on=on)
            self._states.pop(athlete_id, None)
        return receipt

    # ------------------------------------------------------------ interchange

    def export_jsonl(self, path: str | os.PathLike[str]) -> int:
        """Write every decision to ``path`` as a JSON Lines audit log (what
        :class:`AuditLog` writes), athlete by athlete, oldest first; return how many.

        The store is verified first, in the same snapshot, so an export never launders a
        damaged store into a log whose hashes add up. Athletes with no decision yet have
        nothing to audit and are not in the file.

        Raises:
            StoreError: the store is damaged (its ``report`` says how); nothing is written.
            InputError: the file cannot be written.
        """
        with self._lock, self._read() as tx:
            report = verify_store(tx, self.location, None, self.schema)
            if not report.ok:
                raise StoreError(f"refusing to export a damaged store: {report}",
                                 report=report)
            rows = tx.stream(
                "SELECT d.athlete_id, d.seq, d.decision, d.plan, p.plan, d.prior_plan, q.plan "
                "FROM footcore_decisions d "
                "JOIN footcore_plans p ON p.hash = d.plan "
                "JOIN footcore_plans q ON q.hash = d.prior_plan "
                "ORDER BY d.athlete_id, d.seq")
            return write_log((whole_decision(text, {a: a_text, b: b_text},
                                             self._where(athlete, seq))
                              for athlete, seq, text, a, a_text, b, b_text in rows), path)

    def import_jsonl(self, path: str | os.PathLike[str]) -> ImportReport:
        """Add the athletes and decisions of a JSON Lines audit log (an export, or a log
        an :class:`AuditLog` kept), each athlete's chain rebuilt, in one transaction.

        Raises:
            StoreError: the log is damaged (:func:`verify_log` finds a problem).
            InputError: there is no file at ``path``; an athlete's decisions do not follow
                one from the next; the store has one of the log's athletes already.
                Nothing is imported.
        """
        with self._lock, self._write() as tx:
            return read_log(tx, path)

    def load_histories(self, engine: Engine, histories: Iterable[History], *,
                       chunk_athletes: int = 100, by: str | None = None,
                       role: Role | str | None = None) -> LoadReport:
        """Add many athletes with their histories at once (a migration, a population):
        the records are those :meth:`add_athlete` (with ``engine``) and then
        :meth:`check_in` (with ``by`` and ``role``), :meth:`change_goal` and
        :meth:`override` for each check-in and change, in order, would write, hash for
        hash, but each ``chunk_athletes`` athletes are decided in memory and written in
        one transaction. ``histories`` is any iterable of
        :class:`~footcore.impact.History` (:func:`~footcore.impact.read_histories` reads
        a file of them), read a chunk at a time. A check-in id repeated with the same
        content is a retry, and records nothing, as in :meth:`check_in`.

        Raises:
            InputError: ``chunk_athletes`` is not a whole number from 1; a history is not
                one, or a check-in or change in it is invalid or refused (the engine's code,
                the message naming the history and its position), or it is on another
                rulebook than ``engine``'s (``rulebook-mismatch``).
            Conflict: (``athlete-exists``) the store has one of the athletes already, or
                the histories hold one twice.
            CheckInConflict: a history repeats a check-in id for other content.
            StoreError: as :meth:`check_in`.

        On an error nothing of the chunk it is in is written, and the chunks before it
        stay written (:meth:`athletes` lists them): load the histories from that chunk on.
        """
        checked_engine(engine)
        chunk = _count(chunk_athletes, "chunk_athletes", 1)
        athletes = records = 0
        for histories_ in chunks_of(histories, chunk):
            decided = [decide(engine, history, by, role) for history in histories_]
            keep = engine.rulebook if engine.rulebook.digest not in self._kept else None
            with self._lock, self._write() as tx:
                if keep is not None:
                    keep_rulebook(tx, keep)
                records += write_chunk(tx, decided)
            self._kept.add(engine.rulebook.digest)
            athletes += len(decided)
        return LoadReport(athletes, records)

