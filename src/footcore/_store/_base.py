"""The store: athletes' states and their decisions in a database, one transaction per
check-in, each athlete's decisions in a hash chain of their own.

:class:`Store` holds everything both databases share; a subclass supplies the connection
and how a transaction starts. Long because every operation of a store (check-ins, changes,
upgrades, reading back, verification, interchange) needs its connection, lock and the
chains' rules: split into mixins, each would declare them again. The work that needs none
lives in the modules beside it (rows, verification, rulebooks, upgrades, interchange).
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from .._audit_records import _HEX, _encode
from .._convert import CONVERTER, structure
from .._engine import Engine
from .._enums import Action, ChangeKind, Goal, Role
from .._errors import CheckInConflict, Conflict, InputError, NotFound
from .._history import HistoryRow, history_row
from .._ids import normal_id
from .._models import AthleteState, Change, CheckIn, Decision
from .._population._histories import History, HistoryBuilder, decision_part
from .._replay import ReplayReport, replay_records, reproduce_records
from .._rulebook import Rulebook
from ._db import READS, SCHEMA, TABLES, StoreError, Tx, add_salt, salt, upgrade
from ._erase import ErasureReceipt, erase, lock_signing
from ._export import export_athlete
from ._interchange import ImportReport, read_log, write_log
from ._rows import (
    Row,
    damaged,
    genesis,
    insert_row,
    make_row,
    read_decision,
    stored_json,
    whole_decision,
)
from ._rulebooks import keep_rulebook, read_rulebooks
from ._sign import Checkpoint, check_key, sign
from ._upgrade import UpgradeReport, check_upgrade, given_rulebooks, upgrade_report
from ._verify import StoreReport, verify_store

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = ["Store", "on_rulebook"]

_REMEMBERED = 4096  # athletes whose last written state a store keeps


@attrs.frozen
class _Snapshot:
    state: AthleteState
    records: int
    head: str
    stored: Decision | None  # the decision already recorded for the check-in's id


def _athlete_id(value: object) -> str:
    return normal_id(value, "athlete_id")


def _in_sequence(where: str, seq: object, number: int) -> None:
    """Refuse a record stored as ``seq`` where record ``number`` belongs (0 first)."""
    if type(seq) is not int:
        raise damaged(where, f"its record number is {seq!r:.20}, not a whole number")
    if seq != number:
        raise damaged(where, f"the record is missing: the chain goes on at record {seq + 1}")


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


def _engine(engine: object) -> Engine:
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
    book = engine.rulebook
    if state.rulebook_digest != book.digest:
        raise InputError(f"engine: rulebook {book.id} {book.version} ({book.digest[:12]}); "
                         f"athlete {state.athlete_id} is on rulebook "
                         f"{state.rulebook_digest[:12]}: decide with that rulebook (--rules), "
                         f"or move the store's athletes to this one first with "
                         f"store.upgrade(engine) (footcore store upgrade --rules)",
                         code="rulebook-mismatch")
    return state


def _same_change(last: Decision, kind: ChangeKind, on: date, by: object, role: object,
                 reason: object, comment: object) -> bool:
    """Whether ``last`` records the change of ``kind`` these arguments ask for."""
    change = last.change
    return (change is not None and change.kind is kind and change.on == on
            and (change.by, change.reason, change.comment) == (by, reason, comment)
            and (change.role.value if change.role else None) == getattr(role, "value", role))


def _same_checkin(stored: CheckIn, given: CheckIn, athlete_id: str) -> None:
    """Refuse a check-in that reuses a stored one's id for other content."""
    if stored == given:
        return
    differs = [field.name for field in attrs.fields(CheckIn)
               if getattr(stored, field.name) != getattr(given, field.name)]
    raise CheckInConflict(str(given.id), athlete_id,
                          f"differs in {', '.join(differs)}" if differs else "differs")


class Store(ABC):
    """Athletes' states and decisions in a database; open one with :func:`open_store`.

    A store object holds one connection and serialises the calls made on it from several
    threads; open one per process (or per thread, for parallel threads). Processes and
    machines sharing the database are safe: each check-in is one transaction.
    ``location`` names the database: its path, or its URL without the password.
    ``readonly`` is True for a store opened ``readonly=True``, whose writes raise
    :class:`StoreError` (``store-readonly``); ``created`` is True when opening it created
    the store (its tables). ``schema`` is the store's schema: 2, or 1 for a store made
    before schema 2 and opened read-only; opened to write, it is upgraded (``upgraded``).
    """

    def __init__(self, location: str, *, readonly: bool = False) -> None:
        self.location = location
        self.readonly = readonly
        self.created = False
        self.schema, self.upgraded = SCHEMA, False
        self._lock = threading.Lock()
        # The states this store wrote last, by athlete, with the chain head they go with:
        # while the head is unchanged, the stored state is this one.
        self._states: OrderedDict[str, tuple[str, AthleteState]] = OrderedDict()
        self._kept: set[str] = set()  # the digests of the rulebooks the store holds

    def _remember(self, athlete_id: str, head: str, state: AthleteState) -> None:
        self._states[athlete_id] = (head, state)
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

    @contextmanager
    def _naming(self, athlete_id: str | None, seq: int | None = None) -> Iterator[None]:
        """Name the athlete (and the record, where one applies) in a StoreError the
        database raises in the block; a damaged row is named where it is found."""
        try:
            yield
        except StoreError as exc:
            if exc.code == "store-damaged":
                raise
            detail = str(exc).removeprefix(f"store {self.location}: ")
            raise StoreError(f"{self._where(athlete_id, seq)}: {detail}",
                             code=exc.code) from None

    def __enter__(self) -> Store:
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
            with self._write() if create else self._read() as tx:
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
        rulebook = None if engine is None else _engine(engine).rulebook
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
        athlete_id = _athlete_id(athlete_id)
        with self._lock, self._naming(athlete_id):
            with self._single() as tx:
                state = self._snapshot(tx, athlete_id, None).state
            self._settle()
            return state

    def _snapshot(self, tx: Tx, athlete_id: str, checkin_id: str | None) -> _Snapshot:
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
        if cached is not None and cached[0] == head:
            state = cached[1]
        else:
            state = self._stored_state(athlete_id, text)
        stored = None
        if decision is not None:
            where = self._where(athlete_id, seq if type(seq) is int else None)
            stored = read_decision(decision, {plan: plan_text, prior: prior_text}, where)
        return _Snapshot(state, records, head, stored)

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

    # ------------------------------------------------------------ check-ins

    def check_in(self, engine: Engine, athlete_id: str, checkin: CheckIn, *,
                 by: str | None = None, role: Role | str | None = None) -> Decision:
        """Decide on ``checkin`` from the athlete's stored state and record the decision,
        the new state and the chain link in one transaction. ``by`` (and ``role``, the
        athlete's by default) names who sent it, recorded in the decision's ``change``.

        A check-in whose ``id`` the athlete already has in the store, with the same content,
        is a retry (an idempotency key): it gets the stored decision back, unchanged, and
        nothing is recorded.

        Raises:
            NotFound: no athlete has that id.
            CheckInConflict: the athlete has a check-in with that ``id`` and other content.
            InputError: the check-in is invalid or older than the last one; the athlete
                is on another rulebook than the engine's (``rulebook-mismatch``: upgrade
                the store first), or their stored state does not fit it. Nothing is
                recorded.
            StoreError: the database could not be reached or stayed busy, or the disk is
                full or failed (the check-in may be recorded: retry it with the same
                ``CheckIn.id``, which records it once); the athlete's stored rows are
                damaged (``store-damaged``). The message names the athlete and the record.
        """
        return self.record_check_in(engine, athlete_id, checkin, by=by, role=role)[0]

    def record_check_in(self, engine: Engine, athlete_id: str, checkin: CheckIn, *,
                        by: str | None = None, role: Role | str | None = None
                        ) -> tuple[Decision, bool]:
        """What :meth:`check_in` does, with whether this call recorded the decision: False
        for a retry answered from the store (a service answers 201 or 200 by it).

        Raises:
            As :meth:`check_in`.
        """
        _engine(engine)
        if not isinstance(checkin, CheckIn):
            raise InputError(f"checkin: got {type(checkin).__name__}; accepted: a CheckIn")
        change = None if by is None and role is None else Change(
            ChangeKind.CHECKIN, checkin.on, by, Role.ATHLETE if role is None else role)
        athlete_id = _athlete_id(athlete_id)
        with self._lock:
            while True:
                with self._naming(athlete_id), self._single() as tx:
                    snap = self._snapshot(tx, athlete_id, checkin.id)
                if snap.stored is not None:
                    _same_checkin(snap.stored.answered, checkin, athlete_id)
                    with self._naming(athlete_id):
                        self._settle()  # answer a retry only with what a power cut keeps
                    return snap.stored, False
                on_rulebook(engine, snap.state)
                decision = engine.evaluate(snap.state, checkin)
                if change is not None:
                    decision = attrs.evolve(decision, change=change)
                if self._record(athlete_id, snap, decision, engine.rulebook):
                    return decision, True
                # Another writer recorded a decision for this athlete first: read again.

    def _record(self, athlete_id: str, snap: _Snapshot, decision: Decision,
                rulebook: Rulebook) -> bool:
        """Append ``decision``, made under ``rulebook``, to the athlete's chain if it still
        ends where ``snap`` saw it end; False when another writer appended first."""
        row = make_row(decision, snap.records, snap.head)
        keep = rulebook if rulebook.digest not in self._kept else None
        with self._naming(athlete_id, row.seq):
            appended = self._append(athlete_id, snap.head, row, keep)
        if appended:
            self._remember(athlete_id, row.hash, decision.state)
            self._kept.add(rulebook.digest)
        return appended

    def _change(self, engine: Engine, athlete_id: str,
                make: Callable[[AthleteState, Decision | None], Decision | None],
                retried: Callable[[Decision], bool] | None = None
                ) -> tuple[Decision | None, bool]:
        """Record the decision ``make`` makes under ``engine`` from the athlete's state and
        last decision (nothing, when it makes none), and whether it was recorded: the last
        decision, not recorded again, when ``retried`` says it is the one asked for (a
        retry, as a check-in's id is)."""
        _engine(engine)
        athlete_id = _athlete_id(athlete_id)
        with self._lock:
            while True:
                with self._naming(athlete_id), self._single() as tx:
                    snap = self._snapshot(tx, athlete_id, None)
                    last = self._last(tx, athlete_id, snap.records)
                if last is not None and retried is not None and retried(last):
                    return last, False
                decision = make(snap.state, last)
                if decision is None or self._record(athlete_id, snap, decision,
                                                    engine.rulebook):
                    return decision, decision is not None

    def _last(self, tx: Tx, athlete_id: str, records: int) -> Decision | None:
        """The athlete's last decision (None before their first)."""
        if not records:
            return None
        found = tx.one("SELECT d.decision, d.plan, p.plan, d.prior_plan, q.plan "
                       "FROM footcore_decisions d "
                       "LEFT JOIN footcore_plans p ON p.hash = d.plan "
                       "LEFT JOIN footcore_plans q ON q.hash = d.prior_plan "
                       "WHERE d.athlete_id = ? AND d.seq = ?", (athlete_id, records - 1))
        where = self._where(athlete_id, records - 1)
        if found is None:
            raise damaged(where, "the record is missing")
        text, plan, plan_text, prior, prior_text = found
        return read_decision(text, {plan: plan_text, prior: prior_text}, where)

    def override(self, engine: Engine, athlete_id: str, *, on: date, by: str,
                 role: Role | str, reason: str, action: Action | str | None = None,
                 clearance: bool | None = None, comment: str | None = None) -> Decision:
        """A coach or clinician sets the athlete's action in place of the rules', recorded
        in their chain as an ``override`` (see :meth:`Engine.override`, which makes it
        after the athlete's last decision). The same override asked again right after it
        (same day, who, role, reason, comment, action and clearance) is a retry: it gets
        the recorded decision back, and nothing is recorded.

        Raises:
            NotFound: no athlete has that id.
            Conflict: the override is unsafe (``override-unsafe``,
                ``clearance-needs-clinician``) or raises the load on the day the rules
                answered with a back-off (``override-conflict``, naming the rules).
            InputError: as :meth:`Engine.override`. Nothing is recorded.
            StoreError: as :meth:`check_in`.
        """
        return self.record_override(engine, athlete_id, on=on, by=by, role=role,
                                    reason=reason, action=action, clearance=clearance,
                                    comment=comment)[0]

    def record_override(self, engine: Engine, athlete_id: str, *, on: date, by: str,
                        role: Role | str, reason: str, action: Action | str | None = None,
                        clearance: bool | None = None, comment: str | None = None
                        ) -> tuple[Decision, bool]:
        """What :meth:`override` does, with whether this call recorded it (False: a
        retry answered from the store).

        Raises:
            As :meth:`override`.
        """
        def make(state: AthleteState, last: Decision | None) -> Decision:
            return engine.override(on_rulebook(engine, state), on=on, by=by, role=role,
                                   reason=reason, action=action, clearance=clearance,
                                   comment=comment, after=last)

        def retried(last: Decision) -> bool:
            asked = (action is None or last.action.value == getattr(action, "value", action))
            return (asked and _same_change(last, ChangeKind.OVERRIDE, on, by, role, reason,
                                           comment)
                    and dict(last.firings[0].matched).get("clearance") == clearance)

        made, recorded = self._change(engine, athlete_id, make, retried)
        assert made is not None
        return made, recorded

    def change_goal(self, engine: Engine, athlete_id: str, goal: Goal | str, *, on: date,
                    by: str | None = None, role: Role | str | None = None,
                    reason: str | None = None, comment: str | None = None) -> Decision:
        """The athlete trains for ``goal`` from ``on`` (P12), recorded in their chain as a
        ``goal`` change (see :meth:`Engine.change_goal`). The same change asked again right
        after it is a retry: it gets the recorded decision back.

        Raises:
            NotFound: no athlete has that id.
            InputError: as :meth:`Engine.change_goal`. Nothing is recorded.
            StoreError: as :meth:`check_in`.
        """
        return self.record_goal_change(engine, athlete_id, goal, on=on, by=by, role=role,
                                       reason=reason, comment=comment)[0]

    def record_goal_change(self, engine: Engine, athlete_id: str, goal: Goal | str, *,
                           on: date, by: str | None = None, role: Role | str | None = None,
                           reason: str | None = None, comment: str | None = None
                           ) -> tuple[Decision, bool]:
        """What :meth:`change_goal` does, with whether this call recorded it (False: a
        retry answered from the store).

        Raises:
            As :meth:`change_goal`.
        """
        def make(state: AthleteState, _: Decision | None) -> Decision:
            return engine.change_goal(on_rulebook(engine, state), goal, on=on, by=by,
                                      role=role, reason=reason, comment=comment)

        def retried(last: Decision) -> bool:
            return last.state.goal.value == getattr(goal, "value", goal) and _same_change(
                last, ChangeKind.GOAL, on, by, role, reason, comment)

        made, recorded = self._change(engine, athlete_id, make, retried)
        assert made is not None
        return made, recorded

    def _append(self, athlete_id: str, head: str, row: Row, rulebook: Rulebook | None) -> bool:
        """Record ``row`` (and ``rulebook``, the one that made it, when the store may lack
        it) if the athlete's chain still ends at ``head``. The update comes first: it locks
        the athlete's row (PostgreSQL) or holds the write lock (SQLite) and checks the head
        in one statement."""
        with self._write() as tx:
            if not tx.run("UPDATE footcore_athletes SET state = ?, records = ?, head = ? "
                          "WHERE athlete_id = ? AND head = ?",
                          (row.state, row.seq + 1, row.hash, athlete_id, head)):
                return False
            if rulebook is not None:
                keep_rulebook(tx, rulebook)
            insert_row(tx, athlete_id, row)
        return True

    # ------------------------------------------------------------ rulebooks

    def rulebooks(self) -> dict[str, Rulebook]:
        """Every rulebook the store has used, by digest: the one of each athlete's records,
        and of each athlete added with their engine.

        Raises:
            StoreError: (``store-damaged``) a stored rulebook cannot be loaded or is not
                the rulebook of its digest; the database could not be read.
        """
        if self.schema < 2:  # a schema-1 store, opened read-only, kept none
            return {}
        with self._lock, self._read() as tx:
            found = read_rulebooks(tx, self.location)
        self._kept.update(found)
        return found

    def upgrade(self, engine: Engine, *, on: date, by: str, role: Role | str = Role.OPERATOR,
                reason: str | None = None, comment: str | None = None,
                mapping: Mapping[str, str] | None = None,
                rulebooks: Iterable[Rulebook] = ()) -> UpgradeReport:
        """Move every athlete not on the engine's rulebook to it on ``on``: each gets an
        ``upgrade`` record (see :meth:`Engine.upgrade`) at the same stage id, or
        ``mapping[old stage id]``, in a transaction of its own. The rulebook each athlete
        moves from is the one the store keeps for their state's digest (or one of
        ``rulebooks``, for a store written before footcore kept them).

        Every athlete's upgrade is made before any is written: when one cannot be made,
        nothing is written. Athletes on the engine's rulebook already are skipped, so
        running it again after a crash moves the rest.

        Raises:
            InputError: an athlete's stage has no place in the new rulebook
                (``stage-unmapped``, naming the athletes); the store lacks an athlete's
                rulebook (``rulebook-missing``); ``on``, ``by``, ``role``, ``reason`` or
                ``mapping`` is refused (as :meth:`Engine.upgrade`). Nothing is written.
            StoreError: as :meth:`check_in`; the athletes moved before it are moved.
        """
        _engine(engine)
        self._writable()
        given = given_rulebooks(rulebooks)
        digest = engine.rulebook.digest
        with self._lock, self._read() as tx:
            rows = tx.all("SELECT athlete_id, state FROM footcore_athletes "
                          "ORDER BY athlete_id")
            stored = read_rulebooks(tx, self.location)
        old = {**given, **stored}
        states = [self._stored_state(str(athlete), text) for athlete, text in rows]
        moving = [state for state in states if state.rulebook_digest != digest]
        check_upgrade(engine, moving, old, on, mapping)
        used = {s.rulebook_digest for s in moving} & (set(given) - set(stored))
        if used:
            with self._lock, self._write() as tx:
                for key in sorted(used):
                    keep_rulebook(tx, given[key])
        moved: list[tuple[str, str, str]] = []
        skipped = [state.athlete_id for state in states if state.rulebook_digest == digest]

        def move(state: AthleteState, _: Decision | None) -> Decision | None:
            if state.rulebook_digest == digest:  # moved since (a run beside this one)
                return None
            return engine.upgrade(state, old[state.rulebook_digest], on=on, by=by,
                                  role=role, reason=reason, comment=comment,
                                  mapping=mapping)

        for state in moving:
            made, _ = self._change(engine, state.athlete_id, move)
            if made is None:
                skipped.append(state.athlete_id)
            else:
                moved.append((state.athlete_id, made.prior_state.stage, made.state.stage))
        return upgrade_report(self.location, engine, on, moved, skipped)

    # ------------------------------------------------------------ reading back

    def decisions(self, athlete_id: str) -> tuple[Decision, ...]:
        """The athlete's decisions, oldest first (none for an athlete not in the store).

        Raises:
            StoreError: a record is damaged or missing (``store-damaged``, naming the
                athlete and the record), or the database could not be read.
        """
        return tuple(d for _, d in self._records(_athlete_id(athlete_id)))

    def _records(self, athlete_id: str | None) -> Iterator[tuple[int, Decision]]:
        """(seq, decision) of one athlete's records, or of all, by athlete then seq; each
        athlete's must be numbered 0, 1, 2... (a record missing in the middle is damage,
        not a shorter history)."""
        where, params = ("WHERE d.athlete_id = ? ", (athlete_id,)) if athlete_id else ("", ())
        with self._lock, self._naming(athlete_id), self._read() as tx:
            rows = tx.all(
                "SELECT d.athlete_id, d.seq, d.decision, d.plan, p.plan, d.prior_plan, q.plan "
                "FROM footcore_decisions d "
                "LEFT JOIN footcore_plans p ON p.hash = d.plan "
                "LEFT JOIN footcore_plans q ON q.hash = d.prior_plan " + where +
                "ORDER BY d.athlete_id, d.seq", params)
        expected: dict[object, int] = {}
        for athlete, seq, text, plan, plan_text, prior, prior_text in rows:
            number = expected.get(athlete, 0)
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
        return tuple(history_row(seq, d) for seq, d in self._records(_athlete_id(athlete_id)))

    def replay(self, engine: Engine) -> ReplayReport:
        """Re-derive every recorded decision from its stored inputs with ``engine``, and
        report each that comes out differently (see :func:`footcore.audit.replay_log`):
        what ``engine``'s rulebook would have decided. An upgrade record moves from the
        rulebook the store keeps for it; to reproduce each record under the rulebook
        that made it, use :meth:`reproduce`.

        Raises:
            StoreError: as :meth:`decisions`: verify a store before replaying it.
        """
        _engine(engine)
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
        athlete_id = _athlete_id(athlete_id)
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
        athlete_id = _athlete_id(athlete_id)
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
