"""The core of a store: its connection, lock and schema, its athletes and their states,
and how a transaction reads an athlete's chain; what the store's other layers build on.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Self

import attrs

from .._audit_records import _encode
from .._changes import check_made_under
from .._convert import CONVERTER, structure
from .._engine import Engine
from .._errors import Conflict, InputError, NotFound
from .._ids import normal_id
from .._models import AthleteState, Decision
from ._db import READS, SCHEMA, TABLES, StoreError, Tx, add_salt, upgrade
from ._rows import (
    Written,
    damaged,
    genesis,
    read_decision,
    stored_json,
)
from ._rulebooks import keep_rulebook

if TYPE_CHECKING:
    pass


__all__ = ["Snapshot", "StoreCore", "checked_athlete_id", "checked_engine", "on_rulebook"]

_REMEMBERED = 4096  # athletes whose last written state a store keeps


@attrs.frozen
class Snapshot:
    state: AthleteState
    records: int
    head: str
    stored: Decision | None  # the decision already recorded for the check-in's id

def checked_athlete_id(value: object) -> str:
    return normal_id(value, "athlete_id")

def checked_engine(engine: object) -> Engine:
    """Refuse what is not an engine."""
    if not isinstance(engine, Engine):
        raise InputError(f"engine: got {type(engine).__name__}; accepted: an Engine")
    return engine

def on_rulebook(engine: Engine, state: AthleteState) -> AthleteState:
    """``state``, when ``engine`` decides under the rulebook it was made under: a store
    moves its athletes to another rulebook only by an upgrade, which its chains record.

    Raises:
        InputError: (``rulebook-mismatch``) the engine's rulebook is another.
    """
    check_made_under(engine.rulebook, state, "decide with that rulebook (--rules), or move "
                     "the store's athletes to this one first with store.upgrade(engine) "
                     "(footcore store upgrade --rules)")
    return state

class _Naming:
    """What :meth:`StoreCore._naming` returns: a class, not a generator, as it wraps each
    of a check-in's queries (benchmarks/bench_store_overhead.py)."""

    __slots__ = ("_athlete_id", "_seq", "_store")

    def __init__(self, store: StoreCore, athlete_id: str | None, seq: int | None) -> None:
        self._store, self._athlete_id, self._seq = store, athlete_id, seq

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> None:
        if isinstance(exc, StoreError) and exc.code != "store-damaged":
            store = self._store
            detail = str(exc).removeprefix(f"store {store.location}: ")
            raise StoreError(f"{store._where(self._athlete_id, self._seq)}: {detail}",
                             code=exc.code) from None


class StoreCore(ABC):
    """What every layer of :class:`~footcore.store.Store` needs: the connection (which a
    database's subclass supplies), the lock, the schema, and the athletes' rows."""

    def __init__(self, location: str, *, readonly: bool = False) -> None:
        self.location = location
        self.readonly = readonly
        self.created = False
        self.schema, self.upgraded = SCHEMA, False
        self._lock = threading.Lock()
        # What this store wrote last, by athlete, with the chain head it goes with: while
        # the head is unchanged, the stored state is this one.
        self._states: OrderedDict[str, Written] = OrderedDict()
        self._kept: set[str] = set()  # the digests of the rulebooks the store holds

    def _remember(self, athlete_id: str, written: Written) -> None:
        self._states[athlete_id] = written
        self._states.move_to_end(athlete_id)
        if len(self._states) > _REMEMBERED:
            self._states.popitem(last=False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.location!r})"

    def _where(self, athlete_id: str | None, seq: int | None = None) -> str:
        """The store, the athlete and the record (``seq + 1``), for a message."""
        athlete = f": athlete {athlete_id!r}" if athlete_id is not None else ""
        record = f", record {seq + 1}" if seq is not None else ""
        return f"store {self.location}{athlete}{record}"

    def _naming(self, athlete_id: str | None, seq: int | None = None) -> _Naming:
        """Name the athlete (and the record, where one applies) in a StoreError the
        database raises in the block; a damaged row is named where it is found."""
        return _Naming(self, athlete_id, seq)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ what a database supplies

    _FIND_META: str
    """A query that returns a row when the database has the table footcore_meta."""

    @abstractmethod
    def _read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction that sees one snapshot."""

    @abstractmethod
    def _single(self) -> AbstractContextManager[Tx]:
        """Queries of one statement each, outside a transaction."""

    @abstractmethod
    def _write(self) -> AbstractContextManager[Tx]:
        """A read-write transaction, committed when the block ends without an error."""

    @abstractmethod
    def close(self) -> None:
        """Close the connection."""

    @abstractmethod
    def _settle(self) -> None:
        """Make sure what this store has read or written is on disk, where a commit does
        not already see to that."""

    @abstractmethod
    def _scrubbing(self) -> AbstractContextManager[None]:
        """Around an erasure: leave no copy of the rows it deletes in the database's files,
        where the database keeps some outside its tables (SQLite)."""

    def _writable(self) -> None:
        """Refuse a write to a store opened read-only."""
        if self.readonly:
            raise StoreError(f"store {self.location}: opened read-only; open it without "
                             f"readonly=True to write", code="store-readonly")

    def _prepare(self, first: str | None = None, *, create: bool = True) -> None:
        """Check the schema version; with ``create``, create the tables first if missing,
        after running the statement ``first`` in the same transaction, and upgrade a
        schema-1 store to this schema; without, refuse a database that holds no footcore
        store, writing nothing (a schema-1 store is then read as it is). Close the
        connection on failure."""
        try:
            with self._lock, self._write() if create else self._read() as tx:
                if create:
                    if first:
                        tx.one(first)
                    for sql in TABLES:
                        tx.run(sql)
                elif tx.one(self._FIND_META) is None:
                    raise StoreError(f"store {self.location}: not a footcore store (it has "
                                     f"no footcore tables); footcore store init creates one",
                                     code="store-not-footcore")
                found = tx.one("SELECT value FROM footcore_meta WHERE key = 'schema'")
                if found is None and create:
                    tx.run("INSERT INTO footcore_meta (key, value) VALUES ('schema', ?)",
                           (str(SCHEMA),))
                    self.created = True
                elif found is None:
                    raise StoreError(f"store {self.location}: not a footcore store (its "
                                     f"footcore_meta table has no schema)",
                                     code="store-not-footcore")
                elif found[0] not in READS:
                    raise StoreError(f"{self.location}: a footcore store of schema "
                                     f"{found[0]}; this footcore reads schema "
                                     f"{' and '.join(READS)}", code="store-schema")
                self.schema = SCHEMA if found is None else int(found[0])
                if create and self.schema < SCHEMA:
                    upgrade(tx)
                    self.schema, self.upgraded = SCHEMA, True
                if create:
                    add_salt(tx)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ athletes

    def add_athlete(self, state: AthleteState, engine: Engine | None = None) -> None:
        """Register an athlete with their starting state (``engine.new_athlete(...)``).
        Given the ``engine`` that made the state, the store keeps its rulebook too (as it
        does at the athlete's first record otherwise), so the athlete can be upgraded
        before they check in.

        Raises:
            InputError: ``state`` is not an :class:`AthleteState`; the state was not made
                under the engine's rulebook (``rulebook-mismatch``).
            Conflict: the store has an athlete with that id already.
        """
        if not isinstance(state, AthleteState):
            raise InputError(f"state: got {type(state).__name__}; accepted: an AthleteState")
        rulebook = None if engine is None else checked_engine(engine).rulebook
        if rulebook is not None and rulebook.digest != state.rulebook_digest:
            raise InputError(f"engine: rulebook {rulebook.id} {rulebook.version} "
                             f"({rulebook.digest[:12]}); the state was made under "
                             f"{state.rulebook_digest[:12]}", code="rulebook-mismatch")
        text = _encode(CONVERTER.unstructure(state)).decode()
        with self._lock, self._naming(state.athlete_id):
            with self._write() as tx:
                added = tx.run("INSERT INTO footcore_athletes (athlete_id, state, records, "
                               "head) VALUES (?, ?, 0, ?) ON CONFLICT (athlete_id) DO NOTHING",
                               (state.athlete_id, text, genesis(state.athlete_id)))
                if added and rulebook is not None:
                    keep_rulebook(tx, rulebook)
            if added and rulebook is not None:
                self._kept.add(rulebook.digest)
        if not added:
            raise Conflict(f"AthleteState.athlete_id: {state.athlete_id!r} is in the store "
                           f"already; accepted: a new athlete (check in with store.check_in)",
                           code="athlete-exists")

    def athletes(self) -> tuple[str, ...]:
        """The ids of the store's athletes, sorted.

        Raises:
            StoreError: an athlete's id is not text (``store-damaged``), or the database
                could not be read.
        """
        with self._lock, self._read() as tx:
            found = tuple(r[0] for r in tx.all(
                "SELECT athlete_id FROM footcore_athletes ORDER BY athlete_id"))
        for athlete_id in found:
            if not isinstance(athlete_id, str):
                raise damaged(f"store {self.location}", f"it lists an athlete whose id is "
                                                        f"{athlete_id!r:.40}, not text")
        return found

    def state(self, athlete_id: str) -> AthleteState:
        """The athlete's current state: the one their last decision left.

        Raises:
            NotFound: no athlete has that id.
            StoreError: the athlete's row is damaged (``store-damaged``), or the database
                could not be read; the message names the athlete.
        """
        athlete_id = checked_athlete_id(athlete_id)
        with self._lock, self._naming(athlete_id):
            with self._single() as tx:
                state = self._snapshot(tx, athlete_id, None).state
            self._settle()
            return state

    def _snapshot(self, tx: Tx, athlete_id: str, checkin_id: str | None) -> Snapshot:
        """The athlete's row and the decision stored for ``checkin_id``, in one query."""
        found = tx.one("SELECT a.state, a.records, a.head, d.decision, d.plan, p.plan, "
                       "d.prior_plan, q.plan, d.seq FROM footcore_athletes a "
                       "LEFT JOIN footcore_decisions d "
                       "ON d.athlete_id = a.athlete_id AND d.checkin_id = ? "
                       "LEFT JOIN footcore_plans p ON p.hash = d.plan "
                       "LEFT JOIN footcore_plans q ON q.hash = d.prior_plan "
                       "WHERE a.athlete_id = ?", (checkin_id, athlete_id))
        if found is None:
            raise NotFound(f"athlete_id: no athlete {athlete_id!r} in the store "
                           f"{self.location}; add them first with store.add_athlete(state)",
                           code="athlete-not-found")
        text, records, head, decision, plan, plan_text, prior, prior_text, seq = found
        if type(records) is not int or records < 0 or not isinstance(head, str):
            raise damaged(self._where(athlete_id), "its row's record count or chain head is "
                                                   "not one footcore wrote")
        cached = self._states.get(athlete_id)
        if cached is not None and cached.head == head:
            state = cached.state
        else:
            state = self._stored_state(athlete_id, text)
        stored = None
        if decision is not None:
            where = self._where(athlete_id, seq if type(seq) is int else None)
            stored = read_decision(decision, {plan: plan_text, prior: prior_text}, where)
        return Snapshot(state, records, head, stored)

    def _stored_state(self, athlete_id: str, text: object) -> AthleteState:
        """The athlete's current state from their row's text."""
        try:
            state = structure(stored_json(text, "state"), AthleteState, "stored state")
        except ValueError as exc:  # InputError is one
            raise damaged(self._where(athlete_id), str(exc)) from None
        if state.athlete_id != athlete_id:
            raise damaged(self._where(athlete_id),
                          f"its stored state is athlete {state.athlete_id!r}'s")
        return state

