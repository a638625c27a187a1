"""A store's writes of decisions: check-ins, overrides and goal changes (each answering a
retry from the store), and upgrades to another rulebook, each athlete's record appended to
their chain in a transaction of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

import attrs

from .._engine import Engine
from .._enums import Action, ChangeKind, Goal, Role
from .._errors import CheckInConflict, InputError
from .._models import AthleteState, Change, CheckIn, Decision
from .._population._histories import HistoryChange
from .._rulebook import Rulebook
from .._trusted import trusted
from ._db import Tx
from ._rows import (
    Row,
    Written,
    damaged,
    insert_row,
    make_row,
    read_decision,
)
from ._rulebooks import keep_rulebook, read_rulebooks
from ._upgrade import UpgradeReport, check_upgrade, given_rulebooks, upgrade_report

if TYPE_CHECKING:
    pass


from ._core import Snapshot, StoreCore, checked_athlete_id, checked_engine, on_rulebook

__all__ = ["WritingStore", "checkin_change", "history_retried", "same_checkin", "sent_by"]

_DECISION = trusted(Decision)
_UNCHANGED = tuple(field.name for field in attrs.fields(Decision) if field.name != "change")


def sent_by(decision: Decision, change: Change) -> Decision:
    """The engine's ``decision`` on a check-in with ``change``, a checked change of that
    check-in on its day (who sent it): no check of the decision's could fail anew, and
    ``attrs.evolve`` would run them all again: 25 us of CPU against 2, more than the
    engine's evaluate of a check-in (benchmarks/bench_serve.py --parts, "store.record_check_in,
    by and role" against "store.check_in")."""
    return _DECISION(**{name: getattr(decision, name) for name in _UNCHANGED}, change=change)


def _same_change(last: Decision, kind: ChangeKind, on: date, by: object, role: object,
                 reason: object, comment: object) -> bool:
    """Whether ``last`` records the change of ``kind`` these arguments ask for."""
    change = last.change
    return (change is not None and change.kind is kind and change.on == on
            and (change.by, change.reason, change.comment) == (by, reason, comment)
            and (change.role.value if change.role else None) == getattr(role, "value", role))

def same_checkin(stored: CheckIn, given: CheckIn, athlete_id: str) -> None:
    """Refuse a check-in that reuses a stored one's id for other content."""
    if stored == given:
        return
    differs = [field.name for field in attrs.fields(CheckIn)
               if getattr(stored, field.name) != getattr(given, field.name)]
    raise CheckInConflict(str(given.id), athlete_id,
                          f"differs in {', '.join(differs)}" if differs else "differs")


def checkin_change(checkin: CheckIn, by: str | None, role: Role | str | None
                   ) -> Change | None:
    """The change a check-in's decision records: who sent it (``by``, ``role``, the
    athlete's by default), or none when neither is given."""
    return None if by is None and role is None else Change(
        ChangeKind.CHECKIN, checkin.on, by, Role.ATHLETE if role is None else role)


def override_retried(on: date, by: object, role: object, reason: object, comment: object,
                     action: object, clearance: bool | None) -> Callable[[Decision], bool]:
    """Whether an athlete's last decision is this override: asked again, it is a retry."""
    def retried(last: Decision) -> bool:
        asked = (action is None or last.action.value == getattr(action, "value", action))
        return (asked and _same_change(last, ChangeKind.OVERRIDE, on, by, role, reason,
                                       comment)
                and dict(last.firings[0].matched).get("clearance") == clearance)
    return retried


def goal_retried(goal: object, on: date, by: object, role: object, reason: object,
                 comment: object) -> Callable[[Decision], bool]:
    """Whether an athlete's last decision is this goal change: asked again, a retry."""
    def retried(last: Decision) -> bool:
        return last.state.goal.value == getattr(goal, "value", goal) and _same_change(
            last, ChangeKind.GOAL, on, by, role, reason, comment)
    return retried


def history_retried(made: HistoryChange) -> Callable[[Decision], bool]:
    """Whether an athlete's last decision is the change ``made`` of a history."""
    change = made.change
    if change.kind is ChangeKind.GOAL:
        return goal_retried(made.goal, change.on, change.by, change.role, change.reason,
                            change.comment)
    return override_retried(change.on, change.by, change.role, change.reason,
                            change.comment, made.action, made.clearance)


class WritingStore(StoreCore):
    """The writes of :class:`Store`; see there."""

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
        checked_engine(engine)
        if not isinstance(checkin, CheckIn):
            raise InputError(f"checkin: got {type(checkin).__name__}; accepted: a CheckIn")
        change = checkin_change(checkin, by, role)
        athlete_id = checked_athlete_id(athlete_id)
        with self._lock:
            while True:
                with self._naming(athlete_id), self._single() as tx:
                    snap = self._snapshot(tx, athlete_id, checkin.id)
                if snap.stored is not None:
                    same_checkin(snap.stored.answered, checkin, athlete_id)
                    with self._naming(athlete_id):
                        self._settle()  # answer a retry only with what a power cut keeps
                    return snap.stored, False
                on_rulebook(engine, snap.state)
                decision = engine.evaluate(snap.state, checkin)
                if change is not None:
                    decision = sent_by(decision, change)
                if self._record(athlete_id, snap, decision, engine.rulebook):
                    return decision, True
                # Another writer recorded a decision for this athlete first: read again.

    def _record(self, athlete_id: str, snap: Snapshot, decision: Decision,
                rulebook: Rulebook) -> bool:
        """Append ``decision``, made under ``rulebook``, to the athlete's chain if it still
        ends where ``snap`` saw it end; False when another writer appended first."""
        last = self._states.get(athlete_id)
        row = make_row(decision, snap.records, snap.head,
                       last if last is not None and last.head == snap.head else None)
        keep = rulebook if rulebook.digest not in self._kept else None
        with self._naming(athlete_id, row.seq):
            appended = self._append(athlete_id, snap.head, row, keep)
        if appended:
            self._remember(athlete_id, Written(row.hash, decision.state, row.state,
                                               decision.plan, row.refs[0]))
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
        checked_engine(engine)
        athlete_id = checked_athlete_id(athlete_id)
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

        made, recorded = self._change(engine, athlete_id, make, override_retried(
            on, by, role, reason, comment, action, clearance))
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

        made, recorded = self._change(engine, athlete_id, make, goal_retried(
            goal, on, by, role, reason, comment))
        assert made is not None
        return made, recorded

    def _append(self, athlete_id: str, head: str, row: Row, rulebook: Rulebook | None) -> bool:
        """Record ``row`` (and ``rulebook``, the one that made it, when the store may lack
        it) if the athlete's chain still ends at ``head``. The update comes first: it locks
        the athlete's row (PostgreSQL) or holds the write lock (SQLite) and checks the head
        in one statement; so the plan the record at ``head`` uses, which the row may leave
        out of its plans (see :class:`Written`), is stored."""
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
        checked_engine(engine)
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

